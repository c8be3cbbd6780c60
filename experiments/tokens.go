package experiments

import (
	"context"
	"sync"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/semconv"
)

// Tokens are token counts of generations.
type Tokens struct {
	Input  int64 `json:"input"`
	Output int64 `json:"output"`
	Total  int64 `json:"total"`
}

func (t *Tokens) add(u Tokens) {
	t.Input += u.Input
	t.Output += u.Output
	t.Total += u.Total
}

// tokenCounter is a span processor that adds up the token usage of the
// spans that end in the traces it watches: the generations a task records,
// with instrument's setters or an LLM-client integration.
type tokenCounter struct {
	tp *sdktrace.TracerProvider

	mu      sync.Mutex
	byTrace map[trace.TraceID]*Tokens
}

var _ sdktrace.SpanProcessor = (*tokenCounter)(nil)

// watchTokens registers a counter on the client's TracerProvider, when it
// is the OpenTelemetry SDK's (the client's own, or an SDK provider given to
// WithTracerProvider); otherwise tokens are not counted.
func watchTokens(client *instrument.Client) *tokenCounter {
	t := &tokenCounter{byTrace: map[trace.TraceID]*Tokens{}}
	if tp, ok := client.TracerProvider().(*sdktrace.TracerProvider); ok {
		t.tp = tp
		tp.RegisterSpanProcessor(t)
	}
	return t
}

// close unregisters the counter.
func (t *tokenCounter) close() {
	if t.tp != nil {
		t.tp.UnregisterSpanProcessor(t)
	}
}

func (t *tokenCounter) watch(id trace.TraceID) {
	t.mu.Lock()
	t.byTrace[id] = &Tokens{}
	t.mu.Unlock()
}

// take returns the tokens counted in the trace with id and stops watching
// it.
func (t *tokenCounter) take(id trace.TraceID) Tokens {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := t.byTrace[id]
	delete(t.byTrace, id)
	if n == nil {
		return Tokens{}
	}
	return *n
}

func (t *tokenCounter) OnStart(context.Context, sdktrace.ReadWriteSpan) {}

func (t *tokenCounter) OnEnd(s sdktrace.ReadOnlySpan) {
	var u Tokens
	found := false
	for _, kv := range s.Attributes() {
		switch kv.Key {
		case semconv.GenAIUsageInputTokensKey:
			u.Input, found = kv.Value.AsInt64(), true
		case semconv.GenAIUsageOutputTokensKey:
			u.Output, found = kv.Value.AsInt64(), true
		case semconv.GenerationUsageTotalTokensKey:
			u.Total, found = kv.Value.AsInt64(), true
		}
	}
	if !found {
		return
	}
	if u.Total == 0 {
		u.Total = u.Input + u.Output
	}
	t.mu.Lock()
	if n := t.byTrace[s.SpanContext().TraceID()]; n != nil {
		n.add(u)
	}
	t.mu.Unlock()
}

func (t *tokenCounter) ForceFlush(context.Context) error { return nil }
func (t *tokenCounter) Shutdown(context.Context) error   { return nil }
