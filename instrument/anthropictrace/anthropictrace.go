package anthropictrace

import (
	"github.com/anthropics/anthropic-sdk-go/option"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/instrument/llmtrace"
	"github.com/agenttrace/agenttrace-otel-go/instrument/llmtrace/anthropicapi"
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
	off := option.WithoutOpenTelemetry()
	return llmtrace.RequestOption(option.RequestOption(nil), anthropicapi.Provider{}, anthropicapi.NewConfig(c, settings...), func(mw llmtrace.Middleware) []option.RequestOption {
		if mw == nil {
			return []option.RequestOption{off}
		}
		return []option.RequestOption{off, option.WithMiddleware(mw)}
	})
}

// A Setting configures [Option]. It is the setting of package
// anthropicapi, the core shared with the integration of
// anthropic-sdk-go/v2 (instrument/anthropicv2trace).
type Setting = anthropicapi.Setting

// WithCaptureContent sets whether the generations record their input
// (system prompt, messages, tool definitions) and output (the content
// blocks, tool uses and their input). Captured content goes through the
// instrument client's mask and content budget. Model, parameters, usage and
// errors are recorded either way. Default: true. Environment: none.
func WithCaptureContent(on bool) Setting { return anthropicapi.WithCaptureContent(on) }
