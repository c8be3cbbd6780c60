package exporter_test

import (
	"context"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/agenttrace/agenttrace-otel-go/exporter"
	"github.com/agenttrace/agenttrace-otel-go/semconv"
)

// remote returns a context holding the remote span that a traceparent and
// tracestate header name, extracted as otelhttp would.
func remote(t *testing.T, traceparent, tracestate string) context.Context {
	t.Helper()
	carrier := propagation.MapCarrier{"traceparent": traceparent}
	if tracestate != "" {
		carrier["tracestate"] = tracestate
	}
	ctx := propagation.TraceContext{}.Extract(context.Background(), carrier)
	if sc := trace.SpanContextFromContext(ctx); !sc.IsValid() || !sc.IsRemote() {
		t.Fatalf("no remote span in %q", traceparent)
	}
	return ctx
}

func TestTraceOwnerSampler(t *testing.T) {
	const parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	for _, tc := range []struct {
		name string
		// parent is the context of the first span; nil for none.
		parent func(t *testing.T) context.Context
		mark   string
		// state are the tracestate entries the spans keep.
		state map[string]string
	}{
		{name: "root", mark: semconv.TraceStateOwner},
		{
			name: "remote parent of ours",
			parent: func(t *testing.T) context.Context {
				return remote(t, parent, "congo=t61rcWkgMzE,agenttrace=o,rojo=00f067aa0ba902b7")
			},
			mark:  semconv.TraceStateJoined,
			state: map[string]string{"congo": "t61rcWkgMzE", "rojo": "00f067aa0ba902b7"},
		},
		{
			name:   "remote parent joined too",
			parent: func(t *testing.T) context.Context { return remote(t, parent, "agenttrace=j") },
			mark:   semconv.TraceStateJoined,
		},
		{
			name:   "remote parent without the entry",
			parent: func(t *testing.T) context.Context { return remote(t, parent, "congo=t61rcWkgMzE") },
			mark:   semconv.TraceStateOwner,
			state:  map[string]string{"congo": "t61rcWkgMzE"},
		},
		{
			name:   "remote parent without tracestate",
			parent: func(t *testing.T) context.Context { return remote(t, parent, "") },
			mark:   semconv.TraceStateOwner,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := tracetest.NewSpanRecorder()
			tp := sdktrace.NewTracerProvider(
				sdktrace.WithSampler(exporter.TraceOwnerSampler(sdktrace.ParentBased(sdktrace.AlwaysSample()))),
				sdktrace.WithSpanProcessor(rec),
			)
			t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
			ctx := context.Background()
			if tc.parent != nil {
				ctx = tc.parent(t)
			}
			tracer := tp.Tracer("test")
			ctx, first := tracer.Start(ctx, "first")
			// A local child inherits the mark, whatever it is.
			_, child := tracer.Start(ctx, "child")
			child.End()
			first.End()

			for _, s := range rec.Ended() {
				ts := s.SpanContext().TraceState()
				if got := ts.Get(semconv.TraceStateKey); got != tc.mark {
					t.Errorf("span %q: %s=%q, want %q (tracestate %q)", s.Name(), semconv.TraceStateKey, got, tc.mark, ts)
				}
				for k, v := range tc.state {
					if got := ts.Get(k); got != v {
						t.Errorf("span %q: other vendor's %s=%q, want %q", s.Name(), k, got, v)
					}
				}
				if want := len(tc.state) + 1; ts.Len() != want {
					t.Errorf("span %q: tracestate %q, want %d entries", s.Name(), ts, want)
				}
				if !s.SpanContext().IsSampled() {
					t.Errorf("span %q: not sampled", s.Name())
				}
			}
			if len(rec.Ended()) != 2 {
				t.Fatalf("%d spans ended, want 2", len(rec.Ended()))
			}
		})
	}
}

// TestTraceOwnerSamplerLocalParent: a span with a local parent keeps the
// parent's entry as the base sampler returned it, even one this sampler
// would not have set.
func TestTraceOwnerSamplerLocalParent(t *testing.T) {
	s := exporter.TraceOwnerSampler(sdktrace.ParentBased(sdktrace.AlwaysSample()))
	ts, err := trace.TraceState{}.Insert(semconv.TraceStateKey, semconv.TraceStateJoined)
	if err != nil {
		t.Fatal(err)
	}
	psc := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{1}, SpanID: trace.SpanID{1}, TraceFlags: trace.FlagsSampled, TraceState: ts,
	})
	r := s.ShouldSample(sdktrace.SamplingParameters{
		ParentContext: trace.ContextWithSpanContext(context.Background(), psc),
		TraceID:       psc.TraceID(), Name: "local-child",
	})
	if r.Decision != sdktrace.RecordAndSample || r.Tracestate.String() != ts.String() {
		t.Errorf("local child: %v %q, want the parent's decision and tracestate %q", r.Decision, r.Tracestate, ts)
	}
}

// TestTraceOwnerSamplerDecision: the decision is base's, and a span base
// drops is still marked, so that the processes after it know whose the
// trace is.
func TestTraceOwnerSamplerDecision(t *testing.T) {
	s := exporter.TraceOwnerSampler(sdktrace.NeverSample())
	r := s.ShouldSample(sdktrace.SamplingParameters{ParentContext: context.Background(), TraceID: trace.TraceID{1}, Name: "dropped"})
	if r.Decision != sdktrace.Drop {
		t.Errorf("decision %v, want base's Drop", r.Decision)
	}
	if got := r.Tracestate.Get(semconv.TraceStateKey); got != semconv.TraceStateOwner {
		t.Errorf("dropped root: %s=%q, want %q", semconv.TraceStateKey, got, semconv.TraceStateOwner)
	}
	if d := s.Description(); !strings.Contains(d, sdktrace.NeverSample().Description()) {
		t.Errorf("Description %q does not name the base sampler", d)
	}
}

// TestTraceOwnerSamplerNilBase: a nil base is the SDK's choice, read from
// OTEL_TRACES_SAMPLER.
func TestTraceOwnerSamplerNilBase(t *testing.T) {
	for _, tc := range []struct{ sampler, arg, want string }{
		{"", "", sdktrace.ParentBased(sdktrace.AlwaysSample()).Description()},
		{"always_off", "", sdktrace.NeverSample().Description()},
		{"parentbased_traceidratio", "0.25", sdktrace.ParentBased(sdktrace.TraceIDRatioBased(0.25)).Description()},
		{"traceidratio", "", sdktrace.TraceIDRatioBased(1).Description()},
		{"no-such-sampler", "", sdktrace.ParentBased(sdktrace.AlwaysSample()).Description()},
		{"traceidratio", "2", sdktrace.ParentBased(sdktrace.AlwaysSample()).Description()},
	} {
		t.Setenv("OTEL_TRACES_SAMPLER", tc.sampler)
		t.Setenv("OTEL_TRACES_SAMPLER_ARG", tc.arg)
		if got := exporter.TraceOwnerSampler(nil).Description(); got != "TraceOwnerSampler{"+tc.want+"}" {
			t.Errorf("OTEL_TRACES_SAMPLER=%q ARG=%q: %s, want around %s", tc.sampler, tc.arg, got, tc.want)
		}
	}
}
