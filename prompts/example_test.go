package prompts_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/agenttrace/agenttrace-otel-go/connection"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttracetest"
	"github.com/agenttrace/agenttrace-otel-go/internal/attestctl"
	"github.com/agenttrace/agenttrace-otel-go/prompts"
	"github.com/agenttrace/agenttrace-otel-go/semconv"
)

// exampleServer starts an in-process AgentTrace server that has the prompt
// "code-review": version 1, and version 2 labelled production.
func exampleServer() *agenttracetest.Server {
	srv := agenttracetest.NewServer()
	for _, v := range []agenttracetest.PromptVersion{
		{Content: "Review this code:\n{{code}}"},
		{
			Content: "Review this {{language}} code:\n{{code}}",
			Config:  `{"model":"gpt-4o","temperature":0.2}`,
			Labels:  []string{"production"},
		},
	} {
		if _, err := srv.AddPromptVersion("code-review", v); err != nil {
			log.Fatal(err)
		}
	}
	return srv
}

// Fetch the default version (the one labelled production, else the newest),
// a specific version, or the version that carries a label.
func ExampleClient_Get() {
	srv := exampleServer()
	defer srv.Close()
	client, err := prompts.New(prompts.WithConnection(connection.Config{APIURL: srv.URL, APIKey: srv.APIKey}))
	if err != nil {
		log.Fatal(err)
	}
	defer client.Shutdown(context.Background())
	ctx := context.Background()

	// Get the latest version.
	prompt, err := client.Get(ctx, "code-review")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(prompt.Name, prompt.Version, prompt.Labels, prompt.Source)

	// Get a specific version.
	prompt, err = client.Get(ctx, "code-review", prompts.WithPromptVersion(1))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(prompt.Name, prompt.Version, prompt.Labels, prompt.Source)

	// Get by label.
	prompt, err = client.Get(ctx, "code-review", prompts.WithLabel("production"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(prompt.Name, prompt.Version, prompt.Labels, prompt.Source)

	// The default version again: it is cached.
	prompt, err = client.Get(ctx, "code-review")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(prompt.Name, prompt.Version, prompt.Source, string(prompt.Config))
	// Output:
	// code-review 2 [production] server
	// code-review 1 [] server
	// code-review 2 [production] server
	// code-review 2 cache {"model":"gpt-4o","temperature":0.2}
}

// Compile a prompt with its variables, and use the result.
func ExamplePrompt_Compile() {
	srv := exampleServer()
	defer srv.Close()
	client, err := prompts.New(prompts.WithConnection(connection.Config{APIURL: srv.URL, APIKey: srv.APIKey}))
	if err != nil {
		log.Fatal(err)
	}
	defer client.Shutdown(context.Background())

	prompt, err := client.Get(context.Background(), "code-review")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(prompt.Variables())
	compiled, err := prompt.Compile(map[string]string{
		"language": "Python",
		"code":     "def hello(): print('world')",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(compiled) // call your LLM with it
	// Output:
	// [language code]
	// Review this Python code:
	// def hello(): print('world')
}

// Compile a chat prompt: placeholders are replaced in each message.
func ExamplePrompt_CompileChat() {
	prompt := prompts.Prompt{Name: "review-chat", Type: prompts.TypeChat, Messages: []prompts.Message{
		{Role: "system", Content: "You review {{language}} code."},
		{Role: "user", Content: "{{code}}"},
	}}
	msgs, err := prompt.CompileChat(map[string]string{"language": "Go", "code": "x := 1"})
	if err != nil {
		log.Fatal(err)
	}
	for _, m := range msgs {
		fmt.Printf("%s: %s\n", m.Role, m.Content)
	}
	// Output:
	// system: You review Go code.
	// user: x := 1
}

// The error of Compile names every variable missing.
func ExampleMissingVariablesError() {
	prompt := prompts.Prompt{Name: "code-review", Text: "Review this {{language}} code:\n{{code}}"}
	_, err := prompt.Compile(map[string]string{"style": "terse"})
	fmt.Println(err)
	var missing *prompts.MissingVariablesError
	if errors.As(err, &missing) {
		fmt.Println(missing.Names)
	}
	// Output:
	// prompts: prompt "code-review": missing variables: language, code
	// [language code]
}

// When the server cannot be reached and nothing is cached, Get returns the
// fallback, and says so.
func ExampleWithFallback() {
	srv := exampleServer()
	defer srv.Close()
	attestctl.Of(srv).Down() // the server cannot be reached
	client, err := prompts.New(prompts.WithConnection(connection.Config{APIURL: srv.URL, APIKey: srv.APIKey, RetryBudget: -1}))
	if err != nil {
		log.Fatal(err)
	}
	defer client.Shutdown(context.Background())

	prompt, err := client.Get(context.Background(), "code-review",
		prompts.WithFallback("Review this code:\n{{code}}"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(prompt.Source, prompt.Version, prompt.FetchError != nil)
	compiled, _ := prompt.Compile(map[string]string{"code": "x := 1"})
	fmt.Println(compiled)
	// Output:
	// fallback 0 true
	// Review this code:
	// x := 1
}

// Link a generation to the prompt it used. The instrument package does this
// for its generations; on a span of your own, set the two attributes.
func ExamplePrompt_linking() {
	srv := exampleServer()
	defer srv.Close()
	client, err := prompts.New(prompts.WithConnection(connection.Config{APIURL: srv.URL, APIKey: srv.APIKey}))
	if err != nil {
		log.Fatal(err)
	}
	defer client.Shutdown(context.Background())
	recorder := tracetest.NewSpanRecorder()
	tracer := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(recorder)).Tracer("example")

	prompt, err := client.Get(context.Background(), "code-review", prompts.WithLabel("production"))
	if err != nil {
		log.Fatal(err)
	}
	_, span := tracer.Start(context.Background(), "review")
	span.SetAttributes(
		semconv.ObservationTypeGeneration,
		semconv.GenAIPromptName(prompt.Name),
		semconv.GenerationPromptVersionKey.Int(prompt.Version),
	)
	compiled, _ := prompt.Compile(map[string]string{"language": "Python", "code": "..."})
	_ = compiled // call your LLM with it
	span.End()

	for _, kv := range recorder.Ended()[0].Attributes() {
		fmt.Println(kv.Key, kv.Value.String())
	}
	// Output:
	// agenttrace.observation.type generation
	// gen_ai.prompt.name code-review
	// agenttrace.generation.prompt.version 2
}
