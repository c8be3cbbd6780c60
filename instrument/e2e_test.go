package instrument_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"sync/atomic"
	"testing"

	"github.com/agenttrace/agenttrace-otel-go/connection"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttracetest"
	"github.com/agenttrace/agenttrace-otel-go/instrument"
)

// The tests below run the Python reference's samples end to end: through
// the real exporter to the in-process AgentTrace server, asserting what the
// server stored.

// newServerClient returns a client sending to a new test server; the
// client is shut down, then the server closed, when the test ends.
func newServerClient(t *testing.T, opts ...instrument.Option) (*instrument.Client, *agenttracetest.Server) {
	t.Helper()
	srv := agenttracetest.NewServer(agenttracetest.WithoutRateLimit())
	t.Cleanup(srv.Close)
	// After the client's shutdown: never two rows of one trace (A5, A17).
	t.Cleanup(func() {
		if err := srv.Check(); err != nil {
			t.Error(err)
		}
	})
	opts = append([]instrument.Option{instrument.WithConnection(connection.Config{APIURL: srv.URL, APIKey: srv.APIKey})}, opts...)
	c, err := instrument.New(context.Background(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Shutdown(context.Background()); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return c, srv
}

func flush(t *testing.T, c *instrument.Client) {
	t.Helper()
	if err := c.Flush(context.Background()); err != nil {
		t.Fatalf("Flush: %v", err)
	}
}

// storedTrace returns the one stored row of the trace id.
func storedTrace(t *testing.T, srv *agenttracetest.Server, id string) agenttracetest.Trace {
	t.Helper()
	var rows []agenttracetest.Trace
	for _, tr := range srv.Snapshot().Traces {
		if tr.ID == id {
			rows = append(rows, tr)
		}
	}
	if len(rows) != 1 {
		t.Fatalf("trace %s: %d rows, want 1 (all traces: %+v)", id, len(rows), srv.Snapshot().Traces)
	}
	return rows[0]
}

// byName returns the stored observations of a trace by name.
func byName(t *testing.T, srv *agenttracetest.Server, traceID string) map[string]agenttracetest.Observation {
	t.Helper()
	out := map[string]agenttracetest.Observation{}
	for _, o := range srv.Observations(traceID) {
		if _, dup := out[o.Name]; dup {
			t.Fatalf("two observations named %q", o.Name)
		}
		out[o.Name] = o
	}
	return out
}

// jsonEqual checks that JSON text got means the same as want.
func jsonEqual(t *testing.T, what, got, want string) {
	t.Helper()
	var a, b any
	if err := json.Unmarshal([]byte(got), &a); err != nil {
		t.Errorf("%s = %q: %v", what, got, err)
		return
	}
	if err := json.Unmarshal([]byte(want), &b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Errorf("%s = %s, want %s", what, got, want)
	}
}

func TestE2EManualTrace(t *testing.T) {
	c, srv := newServerClient(t)
	_, tr := c.Trace(context.Background(), "my-task", instrument.WithUserID("u-1"))
	tr.SetInput(map[string]any{"prompt": "Hello"})
	tr.SetOutput("Hi")
	tr.SetTraceMetadata(map[string]any{"version": "1.0"})
	tr.SetTags("production", "important")
	tr.End()
	flush(t, c)

	id := tr.TraceID().String()
	row := storedTrace(t, srv, id)
	if row.Name != "my-task" || row.UserID != "u-1" || !reflect.DeepEqual(row.Tags, []string{"production", "important"}) {
		t.Errorf("trace row %+v", row)
	}
	jsonEqual(t, "trace input", row.Input, `{"prompt":"Hello"}`)
	jsonEqual(t, "trace output", row.Output, `"Hi"`)
	jsonEqual(t, "trace metadata", row.Metadata, `{"version":"1.0"}`)
	root := byName(t, srv, id)["my-task"]
	if root.ID != tr.ID().String() || root.Type != "SPAN" || root.ParentObservationID != "" {
		t.Errorf("root observation %+v", root)
	}
}

func TestE2EObservations(t *testing.T) {
	c, srv := newServerClient(t)
	ctx, tr := c.Trace(context.Background(), "chat")
	sctx, step := tr.Span(ctx, "fetch-data")
	step.SetOutput(map[string]any{"records": 3})
	_, gen := step.Generation(sctx, "gpt-call",
		instrument.WithModel("gpt-4"),
		instrument.WithModelParameters(map[string]any{"temperature": 0.7}))
	gen.SetInput([]map[string]string{{"role": "user", "content": "Hello"}})
	gen.SetOutput("Hello!")
	gen.SetUsage(instrument.Usage{InputTokens: 9, OutputTokens: 12})
	gen.End()
	step.End()
	tr.Event(ctx, "checkpoint-reached", map[string]any{"step": 1})
	tr.End()
	flush(t, c)

	id := tr.TraceID().String()
	obs := byName(t, srv, id)
	if len(obs) != 4 {
		t.Fatalf("%d observations, want 4: %+v", len(obs), obs)
	}
	if o := obs["fetch-data"]; o.Type != "SPAN" || o.ParentObservationID != tr.ID().String() {
		t.Errorf("span %+v", o)
	}
	g := obs["gpt-call"]
	if g.Type != "GENERATION" || g.Model != "gpt-4" || g.ParentObservationID != step.ID().String() {
		t.Errorf("generation %+v", g)
	}
	if g.Usage == nil || *g.Usage != (agenttracetest.Usage{InputTokens: 9, OutputTokens: 12, TotalTokens: 21}) {
		t.Errorf("usage %+v", g.Usage)
	}
	jsonEqual(t, "model parameters", g.ModelParameters, `{"temperature":0.7}`)
	jsonEqual(t, "generation input", g.Input, `[{"role":"user","content":"Hello"}]`)
	ev := obs["checkpoint-reached"]
	if ev.Type != "EVENT" || ev.ParentObservationID != tr.ID().String() {
		t.Errorf("event %+v", ev)
	}
	jsonEqual(t, "event input", ev.Input, `{"step":1}`)
}

func TestE2ESessionsAndErrors(t *testing.T) {
	c, srv := newServerClient(t)
	ctx := context.Background()
	session := instrument.WithSessionID("user-123-session")
	_, t1 := c.Trace(ctx, "task-1", session)
	t1.End()
	_, t2 := c.Trace(ctx, "task-2", session)
	t2.SetError(errors.New("disk full"))
	t2.End()
	flush(t, c)

	for _, tr := range []*instrument.Trace{t1, t2} {
		if row := storedTrace(t, srv, tr.TraceID().String()); row.SessionID != "user-123-session" {
			t.Errorf("trace %s: session %q", row.Name, row.SessionID)
		}
	}
	failed := byName(t, srv, t2.TraceID().String())["task-2"]
	if failed.Level != "ERROR" || failed.StatusMessage != "disk full" {
		t.Errorf("failed observation: level %q, status %q", failed.Level, failed.StatusMessage)
	}
}

// Context propagation, with a span of another instrumentation between an
// observation and its child: the tree on the server is the AgentTrace one.
func TestE2EContextPropagation(t *testing.T) {
	c, srv := newServerClient(t)
	httpTracer := c.TracerProvider().Tracer("net/http")
	var traceID string
	err := instrument.Do(context.Background(), c, "parent_function", func(ctx context.Context) error {
		traceID = instrument.FromContext(ctx).TraceID().String()
		hctx, httpSpan := httpTracer.Start(ctx, "POST /v1/chat")
		defer httpSpan.End()
		return instrument.Do(hctx, nil, "child_function", func(context.Context) error { return nil })
	})
	if err != nil {
		t.Fatal(err)
	}
	flush(t, c)

	tree := srv.Snapshot().ObservationTree(traceID)
	if len(tree) != 1 || tree[0].Name != "parent_function" || len(tree[0].Children) != 1 || tree[0].Children[0].Name != "child_function" {
		t.Errorf("tree %+v", tree)
	}
}

// Sampled-out traces and disabled clients send nothing.
func TestE2ENothingSent(t *testing.T) {
	tests := []struct {
		name string
		opt  instrument.Option
	}{
		{"sampled out", instrument.WithSampleRate(0)},
		{"disabled", instrument.WithEnabled(false)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, srv := newServerClient(t, tt.opt)
			ctx, tr := c.Trace(context.Background(), "t")
			tr.Event(ctx, "e", 1)
			tr.End()
			flush(t, c)
			if err := c.Shutdown(context.Background()); err != nil {
				t.Fatal(err)
			}
			if reqs := srv.Snapshot().Requests; len(reqs) != 0 {
				t.Errorf("%d requests sent, first %s %s", len(reqs), reqs[0].Method, reqs[0].Path)
			}
		})
	}
}

// Existing setups: the two lines, then a trace through the application's
// provider.
func TestE2EWithTracerProvider(t *testing.T) {
	tp := sdktrace.NewTracerProvider()
	defer tp.Shutdown(context.Background())
	c, srv := newServerClient(t, instrument.WithTracerProvider(tp))
	tp.RegisterSpanProcessor(c.SpanProcessor())

	_, tr := c.Trace(context.Background(), "through-app-provider")
	tr.End()
	flush(t, c)
	if row := storedTrace(t, srv, tr.TraceID().String()); row.Name != "through-app-provider" {
		t.Errorf("trace row %+v", row)
	}
}

// countingTransport counts the requests it carries.
type countingTransport struct {
	n    atomic.Int64
	base http.RoundTripper
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.base.RoundTrip(r)
}

// Advanced Configuration / Custom HTTP Client.
func TestE2EHTTPClient(t *testing.T) {
	transport := &countingTransport{base: &http.Transport{}}
	defer transport.base.(*http.Transport).CloseIdleConnections()
	c, srv := newServerClient(t, instrument.WithConnection(connection.Config{HTTPClient: &http.Client{Transport: transport}}))
	_, tr := c.Trace(context.Background(), "t")
	tr.End()
	flush(t, c)
	if transport.n.Load() == 0 || len(srv.Snapshot().Requests) == 0 {
		t.Errorf("custom client carried %d requests, server got %d", transport.n.Load(), len(srv.Snapshot().Requests))
	}
}

// Flushing: Shutdown delivers what Flush would have.
func TestE2EShutdownDelivers(t *testing.T) {
	c, srv := newServerClient(t)
	_, tr := c.Trace(context.Background(), "t", instrument.WithTraceID(instrument.TraceIDFromSeed("run-7")))
	tr.End()
	if err := c.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	// The id the application can compute again: sha256("run-7")[:16].
	storedTrace(t, srv, "b4c05df04575822cec8550e9491c58e1")
}
