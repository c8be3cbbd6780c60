package instrument_test

import (
	"context"
	"fmt"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/goleak"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
)

// Advanced Configuration / Sampling: a sampled-out trace records nothing,
// and everything under it is a no-op.
func TestSampledOut(t *testing.T) {
	masked := 0
	c, rec := newClient(t, instrument.WithSampleRate(0), instrument.WithMask(func(v any) any { masked++; return v }))
	ctx := context.Background()

	tctx, tr := c.Trace(ctx, "dropped", instrument.WithInput("x"))
	if tr.IsRecording() || !tr.TraceID().IsValid() {
		t.Fatalf("sampled-out trace: recording %v, trace id %s", tr.IsRecording(), tr.TraceID())
	}
	cctx, sp := tr.Span(tctx, "child", instrument.WithInput("y"))
	if cctx != tctx || sp.IsRecording() {
		t.Error("child of a sampled-out trace is not a no-op")
	}
	sp.SetOutput("z")
	tr.Event(tctx, "e", "data")
	_, _ = instrument.Observe(tctx, nil, "observed", func(inner context.Context) (int, error) {
		if inner != tctx {
			t.Error("Observe under a sampled-out trace changed the context")
		}
		return 1, nil
	})
	_ = instrument.Do(ctx, c, "observed-root", func(context.Context) error { return nil })
	sp.End()
	tr.End()

	if n := len(rec.Ended()); n != 0 {
		t.Errorf("%d spans recorded, want none", n)
	}
	if masked != 0 {
		t.Errorf("content of a sampled-out trace was masked %d times, want no work", masked)
	}
}

// Each trace is kept or dropped whole, by its trace id.
func TestSampleRate(t *testing.T) {
	c, rec := newClient(t, instrument.WithSampleRate(0.5))
	ratio := sdktrace.TraceIDRatioBased(0.5)
	want := map[trace.TraceID]bool{}
	for i := range 200 {
		ctx, tr := c.Trace(context.Background(), fmt.Sprint("t", i))
		_, sp := tr.Span(ctx, "child")
		sp.End()
		tr.End()
		want[tr.TraceID()] = ratio.ShouldSample(sdktrace.SamplingParameters{ParentContext: context.Background(), TraceID: tr.TraceID()}).Decision == sdktrace.RecordAndSample
	}
	got := map[trace.TraceID]int{}
	for _, s := range rec.Ended() {
		got[s.SpanContext().TraceID()]++
	}
	kept := 0
	for id, keep := range want {
		switch {
		case keep && got[id] != 2:
			t.Errorf("kept trace %s has %d spans, want 2", id, got[id])
		case !keep && got[id] != 0:
			t.Errorf("dropped trace %s has %d spans", id, got[id])
		}
		if keep {
			kept++
		}
	}
	if kept == 0 || kept == 200 {
		t.Errorf("%d of 200 traces kept at rate 0.5", kept)
	}
}

// A seeded trace id is sampled the same way every time.
func TestSampleRateSeeded(t *testing.T) {
	c, rec := newClient(t, instrument.WithSampleRate(0.5))
	for range 3 {
		for i := range 10 {
			_, tr := c.Trace(context.Background(), "t", instrument.WithTraceID(instrument.TraceIDFromSeed(fmt.Sprint(i))))
			tr.End()
		}
	}
	count := map[trace.TraceID]int{}
	for _, s := range rec.Ended() {
		count[s.SpanContext().TraceID()]++
	}
	for id, n := range count {
		if n != 3 {
			t.Errorf("seeded trace %s recorded %d of 3 times", id, n)
		}
	}
}

// Advanced Configuration / Disabled Mode.
func TestDisabled(t *testing.T) {
	tests := []struct {
		name string
		env  string
		opts []instrument.Option
	}{
		{"option", "", []instrument.Option{instrument.WithEnabled(false)}},
		{"environment", "false", nil},
		{"option wins over environment", "true", []instrument.Option{instrument.WithEnabled(false)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.env != "" {
				t.Setenv("AGENTTRACE_ENABLED", tt.env)
			}
			before := goleak.IgnoreCurrent()
			// No API key: a disabled client needs none.
			c, err := instrument.New(context.Background(), tt.opts...)
			if err != nil {
				t.Fatal(err)
			}
			// Before Shutdown: a disabled client starts no goroutine.
			goleak.VerifyNone(t, before)
			ctx := context.Background()
			ctx2, tr := c.Trace(ctx, "t")
			_, gen := tr.Generation(ctx2, "g")
			if ctx2 != ctx || tr.IsRecording() || gen.IsRecording() {
				t.Error("disabled client records")
			}
			if err := c.Shutdown(ctx); err != nil {
				t.Error(err)
			}
		})
	}
}
