package readme_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
)

// addAgentTrace is the two-line change that adds AgentTrace export to an
// application's own OpenTelemetry setup.
func addAgentTrace(ctx context.Context, tp *sdktrace.TracerProvider) (*instrument.Client, error) {
	// README: existing-otel
	// tp is the application's *sdktrace.TracerProvider, set up as before.
	client, err := instrument.New(ctx, instrument.WithTracerProvider(tp))
	if err != nil {
		return nil, err
	}
	tp.RegisterSpanProcessor(client.SpanProcessor())
	// README end
	return client, nil
}

// With AgentTrace added, the application's exporter still gets every span,
// and AgentTrace gets the AgentTrace spans but not the plain HTTP span.
func TestExistingSetup(t *testing.T) {
	srv := newServer(t)
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	ctx := t.Context()

	client, err := addAgentTrace(ctx, tp)
	require.NoError(t, err)
	httpCtx, httpSpan := tp.Tracer("net/http").Start(ctx, "GET /answer")
	_, tr := client.Trace(httpCtx, "answer")
	tr.End()
	httpSpan.End()
	require.NoError(t, client.Shutdown(ctx))
	require.NoError(t, tp.Shutdown(ctx))

	assert.Len(t, rec.Ended(), 2)
	row, ok := srv.Trace(tr.TraceID().String())
	require.True(t, ok)
	assert.Equal(t, "answer", row.Name)
	assert.Len(t, srv.Observations(tr.TraceID().String()), 1)
}

// newDualExportClient sends the client's spans to an OTLP endpoint beside
// AgentTrace.
func newDualExportClient(ctx context.Context, otlpEndpoint string) (*instrument.Client, error) {
	// README: dual-export
	// otlpEndpoint is Jaeger's (or a Collector's) OTLP/HTTP receiver,
	// such as "http://localhost:4318".
	client, err := instrument.New(ctx, instrument.WithOTLPEndpoint(otlpEndpoint))
	// README end
	return client, err
}

func TestDualExport(t *testing.T) {
	srv := newServer(t)
	var otlpRequests atomic.Int32
	jaeger := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if r.URL.Path == "/v1/traces" {
			otlpRequests.Add(1)
		}
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	defer jaeger.Close()

	client, err := newDualExportClient(t.Context(), jaeger.URL)
	require.NoError(t, err)
	_, tr := client.Trace(t.Context(), "answer")
	tr.End()
	require.NoError(t, client.Shutdown(t.Context()))

	assert.Equal(t, int32(1), otlpRequests.Load())
	_, ok := srv.Trace(tr.TraceID().String())
	assert.True(t, ok)
}
