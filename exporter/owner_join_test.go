package exporter_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/agenttrace/agenttrace-otel-go/internal/records"
	"github.com/agenttrace/agenttrace-otel-go/scores"
	"github.com/agenttrace/agenttrace-otel-go/semconv"
)

// withTraceState returns s with the AgentTrace tracestate entry set to v on
// its span context and, when it has one, its parent's.
func withTraceState(t *testing.T, s sdktrace.ReadOnlySpan, v string) sdktrace.ReadOnlySpan {
	t.Helper()
	ts, err := trace.TraceState{}.Insert(semconv.TraceStateKey, v)
	require.NoError(t, err)
	stub := tracetest.SpanStubFromReadOnlySpan(s)
	stub.SpanContext = stub.SpanContext.WithTraceState(ts)
	if stub.Parent.IsValid() {
		stub.Parent = stub.Parent.WithTraceState(ts).WithRemote(true)
	}
	return stub.Snapshot()
}

// TestJoinedTraceWritesNoRow: a process that joined a trace owned upstream
// (A17) sends its observations and scores but never a trace row, which
// would be a second row of the trace on the server.
func TestJoinedTraceWritesNoRow(t *testing.T) {
	srv, exp := setup(t, nil)
	// The upstream owner's row.
	require.NoError(t, exp.ExportSpans(ctx(t), []sdktrace.ReadOnlySpan{
		withTraceState(t, span("service-a", 9, 0, 0, 5000, semconv.TraceNameKey.String("order")), semconv.TraceStateOwner),
	}))
	// The downstream process: its local root has a remote parent, and its
	// spans say it joined.
	joined := []sdktrace.ReadOnlySpan{
		withTraceState(t, span("lookup", 2, 1, 10, 20, semconv.ObservationTypeTool), semconv.TraceStateJoined),
		withTraceState(t, span("weather-tool", 1, 9, 5, 30, semconv.TraceNameKey.String("weather-tool"),
			semconv.TraceUserIDKey.String("only-b-knows")), semconv.TraceStateJoined),
	}
	require.NoError(t, exp.ExportSpans(ctx(t), joined))
	require.NoError(t, records.SinkOf(exp).ExportScore(records.Score{TraceID: traceA, Name: "ok", Value: scores.Boolean(true)}))
	require.NoError(t, exp.ForceFlush(ctx(t)))

	rows := 0
	for _, r := range srv.Snapshot().Traces {
		if r.ID == traceA.String() {
			rows++
			assert.Equal(t, "order", r.Name, "the owner's row is not overwritten")
			assert.Empty(t, r.UserID, "trace-level fields set downstream are the owner's alone")
		}
	}
	assert.Equal(t, 1, rows)
	assert.Len(t, srv.Observations(traceA.String()), 3)
	assert.Len(t, srv.Snapshot().Scores, 1)
}

// TestRemoteParentUnderNearestObservation: an observation whose parent is
// remote, or a left-out span at the process boundary (an HTTP server span),
// hangs under the observation its tracestate names as the nearest above
// it, not under a span the server never gets (A17).
func TestRemoteParentUnderNearestObservation(t *testing.T) {
	srv, exp := setup(t, nil)
	// Upstream: the owner's root 9 and its observation 8, under which the
	// HTTP client span 7 (left out) called this process.
	require.NoError(t, exp.ExportSpans(ctx(t), []sdktrace.ReadOnlySpan{
		withTraceState(t, span("call-weather", 8, 9, 1, 40, semconv.ObservationTypeTool), "o+:"+sid(9).String()),
		withTraceState(t, span("order", 9, 0, 0, 50, semconv.TraceNameKey.String("order")), "o+"),
	}))
	mark := "j:" + sid(8).String()
	// Here: the server span 1 (left out, remote parent 7), the tool 2 under
	// it, and a tool 3 straight under the remote parent.
	require.NoError(t, exp.ExportSpans(ctx(t), []sdktrace.ReadOnlySpan{
		withTraceState(t, span("weather-tool", 2, 1, 10, 20, semconv.ObservationTypeTool), "j+:"+sid(8).String()),
		withTraceState(t, span("GET /weather", 1, 7, 5, 30), mark),
		withTraceState(t, span("direct", 3, 7, 5, 30, semconv.ObservationTypeTool), "j+:"+sid(8).String()),
	}))
	parents := map[string]string{}
	for _, o := range srv.Observations(traceA.String()) {
		parents[o.Name] = o.ParentObservationID
	}
	assert.Equal(t, map[string]string{
		"order": "", "call-weather": sid(9).String(),
		"weather-tool": sid(8).String(), "direct": sid(8).String(),
	}, parents)
}
