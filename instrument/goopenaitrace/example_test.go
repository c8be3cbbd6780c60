package goopenaitrace_test

import (
	"context"
	"fmt"
	"log"

	"github.com/agenttrace/agenttrace-otel-go/connection"

	"github.com/sashabaranov/go-openai"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/instrument/goopenaitrace"
	"github.com/agenttrace/agenttrace-otel-go/internal/llmreplay"
)

// Trace a go-openai client: every chat completion becomes a generation
// under the current observation. Here the client talks to a local replay
// of a recorded answer; in an application, BaseURL stays the default.
func ExampleWrapConfig() {
	ctx := context.Background()
	srv := llmreplay.NewServer()
	defer srv.Close()
	srv.Enqueue(llmreplay.MustLoad("goopenai_chat_basic").Answer())

	at, err := instrument.New(ctx, instrument.WithConnection(connection.Config{APIURL: "file:///dev/null"}))
	if err != nil {
		log.Fatal(err)
	}
	defer func() { _ = at.Shutdown(ctx) }()

	cfg := openai.DefaultConfig("sk-...")
	cfg.BaseURL = srv.URL + "/v1"
	client := openai.NewClientWithConfig(goopenaitrace.WrapConfig(cfg, at,
		goopenaitrace.WithStreamUsage(true)))

	ctx, tr := at.Trace(ctx, "help-desk")
	defer tr.End()
	resp, err := client.CreateChatCompletion(ctx, openai.ChatCompletionRequest{
		Model:               "gpt-4.1-mini",
		Messages:            []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: "How often should I replace the chain?"}},
		MaxCompletionTokens: 200,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.Choices[0].FinishReason, resp.Usage.TotalTokens)
	// Output: stop 142
}
