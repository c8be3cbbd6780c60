package instrument_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
)

func TestTraceIDFromSeed(t *testing.T) {
	// sha256("hello") = 2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824
	if got := instrument.TraceIDFromSeed("hello").String(); got != "2cf24dba5fb0a30e26e83b2ac5b9e29e" {
		t.Errorf("TraceIDFromSeed(hello) = %s", got)
	}
	if instrument.TraceIDFromSeed("a") == instrument.TraceIDFromSeed("b") || !instrument.TraceIDFromSeed("").IsValid() {
		t.Error("seeds do not give distinct valid ids")
	}
}

func TestWithTraceID(t *testing.T) {
	c, rec := newClient(t)
	id := instrument.TraceIDFromSeed("order-1234")

	ctx, tr := c.Trace(context.Background(), "first", instrument.WithTraceID(id))
	_, sp := tr.Span(ctx, "child")
	sp.End()
	// Inside another trace, WithTraceID still starts a trace with that id.
	_, inner := c.Trace(ctx, "inner", instrument.WithTraceID(instrument.TraceIDFromSeed("other")))
	inner.End()
	// The id asked for does not leak into later traces of the same context.
	_, later := c.Trace(ctx, "later")
	later.End()
	tr.End()
	_, again := c.Trace(context.Background(), "again", instrument.WithTraceID(id))
	again.End()

	s := spans(t, rec)
	for _, name := range []string{"first", "child", "again"} {
		if got := s[name].SpanContext().TraceID(); got != id {
			t.Errorf("%s: trace id %s, want %s", name, got, id)
		}
	}
	if s["inner"].SpanContext().TraceID() != instrument.TraceIDFromSeed("other") || s["inner"].Parent().IsValid() {
		t.Errorf("inner: trace id %s, parent %v", s["inner"].SpanContext().TraceID(), s["inner"].Parent())
	}
	if got := s["later"].SpanContext().TraceID(); got == id || got == instrument.TraceIDFromSeed("other") {
		t.Errorf("later trace reused a requested id %s", got)
	}
	if tr.TraceID() != id {
		t.Errorf("TraceID() = %s", tr.TraceID())
	}
}

func TestWithTraceIDUserProvider(t *testing.T) {
	tests := []struct {
		name    string
		opts    []sdktrace.TracerProviderOption
		honored bool
	}{
		{"with NewIDGenerator", []sdktrace.TracerProviderOption{sdktrace.WithIDGenerator(instrument.NewIDGenerator())}, true},
		{"default IDGenerator", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := tracetest.NewSpanRecorder()
			tp := sdktrace.NewTracerProvider(append(tt.opts, sdktrace.WithSpanProcessor(rec))...)
			defer tp.Shutdown(context.Background())
			c, err := instrument.New(context.Background(), offline(t), instrument.WithTracerProvider(tp))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Shutdown(context.Background())

			handled.take()
			id := instrument.TraceIDFromSeed("x")
			_, tr := c.Trace(context.Background(), "t", instrument.WithTraceID(id))
			tr.End()
			errs := handled.take()
			if got := rec.Ended()[0].SpanContext().TraceID(); (got == id) != tt.honored {
				t.Errorf("trace id %s, honored %v", got, tt.honored)
			}
			if reported := len(errs) == 1 && strings.Contains(errs[0].Error(), "NewIDGenerator"); reported == tt.honored {
				t.Errorf("reported errors %v", errors.Join(errs...))
			}
		})
	}
}
