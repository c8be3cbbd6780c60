package reliability_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/agenttrace/agenttrace-otel-go/connection"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/agenttrace/agenttrace-otel-go/exporter"
	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttracetest"
	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/internal/attestctl"
	"github.com/agenttrace/agenttrace-otel-go/internal/benchkit"
)

// newBenchClient returns a client sending to srv, shut down with a short
// deadline when the benchmark ends (the backend may be down or slow).
func newBenchClient(b *testing.B, srv *agenttracetest.Server, opts ...instrument.Option) *instrument.Client {
	b.Helper()
	quiet(b)
	c, err := instrument.New(context.Background(), append([]instrument.Option{
		instrument.WithConnection(connection.Config{APIURL: srv.URL, APIKey: srv.APIKey}),
	}, opts...)...)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { shutdown(c) })
	return c
}

// shutdown shuts c down with a short deadline: the backend may be down or
// slow. A second call does nothing.
func shutdown(c *instrument.Client) {
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_ = c.Shutdown(ctx)
}

// quiet keeps what the SDK reports to otel.Handle until the benchmark ends
// (spans lost at shutdown while the backend is down, as expected here) out
// of the output, where it would split result lines.
func quiet(b *testing.B) {
	prev := otel.GetErrorHandler()
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(error) {}))
	b.Cleanup(func() { otel.SetErrorHandler(prev) })
}

// endSpans measures starting and ending one span of a trace: the cost user
// code pays for an observation.
func endSpans(b *testing.B, c *instrument.Client) {
	ctx, tr := c.Trace(context.Background(), "bench")
	defer tr.End()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		_, sp := tr.Span(ctx, "step")
		sp.End()
	}
}

// BenchmarkSpanEndSlowBackend: span.End() while every request takes 5 s
// (ours) against a healthy backend (baseline). User code never waits on
// the network: the ratio stays near 1.
func BenchmarkSpanEndSlowBackend(b *testing.B) {
	b.Run("ours", func(b *testing.B) {
		srv := agenttracetest.NewServer(agenttracetest.WithoutRateLimit())
		defer srv.Close()
		attestctl.Of(srv).SetLatency(5 * time.Second)
		endSpans(b, newBenchClient(b, srv))
	})
	b.Run("baseline", func(b *testing.B) {
		srv := agenttracetest.NewServer(agenttracetest.WithoutRateLimit())
		defer srv.Close()
		endSpans(b, newBenchClient(b, srv))
	})
}

// BenchmarkSpanEndBackendDown: span.End() while connections are refused
// (ours) against a healthy backend (baseline).
func BenchmarkSpanEndBackendDown(b *testing.B) {
	b.Run("ours", func(b *testing.B) {
		srv := agenttracetest.NewServer(agenttracetest.WithoutRateLimit())
		defer srv.Close()
		attestctl.Of(srv).Down()
		endSpans(b, newBenchClient(b, srv))
	})
	b.Run("baseline", func(b *testing.B) {
		srv := agenttracetest.NewServer(agenttracetest.WithoutRateLimit())
		defer srv.Close()
		endSpans(b, newBenchClient(b, srv))
	})
}

// BenchmarkHeapBackendDown ends 100k spans, each with a 1 KiB input, while
// the backend is down, and reports the peak live heap (sampled after a
// collection every 5000 spans): bounded by the span queue
// (WithMaxQueueSize), not by the number of spans. Each iteration's client
// is shut down before the next starts, so that only one is measured.
func BenchmarkHeapBackendDown(b *testing.B) {
	srv := agenttracetest.NewServer(agenttracetest.WithoutRateLimit())
	defer srv.Close()
	attestctl.Of(srv).Down()
	input := make([]byte, 1024)
	for i := range input {
		input[i] = 'a' + byte(i%26)
	}
	text := string(input)
	var peak uint64
	for b.Loop() {
		c := newBenchClient(b, srv)
		ctx, tr := c.Trace(context.Background(), "bench")
		var ms runtime.MemStats
		for i := range 100_000 {
			_, sp := tr.Span(ctx, "step", instrument.WithInput(text))
			sp.End()
			if i%5000 == 0 {
				runtime.GC()
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapAlloc)
			}
		}
		tr.End()
		shutdown(c)
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-live-MiB")
}

// BenchmarkTimeToReceipt measures the time from the end of a trace to its
// receipt at the server with the default flush interval (5 s): the batch
// span processor sends at most 5 s after a span ends, so it is 0 to 5 s.
func BenchmarkTimeToReceipt(b *testing.B) {
	srv := agenttracetest.NewServer(agenttracetest.WithoutRateLimit())
	defer srv.Close()
	c := newBenchClient(b, srv)
	var total time.Duration
	n := 0
	for b.Loop() {
		_, tr := c.Trace(context.Background(), "bench")
		tr.End()
		ended := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		if _, err := srv.WaitForTrace(ctx, tr.TraceID().String()); err != nil {
			b.Fatal(err)
		}
		cancel()
		total += time.Since(ended)
		n++
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(n), "ms-to-receipt")
}

// BenchmarkSteadyLoad runs the 700 events/s workload of
// TestSteadyLoadWithinRateLimit (1.5 KB events, 3 ms per event on the
// server) for 20 s under the budget of 100 requests per minute, scaled to
// 25 per 15 s (see ceilingLimit), and reports the events per request: the
// exporter sends fewer, fuller requests rather than more.
func BenchmarkSteadyLoad(b *testing.B) {
	quiet(b)
	var res *loadResult
	for b.Loop() {
		res = runLoad(b, loadConfig{
			eventsPerSecond: 700, duration: 20 * time.Second,
			limit: ceilingLimit, window: ceilingWindow, tell: true,
			eventDelay: 3 * time.Millisecond,
		})
	}
	if !res.lossless() {
		b.Errorf("lost something or overspent the budget: %s", res)
	}
	b.ReportMetric(res.eventsPerRequest(), "events/request")
	b.ReportMetric(float64(res.requests)/res.elapsed.Minutes(), "requests/min")
}

// BenchmarkCeiling reports the sustained ceiling of one address under 100
// requests per minute (scaled to 25 per 15 s), without and with gzip, found
// by a short search (runs of one window, bounds within 30%): events/s of
// 1.5 KB events with 0 loss and 0 429, and that rate in wire bytes as a
// share of the physical limit, 100 requests of 4 MiB per minute.
// TestCeiling with AGENTTRACE_CEILING=1 searches longer and finer.
func BenchmarkCeiling(b *testing.B) {
	for _, gzip := range []bool{false, true} {
		b.Run(fmt.Sprintf("gzip=%t", gzip), func(b *testing.B) {
			quiet(b)
			var best *loadResult
			for b.Loop() {
				best = searchCeiling(b, ceilingSearch{gzip: gzip, runFor: ceilingWindow, start: 1000, precision: 1.3}).best()
			}
			if best == nil {
				b.Fatal("no rate sustained")
			}
			b.ReportMetric(best.eventsPerSecond, "events/s")
			b.ReportMetric(100*best.eventsPerSecond*best.wireEventBytes()/physicalLimit, "%-of-physical")
		})
	}
}

// BenchmarkExportCPU measures the process CPU time per span of exporting
// the load tests' spans (1.5 KB events) through the exporter (ours) and
// through otlptracehttp (baseline), without and with gzip on both sides,
// each to a local sink that discards what it reads. The exporter's pacing
// is lifted: the sink sends no rate-limit headers.
func BenchmarkExportCPU(b *testing.B) {
	rec := tracetest.NewSpanRecorder()
	w := newWorkload(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)).Tracer("github.com/agenttrace/agenttrace-otel-go/instrument"))
	for i := range 100 {
		w.trace(i)
	}
	spans := rec.Ended()
	ctx := context.Background()
	for _, gzip := range []bool{false, true} {
		b.Run(fmt.Sprintf("gzip=%t/ours", gzip), func(b *testing.B) {
			srv := benchkit.Sink(b, "application/json", `{"successes":[],"errors":[]}`)
			exp, err := exporter.New(exporter.WithConnection(connection.Config{APIURL: srv.URL, APIKey: "pk-bench"}),
				exporter.WithGzip(gzip), exporter.WithRateLimit(1<<20, time.Minute))
			if err != nil {
				b.Fatal(err)
			}
			defer exp.Shutdown(ctx)
			exportCPU(b, len(spans), func() error { return exp.ExportSpans(ctx, spans) })
		})
		b.Run(fmt.Sprintf("gzip=%t/baseline", gzip), func(b *testing.B) {
			srv := benchkit.Sink(b, "application/x-protobuf", "")
			compression := otlptracehttp.NoCompression
			if gzip {
				compression = otlptracehttp.GzipCompression
			}
			exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(srv.URL+"/v1/traces"), otlptracehttp.WithCompression(compression))
			if err != nil {
				b.Fatal(err)
			}
			defer exp.Shutdown(ctx)
			exportCPU(b, len(spans), func() error { return exp.ExportSpans(ctx, spans) })
		})
	}
}

// exportCPU runs export in a benchmark loop and reports the process CPU
// time per span (exporter and sink together).
func exportCPU(b *testing.B, spans int, export func() error) {
	b.ReportAllocs()
	cpu := benchkit.CPUTime()
	for b.Loop() {
		if err := export(); err != nil {
			b.Fatal(err)
		}
	}
	if used := benchkit.CPUTime() - cpu; used > 0 {
		b.ReportMetric(float64(used.Nanoseconds())/float64(spans*b.N), "cpu-ns/span")
	}
}
