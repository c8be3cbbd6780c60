package anthropictrace_test

import (
	"context"
	"fmt"
	"log"

	"github.com/agenttrace/agenttrace-otel-go/connection"

	"github.com/anthropics/anthropic-sdk-go"
	"github.com/anthropics/anthropic-sdk-go/option"

	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttracetest"
	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/instrument/anthropictrace"
	"github.com/agenttrace/agenttrace-otel-go/internal/llmreplay"
)

// Wrap the client once; every Messages call made with a context carrying a
// trace becomes a generation of that trace.
func ExampleOption() {
	ctx := context.Background()
	atClient, err := instrument.New(ctx) // AGENTTRACE_API_KEY from the environment
	if err != nil {
		log.Fatal(err)
	}
	defer atClient.Shutdown(context.Background())

	client := anthropic.NewClient(anthropictrace.Option(atClient)) // ANTHROPIC_API_KEY from the environment

	ctx, tr := atClient.Trace(ctx, "anthropic-chat")
	defer tr.End()
	msg, err := client.Messages.New(ctx, anthropic.MessageNewParams{
		Model:     "claude-sonnet-4-5",
		MaxTokens: 1024,
		Messages:  []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("Hello"))},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(msg.Content[0].Text)
}

// A streamed call traced against local servers: a replayed Anthropic stream
// and an in-process AgentTrace server.
func ExampleOption_stream() {
	llm := llmreplay.NewServer()
	defer llm.Close()
	llm.Enqueue(llmreplay.MustLoad("anthropic_messages_stream").Answer())
	srv := agenttracetest.NewServer()
	defer srv.Close()

	ctx := context.Background()
	atClient, err := instrument.New(ctx, instrument.WithConnection(connection.Config{APIURL: srv.URL, APIKey: srv.APIKey}))
	if err != nil {
		log.Fatal(err)
	}
	client := anthropic.NewClient(option.WithBaseURL(llm.URL), option.WithAPIKey("sk-ant-test"), anthropictrace.Option(atClient))

	ctx, tr := atClient.Trace(ctx, "poem")
	stream := client.Messages.NewStreaming(ctx, anthropic.MessageNewParams{
		Model:     "claude-sonnet-4-5",
		MaxTokens: 1024,
		Messages:  []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("Write a short poem."))},
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
	// tokens 24 in, 57 out, 81 total
}
