package instrument_test

import (
	"context"
	"encoding/json"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/semconv"
)

// discard is a SpanExporter that drops what it gets.
type discard struct{}

func (discard) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discard) Shutdown(context.Context) error                             { return nil }

var (
	benchMessages = []map[string]string{
		{"role": "system", "content": "You are a helpful assistant."},
		{"role": "user", "content": "Write a function that sorts a list of integers."},
	}
	benchAnswer = "func sortInts(xs []int) { slices.Sort(xs) }"
)

// benchProvider returns a real SDK provider whose batch span processor
// exports to discard, and a client creating spans through it.
func benchProvider(b *testing.B) (*sdktrace.TracerProvider, *instrument.Client) {
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(discard{}))
	b.Cleanup(func() { tp.Shutdown(context.Background()) })
	c, err := instrument.New(context.Background(), offline(b), instrument.WithTracerProvider(tp))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Shutdown(context.Background()) })
	return tp, c
}

// BenchmarkGeneration compares a generation with input, output and usage
// recorded through the client with a raw OpenTelemetry span given the same
// final attributes by hand (encoding the input and output with
// encoding/json), under the same provider.
func BenchmarkGeneration(b *testing.B) {
	tp, c := benchProvider(b)
	ctx, tr := c.Trace(context.Background(), "bench")
	defer tr.End()

	b.Run("ours", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, gen := tr.Generation(ctx, "llm", instrument.WithModel("gpt-4"))
			gen.SetInput(benchMessages)
			gen.SetOutput(benchAnswer)
			gen.SetUsage(instrument.Usage{InputTokens: 24, OutputTokens: 17})
			gen.End()
		}
	})
	tracer := tp.Tracer("baseline")
	b.Run("baseline", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, span := tracer.Start(ctx, "llm", trace.WithAttributes(
				semconv.ObservationTypeGeneration,
				semconv.GenAIRequestModelKey.String("gpt-4")))
			in, _ := json.Marshal(benchMessages)
			out, _ := json.Marshal(benchAnswer)
			span.SetAttributes(
				semconv.ObservationInputKey.String(string(in)),
				semconv.ObservationOutputKey.String(string(out)),
				semconv.GenAIUsageInputTokensKey.Int64(24),
				semconv.GenAIUsageOutputTokensKey.Int64(17))
			span.End()
		}
	})
	// For reference: the raw span with its JSON computed once, outside
	// the loop (not a like-for-like comparison: no encoding at all).
	in, _ := json.Marshal(benchMessages)
	out, _ := json.Marshal(benchAnswer)
	b.Run("baseline_preencoded", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, span := tracer.Start(ctx, "llm", trace.WithAttributes(
				semconv.ObservationTypeGeneration,
				semconv.GenAIRequestModelKey.String("gpt-4")))
			span.SetAttributes(
				semconv.ObservationInputKey.String(string(in)),
				semconv.ObservationOutputKey.String(string(out)),
				semconv.GenAIUsageInputTokensKey.Int64(24),
				semconv.GenAIUsageOutputTokensKey.Int64(17))
			span.End()
		}
	})
}

// benchNoop runs the benchmarks of observations under tr, which does not
// record: each is a shared no-op handle (target: under 100 ns and no
// allocation). The input is a map, which an interface holds without
// allocating; a slice, struct or non-constant string passed to SetInput is
// boxed by the caller, one allocation even for a no-op (guard expensive
// content with IsRecording).
func benchNoop(b *testing.B, ctx context.Context, tr *instrument.Trace) {
	input := map[string]any{"prompt": "Write a function that sorts a list of integers."}
	b.Run("generation", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, gen := tr.Generation(ctx, "llm", instrument.WithModel("gpt-4"))
			gen.SetInput(input)
			gen.SetOutput("done")
			gen.SetUsage(instrument.Usage{InputTokens: 24, OutputTokens: 17})
			gen.End()
		}
	})
	b.Run("span", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, sp := tr.Span(ctx, "step", instrument.WithType(instrument.TypeTool))
			sp.SetMetadata(input)
			sp.End()
		}
	})
	b.Run("observe", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = instrument.Observe(ctx, nil, "step", observed)
		}
	})
	b.Run("event", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			tr.Event(ctx, "event", input)
		}
	})
}

func observed(context.Context) (int, error) { return 1, nil }

// BenchmarkObservationDisabled measures observations of a disabled client.
func BenchmarkObservationDisabled(b *testing.B) {
	c, err := instrument.New(context.Background(), instrument.WithEnabled(false))
	if err != nil {
		b.Fatal(err)
	}
	ctx, tr := c.Trace(context.Background(), "bench")
	benchNoop(b, ctx, tr)
}

// BenchmarkObservationSampledOut measures observations under a trace the
// sample rate dropped.
func BenchmarkObservationSampledOut(b *testing.B) {
	c, err := instrument.New(context.Background(), offline(b), instrument.WithSampleRate(0))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Shutdown(context.Background()) })
	ctx, tr := c.Trace(context.Background(), "bench")
	defer tr.End()
	if tr.IsRecording() {
		b.Fatal("trace recorded at sample rate 0")
	}
	benchNoop(b, ctx, tr)
}
