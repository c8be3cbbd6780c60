package anthropictrace

import (
	"strings"

	"github.com/anthropics/anthropic-sdk-go/option"
	"github.com/tidwall/gjson"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/instrument/llmtrace"
)

// Option returns the request option that traces the calls of an
// anthropic-sdk-go client. Give it to the client (or to a single call):
//
//	client := anthropic.NewClient(anthropictrace.Option(atClient))
//
// Every Messages call (streamed or not) then becomes one generation under
// the current AgentTrace observation of the call's context, or, when the
// context carries none, the root of a new trace of c. c may be nil: only
// calls made inside an observation are then traced. Other endpoints pass
// through untouched.
//
// The option also turns off the client's own OpenTelemetry spans
// (option.WithoutOpenTelemetry), so that a call is not recorded twice; see
// the package documentation.
func Option(c *instrument.Client, settings ...Setting) option.RequestOption {
	cfg := llmtrace.NewConfig(c)
	for _, s := range settings {
		s.apply(&cfg)
	}
	off := option.WithoutOpenTelemetry()
	return llmtrace.RequestOption(option.RequestOption(nil), provider{}, cfg, func(mw llmtrace.Middleware) []option.RequestOption {
		if mw == nil {
			return []option.RequestOption{off}
		}
		return []option.RequestOption{off, option.WithMiddleware(mw)}
	})
}

// A Setting configures [Option].
type Setting interface {
	apply(*llmtrace.Config)
}

type settingFunc func(*llmtrace.Config)

func (f settingFunc) apply(c *llmtrace.Config) { f(c) }

// WithCaptureContent sets whether the generations record their input
// (system prompt, messages, tool definitions) and output (the content
// blocks, tool uses and their input). Captured content goes through the
// instrument client's mask and content budget. Model, parameters, usage and
// errors are recorded either way. Default: true. Environment: none.
func WithCaptureContent(on bool) Setting {
	return settingFunc(func(c *llmtrace.Config) { c.CaptureContent = on })
}

// provider is the Anthropic API as the tracing sees it.
type provider struct{}

func (provider) Name() string { return "anthropic" }

// RetriesDroppedBodies is true: anthropic-sdk-go reads the body of the
// response that ends a call inside the attempt, and retries when it fails.
func (provider) RetriesDroppedBodies() bool { return true }

func (provider) Inspect(path string, body []byte, cfg *llmtrace.Config) (llmtrace.Request, bool) {
	if !strings.HasSuffix(path, "/v1/messages") {
		return llmtrace.Request{}, false
	}
	return inspectMessages(body, cfg), true
}

// APIError reads an error body: {"type":"error","error":{"type","message"}}.
func (provider) APIError(status int, body []byte) *llmtrace.APIError {
	e := apiError(gjson.GetBytes(body, "error"))
	e.StatusCode = status
	return e
}

func apiError(e gjson.Result) *llmtrace.APIError {
	return &llmtrace.APIError{Type: e.Get("type").String(), Message: e.Get("message").String()}
}
