// Command prompts fetches a managed prompt, compiles it and links it to the
// generation that used it, then prints the compiled prompt and the trace
// that arrived.
//
// Without AGENTTRACE_API_URL it starts an AgentTrace-compatible server
// in-process on loopback (package agenttracetest), seeds the prompt
// "code-review" there (labelled production) and prints the trace tree that
// server received. With AGENTTRACE_API_URL and AGENTTRACE_API_KEY set it
// uses that server, where "code-review" must exist with a version labelled
// production and the variables {{language}} and {{code}}, and prints the
// trace id. It exits non-zero when the prompt cannot be fetched or anything
// could not be delivered.
//
//	go run ./examples/prompts
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/agenttrace/agenttrace-otel-go/connection"

	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttracetest"
	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/prompts"
)

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "prompts:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	var srv *agenttracetest.Server
	var opts []instrument.Option
	if os.Getenv("AGENTTRACE_API_URL") == "" {
		srv = agenttracetest.NewServer()
		defer srv.Close()
		if err := seed(srv); err != nil {
			return err
		}
		opts = append(opts, instrument.WithConnection(connection.Config{APIURL: srv.URL, APIKey: srv.APIKey}))
		fmt.Printf("AgentTrace-compatible server started in-process at %s, with the prompt code-review\n\n", srv.URL)
	}
	client, err := instrument.New(ctx, opts...)
	if err != nil {
		return err
	}

	prompt, err := client.GetPrompt(ctx, "code-review", prompts.WithLabel("production"))
	if err != nil {
		return fmt.Errorf("fetching the prompt: %w", err)
	}
	code := "def add(a, b):\n    return a - b"
	compiled, err := prompt.Compile(map[string]string{"language": "Python", "code": code})
	if err != nil {
		return err
	}
	fmt.Printf("Prompt %s version %d (from the %s), compiled:\n\n%s\n\n", prompt.Name, prompt.Version, prompt.Source, compiled)

	traceID := review(ctx, client, prompt, compiled)

	flushCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := client.Shutdown(flushCtx); err != nil {
		return fmt.Errorf("not everything was delivered: %w", err)
	}
	if srv == nil {
		fmt.Printf("trace %s sent to %s\n", traceID, os.Getenv("AGENTTRACE_API_URL"))
		return nil
	}
	fmt.Println("What the server received:")
	fmt.Println()
	if err := srv.RenderTrace(os.Stdout, traceID); err != nil {
		return err
	}
	row, _ := srv.Trace(traceID)
	fmt.Println("trace metadata:", row.Metadata)
	return nil
}

// seed gives the in-process server the prompt: a first version, and the
// one labelled production.
func seed(srv *agenttracetest.Server) error {
	for _, v := range []agenttracetest.PromptVersion{
		{Content: "Review this code:\n{{code}}"},
		{
			Content: "You are a careful reviewer. Review this {{language}} code and list its bugs:\n\n{{code}}",
			Config:  `{"model":"gpt-4.1-mini","temperature":0.1}`,
			Labels:  []string{"production"},
		},
	} {
		if _, err := srv.AddPromptVersion("code-review", v); err != nil {
			return err
		}
	}
	return nil
}

// review is one code review: a trace linked to the prompt, and the
// generation made from it.
func review(ctx context.Context, client *instrument.Client, prompt *prompts.Prompt, compiled string) string {
	ctx, tr := client.Trace(ctx, "code-review", instrument.WithInput(map[string]any{"file": "calc.py"}))
	defer tr.End()
	tr.SetPrompt(prompt)

	// The prompt's config holds the model and its parameters.
	params := map[string]any{}
	if prompt.Config != nil {
		if err := json.Unmarshal(prompt.Config, &params); err != nil {
			tr.SetError(fmt.Errorf("prompt config: %w", err))
		}
	}
	model, _ := params["model"].(string)
	delete(params, "model")
	_, gen := tr.Generation(ctx, "review",
		instrument.WithModel(model),
		instrument.WithModelParameters(params),
		instrument.WithPrompt(prompt),
		instrument.WithInput([]map[string]string{{"role": "user", "content": compiled}}))
	// A real application calls its model here (see the openaitrace and
	// anthropictrace packages).
	answer := "add() subtracts: `a - b` should be `a + b`."
	gen.SetOutput(map[string]string{"role": "assistant", "content": answer})
	gen.SetUsage(instrument.Usage{InputTokens: 41, OutputTokens: 17})
	gen.End()

	tr.SetOutput(answer)
	return tr.TraceID().String()
}
