// Package llmtest sets up what the tests of instrument/openaitrace and
// instrument/anthropictrace share: a replaying LLM server, an in-process
// AgentTrace server, an instrument client sending to it, and an in-memory
// record of the spans the client ends.
package llmtest

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttracetest"
	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/internal/llmreplay"
)

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
		instrument.WithAPIURL(e.AT.URL),
		instrument.WithAPIKey(e.AT.APIKey),
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

// Answer queues the answer of the named fixture.
func (e *Env) Answer(t testing.TB, fixture string) llmreplay.Answer {
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
		if o.Type == agenttracetest.TypeGeneration {
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
