package exporter_test

import (
	"os"
	"testing"

	"github.com/agenttrace/agenttrace-otel-go/connection"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/agenttrace/agenttrace-otel-go/exporter"
)

// TestWithDebugKeepsWithLogger: WithDebug(false) turns off only the debug
// logger to standard error, never a WithLogger logger, in either order.
func TestWithDebugKeepsWithLogger(t *testing.T) {
	t.Setenv("AGENTTRACE_DEBUG", "true")
	orders := map[string]func(exporter.Option) []exporter.Option{
		"logger first": func(l exporter.Option) []exporter.Option { return []exporter.Option{l, exporter.WithDebug(false)} },
		"debug first":  func(l exporter.Option) []exporter.Option { return []exporter.Option{exporter.WithDebug(false), l} },
	}
	for name, opts := range orders {
		t.Run(name, func(t *testing.T) {
			logger, logged := capturedLogger()
			_, exp := setup(t, nil, opts(exporter.WithLogger(logger))...)
			require.NoError(t, exp.ExportSpans(ctx(t), agentTrace()))
			require.NoError(t, exp.Shutdown(ctx(t)))
			assert.Contains(t, logged(), "agenttrace: request", "the WithLogger logger still logs")
		})
	}
}

// TestWithDebugOffOverridesEnvironment: AGENTTRACE_DEBUG=true logs to
// standard error, and WithDebug(false) turns that off. Not parallel: it
// replaces os.Stderr.
func TestWithDebugOffOverridesEnvironment(t *testing.T) {
	t.Setenv("AGENTTRACE_DEBUG", "true")
	for _, tt := range []struct {
		name string
		opts []exporter.Option
		logs bool
	}{
		{name: "environment", logs: true},
		{name: "WithDebug(false)", opts: []exporter.Option{exporter.WithDebug(false)}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f, err := os.CreateTemp(t.TempDir(), "stderr")
			require.NoError(t, err)
			defer f.Close()
			stderr := os.Stderr
			os.Stderr = f
			_, exp := setup(t, nil, tt.opts...)
			os.Stderr = stderr // the exporter's logger holds f
			require.NoError(t, exp.ExportSpans(ctx(t), agentTrace()))
			require.NoError(t, exp.Shutdown(ctx(t)))
			out, err := os.ReadFile(f.Name())
			require.NoError(t, err)
			if tt.logs {
				assert.Contains(t, string(out), "agenttrace: request")
			} else {
				assert.Empty(t, string(out))
			}
		})
	}
}

// TestSpanFilterAndExportAllSpans: the two options together are refused;
// a filter overrides AGENTTRACE_EXPORT_ALL_SPANS.
func TestSpanFilterAndExportAllSpans(t *testing.T) {
	keepSQL := exporter.WithSpanFilter(func(s sdktrace.ReadOnlySpan) bool {
		return exporter.DefaultSpanFilter(s) || s.InstrumentationScope().Name == otelsqlScope
	})
	_, err := exporter.New(exporter.WithConnection(connection.Config{APIKey: "pk-x"}),
		exporter.WithExportAllSpans(), keepSQL)
	require.Error(t, err)
	assert.ErrorContains(t, err, "WithSpanFilter and WithExportAllSpans")

	t.Setenv("AGENTTRACE_EXPORT_ALL_SPANS", "true")
	srv, exp := setup(t, nil, keepSQL)
	require.NoError(t, exp.ExportSpans(ctx(t), webAgent()))
	require.NoError(t, exp.ForceFlush(ctx(t)))
	assert.Equal(t, "answer(SELECT cache-lookup chat gpt-4o)", treeOf(srv), "the filter decides, not the environment")
}
