// Command quickstart runs a small support agent end to end through the
// AgentTrace SDK and prints the trace that arrived.
//
// The agent answers a customer's question about an order: it retrieves help
// articles, asks a model to plan, calls two tools (one of which fails and is
// retried), and asks the model for the final answer. Every step is an
// observation of one trace, sent through the real exporter over HTTP. The
// answer is then scored: the final generation and the trace by their
// handles, the customer's reaction by trace id.
//
// Without AGENTTRACE_API_URL it starts an AgentTrace-compatible server
// in-process on loopback (package agenttracetest) and prints the trace tree
// that server received. With AGENTTRACE_API_URL and AGENTTRACE_API_KEY set it
// sends to that server instead and prints the trace id. It exits non-zero
// when anything could not be delivered.
//
//	go run ./examples/quickstart
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/agenttrace/agenttrace-otel-go/connection"

	"go.opentelemetry.io/otel/trace"

	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttracetest"
	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/scores"
)

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
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

	// The client reads AGENTTRACE_* from the environment; options win.
	client, err := instrument.New(ctx, opts...)
	if err != nil {
		return err
	}

	traceID, err := answer(ctx, client, "Where is my order #8812? It was due yesterday.")
	if err != nil {
		return err
	}
	// Later, the customer's reaction: a score by trace id.
	if err := client.Score(ctx, traceID, "sentiment", scores.Categorical("positive")); err != nil {
		return err
	}

	// Flush before reading what arrived; Shutdown also stops the client.
	// Both say what could not be delivered.
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
	return srv.RenderTrace(os.Stdout, traceID.String())
}

// answer is the agent: one trace per customer question, scored when the
// answer is ready.
func answer(ctx context.Context, client *instrument.Client, question string) (trace.TraceID, error) {
	ctx, tr := client.Trace(ctx, "support-agent",
		instrument.WithUserID("customer-4711"),
		instrument.WithSessionID("chat-2026-11-25-0042"),
		instrument.WithTags("support", "orders"),
		instrument.WithInput(map[string]any{"question": question}),
	)
	defer tr.End()

	docs := retrieve(ctx, question)
	plan, _ := callModel(ctx, "plan", []message{
		{Role: "system", Content: "You are a support agent. Decide which tools to call."},
		{Role: "user", Content: question},
		{Role: "system", Content: "Help articles: " + strings.Join(docs, "; ")},
	}, 412, 38, `call lookup_order(8812), then track_shipment`)

	order := tool(ctx, "lookup_order", map[string]any{"order_id": 8812}, func() (any, error) {
		return map[string]any{"order_id": 8812, "status": "shipped", "carrier": "DHL", "tracking": "JD014600003"}, nil
	})
	tr.Event(ctx, "carrier-api-slow", map[string]any{"carrier": "DHL", "latency_ms": 1800})

	// The first attempt at the carrier API fails: the error is recorded on
	// its observation (level ERROR) and the agent retries.
	shipment, err := trackShipment(ctx, 1)
	if err != nil {
		shipment, _ = trackShipment(ctx, 2)
	}

	reply, final := callModel(ctx, "answer", []message{
		{Role: "system", Content: "Answer the customer briefly."},
		{Role: "user", Content: question},
		{Role: "assistant", Content: plan},
		{Role: "tool", Content: fmt.Sprint(order, shipment)},
	}, 530, 61, "Your order #8812 shipped with DHL and arrives tomorrow before noon (tracking JD014600003).")

	tr.SetOutput(map[string]any{"reply": reply})

	// An evaluator's verdicts: the final answer resolved the question, and
	// the whole trace's quality.
	err = errors.Join(
		final.Score(ctx, "resolved", scores.Boolean(true)),
		tr.Score(ctx, "quality", scores.Numeric(0.9), instrument.WithComment("found the order, tracked it, answered briefly")),
	)
	return tr.TraceID(), err
}

// retrieve looks up help articles: a retriever observation.
func retrieve(ctx context.Context, query string) []string {
	_, sp := instrument.FromContext(ctx).Span(ctx, "retrieve-help-articles",
		instrument.WithType(instrument.TypeRetriever),
		instrument.WithInput(map[string]any{"query": query, "top_k": 2}))
	defer sp.End()
	work(15 * time.Millisecond)
	docs := []string{"Late deliveries: check the carrier's tracking first.", "Refunds are possible 3 days after the due date."}
	sp.SetOutput(docs)
	return docs
}

type message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// callModel stands for a call to an LLM: a generation with its model,
// parameters, input, output, token usage and time to first token. (The
// openaitrace and anthropictrace packages record real calls like this.) It
// returns the reply and the generation, to score it.
func callModel(ctx context.Context, name string, msgs []message, in, out int64, reply string) (string, *instrument.Generation) {
	_, gen := instrument.FromContext(ctx).Generation(ctx, name,
		instrument.WithModel("gpt-4.1-mini"),
		instrument.WithProvider("openai"),
		instrument.WithModelParameters(map[string]any{"temperature": 0.2, "max_tokens": 512}),
		instrument.WithInput(msgs))
	defer gen.End()
	work(40 * time.Millisecond)
	gen.SetCompletionStartTime(time.Now())
	work(25 * time.Millisecond)
	gen.SetOutput(message{Role: "assistant", Content: reply})
	gen.SetUsage(instrument.Usage{InputTokens: in, OutputTokens: out})
	return reply, gen
}

// tool runs one tool call as a tool observation.
func tool(ctx context.Context, name string, args any, fn func() (any, error)) any {
	_, sp := instrument.FromContext(ctx).Span(ctx, name,
		instrument.WithType(instrument.TypeTool), instrument.WithInput(args))
	defer sp.End()
	work(10 * time.Millisecond)
	res, err := fn()
	if err != nil {
		sp.SetError(err)
		return nil
	}
	sp.SetOutput(res)
	return res
}

var errCarrierTimeout = errors.New("carrier API: 504 gateway timeout")

func trackShipment(ctx context.Context, attempt int) (any, error) {
	var err error
	res := tool(ctx, "track_shipment", map[string]any{"tracking": "JD014600003", "attempt": attempt}, func() (any, error) {
		if attempt == 1 {
			err = errCarrierTimeout
			return nil, err
		}
		return map[string]any{"eta": "tomorrow 11:30", "location": "Leipzig hub"}, nil
	})
	return res, err
}

// work stands for the time a real step takes.
func work(d time.Duration) { time.Sleep(d) }
