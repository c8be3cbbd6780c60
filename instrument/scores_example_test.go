package instrument_test

import (
	"context"
	"fmt"
	"log"

	"github.com/agenttrace/agenttrace-otel-go/connection"

	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttracetest"
	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/scores"
)

// scoreServer returns a test server and a client of it. In production the
// client comes from instrument.New(ctx) with AGENTTRACE_API_KEY set.
func scoreServer(ctx context.Context) (*agenttracetest.Server, *instrument.Client) {
	srv := agenttracetest.NewServer()
	client, err := instrument.New(ctx, instrument.WithConnection(connection.Config{APIURL: srv.URL, APIKey: srv.APIKey}))
	if err != nil {
		log.Fatal(err)
	}
	return srv, client
}

// printScores flushes client and prints the scores srv stored.
func printScores(ctx context.Context, client *instrument.Client, srv *agenttracetest.Server) {
	if err := client.Flush(ctx); err != nil {
		log.Fatal(err)
	}
	for _, s := range srv.Snapshot().Scores {
		value := "-"
		switch {
		case s.StringValue != nil:
			value = *s.StringValue
		case s.Value != nil:
			value = fmt.Sprint(*s.Value)
		}
		fmt.Printf("%s = %s %s %q observation=%v\n", s.Name, value, s.DataType, s.Comment, s.ObservationID != "")
	}
}

// Scores / Scoring Traces, by trace id. The Go form of
// trace_id="trace-123" is a trace id derived from the application's own id
// with TraceIDFromSeed, given to the trace when it is made.
func ExampleClient_Score() {
	ctx := context.Background()
	srv, client := scoreServer(ctx)
	defer srv.Close()
	defer client.Shutdown(ctx)

	traceID := instrument.TraceIDFromSeed("trace-123")
	_, tr := client.Trace(ctx, "task", instrument.WithTraceID(traceID))
	tr.End()

	// Later, anywhere the id is known:
	err := client.Score(ctx, traceID, "quality", scores.Numeric(0.95),
		instrument.WithComment("Excellent response"))
	if err != nil {
		log.Fatal(err)
	}
	printScores(ctx, client, srv)
	// Output:
	// quality = 0.95 NUMERIC "Excellent response" observation=false
}

// Scores / Scoring Traces, within a trace: the handle scores its trace,
// also while it runs.
func ExampleObservation_Score() {
	ctx := context.Background()
	srv, client := scoreServer(ctx)
	defer srv.Close()
	defer client.Shutdown(ctx)

	ctx, tr := client.Trace(ctx, "task")
	_, gen := tr.Generation(ctx, "answer", instrument.WithModel("gpt-4"))
	gen.End()
	if err := tr.Score(ctx, "quality", scores.Numeric(0.95)); err != nil {
		log.Fatal(err)
	}
	// A span or generation handle scores its observation.
	if err := gen.Score(ctx, "helpful", scores.Boolean(true)); err != nil {
		log.Fatal(err)
	}
	tr.End()
	printScores(ctx, client, srv)
	// Output:
	// quality = 0.95 NUMERIC "" observation=false
	// helpful = 1 BOOLEAN "" observation=true
}

// Scores / Score Types: numeric, boolean and categorical values are
// distinct types.
func ExampleObservation_Score_types() {
	ctx := context.Background()
	srv, client := scoreServer(ctx)
	defer srv.Close()
	defer client.Shutdown(ctx)

	_, tr := client.Trace(ctx, "task")
	tr.End()
	for _, s := range []struct {
		name  string
		value scores.Value
	}{
		{"quality", scores.Numeric(0.95)},      // numeric (0-1)
		{"correct", scores.Boolean(true)},      // Python: value=1
		{"correct", scores.Boolean(false)},     // Python: value=0
		{"rating", scores.Categorical("good")}, // categorical
	} {
		if err := tr.Score(ctx, s.name, s.value); err != nil {
			log.Fatal(err)
		}
	}
	printScores(ctx, client, srv)
	// Output:
	// quality = 0.95 NUMERIC "" observation=false
	// correct = 1 BOOLEAN "" observation=false
	// correct = 0 BOOLEAN "" observation=false
	// rating = good CATEGORICAL "" observation=false
}

// A trace id stored as text (from a log line, a queue message, another
// service) is parsed back with ParseTraceID.
func ExampleParseTraceID() {
	id, err := instrument.ParseTraceID("4bf92f3577b34da6a3ce929d0e0e4736")
	fmt.Println(id, err)
	_, err = instrument.ParseTraceID("trace-123")
	fmt.Println(err)
	// Output:
	// 4bf92f3577b34da6a3ce929d0e0e4736 <nil>
	// agenttrace: trace id "trace-123": want 32 hex digits, not all zero (for an id of the application's own, use TraceIDFromSeed)
}
