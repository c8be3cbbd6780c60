package instrument

import (
	"context"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// With an application's provider, the AgentTrace processor passes on the
// spans of the traces the sample rate keeps, whole traces at a time.
func TestSampledProcessor(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	ratio := sdktrace.TraceIDRatioBased(0.5)
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(&processor{sp: rec, ratio: ratio}))
	defer tp.Shutdown(context.Background())
	tracer := tp.Tracer("t")

	want := map[trace.TraceID]bool{}
	for range 100 {
		ctx, root := tracer.Start(context.Background(), "root")
		_, child := tracer.Start(ctx, "child")
		child.End()
		root.End()
		want[root.SpanContext().TraceID()] = keep(ratio, root.SpanContext().TraceID())
	}
	got := map[trace.TraceID]int{}
	for _, s := range rec.Ended() {
		got[s.SpanContext().TraceID()]++
	}
	kept := 0
	for id, k := range want {
		if k {
			kept++
		}
		if k && got[id] != 2 || !k && got[id] != 0 {
			t.Errorf("trace %s: keep %v, %d spans passed", id, k, got[id])
		}
	}
	if kept == 0 || kept == 100 {
		t.Errorf("%d of 100 kept", kept)
	}
	if len(rec.Started()) != len(rec.Ended()) {
		t.Errorf("%d started, %d ended: OnStart and OnEnd disagree", len(rec.Started()), len(rec.Ended()))
	}
}
