package openaitrace

import (
	"strings"

	"github.com/openai/openai-go/v3/option"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/instrument/llmtrace"
	"github.com/agenttrace/agenttrace-otel-go/instrument/llmtrace/openaiapi"
)

// Option returns the request option that traces the calls of an openai-go
// client. Give it to the client (or to a single call):
//
//	client := openai.NewClient(option.WithAPIKey(key), openaitrace.Option(atClient))
//
// Every chat completion, Responses API and embeddings call then becomes one
// generation under the current AgentTrace observation of the call's context,
// or, when the context carries none, the root of a new trace of c. c may be
// nil: only calls made inside an observation are then traced. Other
// endpoints pass through untouched.
func Option(c *instrument.Client, settings ...Setting) option.RequestOption {
	cfg := llmtrace.NewConfig(c)
	for _, s := range settings {
		s.apply(&cfg)
	}
	return llmtrace.RequestOption(option.RequestOption(nil), openaiProvider, cfg, func(mw llmtrace.Middleware) []option.RequestOption {
		if mw == nil {
			return nil
		}
		return []option.RequestOption{option.WithMiddleware(mw)}
	})
}

// A Setting configures [Option].
type Setting interface {
	apply(*llmtrace.Config)
}

type settingFunc func(*llmtrace.Config)

func (f settingFunc) apply(c *llmtrace.Config) { f(c) }

// WithCaptureContent sets whether the generations record their input
// (messages, tool definitions) and output (the answer, tool calls and their
// arguments). Captured content goes through the instrument client's mask
// and content budget. Model, parameters, usage and errors are recorded
// either way. Default: true. Environment: none.
func WithCaptureContent(on bool) Setting {
	return settingFunc(func(c *llmtrace.Config) { c.CaptureContent = on })
}

// WithStreamUsage makes streamed chat completions ask for their token usage
// by adding stream_options.include_usage=true to the request when it does
// not set it. Without usage, a streamed generation says its usage is
// unavailable instead of recording zeros.
//
// With it on, the stream ends with one more chunk, whose Choices is empty and
// which carries the usage: code that reads chunk.Choices[0] must check the
// length first. Default: false (the request is sent as the application built
// it). Environment: none.
func WithStreamUsage(on bool) Setting {
	return settingFunc(func(c *llmtrace.Config) { c.StreamUsage = on })
}

// provider is the OpenAI API as the tracing sees it: the chat completions
// and embeddings of package openaiapi, and the Responses API.
type provider struct{ openaiapi.Provider }

// openaiProvider is the provider of every Option.
var openaiProvider = provider{openaiapi.Provider{StreamUsageSetting: "openaitrace.WithStreamUsage"}}

func (p provider) Inspect(path string, body []byte, cfg *llmtrace.Config) (llmtrace.Request, bool) {
	if strings.HasSuffix(path, "/responses") {
		return inspectResponses(body, cfg), true
	}
	return p.Provider.Inspect(path, body, cfg)
}
