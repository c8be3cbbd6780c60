package exporter_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/agenttrace/agenttrace-otel-go/connection"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/agenttrace/agenttrace-otel-go/exporter"
	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttracetest"
	"github.com/agenttrace/agenttrace-otel-go/internal/attestctl"
	"github.com/agenttrace/agenttrace-otel-go/semconv"
)

// A Retry-After longer than the retry budget holds the data in the queue:
// nothing goes to the server before the time it named, a flush that ends
// earlier says what waits and why, and a later flush delivers it (A10).
func TestRetryAfterLongerThanTheBudget(t *testing.T) {
	srv, exp := setup(t, nil, exporter.WithConnection(connection.Config{RetryBudget: time.Second}))
	attestctl.Of(srv).FailNext(1, attestctl.Status(http.StatusTooManyRequests).WithRetryAfter("3"))

	short, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	require.NoError(t, exp.ExportSpans(short, agentTrace()), "the spans stay queued: nothing is lost")
	short2, cancel2 := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel2()
	err := exp.ForceFlush(short2)
	var de *exporter.DeliveryError
	require.ErrorAs(t, err, &de)
	assert.ErrorIs(t, err, exporter.ErrNotDelivered)
	assert.ErrorIs(t, err, context.DeadlineExceeded, "the flush ran out of time")
	assert.Empty(t, de.Lost)
	assert.Equal(t, 3, de.Pending[exporter.KindObservation])
	assert.Contains(t, de.Wait, "rate-limited by the server (429) until")
	assert.Contains(t, err.Error(), "rate-limited by the server (429) until")
	assert.Len(t, srv.Snapshot().Requests, 1, "nothing is sent before the time the server named")

	require.NoError(t, exp.ForceFlush(ctx(t)))
	reqs := srv.Snapshot().Requests
	require.Len(t, reqs, 2)
	assert.GreaterOrEqual(t, reqs[1].ReceivedAt.Sub(reqs[0].ReceivedAt), 3*time.Second)
	assert.Len(t, srv.Observations(traceA.String()), 3)
	assert.Empty(t, exp.Stats().Dropped)
}

// The exporter learns the server's budget from the X-RateLimit-* headers,
// window included, and keeps under it: no 429, and no window holding more
// requests than the server admits (A11).
func TestRateLimitLearnedFromHeaders(t *testing.T) {
	const limit, window = 5, time.Second
	srv, exp := setup(t, []agenttracetest.Option{attestctl.WithRateLimit(limit, window)})
	for i := range 12 {
		s := span("step", byte(10+i), 1, i, i+1, semconv.ObservationTypeSpan)
		require.NoError(t, exp.ExportSpans(ctx(t), []sdktrace.ReadOnlySpan{s}))
	}
	reqs := srv.Snapshot().Requests
	require.Len(t, reqs, 12)
	for i, r := range reqs {
		assert.Equal(t, http.StatusOK, r.Status, "request %d", i)
		n := 0
		for _, o := range reqs[i:] {
			if o.ReceivedAt.Sub(r.ReceivedAt) < window {
				n++
			}
		}
		assert.LessOrEqual(t, n, limit, "requests in the window from request %d", i)
	}
}

// When the work outgrows the queue, traces are dropped whole: the server
// holds each trace with all its observations and its row, or nothing of it
// (A11), and the drop is counted per trace.
func TestQueueDropsWholeTraces(t *testing.T) {
	srv, exp := setup(t, nil, exporter.WithMaxQueueSize(10))
	attestctl.Of(srv).Down()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(exp.SpanProcessor()))
	tracer := tp.Tracer("agent")
	var ids []trace.TraceID
	for range 3 {
		ctx, root := tracer.Start(context.Background(), "run", trace.WithAttributes(
			semconv.ObservationTypeAgent, semconv.TraceNameKey.String("run")))
		for range 3 {
			_, child := tracer.Start(ctx, "step", trace.WithAttributes(semconv.ObservationTypeTool))
			child.End()
		}
		root.End()
		ids = append(ids, root.SpanContext().TraceID())
	}
	require.NoError(t, attestctl.Of(srv).Up())
	err := exp.ForceFlush(ctx(t))
	var de *exporter.DeliveryError
	require.ErrorAs(t, err, &de)
	assert.Equal(t, map[string]int{exporter.KindTrace: 1, exporter.KindObservation: 4}, de.Lost)
	assert.Equal(t, map[string]int{"queue_full": 5}, de.Reasons)

	for i, id := range ids {
		_, row := srv.Trace(id.String())
		obs := srv.Observations(id.String())
		if i < 2 {
			assert.True(t, row, "trace %d has its row", i)
			assert.Len(t, obs, 4, "trace %d has all its observations", i)
		} else {
			assert.False(t, row, "the third trace was dropped whole")
			assert.Empty(t, obs, "the third trace was dropped whole")
		}
	}
	assert.Equal(t, uint64(5), exp.Stats().Dropped["queue_full"])
	require.NoError(t, tp.Shutdown(ctx(t)))
}

// An event far over the body budget has its fields cut until it fits; a
// field whose cut would exceed its length becomes a marker with its size,
// never null without one (A8).
func TestCutFieldsKeepTheirMarker(t *testing.T) {
	srv, exp := setup(t, nil, exporter.WithMaxRequestBytes(4096))
	field := func(c string) string { return `"` + strings.Repeat(c, 1200) + `"` }
	require.NoError(t, exp.ExportSpans(ctx(t), []sdktrace.ReadOnlySpan{
		span(strings.Repeat("n", 500), 2, 1, 0, 1, semconv.ObservationTypeGeneration,
			semconv.ObservationInputKey.String(`{"i":`+field("i")+`}`),
			semconv.ObservationOutputKey.String(`{"o":`+field("o")+`}`),
			semconv.GenerationModelParametersKey.String(`{"p":`+field("p")+`}`),
			semconv.ObservationMetadataKey.String(`{"m":`+field("m")+`}`)),
	}))
	obs := srv.Observations(traceA.String())
	require.Len(t, obs, 1)
	cut, bare := 0, 0
	for name, v := range map[string]string{"input": obs[0].Input, "output": obs[0].Output,
		"modelParameters": obs[0].ModelParameters, "metadata": obs[0].Metadata} {
		require.NotEmpty(t, v, name)
		require.NotEqual(t, "null", v, name)
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(v), &m), name)
		if m["agenttrace.truncated"] == true {
			cut++
			assert.Positive(t, m["bytes"], "%s: the marker says the size of what was cut", name)
			if _, ok := m["preview"]; !ok {
				bare++ // a cut larger than the field: the marker alone
			}
		}
	}
	assert.Positive(t, cut)
	assert.Positive(t, bare, "one field needed a cut larger than itself")
}

// A trace row the server fails with a 5xx is sent once more, not once per
// flush: one retry per row version (A9).
func TestRowRetriedOncePerVersion(t *testing.T) {
	srv, exp := setup(t, nil)
	attestctl.Of(srv).SetItemFaults(func(ev attestctl.Event) *attestctl.ItemError {
		if ev.Type == "trace-create" {
			return &attestctl.ItemError{Status: 500, Message: "failed to insert"}
		}
		return nil
	})
	attempts := func() int {
		n := 0
		for _, r := range srv.Snapshot().Requests {
			n += strings.Count(string(r.Body), `"type":"trace-create"`)
		}
		return n
	}
	err := exp.ExportSpans(ctx(t), agentTrace())
	var de *exporter.DeliveryError
	require.ErrorAs(t, err, &de, "the export its spans changed the row of reports it")
	assert.Equal(t, map[string]int{exporter.KindTrace: 1}, de.Lost)
	assert.Equal(t, 2, attempts(), "sent, then once more")
	require.NoError(t, exp.ForceFlush(ctx(t)), "reported once")
	for range 3 {
		_ = exp.ForceFlush(ctx(t))
	}
	assert.Equal(t, 2, attempts(), "flushes do not send the same version again")

	// A new version of the row (a late trace attribute) is sent again.
	_ = exp.ExportSpans(ctx(t), []sdktrace.ReadOnlySpan{
		span("late", 9, 1, 10, 20, semconv.ObservationTypeSpan, semconv.TraceSessionIDKey.String("s-1")),
	})
	assert.Equal(t, 4, attempts())
}

// Shutdown of the exporter's span processor ends the spans still open, with
// level WARNING and a status message, so the tree on the server is whole,
// and says which.
func TestUnendedSpansEndedAtShutdown(t *testing.T) {
	srv, exp := setup(t, nil)
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(exp.SpanProcessor()))
	ctx0, root := tp.Tracer("agent").Start(context.Background(), "order-question", trace.WithAttributes(
		semconv.ObservationTypeAgent, semconv.TraceNameKey.String("order-question")))
	_, open := tp.Tracer("agent").Start(ctx0, "lookup", trace.WithAttributes(semconv.ObservationTypeTool))
	_, done := tp.Tracer("agent").Start(ctx0, "plan", trace.WithAttributes(semconv.ObservationTypeSpan))
	done.End()
	_ = open

	err := tp.Shutdown(ctx(t))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "1 trace and 1 observation were never ended")
	assert.Contains(t, err.Error(), "order-question")
	assert.Contains(t, err.Error(), "lookup")
	assert.False(t, errors.Is(err, exporter.ErrNotDelivered), "everything was delivered: %v", err)

	id := root.SpanContext().TraceID().String()
	tr, ok := srv.Trace(id)
	require.True(t, ok, "the trace has its row")
	assert.Equal(t, "order-question", tr.Name)
	byName := map[string]agenttracetest.Observation{}
	for _, o := range srv.Observations(id) {
		byName[o.Name] = o
	}
	require.Len(t, byName, 3)
	for _, name := range []string{"order-question", "lookup"} {
		assert.Equal(t, "WARNING", byName[name].Level, name)
		assert.Contains(t, byName[name].StatusMessage, "not ended", name)
	}
	assert.Equal(t, "DEFAULT", byName["plan"].Level)
	assert.Equal(t, root.SpanContext().SpanID().String(), byName["lookup"].ParentObservationID)
}
