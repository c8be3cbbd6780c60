package anthropicapi_test

import (
	"fmt"

	"github.com/agenttrace/agenttrace-otel-go/instrument/llmtrace/anthropicapi"
	"github.com/agenttrace/agenttrace-otel-go/internal/llmreplay"
)

// What the tracing reads of a Messages call with extended thinking: the
// request's model and parameters, then the answer's usage, where the
// thinking tokens are the reasoning part of the output.
func ExampleProvider() {
	ex := llmreplay.MustLoad("anthropic_messages_thinking")
	cfg := anthropicapi.NewConfig(nil, anthropicapi.WithCaptureContent(false))
	req, traced := anthropicapi.Provider{}.Inspect(ex.Request.Path, ex.Request.Body, &cfg)
	fmt.Println(traced, req.Operation, req.Model, req.Params["thinking"])

	res := req.ParseJSON(ex.Response.Body)
	u := res.Usage
	fmt.Println(res.FinishReasons, u.InputTokens, u.OutputTokens, u.ReasoningTokens)
	// Output:
	// true chat claude-sonnet-4-5 map[budget_tokens:2048 type:enabled]
	// [end_turn] 63 188 112
}
