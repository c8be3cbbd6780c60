package anthropicv2trace_test

import (
	"context"
	"fmt"
	"log"

	"github.com/agenttrace/agenttrace-otel-go/connection"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"

	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttracetest"
	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/instrument/anthropicv2trace"
	"github.com/agenttrace/agenttrace-otel-go/internal/llmreplay"
)

// A streamed call with extended thinking traced against local servers: a
// replayed Anthropic stream and an in-process AgentTrace server.
func ExampleOption() {
	llm := llmreplay.NewServer()
	defer llm.Close()
	llm.Enqueue(llmreplay.MustLoad("anthropic_messages_stream_thinking").Answer())
	srv := agenttracetest.NewServer()
	defer srv.Close()

	ctx := context.Background()
	atClient, err := instrument.New(ctx, instrument.WithConnection(connection.Config{APIURL: srv.URL, APIKey: srv.APIKey}))
	if err != nil {
		log.Fatal(err)
	}
	client := anthropic.NewClient(option.WithBaseURL(llm.URL), option.WithAPIKey("sk-ant-test"), anthropicv2trace.Option(atClient))

	ctx, tr := atClient.Trace(ctx, "library-assistant")
	stream := client.Messages.NewStreaming(ctx, anthropic.MessageNewParams{
		Model:     "claude-sonnet-4-5",
		MaxTokens: 2048,
		Messages:  []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("How long is an interlibrary loan, and can I renew it online?"))},
		Thinking:  anthropic.ThinkingConfigParamOfEnabled(1024),
	})
	for stream.Next() {
	}
	if err := stream.Err(); err != nil {
		log.Fatal(err)
	}
	stream.Close()
	tr.End()
	if err := atClient.Shutdown(ctx); err != nil {
		log.Fatal(err)
	}

	for _, o := range srv.Observations(tr.TraceID().String()) {
		if o.Type == "GENERATION" {
			fmt.Println(o.Name, o.Level, "first token recorded:", o.CompletionStartTime != nil)
			fmt.Printf("tokens %d in, %d out, %d total\n", o.Usage.InputTokens, o.Usage.OutputTokens, o.Usage.TotalTokens)
		}
	}
	// Output:
	// chat claude-sonnet-4-5 DEFAULT first token recorded: true
	// tokens 58 in, 143 out, 201 total
}
