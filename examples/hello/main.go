// README: quickstart

// Command hello traces one run of a small agent: a trace, a tool call and a
// model call, sent to AgentTrace.
//
//	AGENTTRACE_API_KEY=pk-... go run .
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
)

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "hello:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) (err error) {
	// AGENTTRACE_API_KEY (and AGENTTRACE_API_URL for a self-hosted server)
	// come from the environment.
	client, err := instrument.New(ctx)
	if err != nil {
		return err
	}
	// Shutdown sends what is still buffered and says what it could not.
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err = errors.Join(err, client.Shutdown(ctx))
	}()

	question := "When does my order #8812 arrive?"
	ctx, tr := client.Trace(ctx, "order-question",
		instrument.WithUserID("customer-4711"), instrument.WithInput(question))
	defer tr.End()

	// A tool call: the function's result is recorded as the output.
	status, err := instrument.Observe(ctx, client, "lookup-order", func(ctx context.Context) (string, error) {
		return "shipped, arrives tomorrow", nil // your code here
	}, instrument.WithType(instrument.TypeTool))
	if err != nil {
		return err
	}

	// A model call, with its model, input, output and token usage.
	_, gen := tr.Generation(ctx, "answer",
		instrument.WithModel("gpt-4.1-mini"),
		instrument.WithInput([]map[string]string{
			{"role": "user", "content": question},
			{"role": "tool", "content": status},
		}))
	answer := "Your order shipped and arrives tomorrow." // call your model here
	gen.SetOutput(answer)
	gen.SetUsage(instrument.Usage{InputTokens: 31, OutputTokens: 9})
	gen.End()

	tr.SetOutput(answer)
	fmt.Println("trace", tr.TraceID())
	return nil
}

// README end
