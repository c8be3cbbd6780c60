package openaitrace_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/agenttrace/agenttrace-otel-go/connection"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttracetest"
	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/instrument/openaitrace"
	"github.com/agenttrace/agenttrace-otel-go/internal/llmreplay"
)

// Wrap the client once; every call made with a context carrying a trace
// becomes a generation of that trace.
func ExampleOption() {
	ctx := context.Background()
	atClient, err := instrument.New(ctx) // AGENTTRACE_API_KEY from the environment
	if err != nil {
		log.Fatal(err)
	}
	defer atClient.Shutdown(context.Background())

	client := openai.NewClient(
		option.WithAPIKey(os.Getenv("OPENAI_API_KEY")),
		openaitrace.Option(atClient, openaitrace.WithStreamUsage(true)),
	)

	ctx, tr := atClient.Trace(ctx, "openai-chat")
	defer tr.End()
	completion, err := client.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{
		Model:    "gpt-4.1-mini",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Hello")},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(completion.Choices[0].Message.Content)
}

// A call traced against local servers: a replayed OpenAI answer and an
// in-process AgentTrace server.
func ExampleOption_generation() {
	llm := llmreplay.NewServer()
	defer llm.Close()
	llm.Enqueue(llmreplay.MustLoad("openai_chat_basic").Answer())
	srv := agenttracetest.NewServer()
	defer srv.Close()

	ctx := context.Background()
	atClient, err := instrument.New(ctx, instrument.WithConnection(connection.Config{APIURL: srv.URL, APIKey: srv.APIKey}))
	if err != nil {
		log.Fatal(err)
	}
	client := openai.NewClient(option.WithBaseURL(llm.URL+"/v1/"), option.WithAPIKey("sk-test"), openaitrace.Option(atClient))

	ctx, tr := atClient.Trace(ctx, "help-desk")
	_, err = client.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{
		Model:       "gpt-4.1-mini",
		Messages:    []openai.ChatCompletionMessageParamUnion{openai.UserMessage("How often should I replace my chain?")},
		Temperature: openai.Float(0.3),
	})
	if err != nil {
		log.Fatal(err)
	}
	tr.End()
	if err := atClient.Shutdown(ctx); err != nil {
		log.Fatal(err)
	}

	for _, o := range srv.Observations(tr.TraceID().String()) {
		if o.Type == "GENERATION" {
			fmt.Println(o.Name, o.ModelParameters)
			fmt.Printf("tokens %d in, %d out, %d total\n", o.Usage.InputTokens, o.Usage.OutputTokens, o.Usage.TotalTokens)
		}
	}
	// Output:
	// chat gpt-4.1-mini {"temperature":0.3}
	// tokens 58 in, 84 out, 142 total
}
