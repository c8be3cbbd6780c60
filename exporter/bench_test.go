package exporter_test

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agenttrace/agenttrace-otel-go/connection"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/agenttrace/agenttrace-otel-go/exporter"
	"github.com/agenttrace/agenttrace-otel-go/internal/benchkit"
	"github.com/agenttrace/agenttrace-otel-go/semconv"
)

// recordedSpans records n spans of an agent-shaped workload through a real
// SDK provider: traces of one agent span with tool spans and generations
// carrying input, output and usage.
func recordedSpans(n int) []sdktrace.ReadOnlySpan {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	tr := tp.Tracer("github.com/agenttrace/agenttrace-otel-go/instrument")
	input := `[{"role":"system","content":"You are a careful coding agent."},{"role":"user","content":"` + strings.Repeat("Fix the flaky test in store_test.go. ", 8) + `"}]`
	output := `{"role":"assistant","content":"` + strings.Repeat("The race is in setup; guard it with a mutex. ", 6) + `"}`
	ctx := context.Background()
	for len(rec.Ended()) < n {
		ctx, root := tr.Start(ctx, "agent-run", trace.WithAttributes(
			semconv.ObservationTypeAgent, semconv.TraceNameKey.String("agent-run"),
			semconv.TraceUserIDKey.String("dev-7"), semconv.TraceSessionIDKey.String("sess-1")))
		for i := 0; i < 7; i++ {
			_, gen := tr.Start(ctx, "plan", trace.WithAttributes(
				semconv.ObservationTypeGeneration,
				semconv.GenAIRequestModelKey.String("gpt-4.1-mini"),
				semconv.GenAIProviderNameKey.String("openai"),
				semconv.GenerationModelParametersKey.String(`{"temperature":0.2}`),
				semconv.ObservationInputKey.String(input),
				semconv.ObservationOutputKey.String(output),
				semconv.GenAIUsageInputTokensKey.Int(812),
				semconv.GenAIUsageOutputTokensKey.Int(96),
			))
			gen.End()
			_, tool := tr.Start(ctx, fmt.Sprintf("tool-%d", i), trace.WithAttributes(
				semconv.ObservationTypeTool,
				semconv.ObservationInputKey.String(`{"path":"store_test.go"}`),
				semconv.ObservationOutputKey.String(`{"lines":120}`),
			))
			tool.End()
		}
		root.End()
	}
	return rec.Ended()[:n]
}

// freshTraces returns a function that returns spans with the trace ids
// replaced by ids no earlier call returned, one per trace. Exporting the
// same spans again would export the same traces, whose rows the exporter
// sends once: after its first iteration, a benchmark would leave the trace
// rows out. Each call reuses the spans the last call returned, so that the
// benchmark allocates nothing more: the exporters are done with them when
// ExportSpans returns.
func freshTraces(spans []sdktrace.ReadOnlySpan) func() []sdktrace.ReadOnlySpan {
	var next uint64
	ids := make(map[trace.TraceID]trace.TraceID)
	wrapped := make([]retracedSpan, len(spans))
	out := make([]sdktrace.ReadOnlySpan, len(spans))
	return func() []sdktrace.ReadOnlySpan {
		clear(ids)
		for i, s := range spans {
			old := s.SpanContext().TraceID()
			id, ok := ids[old]
			if !ok {
				next++
				id = old
				binary.BigEndian.PutUint64(id[8:], next)
				ids[old] = id
			}
			w := &wrapped[i]
			w.ReadOnlySpan, w.sc, w.parent = s, s.SpanContext().WithTraceID(id), s.Parent()
			if w.parent.TraceID() == old {
				w.parent = w.parent.WithTraceID(id)
			}
			out[i] = w
		}
		return out
	}
}

// TestFreshTraces checks that every export of BenchmarkExport's "ours"
// side carries the trace rows of its spans, not only the first.
func TestFreshTraces(t *testing.T) {
	var rows atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct{ Batch []struct{ Type string } }
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		for _, e := range body.Batch {
			if e.Type == "trace-create" {
				rows.Add(1)
			}
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, allStoredAnswer())
	}))
	defer srv.Close()
	ctx := context.Background()
	exp, err := exporter.New(exporter.WithConnection(connection.Config{APIURL: srv.URL, APIKey: "pk-bench"}))
	if err != nil {
		t.Fatal(err)
	}
	defer exp.Shutdown(ctx)
	next := freshTraces(recordedSpans(512))
	for i := range 3 {
		if err := exp.ExportSpans(ctx, next()); err != nil {
			t.Fatal(err)
		}
		if got := rows.Swap(0); got != 34 {
			t.Errorf("export %d sent %d trace rows, want 34", i, got)
		}
	}
}

// retracedSpan is a span with another span context and parent.
type retracedSpan struct {
	sdktrace.ReadOnlySpan
	sc, parent trace.SpanContext
}

func (s *retracedSpan) SpanContext() trace.SpanContext { return s.sc }
func (s *retracedSpan) Parent() trace.SpanContext      { return s.parent }

// allStoredAnswer is the AgentTrace server's answer to a request of the
// default 100 events that it stored whole: their 100 ids.
func allStoredAnswer() string {
	ids := make([]string, 100)
	for i := range ids {
		ids[i] = strconv.Quote(uuid.NewString())
	}
	return `{"successes":[` + strings.Join(ids, ",") + `],"errors":[]}`
}

// BenchmarkExport exports 512 recorded spans (34 traces) through the
// AgentTrace exporter with its defaults (one request, packed by bytes) and
// through otlptracehttp (one request), each to a local sink. Every
// iteration gives the spans fresh trace ids (freshTraces), so that each
// export carries its 34 trace rows too. The request budget is lifted: the
// benchmark measures the exporter's work, not the server's rate limit.
func BenchmarkExport(b *testing.B) {
	benchmarkExport(b, false)
}

// BenchmarkExportGzip is BenchmarkExport with gzip on for both.
func BenchmarkExportGzip(b *testing.B) {
	benchmarkExport(b, true)
}

func benchmarkExport(b *testing.B, gzip bool) {
	spans := recordedSpans(512)
	ctx := context.Background()
	b.Run("ours", func(b *testing.B) {
		srv := benchkit.Sink(b, "application/json", allStoredAnswer())
		exp, err := exporter.New(exporter.WithConnection(connection.Config{APIURL: srv.URL, APIKey: "pk-bench"}),
			exporter.WithRateLimit(1<<30, time.Minute), exporter.WithGzip(gzip))
		if err != nil {
			b.Fatal(err)
		}
		defer exp.Shutdown(ctx)
		b.ReportAllocs()
		b.ResetTimer()
		next := freshTraces(spans)
		cpu := benchkit.CPUTime()
		for b.Loop() {
			if err := exp.ExportSpans(ctx, next()); err != nil {
				b.Fatal(err)
			}
		}
		reportThroughput(b, len(spans), benchkit.CPUTime()-cpu)
	})
	b.Run("baseline", func(b *testing.B) {
		srv := benchkit.Sink(b, "application/x-protobuf", "")
		opts := []otlptracehttp.Option{otlptracehttp.WithEndpointURL(srv.URL + "/v1/traces")}
		if gzip {
			opts = append(opts, otlptracehttp.WithCompression(otlptracehttp.GzipCompression))
		}
		exp, err := otlptracehttp.New(ctx, opts...)
		if err != nil {
			b.Fatal(err)
		}
		defer exp.Shutdown(ctx)
		b.ReportAllocs()
		b.ResetTimer()
		next := freshTraces(spans)
		cpu := benchkit.CPUTime()
		for b.Loop() {
			if err := exp.ExportSpans(ctx, next()); err != nil {
				b.Fatal(err)
			}
		}
		reportThroughput(b, len(spans), benchkit.CPUTime()-cpu)
	})
}

// reportThroughput reports spans per second of wall time, and the process
// CPU time per span (exporter and sink together), which other load on the
// machine disturbs much less.
func reportThroughput(b *testing.B, spans int, cpu time.Duration) {
	b.ReportMetric(float64(spans*b.N)/b.Elapsed().Seconds(), "spans/s")
	if cpu > 0 { // 0 where cpuTime cannot read it
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(spans*b.N), "cpu-ns/span")
	}
}
