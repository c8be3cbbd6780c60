package instrument_test

import (
	"context"
	"fmt"
	"log"

	"github.com/agenttrace/agenttrace-otel-go/connection"

	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttracetest"
	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/prompts"
)

// promptServer returns a test server holding the prompt "code-review"
// (version 1, labelled production) and a client of it. In production the
// client comes from instrument.New(ctx) with AGENTTRACE_API_KEY set.
func promptServer(ctx context.Context) (*agenttracetest.Server, *instrument.Client) {
	srv := agenttracetest.NewServer()
	if _, err := srv.AddPromptVersion("code-review", agenttracetest.PromptVersion{
		Content: "Review this {{language}} code:\n{{code}}",
		Labels:  []string{"production"},
	}); err != nil {
		log.Fatal(err)
	}
	client, err := instrument.New(ctx, instrument.WithConnection(connection.Config{APIURL: srv.URL, APIKey: srv.APIKey}))
	if err != nil {
		log.Fatal(err)
	}
	return srv, client
}

// Prompts / Fetching and Compiling Prompts.
func ExampleClient_GetPrompt() {
	ctx := context.Background()
	srv, client := promptServer(ctx)
	defer srv.Close()
	defer client.Shutdown(ctx)

	prompt, err := client.GetPrompt(ctx, "code-review") // the default version
	// By number: client.GetPrompt(ctx, "code-review", prompts.WithPromptVersion(3))
	// By label:  client.GetPrompt(ctx, "code-review", prompts.WithLabel("production"))
	if err != nil {
		log.Fatal(err)
	}
	compiled, err := prompt.Compile(map[string]string{
		"language": "Python",
		"code":     "def hello(): print('world')",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(prompt.Name, prompt.Version, prompt.Source)
	fmt.Println(compiled)
	// Output:
	// code-review 1 server
	// Review this Python code:
	// def hello(): print('world')
}

// A fallback keeps the application working when the prompt cannot be
// fetched; the result says so.
func ExampleClient_GetPrompt_fallback() {
	ctx := context.Background()
	client, err := instrument.New(ctx, instrument.WithEnabled(false))
	if err != nil {
		log.Fatal(err)
	}
	prompt, err := client.GetPrompt(ctx, "code-review", prompts.WithFallback("Review this code:\n{{code}}"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(prompt.Source, prompt.Version, prompt.FetchError)
	// Output: fallback 0 prompts: client is disabled
}

// Prompts / Linking Prompts to Traces: the trace and the generation made
// from the prompt record its name and version.
func ExampleTrace_SetPrompt() {
	ctx := context.Background()
	srv, client := promptServer(ctx)
	defer srv.Close()
	defer client.Shutdown(ctx)

	prompt, err := client.GetPrompt(ctx, "code-review", prompts.WithLabel("production"))
	if err != nil {
		log.Fatal(err)
	}
	ctx, tr := client.Trace(ctx, "review")
	tr.SetPrompt(prompt) // Python: trace.prompt = prompt

	compiled, err := prompt.Compile(map[string]string{"language": "Python", "code": "..."})
	if err != nil {
		log.Fatal(err)
	}
	_, gen := tr.Generation(ctx, "llm", instrument.WithModel("gpt-4"),
		instrument.WithPrompt(prompt), instrument.WithInput(compiled))
	gen.SetOutput("Looks good.") // call_llm(compiled)
	gen.End()
	tr.End()

	if err := client.Flush(ctx); err != nil {
		log.Fatal(err)
	}
	row, _ := srv.Trace(tr.TraceID().String())
	fmt.Println("trace metadata:", row.Metadata)
	for _, o := range srv.Observations(tr.TraceID().String()) {
		if o.Type == "GENERATION" {
			fmt.Println("generation:", o.PromptName, o.PromptVersion)
		}
	}
	// Output:
	// trace metadata: {"promptName":"code-review","promptVersion":1}
	// generation: code-review 1
}
