package exporter_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agenttrace/agenttrace-otel-go/connection"
	"github.com/agenttrace/agenttrace-otel-go/internal/records"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/goleak"

	"github.com/agenttrace/agenttrace-otel-go/exporter"
	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttracetest"
	"github.com/agenttrace/agenttrace-otel-go/internal/attestctl"
	"github.com/agenttrace/agenttrace-otel-go/scores"
	"github.com/agenttrace/agenttrace-otel-go/semconv"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// errorRecorder collects what the SDK reports to otel.Handle.
type errorRecorder struct {
	mu   sync.Mutex
	errs []error
}

func (r *errorRecorder) Handle(err error) {
	r.mu.Lock()
	r.errs = append(r.errs, err)
	r.mu.Unlock()
}

func (r *errorRecorder) messages() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var s []string
	for _, e := range r.errs {
		s = append(s, e.Error())
	}
	return s
}

// setup starts a test server and an exporter pointed at it; both are closed
// when the test ends.
func setup(t *testing.T, srvOpts []agenttracetest.Option, opts ...exporter.Option) (*agenttracetest.Server, *exporter.Exporter) {
	t.Helper()
	srv := agenttracetest.NewServer(append([]agenttracetest.Option{agenttracetest.WithoutRateLimit()}, srvOpts...)...)
	t.Cleanup(srv.Close)
	// After the exporter's shutdown: never two rows of one trace (A5, A17).
	t.Cleanup(func() { assert.NoError(t, srv.Check()) })
	base := []exporter.Option{
		exporter.WithConnection(connection.Config{APIURL: srv.URL, APIKey: srv.APIKey, RetryBudget: 5 * time.Second, Timeout: 2 * time.Second}),
	}
	exp, err := exporter.New(append(base, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = exp.Shutdown(context.Background()) })
	return srv, exp
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

var (
	traceA = trace.TraceID{0x5c, 0x0f, 0xfe, 0xe0, 0xd1, 0x5e, 0xa5, 0xe5, 0xa1, 0xb2, 0xc3, 0xd4, 0xe5, 0xf6, 0x07, 0x18}
	t0     = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
)

func sid(b byte) trace.SpanID { return trace.SpanID{0, 0, 0, 0, 0, 0, 0, b} }

// span builds an ended span of traceA with id sid(id) under sid(parent)
// (no parent when 0), lasting from t0+startMs to t0+endMs.
func span(name string, id, parent byte, startMs, endMs int, attrs ...attribute.KeyValue) sdktrace.ReadOnlySpan {
	s := tracetest.SpanStub{
		Name:                 name,
		SpanContext:          trace.NewSpanContext(trace.SpanContextConfig{TraceID: traceA, SpanID: sid(id), TraceFlags: trace.FlagsSampled}),
		StartTime:            t0.Add(time.Duration(startMs) * time.Millisecond),
		EndTime:              t0.Add(time.Duration(endMs) * time.Millisecond),
		Attributes:           attrs,
		InstrumentationScope: instrumentation.Scope{Name: "test"},
	}
	if parent != 0 {
		s.Parent = trace.NewSpanContext(trace.SpanContextConfig{TraceID: traceA, SpanID: sid(parent), TraceFlags: trace.FlagsSampled})
	}
	return s.Snapshot()
}

// agentTrace is a small agent run: a trace with a span and a generation,
// children first as an SDK ends them.
func agentTrace() []sdktrace.ReadOnlySpan {
	return []sdktrace.ReadOnlySpan{
		span("read-files", 2, 1, 10, 200, semconv.ObservationTypeSpan, semconv.ObservationInputKey.String(`{"paths":["a.go"]}`)),
		span("plan", 3, 1, 1000, 3200, semconv.ObservationTypeGeneration,
			semconv.GenAIRequestModelKey.String("claude-sonnet"),
			semconv.GenAIUsageInputTokensKey.Int(812), semconv.GenAIUsageOutputTokensKey.Int(96),
			semconv.ObservationOutputKey.String(`{"role":"assistant","content":"A race in setup."}`)),
		span("fix-flaky-test", 1, 0, 0, 4000, semconv.ObservationTypeAgent,
			semconv.TraceNameKey.String("fix-flaky-test"), semconv.TraceUserIDKey.String("dev-7"),
			semconv.TraceTagsKey.StringSlice([]string{"agent", "ci"}),
			semconv.ObservationInputKey.String(`"why does it flake?"`)),
	}
}

func TestExportAgentTrace(t *testing.T) {
	srv, exp := setup(t, nil, exporter.WithConnection(connection.Config{ProjectID: "proj-1"}))
	require.NoError(t, exp.ExportSpans(ctx(t), agentTrace()))

	tr, ok := srv.Trace(traceA.String())
	require.True(t, ok, "trace row stored")
	assert.Equal(t, "fix-flaky-test", tr.Name)
	assert.Equal(t, "dev-7", tr.UserID)
	assert.Equal(t, []string{"agent", "ci"}, tr.Tags)
	assert.Equal(t, t0, tr.StartTime)
	assert.Equal(t, `"why does it flake?"`, tr.Input, "trace input defaults to the root's")
	assert.Equal(t, "DEFAULT", tr.Level)

	tree := srv.Snapshot().ObservationTree(traceA.String())
	require.Len(t, tree, 1)
	root := tree[0]
	assert.Equal(t, "fix-flaky-test", root.Name)
	require.Len(t, root.Children, 2)
	assert.Equal(t, "read-files", root.Children[0].Name)
	gen := root.Children[1]
	assert.Equal(t, "GENERATION", gen.Type)
	assert.Equal(t, "claude-sonnet", gen.Model)
	require.NotNil(t, gen.Usage)
	assert.EqualValues(t, 908, gen.Usage.TotalTokens)
	assert.JSONEq(t, `{"role":"assistant","content":"A race in setup."}`, gen.Output)

	st := exp.Stats()
	assert.Equal(t, uint64(1), st.Delivered[exporter.KindTrace])
	assert.Equal(t, uint64(3), st.Delivered[exporter.KindObservation])
	assert.Empty(t, st.Dropped)
}

// TestWireRules checks the headers and envelope of every request (A1-A6,
// A11): both auth headers, the project id, a unique X-Request-ID, the
// User-Agent, unique event ids, timestamps with exactly milliseconds.
func TestWireRules(t *testing.T) {
	srv, exp := setup(t, nil, exporter.WithConnection(connection.Config{ProjectID: "proj-1"}))
	require.NoError(t, exp.ExportSpans(ctx(t), agentTrace()))
	require.NoError(t, exp.ExportSpans(ctx(t), []sdktrace.ReadOnlySpan{
		span("late", 4, 1, 3000, 3100, semconv.ObservationTypeEvent),
	}))

	reqs := srv.Snapshot().Requests
	require.Len(t, reqs, 2, "one request per export: a request takes every event that fits")
	ids := map[string]bool{}
	eventIDs := map[string]bool{}
	for _, r := range reqs {
		assert.Equal(t, "/api/public/ingestion", r.Path)
		assert.Equal(t, srv.APIKey, r.Header.Get("X-API-Key"))
		assert.Equal(t, "Bearer "+srv.APIKey, r.Header.Get("Authorization"))
		assert.Equal(t, "proj-1", r.Header.Get("X-Project-ID"))
		assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
		assert.True(t, strings.HasPrefix(r.Header.Get("User-Agent"), "agenttrace-otel-go/"))
		id := r.Header.Get("X-Request-ID")
		assert.Len(t, id, 36)
		assert.False(t, ids[id], "X-Request-ID reused")
		ids[id] = true

		var env struct {
			Batch []struct {
				ID, Type, Timestamp string
				Body                map[string]any
			}
			Metadata map[string]any
		}
		require.NoError(t, json.Unmarshal(r.Body, &env))
		assert.NotEmpty(t, env.Metadata)
		for _, ev := range env.Batch {
			assert.False(t, eventIDs[ev.ID], "event id reused")
			eventIDs[ev.ID] = true
			assert.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`, ev.Timestamp)
			assert.Contains(t, []string{"trace-create", "span-create", "generation-create", "event-create"}, ev.Type)
			assert.Contains(t, []string{"DEBUG", "DEFAULT", "WARNING", "ERROR"}, ev.Body["level"], "level always set")
			assert.Regexp(t, `^[0-9a-f]{32}$`, ev.Body[map[bool]string{true: "id", false: "traceId"}[ev.Type == "trace-create"]])
			for _, k := range []string{"startTime", "endTime"} {
				if v, ok := ev.Body[k]; ok {
					assert.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`, v)
				}
			}
		}
	}
	assert.Len(t, eventIDs, 5)
	rows := 0
	for _, r := range reqs {
		var env struct{ Batch []struct{ Type string } }
		require.NoError(t, json.Unmarshal(r.Body, &env))
		for _, ev := range env.Batch {
			if ev.Type == "trace-create" {
				rows++
			}
		}
	}
	assert.Equal(t, 1, rows, "one trace row")
}

// TestTraceRowResentWhole checks that a trace-level attribute set by a span
// that ends after the root re-sends the whole row with the same start time,
// so the server keeps one row (A5).
func TestTraceRowResentWhole(t *testing.T) {
	srv, exp := setup(t, nil)
	require.NoError(t, exp.ExportSpans(ctx(t), agentTrace()))
	late := span("late", 9, 1, 3900, 4500, semconv.ObservationTypeSpan, semconv.TraceSessionIDKey.String("sess-9"))
	require.NoError(t, exp.ExportSpans(ctx(t), []sdktrace.ReadOnlySpan{late}))

	rows := 0
	for _, tr := range srv.Snapshot().Traces {
		if tr.ID == traceA.String() {
			rows++
			assert.Equal(t, "sess-9", tr.SessionID)
			assert.Equal(t, "dev-7", tr.UserID, "the re-sent row is whole")
			assert.Equal(t, "fix-flaky-test", tr.Name)
		}
	}
	assert.Equal(t, 1, rows)
}

func TestBatchSizeAndByteBudget(t *testing.T) {
	srv, exp := setup(t, nil, exporter.WithMaxRequestBytes(8<<10))
	big := strings.Repeat("x", 3000)
	var spans []sdktrace.ReadOnlySpan
	for i := range 20 {
		spans = append(spans, span("s", byte(i+2), 1, i, i+1, semconv.ObservationTypeSpan,
			semconv.ObservationInputKey.String(`"`+big+`"`)))
	}
	require.NoError(t, exp.ExportSpans(ctx(t), spans))
	require.Len(t, srv.Observations(traceA.String()), 20)
	for _, r := range srv.Snapshot().Requests {
		assert.LessOrEqual(t, len(r.Body), 8<<10)
	}
	assert.GreaterOrEqual(t, len(srv.Snapshot().Requests), 8, "3 KiB events in 8 KiB requests")
}

func TestOversizedEventIsTruncatedNotDropped(t *testing.T) {
	srv, exp := setup(t, nil, exporter.WithMaxRequestBytes(16<<10))
	huge := `{"text":"` + strings.Repeat("é", 40<<10) + `"}`
	require.NoError(t, exp.ExportSpans(ctx(t), []sdktrace.ReadOnlySpan{
		span("big", 2, 1, 0, 1, semconv.ObservationTypeSpan, semconv.ObservationInputKey.String(huge)),
	}))
	obs := srv.Observations(traceA.String())
	require.Len(t, obs, 1)
	var in map[string]any
	require.NoError(t, json.Unmarshal([]byte(obs[0].Input), &in))
	assert.Equal(t, true, in["agenttrace.truncated"])
	assert.Equal(t, float64(len(huge)), in["bytes"])
	assert.True(t, strings.HasPrefix(huge, in["preview"].(string)))
}

// TestEventThatCannotFitIsReported checks that an event too large for a
// request even after its fields are cut (its name cannot be) is reported
// lost, and the events around it are delivered.
func TestEventThatCannotFitIsReported(t *testing.T) {
	srv, exp := setup(t, nil, exporter.WithMaxRequestBytes(4096))
	spans := []sdktrace.ReadOnlySpan{
		span("before", 2, 1, 0, 1, semconv.ObservationTypeSpan),
		span(strings.Repeat("n", 5000), 3, 1, 1, 2, semconv.ObservationTypeSpan),
		span("after", 4, 1, 2, 3, semconv.ObservationTypeSpan),
	}
	err := exp.ExportSpans(ctx(t), spans)
	var de *exporter.DeliveryError
	require.ErrorAs(t, err, &de)
	assert.Equal(t, map[string]int{exporter.KindObservation: 1}, de.Lost)
	assert.Equal(t, map[string]int{"too_large": 1}, de.Reasons)
	assert.Contains(t, err.Error(), "does not fit a request of 4096 bytes")
	var names []string
	for _, o := range srv.Observations(traceA.String()) {
		names = append(names, o.Name)
	}
	assert.ElementsMatch(t, []string{"before", "after"}, names)
}

func TestGzip(t *testing.T) {
	srv, exp := setup(t, nil, exporter.WithGzip(true))
	require.NoError(t, exp.ExportSpans(ctx(t), agentTrace()))
	require.Len(t, srv.Observations(traceA.String()), 3)
	r := srv.Snapshot().Requests[0]
	assert.Equal(t, "gzip", r.Header.Get("Content-Encoding"))
	assert.Less(t, r.WireBytes, int64(len(r.Body)))
}

func TestPerItemErrors(t *testing.T) {
	rec := &errorRecorder{}
	prev := otel.GetErrorHandler()
	otel.SetErrorHandler(rec)
	t.Cleanup(func() { otel.SetErrorHandler(prev) })

	srv, exp := setup(t, nil)
	attestctl.Of(srv).SetItemFaults(func(ev attestctl.Event) *attestctl.ItemError {
		switch {
		case ev.Type == "generation-create" && ev.Attempt == 1:
			return &attestctl.ItemError{Status: 500, Message: "failed to insert"}
		case ev.Type == "span-create":
			return &attestctl.ItemError{Status: 400, Message: "Invalid observation input: nope"}
		}
		return nil
	})
	spans := agentTrace()
	spans = append(spans, span("other", 7, 1, 5, 6, semconv.ObservationTypeSpan))
	err := exp.ExportSpans(ctx(t), spans)
	var de *exporter.DeliveryError
	require.ErrorAs(t, err, &de)
	assert.Equal(t, map[string]int{exporter.KindObservation: 3}, de.Lost, "every span-create dropped")

	// The generation failed with 500 once and was sent again.
	var names []string
	for _, o := range srv.Observations(traceA.String()) {
		names = append(names, o.Name)
	}
	assert.ElementsMatch(t, []string{"plan"}, names)
	// The 400 reason was reported once for three items.
	n := 0
	for _, m := range rec.messages() {
		if strings.Contains(m, "Invalid observation input: nope") {
			n++
		}
	}
	assert.Equal(t, 1, n)
	assert.Equal(t, uint64(3), exp.Stats().Dropped["rejected"])
	assert.Contains(t, err.Error(), "server refused span-create (400): Invalid observation input: nope")
}

func TestRetries(t *testing.T) {
	tests := []struct {
		name  string
		fault attestctl.Fault
		n     int
	}{
		{"429 with Retry-After", attestctl.Status(429).WithRetryAfter("1"), 1},
		{"503", attestctl.Status(503), 2},
		{"502", attestctl.Status(502), 1},
		{"connection reset", attestctl.ConnReset(), 2},
		{"garbage answer", attestctl.Garbage(), 1},
		{"truncated answer", attestctl.Truncated(), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, exp := setup(t, nil)
			attestctl.Of(srv).FailNext(tt.n, tt.fault)
			require.NoError(t, exp.ExportSpans(ctx(t), agentTrace()))
			require.NoError(t, exp.ForceFlush(ctx(t)))
			assert.Len(t, srv.Observations(traceA.String()), 3)
			assert.Len(t, srv.Snapshot().Traces, 1, "no duplicate rows")
			assert.Len(t, srv.Snapshot().Requests, tt.n+1)
			assert.Equal(t, uint64(tt.n), exp.Stats().Retries)
		})
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	srv, exp := setup(t, nil)
	attestctl.Of(srv).FailNext(1, attestctl.Status(429).WithRetryAfter("2"))
	require.NoError(t, exp.ExportSpans(ctx(t), agentTrace()))
	reqs := srv.Snapshot().Requests
	require.Len(t, reqs, 2)
	// Not a timing assertion on the exporter's speed: the server's own
	// receive times show the client waited at least what it was told.
	assert.GreaterOrEqual(t, reqs[1].ReceivedAt.Sub(reqs[0].ReceivedAt), 2*time.Second)
}

func Test413SplitsTheBatch(t *testing.T) {
	srv, exp := setup(t, []agenttracetest.Option{attestctl.WithMaxBodyBytes(6 << 10)})
	var spans []sdktrace.ReadOnlySpan
	for i := range 10 {
		spans = append(spans, span("s", byte(i+2), 1, i, i+1, semconv.ObservationTypeSpan,
			semconv.ObservationInputKey.String(`"`+strings.Repeat("y", 1500)+`"`)))
	}
	require.NoError(t, exp.ExportSpans(ctx(t), spans))
	assert.Len(t, srv.Observations(traceA.String()), 10)
	var saw413 bool
	for _, r := range srv.Snapshot().Requests {
		saw413 = saw413 || r.Status == http.StatusRequestEntityTooLarge
	}
	assert.True(t, saw413)
}

func TestUnauthorizedIsOneClearError(t *testing.T) {
	rec := &errorRecorder{}
	prev := otel.GetErrorHandler()
	otel.SetErrorHandler(rec)
	t.Cleanup(func() { otel.SetErrorHandler(prev) })
	srv := agenttracetest.NewServer()
	t.Cleanup(srv.Close)
	exp, err := exporter.New(exporter.WithConnection(connection.Config{APIURL: srv.URL, APIKey: "sk-at-wrong-key-1234567890"}))
	require.NoError(t, err)
	defer exp.Shutdown(context.Background())

	for range 3 {
		err = exp.ExportSpans(ctx(t), agentTrace())
		require.Error(t, err)
	}
	assert.Contains(t, err.Error(), "401")
	assert.Contains(t, err.Error(), "AGENTTRACE_API_KEY")
	assert.NotContains(t, err.Error(), "sk-at-wrong-key-1234567890")
	assert.Len(t, srv.Snapshot().Requests, 3, "401 is not retried")
	auth := 0
	for _, m := range rec.messages() {
		if strings.Contains(m, "401") {
			auth++
		}
		assert.NotContains(t, m, "sk-at-wrong-key-1234567890")
	}
	assert.Equal(t, 1, auth, "one report per distinct reason")
}

func TestScores(t *testing.T) {
	srv, exp := setup(t, nil)
	require.NoError(t, exp.ExportSpans(ctx(t), agentTrace()))
	for _, s := range []records.Score{
		{TraceID: traceA, Name: "quality", Value: scores.Numeric(0.95), Comment: "Excellent response"},
		{TraceID: traceA, ObservationID: sid(3), Name: "correct", Value: scores.Boolean(true)},
		{TraceID: traceA, Name: "correct", Value: scores.Boolean(false)},
		{TraceID: traceA, Name: "rating", Value: scores.Categorical("good")},
	} {
		require.NoError(t, records.SinkOf(exp).ExportScore(s))
	}
	require.NoError(t, exp.ForceFlush(ctx(t)))
	got := srv.Snapshot().Scores
	require.Len(t, got, 4)
	byName := func(i int) agenttracetest.Score { return got[i] }
	assert.Equal(t, "NUMERIC", byName(0).DataType)
	assert.Equal(t, 0.95, *byName(0).Value)
	assert.Equal(t, "Excellent response", byName(0).Comment)
	assert.Equal(t, "BOOLEAN", byName(1).DataType)
	assert.Equal(t, 1.0, *byName(1).Value)
	assert.Equal(t, sid(3).String(), byName(1).ObservationID)
	assert.Equal(t, 0.0, *byName(2).Value)
	assert.Equal(t, "CATEGORICAL", byName(3).DataType)
	assert.Equal(t, "good", *byName(3).StringValue)

	// The exact wire shapes (A13).
	var bodies []string
	for _, r := range srv.Snapshot().Requests {
		if bytes.Contains(r.Body, []byte("score-create")) {
			var env struct {
				Batch []struct{ Body json.RawMessage }
			}
			require.NoError(t, json.Unmarshal(r.Body, &env))
			for _, b := range env.Batch {
				bodies = append(bodies, string(b.Body))
			}
		}
	}
	require.Len(t, bodies, 4)
	tid := traceA.String()
	assert.JSONEq(t, `{"traceId":"`+tid+`","name":"quality","value":0.95,"dataType":"NUMERIC","comment":"Excellent response","source":"API"}`, bodies[0])
	assert.JSONEq(t, `{"traceId":"`+tid+`","observationId":"`+sid(3).String()+`","name":"correct","value":1,"dataType":"BOOLEAN","source":"API"}`, bodies[1])
	assert.JSONEq(t, `{"traceId":"`+tid+`","name":"rating","stringValue":"good","source":"API"}`, bodies[3])
}

// TestScoreCutAfterStoringIsNotSentAgain checks the ambiguous failure: the
// server stores a score, then the connection breaks before the answer. The
// exporter cannot know, so it does not send the score again (it would be
// stored twice) and reports it.
func TestScoreCutAfterStoringIsNotSentAgain(t *testing.T) {
	srv, exp := setup(t, nil)
	require.NoError(t, exp.ExportSpans(ctx(t), agentTrace()))
	attestctl.Of(srv).FailNextOn("/api/public/ingestion", 1, attestctl.ConnReset().AfterProcessing())
	require.NoError(t, records.SinkOf(exp).ExportScore(records.Score{TraceID: traceA, Name: "quality", Value: scores.Numeric(0.5)}))
	err := exp.ForceFlush(ctx(t))
	var de *exporter.DeliveryError
	require.ErrorAs(t, err, &de)
	assert.Equal(t, map[string]int{exporter.KindScore: 1}, de.Lost)
	assert.Equal(t, map[string]int{"unconfirmed": 1}, de.Reasons)
	assert.Contains(t, err.Error(), "not sent again to avoid duplicates")
	require.NoError(t, exp.ForceFlush(ctx(t)))
	assert.Len(t, srv.Snapshot().Scores, 1, "stored once")
}

func TestScoreValidation(t *testing.T) {
	_, exp := setup(t, nil)
	for _, tt := range []struct {
		s    records.Score
		want error
	}{
		{records.Score{TraceID: traceA, Value: scores.Numeric(1)}, scores.ErrNameRequired},
		{records.Score{TraceID: traceA, Name: "q", Value: scores.Numeric(nan())}, scores.ErrNotFinite},
		{records.Score{TraceID: traceA, Name: "q"}, scores.ErrValueRequired},
		{records.Score{TraceID: traceA, Name: "q", Value: scores.Categorical("")}, scores.ErrEmptyCategory},
	} {
		assert.ErrorIs(t, records.SinkOf(exp).ExportScore(tt.s), tt.want)
	}
	assert.Error(t, records.SinkOf(exp).ExportScore(records.Score{Name: "q", Value: scores.Numeric(1)}), "no trace id")
}

func nan() float64 { var z float64; return z / z }

// TestScoreOfRunningTrace checks A12: a score of a trace whose root has not
// ended is sent after a provisional trace row with the root's start time,
// and the final row replaces it (one row).
func TestScoreOfRunningTrace(t *testing.T) {
	srv, exp := setup(t, nil)
	spans := agentTrace()
	require.NoError(t, exp.ExportSpans(ctx(t), spans[:2]))
	require.NoError(t, records.SinkOf(exp).ExportScore(records.Score{TraceID: traceA, TraceStart: t0, Name: "quality", Value: scores.Numeric(0.5)}))
	require.NoError(t, exp.ForceFlush(ctx(t)))
	require.Len(t, srv.Snapshot().Scores, 1, "the score was accepted: its trace existed")
	require.NoError(t, exp.ExportSpans(ctx(t), spans[2:]))

	var rows []agenttracetest.Trace
	for _, tr := range srv.Snapshot().Traces {
		if tr.ID == traceA.String() {
			rows = append(rows, tr)
		}
	}
	require.Len(t, rows, 1)
	assert.Equal(t, "fix-flaky-test", rows[0].Name)
	assert.NotNil(t, rows[0].EndTime)
}

func TestRecordsWaitForTheTrace(t *testing.T) {
	srv, exp := setup(t, nil)
	spans := agentTrace()
	cp := span("before-edit", 5, 1, 20, 21, semconv.ObservationTypeCheckpoint,
		semconv.CheckpointNameKey.String("before-edit"),
		semconv.CheckpointFilesSnapshotKey.String(`{"a.go":{"size":1,"hash":"00"}}`))
	var ops []sdktrace.ReadOnlySpan
	for i := range 150 {
		ops = append(ops, span("edit", byte(i+20)%250+6, 1, 30, 31, semconv.ObservationTypeFileOperation,
			semconv.FileOperationKey.String("edit"), semconv.FilePathKey.String("a.go")))
	}
	cmd := span("go test", 4, 1, 40, 50, semconv.ObservationTypeTerminalCommand,
		semconv.ProcessCommandKey.String("go"), semconv.ProcessExitCodeKey.Int(0))
	all := append(append([]sdktrace.ReadOnlySpan{cp, cmd}, ops...), spans...)
	require.NoError(t, exp.ExportSpans(ctx(t), all))
	require.NoError(t, exp.ForceFlush(ctx(t)))

	assert.Len(t, srv.Snapshot().Checkpoints, 1)
	assert.Len(t, srv.Snapshot().TerminalCommands, 1)
	assert.Len(t, srv.Snapshot().FileOperations, 150)
	var batches []int
	traceAccepted := -1
	for i, r := range srv.Snapshot().Requests {
		switch r.Path {
		case "/api/public/ingestion":
			if traceAccepted < 0 && bytes.Contains(r.Body, []byte("trace-create")) {
				traceAccepted = i
			}
		case "/api/public/file-operations/batch":
			var b struct{ Operations []json.RawMessage }
			require.NoError(t, json.Unmarshal(r.Body, &b))
			batches = append(batches, len(b.Operations))
			assert.Greater(t, i, traceAccepted, "records after the trace row")
		}
	}
	assert.ElementsMatch(t, []int{100, 50}, batches, "at most 100 per request")
}

func TestReparentUnderFilteredSpans(t *testing.T) {
	srv, exp := setup(t, nil)
	// root agent span 1 > HTTP client span 2 (filtered) > generation 3
	gen := span("chat", 3, 2, 10, 20, semconv.GenAIRequestModelKey.String("gpt-4o"))
	httpSpan := span("POST", 2, 1, 5, 25, attribute.String("http.request.method", "POST"))
	root := span("agent", 1, 0, 0, 30, semconv.ObservationTypeAgent)
	require.NoError(t, exp.ExportSpans(ctx(t), []sdktrace.ReadOnlySpan{gen}))
	require.NoError(t, exp.ExportSpans(ctx(t), []sdktrace.ReadOnlySpan{httpSpan, root}))

	tree := srv.Snapshot().ObservationTree(traceA.String())
	require.Len(t, tree, 1)
	assert.Equal(t, "agent", tree[0].Name)
	require.Len(t, tree[0].Children, 1)
	assert.Equal(t, "chat", tree[0].Children[0].Name)
	assert.Len(t, srv.Observations(traceA.String()), 2, "the HTTP span is not exported")
}

func TestExportAllSpans(t *testing.T) {
	srv, exp := setup(t, nil, exporter.WithExportAllSpans())
	require.NoError(t, exp.ExportSpans(ctx(t), []sdktrace.ReadOnlySpan{
		span("GET /", 1, 0, 0, 10, attribute.String("http.request.method", "GET")),
	}))
	obs := srv.Observations(traceA.String())
	require.Len(t, obs, 1)
	assert.JSONEq(t, `{"attributes":{"http.request.method":"GET"}}`, obs[0].Metadata)
	tr, ok := srv.Trace(traceA.String())
	require.True(t, ok)
	assert.Equal(t, "GET /", tr.Name)
}

func TestFilteredOnlyTraceSendsNothing(t *testing.T) {
	srv, exp := setup(t, nil)
	require.NoError(t, exp.ExportSpans(ctx(t), []sdktrace.ReadOnlySpan{
		span("GET /", 1, 0, 0, 10, attribute.String("http.request.method", "GET")),
	}))
	require.NoError(t, exp.ForceFlush(ctx(t)))
	assert.Empty(t, srv.Snapshot().Requests)
}

func TestOfflineMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.jsonl")
	exp, err := exporter.New(exporter.WithConnection(connection.Config{APIURL: "file://" + path}))
	require.NoError(t, err, "no API key needed offline")
	require.NoError(t, exp.ExportSpans(ctx(t), agentTrace()))
	require.NoError(t, exp.Shutdown(ctx(t)))
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	require.Len(t, lines, 1)
	var env struct{ Batch []struct{ Type string } }
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &env))
	assert.Len(t, env.Batch, 4)
}

func TestShutdown(t *testing.T) {
	srv, exp := setup(t, nil)
	// A score of a trace this exporter never saw is sent as it is: the
	// trace is assumed to exist. Here it does not: the server refuses it,
	// it is sent again a few times in case the trace is on its way from
	// another process, and Shutdown says it was lost.
	require.NoError(t, records.SinkOf(exp).ExportScore(records.Score{TraceID: traceA, Name: "q", Value: scores.Numeric(1)}))
	err := exp.Shutdown(ctx(t))
	var de *exporter.DeliveryError
	require.ErrorAs(t, err, &de)
	assert.Equal(t, map[string]int{exporter.KindScore: 1}, de.Lost)
	assert.Contains(t, err.Error(), "failed to get trace")
	assert.Len(t, srv.Snapshot().Scores, 0)
	require.NoError(t, exp.Shutdown(ctx(t)), "a second Shutdown is harmless")
	assert.ErrorIs(t, exp.ExportSpans(ctx(t), agentTrace()), exporter.ErrShutdown)
	assert.ErrorIs(t, records.SinkOf(exp).ExportScore(records.Score{TraceID: traceA, Name: "q", Value: scores.Numeric(1)}), exporter.ErrShutdown)
}

func TestShutdownDeadlineWhileBackendHangs(t *testing.T) {
	srv, exp := setup(t, nil)
	attestctl.Of(srv).SetFault(attestctl.Hang())
	require.NoError(t, records.SinkOf(exp).ExportScore(records.Score{TraceID: traceA, Name: "q", Value: scores.Numeric(1)}))
	c, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	err := exp.Shutdown(c)
	var de *exporter.DeliveryError
	require.ErrorAs(t, err, &de)
	assert.Equal(t, 1, de.Pending[exporter.KindScore]+de.Lost[exporter.KindScore], "the score is reported as not delivered")
	attestctl.Of(srv).ClearFaults()
}

// capturedLogger returns a debug logger and a function that returns what
// it has logged so far; it is safe for the exporter's goroutines.
func capturedLogger() (*slog.Logger, func() string) {
	var buf bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return buf.Write(p)
	}), &slog.HandlerOptions{Level: slog.LevelDebug}))
	return logger, func() string {
		mu.Lock()
		defer mu.Unlock()
		return buf.String()
	}
}

func TestDebugLogNeverHasTheKey(t *testing.T) {
	logger, logged := capturedLogger()
	srv, exp := setup(t, nil, exporter.WithLogger(logger))
	attestctl.Of(srv).FailNext(1, attestctl.Status(503))
	require.NoError(t, exp.ExportSpans(ctx(t), agentTrace()))
	require.NoError(t, exp.Shutdown(ctx(t)))
	assert.NotEmpty(t, logged())
	assert.NotContains(t, logged(), srv.APIKey)
	for _, r := range srv.Snapshot().Requests {
		assert.NotContains(t, string(r.Body), srv.APIKey, "the key is not in payloads")
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func TestConfig(t *testing.T) {
	t.Setenv("AGENTTRACE_API_KEY", "pk-from-env")
	t.Setenv("AGENTTRACE_BATCH_SIZE", "nope")
	_, err := exporter.New()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "AGENTTRACE_BATCH_SIZE")

	t.Setenv("AGENTTRACE_BATCH_SIZE", "5")
	t.Setenv("AGENTTRACE_API_KEY", "")
	_, err = exporter.New()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no API key")

	_, err = exporter.New(exporter.WithConnection(connection.Config{APIKey: "k", APIURL: "ftp://x"}))
	assert.ErrorContains(t, err, "want http://, https:// or file://")
}

// TestScoreOfRunningObservation scores a span before it has ended and been
// exported: the server cannot find the observation yet, stores nothing, and
// the score is sent again once the span has arrived (no loss, no
// duplicate).
func TestScoreOfRunningObservation(t *testing.T) {
	srv, exp := setup(t, nil)
	spans := agentTrace()
	require.NoError(t, records.SinkOf(exp).ExportScore(records.Score{TraceID: traceA, ObservationID: sid(3), TraceStart: t0,
		Name: "correct", Value: scores.Boolean(true)}))
	require.NoError(t, exp.ExportSpans(ctx(t), spans[:1]))
	err := exp.ForceFlush(ctx(t)) // no flush waits for a running observation
	var de *exporter.DeliveryError
	require.ErrorAs(t, err, &de)
	assert.Equal(t, map[string]int{exporter.KindScore: 1}, de.Pending, "the score waits for its observation")
	assert.Empty(t, srv.Snapshot().Scores, "the generation is not stored yet")
	require.NoError(t, exp.ExportSpans(ctx(t), spans[1:]))
	require.NoError(t, exp.ForceFlush(ctx(t)))
	got := srv.Snapshot().Scores
	require.Len(t, got, 1)
	assert.Equal(t, sid(3).String(), got[0].ObservationID)
	var attempts int
	for _, r := range srv.Snapshot().Requests {
		if bytes.Contains(r.Body, []byte("score-create")) {
			attempts++
		}
	}
	// Refused once or twice (a first try may come before the first flush,
	// which tries once more), then stored, once.
	assert.GreaterOrEqual(t, attempts, 2, "refused, then stored")
	assert.LessOrEqual(t, attempts, 3, "no more tries than the flushes ask for")
}

// TestConnectionsAreReused checks that the requests of many exports, two in
// flight at a time, go over a few kept-alive connections rather than a new
// connection for most requests.
func TestConnectionsAreReused(t *testing.T) {
	var dials atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"successes":[],"errors":[]}`)
	}))
	srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			dials.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	exp, err := exporter.New(exporter.WithConnection(connection.Config{APIURL: srv.URL, APIKey: "pk-test"}),
		exporter.WithRateLimit(1000, time.Minute)) // a sink without the server's headers
	require.NoError(t, err)
	t.Cleanup(func() { _ = exp.Shutdown(context.Background()) })

	spans := recordedSpans(300) // one request per export
	for range 40 {
		require.NoError(t, exp.ExportSpans(ctx(t), spans))
	}
	assert.LessOrEqual(t, dials.Load(), int64(4), "40 requests")
}
