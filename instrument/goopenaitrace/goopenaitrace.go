package goopenaitrace

import (
	"net/http"

	"github.com/sashabaranov/go-openai"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/instrument/llmtrace"
	"github.com/agenttrace/agenttrace-otel-go/instrument/llmtrace/openaiapi"
)

// WrapConfig returns cfg with its HTTP client traced. Build the go-openai
// client with it:
//
//	client := openai.NewClientWithConfig(goopenaitrace.WrapConfig(openai.DefaultConfig(key), atClient))
//
// Every chat completion (streamed or not) and embeddings call of the
// client then becomes one generation under the current AgentTrace
// observation of the call's context, or, when the context carries none, the
// root of a new trace of c. c may be nil: only calls made inside an
// observation are then traced. Other endpoints pass through untouched.
//
// An *http.Client in cfg.HTTPClient is copied with its transport wrapped,
// keeping its timeout, redirect policy and cookie jar; any other
// openai.HTTPDoer is called by the traced client in place of a transport;
// a nil one is replaced by an &http.Client{}, as openai.DefaultConfig sets.
// Set cfg.HTTPClient before calling WrapConfig, and wrap a configuration
// once.
func WrapConfig(cfg openai.ClientConfig, c *instrument.Client, settings ...Setting) openai.ClientConfig {
	tc := llmtrace.NewConfig(c)
	for _, s := range settings {
		s.apply(&tc)
	}
	var hc http.Client
	switch d := cfg.HTTPClient.(type) {
	case nil:
	case *http.Client:
		hc = *d
	default:
		hc.Transport = doerTransport{d}
	}
	hc.Transport = llmtrace.Transport(jsonEOF{hc.Transport}, openaiapi.Provider{StreamUsageSetting: "goopenaitrace.WithStreamUsage"}, tc)
	cfg.HTTPClient = &hc
	return cfg
}

// A Setting configures [WrapConfig].
type Setting interface {
	apply(*llmtrace.Config)
}

type settingFunc func(*llmtrace.Config)

func (f settingFunc) apply(c *llmtrace.Config) { f(c) }

// WithCaptureContent sets whether the generations record their input
// (messages, tool definitions, embedding inputs) and output (the answer,
// tool calls and their arguments). Captured content goes through the
// instrument client's mask and content budget. Model, parameters, usage and
// errors are recorded either way. Default: true. Environment: none.
func WithCaptureContent(on bool) Setting {
	return settingFunc(func(c *llmtrace.Config) { c.CaptureContent = on })
}

// WithStreamUsage makes streamed chat completions ask for their token usage
// by adding stream_options.include_usage=true to the request when it does
// not set it (go-openai sends it only when the request's StreamOptions has
// IncludeUsage). Without usage, a streamed generation says its usage is
// unavailable instead of recording zeros.
//
// With it on, the stream ends with one more response, whose Choices is
// empty and which carries the usage: code that reads Choices[0] of every
// response must check the length first. Default: false (the request is
// sent as the application built it). Environment: none.
func WithStreamUsage(on bool) Setting {
	return settingFunc(func(c *llmtrace.Config) { c.StreamUsage = on })
}

// doerTransport makes an HTTPDoer the transport of the traced client.
type doerTransport struct{ d openai.HTTPDoer }

func (t doerTransport) RoundTrip(req *http.Request) (*http.Response, error) { return t.d.Do(req) }
