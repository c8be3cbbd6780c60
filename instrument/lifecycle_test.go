package instrument_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/agenttrace/agenttrace-otel-go/connection"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agenttrace/agenttrace-otel-go/exporter"
	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttracetest"
	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/internal/attestctl"
)

// A trace the application forgot to end: Shutdown ends it and what is open
// under it, with level WARNING, so the tree on the server is whole, and
// says so.
func TestShutdownEndsForgottenObservations(t *testing.T) {
	srv := agenttracetest.NewServer(agenttracetest.WithoutRateLimit())
	defer srv.Close()
	c, err := instrument.New(context.Background(), instrument.WithConnection(connection.Config{APIURL: srv.URL, APIKey: srv.APIKey}))
	require.NoError(t, err)
	ctx, tr := c.Trace(context.Background(), "order-question")
	_, tool := tr.Span(ctx, "lookup-order")
	_, gen := tr.Generation(ctx, "answer")
	gen.End()
	_ = tool // forgotten, as tr

	err = c.Shutdown(context.Background())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "1 trace and 1 observation were never ended")
	assert.Contains(t, err.Error(), "order-question")
	assert.NotErrorIs(t, err, exporter.ErrNotDelivered, "everything was delivered")

	id := tr.TraceID().String()
	row, ok := srv.Trace(id)
	require.True(t, ok, "the trace has its row")
	assert.Equal(t, "WARNING", row.Level)
	tree := srv.Snapshot().ObservationTree(id)
	require.Len(t, tree, 1, "one root, no orphans")
	assert.Equal(t, "order-question", tree[0].Name)
	assert.Len(t, tree[0].Children, 2)
}

// Debug output says what each request carried and how it ended, when
// requests are held and why; it never holds the key.
func TestDebugLogOfRequestsRetriesAndPacing(t *testing.T) {
	var mu sync.Mutex
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(lockedWriter{&mu, &buf}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv := agenttracetest.NewServer(attestctl.WithRateLimit(1, 2e9))
	defer srv.Close()
	attestctl.Of(srv).FailNext(1, attestctl.Status(503))
	c, err := instrument.New(context.Background(), instrument.WithConnection(connection.Config{APIURL: srv.URL, APIKey: srv.APIKey}),
		instrument.WithExporterOptions(exporter.WithLogger(logger)))
	require.NoError(t, err)
	for range 2 {
		_, tr := c.Trace(context.Background(), "t")
		tr.End()
		require.NoError(t, c.Flush(context.Background()))
	}
	require.NoError(t, c.Shutdown(context.Background()))

	mu.Lock()
	defer mu.Unlock()
	log := buf.String()
	assert.Contains(t, log, `msg="agenttrace: request" path=/api/public/ingestion items=2`)
	assert.Contains(t, log, "status=503")
	assert.Contains(t, log, "status=200")
	assert.Contains(t, log, `msg="agenttrace: retry" why="the server is unavailable (503)"`)
	assert.Contains(t, log, `msg="agenttrace: pacing"`, "the server's budget of 1 request per 2s holds the second flush")
	assert.NotContains(t, log, srv.APIKey)
	assert.Equal(t, 0, strings.Count(log, "status=429"), "no request over the budget")
}

type lockedWriter struct {
	mu  *sync.Mutex
	buf *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}
