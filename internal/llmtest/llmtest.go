package llmtest

import (
	"context"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/agenttrace/agenttrace-otel-go/connection"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.uber.org/goleak"

	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttracetest"
	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/internal/llmreplay"
	"github.com/agenttrace/agenttrace-otel-go/semconv"
)

// Main runs a package's tests with no AGENTTRACE_*, OTEL_* or
// providerPrefixes* variable of the environment they run in (nothing of it
// may change the outcome), and checks that they leak no goroutine.
func Main(m *testing.M, providerPrefixes ...string) {
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		for _, p := range append([]string{"AGENTTRACE_", "OTEL_"}, providerPrefixes...) {
			if strings.HasPrefix(name, p) {
				os.Unsetenv(name)
			}
		}
	}
	goleak.VerifyTestMain(m)
}

// Env is the environment of one test. Everything is closed when the test
// ends.
type Env struct {
	LLM    *llmreplay.Server
	AT     *agenttracetest.Server
	Client *instrument.Client
	// Spans holds every span the client ended, as it ended it.
	Spans *tracetest.InMemoryExporter
}

// New returns a fresh environment; opts configure the instrument client.
func New(t testing.TB, opts ...instrument.Option) *Env {
	t.Helper()
	e := &Env{
		LLM:   llmreplay.NewServer(),
		AT:    agenttracetest.NewServer(agenttracetest.WithoutRateLimit()),
		Spans: tracetest.NewInMemoryExporter(),
	}
	t.Cleanup(e.LLM.Close)
	t.Cleanup(e.AT.Close)
	opts = append([]instrument.Option{
		instrument.WithConnection(connection.Config{APIURL: e.AT.URL, APIKey: e.AT.APIKey}),
		instrument.WithSpanProcessor(sdktrace.NewSimpleSpanProcessor(e.Spans)),
	}, opts...)
	c, err := instrument.New(context.Background(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	e.Client = c
	t.Cleanup(func() {
		if err := c.Shutdown(context.Background()); err != nil {
			t.Errorf("instrument client shutdown: %v", err)
		}
	})
	return e
}

// Answer returns the answer of the named fixture.
func Answer(t testing.TB, fixture string) llmreplay.Answer {
	t.Helper()
	ex, err := llmreplay.Load(fixture)
	if err != nil {
		t.Fatal(err)
	}
	return ex.Answer()
}

// Observations flushes the client and returns the observations of the
// trace that arrived at the AgentTrace server.
func (e *Env) Observations(t testing.TB, traceID string) []agenttracetest.Observation {
	t.Helper()
	if err := e.Client.Flush(context.Background()); err != nil {
		t.Fatalf("flush: %v", err)
	}
	return e.AT.Observations(traceID)
}

// Generations returns the GENERATION observations of the trace (see
// Observations).
func (e *Env) Generations(t testing.TB, traceID string) []agenttracetest.Observation {
	t.Helper()
	var gens []agenttracetest.Observation
	for _, o := range e.Observations(t, traceID) {
		if o.Type == "GENERATION" {
			gens = append(gens, o)
		}
	}
	return gens
}

// SpansOf returns the ended spans of the trace, in the order they ended.
func (e *Env) SpansOf(traceID string) tracetest.SpanStubs {
	var out tracetest.SpanStubs
	for _, s := range e.Spans.GetSpans() {
		if s.SpanContext.TraceID().String() == traceID {
			out = append(out, s)
		}
	}
	return out
}

// Attr returns the value of the attribute key of s, and whether it is set.
func Attr(s tracetest.SpanStub, key attribute.Key) (attribute.Value, bool) {
	for _, kv := range s.Attributes {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	return attribute.Value{}, false
}

// NoWait returns a retryable error answer with retry-after 0, so that the
// client retries at once.
func NoWait(a llmreplay.Answer) llmreplay.Answer {
	h := make(map[string]string, len(a.Headers)+1)
	for k, v := range a.Headers {
		h[k] = v
	}
	h["retry-after"] = "0"
	a.Headers = h
	return a
}

// Traced runs fn inside a trace of the client and returns the trace's id.
func (e *Env) Traced(fn func(ctx context.Context)) string {
	ctx, tr := e.Client.Trace(context.Background(), "test")
	fn(ctx)
	tr.End()
	return tr.TraceID().String()
}

// GenerationSpans returns the ended spans of the trace that are
// generations (or embeddings).
func (e *Env) GenerationSpans(traceID string) tracetest.SpanStubs {
	var out tracetest.SpanStubs
	for _, s := range e.SpansOf(traceID) {
		switch v, _ := Attr(s, semconv.ObservationTypeKey); v.AsString() {
		case "generation", "embedding":
			out = append(out, s)
		}
	}
	return out
}

// OneGeneration returns the only generation of the trace, as the AgentTrace
// server stored it and as the span the client ended; it fails the test
// when there is not exactly one.
func (e *Env) OneGeneration(t testing.TB, traceID string) (agenttracetest.Observation, tracetest.SpanStub) {
	t.Helper()
	gens := e.Generations(t, traceID)
	spans := e.GenerationSpans(traceID)
	if len(gens) != 1 || len(spans) != 1 {
		t.Fatalf("got %d generations at the server and %d generation spans, want 1", len(gens), len(spans))
	}
	return gens[0], spans[0]
}

// Value returns the value of the attribute key of s as a Go value (nil when
// it is not set).
func Value(s tracetest.SpanStub, key attribute.Key) any {
	v, ok := Attr(s, key)
	if !ok {
		return nil
	}
	return v.AsInterface()
}

// CollectUntil runs the garbage collector until cond holds, for tests of
// what happens to unreachable values. Each round waits for a full
// collection and for the cleanups it queued (they run in order on one
// goroutine, so a cleanup queued last runs after them); it fails the test
// after a bounded number of rounds.
func CollectUntil(t testing.TB, cond func() bool) {
	t.Helper()
	for range 100 {
		if cond() {
			return
		}
		runtime.GC()
		done := make(chan struct{})
		runtime.AddCleanup(new([64]byte), func(ch chan struct{}) { close(ch) }, done)
		runtime.GC()
		<-done
	}
	t.Fatal("condition not met after 100 collections")
}
