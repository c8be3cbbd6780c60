// Command scores scores a trace three ways, numeric, boolean and
// categorical, from handles and by trace id, then prints the trace with
// its scores as the server received them.
//
// Without AGENTTRACE_API_URL it starts an AgentTrace-compatible server
// in-process on loopback (package agenttracetest) and prints the trace tree
// that server received. With AGENTTRACE_API_URL and AGENTTRACE_API_KEY set it
// sends to that server instead and prints the trace id. It exits non-zero
// when anything could not be delivered.
//
//	go run ./examples/scores
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/agenttrace/agenttrace-otel-go/connection"

	"go.opentelemetry.io/otel/trace"

	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttracetest"
	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/scores"
)

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "scores:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	var srv *agenttracetest.Server
	var opts []instrument.Option
	if os.Getenv("AGENTTRACE_API_URL") == "" {
		srv = agenttracetest.NewServer()
		defer srv.Close()
		opts = append(opts, instrument.WithConnection(connection.Config{APIURL: srv.URL, APIKey: srv.APIKey}))
		fmt.Printf("AgentTrace-compatible server started in-process at %s\n\n", srv.URL)
	}
	client, err := instrument.New(ctx, opts...)
	if err != nil {
		return err
	}

	// The application's own id for the work (a ticket number) gives the
	// trace an id it can compute again wherever it scores the trace later.
	ticket := fmt.Sprintf("ticket-%d", time.Now().UnixNano())
	traceID := instrument.TraceIDFromSeed(ticket)
	if err := answer(ctx, client, traceID); err != nil {
		return err
	}

	// Later, say when the customer rates the answer: a categorical score by
	// trace id. An id passed on as text is parsed with ParseTraceID.
	id, err := instrument.ParseTraceID(traceID.String())
	if err != nil {
		return err
	}
	if err := client.Score(ctx, id, "customer-rating", scores.Categorical("helpful"),
		instrument.WithComment("thumbs up in the chat widget")); err != nil {
		return err
	}

	flushCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := client.Shutdown(flushCtx); err != nil {
		return fmt.Errorf("not everything was delivered: %w", err)
	}
	if srv == nil {
		fmt.Printf("trace %s and its scores sent to %s\n", traceID, os.Getenv("AGENTTRACE_API_URL"))
		return nil
	}
	fmt.Println("What the server received:")
	fmt.Println()
	return srv.RenderTrace(os.Stdout, traceID.String())
}

// answer answers a support ticket and scores the work from its handles: the
// trace with a numeric score, the generation with a boolean one.
func answer(ctx context.Context, client *instrument.Client, id trace.TraceID) error {
	ctx, tr := client.Trace(ctx, "answer-ticket", instrument.WithTraceID(id),
		instrument.WithInput("How do I reset my password?"))
	defer tr.End()

	_, gen := tr.Generation(ctx, "draft-reply", instrument.WithModel("gpt-4.1-mini"))
	reply := "Open Settings > Security and choose Reset password."
	gen.SetOutput(reply)
	gen.SetUsage(instrument.Usage{InputTokens: 23, OutputTokens: 12})
	// An automatic check of the reply scores the generation.
	if err := gen.Score(ctx, "mentions-settings", scores.Boolean(true)); err != nil {
		return err
	}
	gen.End()

	tr.SetOutput(reply)
	// An evaluator's verdict on the whole answer scores the trace, while
	// it is still running.
	return tr.Score(ctx, "quality", scores.Numeric(0.9), instrument.WithComment("correct and short"))
}
