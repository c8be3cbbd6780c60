package genaitrace

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/instrument/llmtrace"
)

// HTTPClient returns an HTTP client for genai.ClientConfig.HTTPClient that
// traces the client's GenerateContent and GenerateContentStream calls:
//
//	client, err := genai.NewClient(ctx, &genai.ClientConfig{
//		APIKey:     key,
//		HTTPClient: genaitrace.HTTPClient(atClient),
//	})
//
// Every call then becomes one generation under the current AgentTrace
// observation of the call's context, or, when the context carries none, the
// root of a new trace of c. c may be nil: only calls made inside an
// observation are then traced. Other endpoints pass through untouched. The
// client sends through http.DefaultTransport; to trace a client that has
// a transport of its own (Vertex AI credentials, a proxy), use [Transport].
func HTTPClient(c *instrument.Client, settings ...Setting) *http.Client {
	return &http.Client{Transport: Transport(nil, c, settings...)}
}

// Transport returns base (http.DefaultTransport when nil) wrapped to trace
// the GenerateContent and GenerateContentStream calls that go through it,
// as [HTTPClient] does. It is for an HTTP client that already has a
// transport, such as one that adds Vertex AI credentials:
//
//	hc.Transport = genaitrace.Transport(hc.Transport, atClient)
func Transport(base http.RoundTripper, c *instrument.Client, settings ...Setting) http.RoundTripper {
	cfg := llmtrace.NewConfig(c)
	for _, s := range settings {
		s.apply(&cfg)
	}
	return llmtrace.Transport(base, provider{}, cfg)
}

// A Setting configures [HTTPClient] and [Transport].
type Setting interface {
	apply(*llmtrace.Config)
}

type settingFunc func(*llmtrace.Config)

func (f settingFunc) apply(c *llmtrace.Config) { f(c) }

// WithCaptureContent sets whether the generations record their input
// (system instruction, contents, tool declarations) and output (the
// candidate's parts: text, thoughts, function calls and their arguments).
// Captured content goes through the instrument client's mask and content
// budget. Model, parameters, usage and errors are recorded either way.
// Default: true. Environment: none.
func WithCaptureContent(on bool) Setting {
	return settingFunc(func(c *llmtrace.Config) { c.CaptureContent = on })
}

// Provider names (gen_ai.provider.name) of the two backends.
const (
	providerGemini   = "gcp.gemini"
	providerVertexAI = "gcp.vertex_ai"
)

// provider is the generateContent API of both backends as the tracing sees
// it.
type provider struct{}

func (provider) Name() string { return providerGemini }

// RetriesDroppedBodies is false: genai reads the body after its retry loop.
func (provider) RetriesDroppedBodies() bool { return false }

func (provider) Inspect(path string, body []byte, cfg *llmtrace.Config) (llmtrace.Request, bool) {
	e, ok := parsePath(path)
	if !ok {
		return llmtrace.Request{}, false
	}
	return inspectGenerate(e, body, cfg), true
}

// endpoint is what the path of a generateContent request says.
type endpoint struct {
	model  string
	stream bool
	vertex bool
}

// parsePath reads the path of a generateContent request:
//
//	/v1beta/models/{model}:generateContent                 (Gemini API)
//	/v1beta/models/{model}:streamGenerateContent           (Gemini API, ?alt=sse)
//	/v1beta1/projects/{p}/locations/{l}/publishers/google/models/{model}:generateContent (Vertex AI)
//	/v1beta1/publishers/google/models/{model}:generateContent (Vertex AI express mode)
//	/v1/projects/{p}/locations/{l}/endpoints/{id}:generateContent (a Vertex AI endpoint)
//	/v1beta/tunedModels/{model}:generateContent            (a tuned Gemini model)
//
// The model is the name after models/, else the resource's last two
// segments (endpoints/{id}, tunedModels/{model}).
func parsePath(path string) (endpoint, bool) {
	resource, method, ok := strings.Cut(path, ":")
	if !ok {
		return endpoint{}, false
	}
	var e endpoint
	switch method {
	case "generateContent":
	case "streamGenerateContent":
		e.stream = true
	default:
		return endpoint{}, false
	}
	e.vertex = strings.Contains(resource, "/projects/") || strings.Contains(resource, "/publishers/")
	if i := strings.LastIndex(resource, "/models/"); i >= 0 {
		e.model = resource[i+len("/models/"):]
	} else {
		segs := strings.Split(strings.Trim(resource, "/"), "/")
		if len(segs) >= 2 {
			e.model = strings.Join(segs[len(segs)-2:], "/")
		}
	}
	return e, true
}

// APIError reads an error body: {"error":{"code","message","status"}}
// (in a one-element array when a stream was asked without alt=sse).
func (provider) APIError(status int, body []byte) *llmtrace.APIError {
	var e errorBody
	if b := bytes.TrimSpace(body); len(b) > 0 && b[0] == '[' {
		var list []errorBody
		if json.Unmarshal(b, &list) == nil && len(list) > 0 {
			e = list[0]
		}
	} else {
		_ = json.Unmarshal(b, &e)
	}
	err := e.Error.apiError()
	err.StatusCode = status
	return err
}

// errorBody is an error answer.
type errorBody struct {
	Error *rpcStatus `json:"error"`
}

// rpcStatus is a google.rpc.Status, the error of an answer or of a stream
// event.
type rpcStatus struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Status  string `json:"status"`
}

// apiError is the error s describes: its status ("RESOURCE_EXHAUSTED",
// "INVALID_ARGUMENT"...) is the error type.
func (s *rpcStatus) apiError() *llmtrace.APIError {
	if s == nil {
		return &llmtrace.APIError{}
	}
	return &llmtrace.APIError{Type: s.Status, Message: s.Message}
}
