package reliability_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"go.opentelemetry.io/otel"

	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttracetest"
	"github.com/agenttrace/agenttrace-otel-go/instrument"
)

// newBenchClient returns a client sending to srv, shut down with a short
// deadline when the benchmark ends (the backend may be down or slow).
func newBenchClient(b *testing.B, srv *agenttracetest.Server, opts ...instrument.Option) *instrument.Client {
	b.Helper()
	quiet(b)
	c, err := instrument.New(context.Background(), append([]instrument.Option{
		instrument.WithAPIURL(srv.URL), instrument.WithAPIKey(srv.APIKey),
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
		srv.SetLatency(5 * time.Second)
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
		srv.Down()
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
	srv.Down()
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
