package anthropicapi

import (
	"encoding/json"
	"strings"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/instrument/llmtrace"
)

// Provider is the Anthropic API as the tracing sees it: Messages calls,
// streamed or not, are traced; every other endpoint (token counting,
// batches, files...) is not. Its zero value is ready to use.
type Provider struct{}

// Name is the gen_ai.provider.name of the generations: "anthropic".
func (Provider) Name() string { return "anthropic" }

// RetriesDroppedBodies is true: anthropic-sdk-go (v1 and v2) reads the body
// of the response that ends a call inside the attempt, and retries when it
// fails.
func (Provider) RetriesDroppedBodies() bool { return true }

// Inspect reads a request to the Messages endpoint; it returns false for
// any other path.
func (Provider) Inspect(path string, body []byte, cfg *llmtrace.Config) (llmtrace.Request, bool) {
	if !strings.HasSuffix(path, "/v1/messages") {
		return llmtrace.Request{}, false
	}
	return inspectMessages(body, cfg), true
}

// APIError reads an error body: {"type":"error","error":{"type","message"}}.
func (Provider) APIError(status int, body []byte) *llmtrace.APIError {
	var b struct {
		Error apiError `json:"error"`
	}
	_ = json.Unmarshal(body, &b) // an unreadable body is an error without type or message
	e := b.Error.llmtrace()
	e.StatusCode = status
	return e
}

// apiError is the error member of an error body or an error event.
type apiError struct {
	Type    string `json:"type"`
	Message string `json:"message"`
}

func (e apiError) llmtrace() *llmtrace.APIError {
	return &llmtrace.APIError{Type: e.Type, Message: e.Message}
}

// A Setting configures the tracing of an Anthropic client
// (anthropictrace.Option, anthropicv2trace.Option).
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

// NewConfig returns the configuration of the tracing of a client that
// records to c (see llmtrace.Config), with settings applied in order.
func NewConfig(c *instrument.Client, settings ...Setting) llmtrace.Config {
	cfg := llmtrace.NewConfig(c)
	for _, s := range settings {
		s.apply(&cfg)
	}
	return cfg
}
