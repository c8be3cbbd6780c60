package exporter_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/agenttrace/agenttrace-otel-go/exporter"
	"github.com/agenttrace/agenttrace-otel-go/internal/attestctl"
	"github.com/agenttrace/agenttrace-otel-go/internal/records"
	"github.com/agenttrace/agenttrace-otel-go/scores"
)

// TestSelfMetrics checks the exporter's own metrics: items exported and
// dropped by kind and reason, retries, request durations and queue depth.
func TestSelfMetrics(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(context.Background())

	srv, exp := setup(t, nil, exporter.WithMeterProvider(mp))
	attestctl.Of(srv).FailNext(1, attestctl.Status(503))
	attestctl.Of(srv).SetItemFaults(func(ev attestctl.Event) *attestctl.ItemError {
		if ev.Type == "span-create" {
			return &attestctl.ItemError{Status: 400, Message: "Invalid observation input: x"}
		}
		return nil
	})
	_ = exp.ExportSpans(ctx(t), agentTrace())
	require.NoError(t, records.SinkOf(exp).ExportScore(records.Score{TraceID: traceA, Name: "q", Value: scores.Numeric(1)}))

	var rm metricdata.ResourceMetrics
	require.NoError(t, reader.Collect(context.Background(), &rm))
	got := map[string]metricdata.Aggregation{}
	for _, sm := range rm.ScopeMetrics {
		assert.Equal(t, exporter.ScopeName, sm.Scope.Name)
		for _, m := range sm.Metrics {
			got[m.Name] = m.Data
		}
	}
	sums := func(name string) map[string]int64 {
		out := map[string]int64{}
		sum, ok := got[name].(metricdata.Sum[int64])
		require.True(t, ok, "%s is an int64 sum", name)
		for _, dp := range sum.DataPoints {
			kind, _ := dp.Attributes.Value("kind")
			reason, _ := dp.Attributes.Value("reason")
			out[kind.AsString()+"/"+reason.AsString()] += dp.Value
		}
		return out
	}
	assert.Equal(t, map[string]int64{"trace/": 1, "observation/": 1}, sums("agenttrace.sdk.exported"))
	assert.Equal(t, map[string]int64{"observation/rejected": 2}, sums("agenttrace.sdk.dropped"))
	assert.Equal(t, map[string]int64{"/": 1}, sums("agenttrace.sdk.retries"))
	hist, ok := got["agenttrace.sdk.request.duration"].(metricdata.Histogram[float64])
	require.True(t, ok)
	var requests uint64
	for _, dp := range hist.DataPoints {
		requests += dp.Count
	}
	assert.Equal(t, uint64(2), requests, "the 503 and its retry")
	depth, ok := got["agenttrace.sdk.queue.depth"].(metricdata.Gauge[int64])
	require.True(t, ok)
	require.Len(t, depth.DataPoints, 1)
	assert.Equal(t, int64(1), depth.DataPoints[0].Value, "the score waits for the next flush")
}
