package openaiapi_test

import (
	"fmt"

	"github.com/agenttrace/agenttrace-otel-go/instrument/llmtrace"
	"github.com/agenttrace/agenttrace-otel-go/instrument/llmtrace/openaiapi"
)

// An integration of an OpenAI client traces the client's HTTP calls with
// the provider, here through llmtrace.Transport. The provider reads a chat
// completion request and, with StreamUsage on, asks a stream for its usage.
func ExampleProvider() {
	cfg := llmtrace.NewConfig(nil) // the integration's instrument client
	cfg.StreamUsage = true
	_ = llmtrace.Transport(nil, openaiapi.Provider{}, cfg) // the client's transport

	req, _ := openaiapi.Provider{}.Inspect("/v1/chat/completions",
		[]byte(`{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"hi"}],"temperature":0.2,"stream":true}`), &cfg)
	fmt.Println(req.Operation, req.Model, req.Stream, req.Params)
	fmt.Println(string(req.Body))
	// Output:
	// chat gpt-4.1-mini true map[temperature:0.2]
	// {"model":"gpt-4.1-mini","messages":[{"role":"user","content":"hi"}],"temperature":0.2,"stream":true,"stream_options":{"include_usage":true}}
}
