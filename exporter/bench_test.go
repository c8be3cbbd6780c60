package exporter_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/agenttrace/agenttrace-otel-go/exporter"
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

// sink starts a server that reads and discards request bodies and answers
// with body.
func sink(b *testing.B, contentType, body string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", contentType)
		_, _ = io.WriteString(w, body)
	}))
	b.Cleanup(srv.Close)
	return srv
}

// allStoredAnswer is the AgentTrace server's answer to a request of the
// default 100 events that it stored whole: their 100 ids.
func allStoredAnswer() string {
	ids := make([]string, 100)
	for i := range ids {
		ids[i] = strconv.Quote(uuid.NewString())
	}
	return `{"successes":[` + strings.Join(ids, ",") + `],"errors":[]}`
}

// BenchmarkExport exports the same 512 recorded spans through the
// AgentTrace exporter with its defaults (one request, packed by bytes) and
// through otlptracehttp (one request), each to a local sink. The request
// budget is lifted: the benchmark measures the exporter's work, not the
// server's rate limit.
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
		srv := sink(b, "application/json", allStoredAnswer())
		exp, err := exporter.New(ctx, exporter.WithAPIURL(srv.URL), exporter.WithAPIKey("pk-bench"),
			exporter.WithRateLimit(1<<30, time.Minute), exporter.WithGzip(gzip))
		if err != nil {
			b.Fatal(err)
		}
		defer exp.Shutdown(ctx)
		b.ReportAllocs()
		b.ResetTimer()
		cpu := cpuTime()
		for b.Loop() {
			if err := exp.ExportSpans(ctx, spans); err != nil {
				b.Fatal(err)
			}
		}
		reportThroughput(b, len(spans), cpuTime()-cpu)
	})
	b.Run("baseline", func(b *testing.B) {
		srv := sink(b, "application/x-protobuf", "")
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
		cpu := cpuTime()
		for b.Loop() {
			if err := exp.ExportSpans(ctx, spans); err != nil {
				b.Fatal(err)
			}
		}
		reportThroughput(b, len(spans), cpuTime()-cpu)
	})
}

// reportThroughput reports spans per second of wall time, and the process
// CPU time per span (exporter and sink together), which other load on the
// machine disturbs much less.
func reportThroughput(b *testing.B, spans int, cpu time.Duration) {
	b.ReportMetric(float64(spans*b.N)/b.Elapsed().Seconds(), "spans/s")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(spans*b.N), "cpu-ns/span")
}

// cpuTime returns the user and system CPU time of the process.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
