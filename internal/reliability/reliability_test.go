// Package reliability holds the SDK's reliability tests: outages, overload,
// concurrency and secrets, run against the agenttracetest server with fault
// injection, counting what the server finally holds.
package reliability_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agenttrace/agenttrace-otel-go/connection"
	"github.com/agenttrace/agenttrace-otel-go/internal/records"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/goleak"

	"github.com/agenttrace/agenttrace-otel-go/exporter"
	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttracetest"
	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/internal/attestctl"
	"github.com/agenttrace/agenttrace-otel-go/scores"
	"github.com/agenttrace/agenttrace-otel-go/semconv"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// lockedBuffer is a bytes.Buffer safe for concurrent writers.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// pipeline is the SDK's export path as an application runs it: a tracer
// provider whose batch span processor feeds the AgentTrace exporter.
type pipeline struct {
	exp    *exporter.Exporter
	tp     *sdktrace.TracerProvider
	tracer trace.Tracer
}

func newPipeline(t *testing.T, srv *agenttracetest.Server, opts ...exporter.Option) *pipeline {
	t.Helper()
	exp, err := exporter.New(append([]exporter.Option{
		exporter.WithConnection(connection.Config{APIURL: srv.URL, APIKey: srv.APIKey}),
		exporter.WithFlushInterval(200 * time.Millisecond),
	}, opts...)...)
	require.NoError(t, err)
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp, sdktrace.WithBatchTimeout(200*time.Millisecond)))
	p := &pipeline{exp: exp, tp: tp, tracer: tp.Tracer("github.com/agenttrace/agenttrace-otel-go/instrument")}
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return p
}

// agentRun records one trace: a root with a tool span and a generation, and
// a score of the trace. It returns the trace id.
func (p *pipeline) agentRun(t *testing.T, i int) trace.TraceID {
	ctx, root := p.tracer.Start(context.Background(), fmt.Sprintf("run-%d", i),
		trace.WithAttributes(semconv.ObservationTypeAgent, semconv.TraceNameKey.String(fmt.Sprintf("run-%d", i))))
	start := time.Now()
	_, tool := p.tracer.Start(ctx, "tool", trace.WithAttributes(semconv.ObservationTypeTool))
	tool.End()
	_, gen := p.tracer.Start(ctx, "llm", trace.WithAttributes(semconv.ObservationTypeGeneration,
		semconv.GenAIRequestModelKey.String("gpt-4.1-mini"), semconv.GenAIUsageInputTokensKey.Int(10),
		semconv.GenAIUsageOutputTokensKey.Int(5)))
	gen.End()
	id := root.SpanContext().TraceID()
	require.NoError(t, records.SinkOf(p.exp).ExportScore(records.Score{TraceID: id, TraceStart: start, Name: "quality", Value: scores.Numeric(0.5)}))
	root.End()
	return id
}

// flush delivers everything: spans through the provider, then records.
func (p *pipeline) flush(ctx context.Context) error {
	if err := p.tp.ForceFlush(ctx); err != nil {
		return err
	}
	return p.exp.ForceFlush(ctx)
}

// assertExactlyOnce checks that the server holds one trace row, three
// observation rows and one score per trace id.
func assertExactlyOnce(t *testing.T, srv *agenttracetest.Server, ids []trace.TraceID) {
	t.Helper()
	sn := srv.Snapshot()
	rows := map[string]int{}
	for _, tr := range sn.Traces {
		rows[tr.ID]++
	}
	scoreCount := map[string]int{}
	for _, s := range sn.Scores {
		scoreCount[s.TraceID]++
	}
	missing, dup := 0, 0
	for _, id := range ids {
		k := id.String()
		switch {
		case rows[k] == 0 || len(sn.ObservationsOf(k)) < 3 || scoreCount[k] == 0:
			missing++
		case rows[k] > 1 || len(sn.ObservationsOf(k)) > 3 || scoreCount[k] > 1:
			dup++
		}
	}
	assert.Zero(t, missing, "traces with something missing, of %d", len(ids))
	assert.Zero(t, dup, "traces with something duplicated, of %d", len(ids))
	assert.Equal(t, len(ids), len(sn.Traces), "trace rows")
	assert.Equal(t, len(ids), len(sn.Scores), "scores")
}

// TestOutage takes the backend down for 10 s in the middle of a run: every
// trace, observation and score ended before and during the outage is
// delivered after recovery, exactly once. The outage starts with a drain
// (requests being answered finish, later ones get 503 or a refused
// connection): a score request cut in the middle could have been stored or
// not, and the SDK then drops it rather than risk storing it twice
// (exporter's TestScoreCutAfterStoringIsNotSentAgain), which no workload
// can promise to avoid.
func TestOutage(t *testing.T) {
	if testing.Short() {
		t.Skip("takes more than 10 s")
	}
	srv := agenttracetest.NewServer(agenttracetest.WithoutRateLimit())
	defer srv.Close()
	p := newPipeline(t, srv)

	var ids []trace.TraceID
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	run := func(d time.Duration) {
		end := time.Now().Add(d)
		for time.Now().Before(end) {
			<-tick.C // the pace of the workload, not synchronisation
			ids = append(ids, p.agentRun(t, len(ids)))
		}
	}
	run(2 * time.Second)
	attestctl.Of(srv).Drain()
	run(10 * time.Second)
	require.NoError(t, attestctl.Of(srv).Up())
	run(1 * time.Second)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	require.NoError(t, p.flush(ctx))
	assertExactlyOnce(t, srv, ids)
	st := p.exp.Stats()
	t.Logf("%d traces over a 10 s outage: %d requests, %d retries, dropped %v", len(ids), st.Requests, st.Retries, st.Dropped)
	assert.Empty(t, st.Dropped)
}

// TestFaultsLoseNothing runs the same workload through 429s with
// Retry-After, 503s, connection resets, garbage answers and per-item 500s.
func TestFaultsLoseNothing(t *testing.T) {
	srv := agenttracetest.NewServer(agenttracetest.WithoutRateLimit())
	defer srv.Close()
	p := newPipeline(t, srv)
	attestctl.Of(srv).SetItemFaults(func(ev attestctl.Event) *attestctl.ItemError {
		if ev.Type == "span-create" && ev.Attempt == 1 && strings.HasSuffix(ev.BodyID, "0") {
			return &attestctl.ItemError{Status: 500, Message: "failed to insert"}
		}
		return nil
	})
	var ids []trace.TraceID
	for round, f := range []attestctl.Fault{
		attestctl.Status(429).WithRetryAfter("1"),
		attestctl.Status(503),
		attestctl.ConnReset(),
		attestctl.Garbage(),
		attestctl.Status(502),
	} {
		attestctl.Of(srv).FailNextOn("/api/public/ingestion", 1, f)
		for i := range 20 {
			ids = append(ids, p.agentRun(t, round*20+i))
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		require.NoError(t, p.flush(ctx), "round %d", round)
		cancel()
	}
	assertExactlyOnce(t, srv, ids)
}

// TestConcurrentTracing traces from 1000 goroutines at once through the
// instrument client; the race detector and goleak watch.
func TestConcurrentTracing(t *testing.T) {
	srv := agenttracetest.NewServer(agenttracetest.WithoutRateLimit())
	defer srv.Close()
	client, err := instrument.New(context.Background(), instrument.WithConnection(connection.Config{APIURL: srv.URL, APIKey: srv.APIKey}))
	require.NoError(t, err)

	const n = 1000
	var wg sync.WaitGroup
	ids := make([]trace.TraceID, n)
	for i := range n {
		wg.Go(func() {
			ctx, tr := client.Trace(context.Background(), fmt.Sprintf("job-%d", i), instrument.WithUserID("u"))
			defer tr.End()
			ctx, sp := tr.Span(ctx, "step")
			_, gen := sp.Generation(ctx, "llm", instrument.WithModel("gpt-4.1-mini"))
			gen.SetUsage(instrument.Usage{InputTokens: 3, OutputTokens: 4})
			gen.End()
			sp.End()
			ids[i] = tr.TraceID()
		})
	}
	wg.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	require.NoError(t, client.Shutdown(ctx))
	sn := srv.Snapshot()
	assert.Equal(t, n, len(sn.Traces), "trace rows")
	assert.Equal(t, 3*n, len(sn.Observations), "observation rows")
	for _, id := range ids[:10] {
		tree := sn.ObservationTree(id.String())
		require.Len(t, tree, 1)
		require.Len(t, tree[0].Children, 1)
		assert.Len(t, tree[0].Children[0].Children, 1, "the generation is under the step")
	}
}

// TestKeyNeverLeaks runs the client in debug mode through failures (a
// rejected key, server errors, a slow flush) and checks that the API key
// appears in no log line, no error, and no request body.
func TestKeyNeverLeaks(t *testing.T) {
	const key = "pk-lf-0123456789abcdef0123456789abcdef"
	srv := agenttracetest.NewServer(agenttracetest.WithoutRateLimit(), attestctl.WithAPIKeys(key))
	defer srv.Close()

	var logs lockedBuffer
	var handled lockedBuffer
	prev := otel.GetErrorHandler()
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) { fmt.Fprintln(&handled, err) }))
	defer otel.SetErrorHandler(prev)

	for _, k := range []string{key, "sk-at-" + key[6:]} { // accepted, then refused
		client, err := instrument.New(context.Background(), instrument.WithConnection(connection.Config{APIURL: srv.URL, APIKey: k}),
			instrument.WithExporterOptions(exporter.WithDebug(true)),
			instrument.WithExporterOptions(exporter.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))))
		require.NoError(t, err)
		attestctl.Of(srv).FailNext(2, attestctl.Status(503))
		ctx, tr := client.Trace(context.Background(), "secret-run", instrument.WithInput("hello"))
		_, sp := tr.Span(ctx, "step")
		sp.End()
		tr.End()
		err = client.Shutdown(context.Background())
		if err != nil {
			assert.NotContains(t, err.Error(), k[6:])
		}
		assert.NotContains(t, logs.String(), k[6:], "log mentions the key")
		assert.NotContains(t, handled.String(), k[6:], "reported error mentions the key")
	}
	assert.Contains(t, logs.String(), "agenttrace", "debug logging was on")
	assert.Contains(t, handled.String(), "401", "the refused key was reported")
	for _, r := range srv.Snapshot().Requests {
		assert.NotContains(t, string(r.Body), key[6:], "request body contains the key")
	}

}

// TestQueueOverflowIsReported fills the exporter's queue while the backend
// is slow: ending spans never blocks, whole traces are dropped, and Flush
// says how many instead of losing them silently; Stats and the
// agenttrace.sdk.dropped metric count them.
func TestQueueOverflowIsReported(t *testing.T) {
	srv := agenttracetest.NewServer(agenttracetest.WithoutRateLimit())
	defer srv.Close()
	attestctl.Of(srv).SetLatency(time.Second)
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(context.Background())
	client, err := instrument.New(context.Background(), instrument.WithConnection(connection.Config{APIURL: srv.URL, APIKey: srv.APIKey}),
		instrument.WithExporterOptions(exporter.WithMaxQueueSize(10)), instrument.WithExporterOptions(exporter.WithBatchSize(5)), instrument.WithExporterOptions(exporter.WithMeterProvider(mp)))
	require.NoError(t, err)
	defer client.Shutdown(context.Background())

	for i := range 200 {
		_, tr := client.Trace(context.Background(), fmt.Sprintf("t%d", i))
		tr.End()
	}
	attestctl.Of(srv).SetLatency(0)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = client.Flush(ctx)
	var de *exporter.DeliveryError
	require.ErrorAs(t, err, &de)
	assert.Contains(t, err.Error(), "queue_full")
	dropped := de.Lost[exporter.KindTrace]
	assert.Positive(t, dropped)
	assert.Equal(t, dropped, de.Lost[exporter.KindObservation], "each dropped trace with its one observation")
	assert.Equal(t, 200, dropped+len(srv.Snapshot().Traces), "every trace is either delivered or reported")
	assert.NoError(t, client.Flush(ctx), "a drop is reported once")
	assert.Equal(t, uint64(2*dropped), client.Stats().Dropped["queue_full"], "Stats counts the drops once")
	var rm metricdata.ResourceMetrics
	require.NoError(t, reader.Collect(context.Background(), &rm))
	var metered int64
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if sum, ok := m.Data.(metricdata.Sum[int64]); ok && m.Name == "agenttrace.sdk.dropped" {
				for _, dp := range sum.DataPoints {
					kind, _ := dp.Attributes.Value("kind")
					reason, _ := dp.Attributes.Value("reason")
					if kind.AsString() == exporter.KindTrace && reason.AsString() == "queue_full" {
						metered += dp.Value
					}
				}
			}
		}
	}
	assert.Equal(t, int64(dropped), metered, "agenttrace.sdk.dropped{kind=trace,reason=queue_full}")
}
