package instrument

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/agenttrace/agenttrace-otel-go/exporter"
)

// TestAfterShutdownIsQuiet checks what the batch span processor sees when
// it drains its queue after Client.Shutdown stopped the exporter: no
// error, where the exporter itself returns ErrShutdown (which the
// processor would report once per batch).
func TestAfterShutdownIsQuiet(t *testing.T) {
	exp, err := exporter.New(context.Background(), exporter.WithAPIKey("pk-test"),
		exporter.WithAPIURL("file://"+filepath.Join(t.TempDir(), "requests.jsonl")))
	require.NoError(t, err)
	spans := []sdktrace.ReadOnlySpan{tracetest.SpanStub{Name: "s"}.Snapshot()}
	require.NoError(t, afterShutdown{exp}.ExportSpans(context.Background(), spans), "a running exporter")

	require.NoError(t, exp.Shutdown(context.Background()))
	require.ErrorIs(t, exp.ExportSpans(context.Background(), spans), exporter.ErrShutdown)
	assert.NoError(t, afterShutdown{exp}.ExportSpans(context.Background(), spans))
}
