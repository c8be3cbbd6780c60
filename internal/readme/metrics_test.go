package readme_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/agenttrace/agenttrace-otel-go/exporter"
	"github.com/agenttrace/agenttrace-otel-go/instrument"
)

func newMeteredClient(ctx context.Context, reader sdkmetric.Reader) (*instrument.Client, error) {
	// README: metrics
	// reader: sdkmetric.NewPeriodicReader(yourMetricExporter), or the
	// application's MeterProvider instead of a new one.
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	client, err := instrument.New(ctx, instrument.WithExporterOptions(exporter.WithMeterProvider(mp)))
	// README end
	return client, err
}

func TestSelfMetrics(t *testing.T) {
	newServer(t)
	reader := sdkmetric.NewManualReader()
	client, err := newMeteredClient(t.Context(), reader)
	require.NoError(t, err)
	_, tr := client.Trace(t.Context(), "task")
	tr.End()
	require.NoError(t, client.Shutdown(t.Context()))

	var rm metricdata.ResourceMetrics
	require.NoError(t, reader.Collect(t.Context(), &rm))
	names := map[string]bool{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			names[m.Name] = true
		}
	}
	for _, name := range []string{"agenttrace.sdk.exported", "agenttrace.sdk.request.duration", "agenttrace.sdk.queue.depth"} {
		assert.True(t, names[name], "%s in %v", name, names)
	}
}
