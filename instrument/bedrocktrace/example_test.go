package bedrocktrace_test

import (
	"context"
	"fmt"
	"log"

	"github.com/agenttrace/agenttrace-otel-go/connection"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"

	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttracetest"
	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/instrument/bedrocktrace"
	"github.com/agenttrace/agenttrace-otel-go/internal/llmreplay"
)

// Add the middlewares to the client's options once; every Converse and
// ConverseStream call made with a context carrying a trace becomes a
// generation of that trace.
func ExampleAppendMiddlewares() {
	ctx := context.Background()
	atClient, err := instrument.New(ctx) // AGENTTRACE_API_KEY from the environment
	if err != nil {
		log.Fatal(err)
	}
	defer atClient.Shutdown(context.Background())

	cfg, err := config.LoadDefaultConfig(ctx) // AWS credentials and region from the environment
	if err != nil {
		log.Fatal(err)
	}
	client := bedrockruntime.NewFromConfig(cfg, func(o *bedrockruntime.Options) {
		bedrocktrace.AppendMiddlewares(&o.APIOptions, atClient)
	})

	ctx, tr := atClient.Trace(ctx, "bedrock-chat")
	defer tr.End()
	out, err := client.Converse(ctx, &bedrockruntime.ConverseInput{
		ModelId: aws.String("us.anthropic.claude-sonnet-4-20250514-v1:0"),
		Messages: []types.Message{{
			Role:    types.ConversationRoleUser,
			Content: []types.ContentBlock{&types.ContentBlockMemberText{Value: "Hello"}},
		}},
	})
	if err != nil {
		log.Fatal(err)
	}
	msg := out.Output.(*types.ConverseOutputMemberMessage).Value
	fmt.Println(msg.Content[0].(*types.ContentBlockMemberText).Value)
}

// A streamed call traced against local servers: a replayed ConverseStream
// answer (AWS event-stream frames) and an in-process AgentTrace server.
func ExampleAppendMiddlewares_stream() {
	llm := llmreplay.NewServer()
	defer llm.Close()
	llm.Enqueue(llmreplay.MustLoad("bedrock_converse_stream").Answer())
	srv := agenttracetest.NewServer()
	defer srv.Close()

	ctx := context.Background()
	atClient, err := instrument.New(ctx, instrument.WithConnection(connection.Config{APIURL: srv.URL, APIKey: srv.APIKey}))
	if err != nil {
		log.Fatal(err)
	}
	cfg := aws.Config{
		Region: "us-east-1",
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKID", SecretAccessKey: "secret"}, nil
		}),
		BaseEndpoint: aws.String(llm.URL),
	}
	bedrocktrace.AppendMiddlewares(&cfg.APIOptions, atClient)
	client := bedrockruntime.NewFromConfig(cfg)

	ctx, tr := atClient.Trace(ctx, "novels")
	out, err := client.ConverseStream(ctx, &bedrockruntime.ConverseStreamInput{
		ModelId: aws.String("us.anthropic.claude-sonnet-4-20250514-v1:0"),
		System:  []types.SystemContentBlock{&types.SystemContentBlockMemberText{Value: "You are a reader's advisory assistant."}},
		Messages: []types.Message{{
			Role:    types.ConversationRoleUser,
			Content: []types.ContentBlock{&types.ContentBlockMemberText{Value: "Suggest two novels."}},
		}},
		InferenceConfig: &types.InferenceConfiguration{MaxTokens: aws.Int32(400), Temperature: aws.Float32(0.5)},
	})
	if err != nil {
		log.Fatal(err)
	}
	stream := out.GetStream()
	for range stream.Events() {
	}
	if err := stream.Close(); err != nil {
		log.Fatal(err)
	}
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
	// chat us.anthropic.claude-sonnet-4-20250514-v1:0 DEFAULT first token recorded: true
	// tokens 31 in, 44 out, 75 total
}
