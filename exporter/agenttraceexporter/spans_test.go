package agenttraceexporter_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttraceexporter"
)

// otlpSink is an OTLP/HTTP traces endpoint that keeps what it receives as
// ptrace.Traces, as a Collector's OTLP receiver decodes it.
type otlpSink struct {
	mu     sync.Mutex
	traces []ptrace.Traces
}

func (s *otlpSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	req := ptraceotlp.NewExportRequest()
	if err == nil {
		err = req.UnmarshalProto(body)
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.traces = append(s.traces, req.Traces())
	s.mu.Unlock()
	resp, _ := ptraceotlp.NewExportResponse().MarshalProto()
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(resp)
}

func (s *otlpSink) spans() []sdktrace.ReadOnlySpan {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []sdktrace.ReadOnlySpan
	for _, td := range s.traces {
		out = append(out, agenttraceexporter.ReadOnlySpans(td)...)
	}
	return out
}

// TestReadOnlySpansRoundTrip sends spans made by the OTel SDK through its
// OTLP/HTTP exporter, decodes them as a Collector does, converts them back
// with ReadOnlySpans and compares them with what the SDK recorded: every
// field the SDK's exporters see survives, attribute types included.
func TestReadOnlySpansRoundTrip(t *testing.T) {
	sink := &otlpSink{}
	srv := httptest.NewServer(sink)
	defer srv.Close()
	ctx := context.Background()
	otlp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(srv.URL+"/v1/traces"))
	require.NoError(t, err)
	rec := tracetest.NewSpanRecorder()
	res := resource.NewSchemaless(attribute.String("service.name", "round-trip"), attribute.Int("pid", 42))
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(otlp), sdktrace.WithSpanProcessor(rec), sdktrace.WithResource(res))
	tracer := tp.Tracer("github.com/agenttrace/agenttrace-otel-go/instrument", trace.WithInstrumentationVersion("0.1.0"),
		trace.WithSchemaURL("https://opentelemetry.io/schemas/1.41.0"), trace.WithInstrumentationAttributes(attribute.String("scope.attr", "x")))

	remoteParent := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID:    trace.TraceID{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36},
		SpanID:     trace.SpanID{0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7},
		TraceFlags: trace.FlagsSampled,
		Remote:     true,
	})
	linked := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16},
		SpanID:  trace.SpanID{1, 2, 3, 4, 5, 6, 7, 8},
		Remote:  true,
	})
	ctx1, root := tracer.Start(trace.ContextWithRemoteSpanContext(ctx, remoteParent), "agent-run",
		trace.WithSpanKind(trace.SpanKindServer),
		trace.WithLinks(trace.Link{SpanContext: linked, Attributes: []attribute.KeyValue{attribute.String("link.kind", "retry-of")}}),
		trace.WithAttributes(
			attribute.String("agenttrace.trace.name", "support"),
			attribute.StringSlice("agenttrace.trace.tags", []string{"a", "b"}),
			attribute.StringSlice("empty.tags", []string{}),
			attribute.Bool("agenttrace.trace.public", true),
			attribute.Int64Slice("ints", []int64{1, 2}),
			attribute.Float64Slice("floats", []float64{0.5}),
			attribute.BoolSlice("bools", []bool{true, false}),
		))
	_, gen := tracer.Start(ctx1, "llm-call", trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(
		attribute.String("gen_ai.request.model", "claude-sonnet-4-5"),
		attribute.Int64("gen_ai.usage.input_tokens", 52),
		attribute.Float64("gen_ai.request.temperature", 0.2),
		attribute.ByteSlice("raw", []byte{0, 1, 2}),
		attribute.Map("nested", attribute.String("k", "v"), attribute.Int("n", 1)),
		attribute.Slice("mixed", attribute.StringValue("s"), attribute.IntValue(1)),
	))
	gen.AddEvent("first-token", trace.WithAttributes(attribute.Int("index", 0)))
	gen.SetStatus(codes.Error, "overloaded")
	gen.End()
	root.SetStatus(codes.Ok, "")
	root.End()
	require.NoError(t, tp.Shutdown(ctx))

	got := sink.spans()
	want := rec.Ended()
	require.Len(t, got, len(want))
	for i := range want {
		w, g := comparable(want[i]), comparable(got[i])
		assert.Equal(t, w, g, "span %q", want[i].Name())
	}
	assert.True(t, got[1].Parent().IsRemote(), "a remote parent stays remote")
	assert.False(t, got[0].Parent().IsRemote(), "a local parent stays local")
}

// comparable returns the fields of s an exporter reads, in a form that
// compares with assert.Equal: times without monotonic readings, attributes
// as sets, the resource as its attributes.
func comparable(s sdktrace.ReadOnlySpan) map[string]any {
	events := make([]map[string]any, 0, len(s.Events()))
	for _, ev := range s.Events() {
		events = append(events, map[string]any{"name": ev.Name, "time": ev.Time.UnixNano(), "attrs": attribute.NewSet(ev.Attributes...)})
	}
	links := make([]map[string]any, 0, len(s.Links()))
	for _, l := range s.Links() {
		links = append(links, map[string]any{"sc": l.SpanContext, "attrs": attribute.NewSet(l.Attributes...)})
	}
	return map[string]any{
		"name":     s.Name(),
		"sc":       s.SpanContext(),
		"parent":   s.Parent(),
		"kind":     s.SpanKind(),
		"start":    s.StartTime().UnixNano(),
		"end":      s.EndTime().UnixNano(),
		"attrs":    s.Attributes(),
		"events":   events,
		"links":    links,
		"status":   s.Status(),
		"dropped":  [3]int{s.DroppedAttributes(), s.DroppedEvents(), s.DroppedLinks()},
		"resource": s.Resource().Set(),
		"schema":   s.Resource().SchemaURL(),
		"scope":    s.InstrumentationScope(),
	}
}

// TestReadOnlySpansEdgeCases covers what the OTel Go SDK never sends:
// senders that do not say whether a parent is remote, unset and unknown
// span kinds, empty and heterogeneous values, invalid trace states.
func TestReadOnlySpansEdgeCases(t *testing.T) {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "old-sender")
	ss := rs.ScopeSpans().AppendEmpty()
	ss.Scope().SetName("legacy")
	tid := pcommon.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	start := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

	tests := []struct {
		name  string
		setup func(ptrace.Span)
		check func(t *testing.T, s sdktrace.ReadOnlySpan)
	}{
		{
			name: "parent without remote flags is local",
			setup: func(s ptrace.Span) {
				s.SetParentSpanID(pcommon.SpanID{9, 9, 9, 9, 9, 9, 9, 9})
				s.SetFlags(0x01)
			},
			check: func(t *testing.T, s sdktrace.ReadOnlySpan) {
				assert.True(t, s.Parent().IsValid())
				assert.False(t, s.Parent().IsRemote())
				assert.True(t, s.SpanContext().IsSampled())
			},
		},
		{
			name: "remote parent",
			setup: func(s ptrace.Span) {
				s.SetParentSpanID(pcommon.SpanID{9, 9, 9, 9, 9, 9, 9, 9})
				s.SetFlags(0x301)
			},
			check: func(t *testing.T, s sdktrace.ReadOnlySpan) {
				assert.True(t, s.Parent().IsRemote())
				assert.False(t, s.SpanContext().IsRemote(), "the span itself is never remote")
			},
		},
		{
			name:  "no parent",
			setup: func(ptrace.Span) {},
			check: func(t *testing.T, s sdktrace.ReadOnlySpan) {
				assert.False(t, s.Parent().IsValid())
				assert.Equal(t, trace.SpanKindUnspecified, s.SpanKind())
				assert.Equal(t, codes.Unset, s.Status().Code)
			},
		},
		{
			name: "values",
			setup: func(s ptrace.Span) {
				m := s.Attributes()
				m.PutEmpty("empty")
				m.PutEmptySlice("no.items")
				sl := m.PutEmptySlice("mixed")
				sl.AppendEmpty().SetStr("a")
				sl.AppendEmpty().SetDouble(1.5)
				m.PutEmptyMap("map").PutInt("n", 7)
				m.PutEmptyBytes("bytes").FromRaw([]byte("hi"))
			},
			check: func(t *testing.T, s sdktrace.ReadOnlySpan) {
				want := []attribute.KeyValue{
					{Key: "empty"},
					attribute.StringSlice("no.items", nil),
					attribute.Slice("mixed", attribute.StringValue("a"), attribute.Float64Value(1.5)),
					attribute.Map("map", attribute.Int64("n", 7)),
					attribute.ByteSlice("bytes", []byte("hi")),
				}
				assert.Equal(t, want, s.Attributes())
			},
		},
		{
			name: "invalid trace state is dropped",
			setup: func(s ptrace.Span) {
				s.TraceState().FromRaw("not a trace state")
			},
			check: func(t *testing.T, s sdktrace.ReadOnlySpan) {
				assert.Equal(t, "", s.SpanContext().TraceState().String())
				assert.True(t, s.SpanContext().IsValid())
			},
		},
		{
			name: "valid trace state is kept",
			setup: func(s ptrace.Span) {
				s.TraceState().FromRaw("vendor=abc")
				s.Status().SetCode(ptrace.StatusCodeError)
				s.Status().SetMessage("boom")
				s.SetKind(ptrace.SpanKindConsumer)
				s.SetDroppedAttributesCount(3)
			},
			check: func(t *testing.T, s sdktrace.ReadOnlySpan) {
				assert.Equal(t, "vendor=abc", s.SpanContext().TraceState().String())
				assert.Equal(t, sdktrace.Status{Code: codes.Error, Description: "boom"}, s.Status())
				assert.Equal(t, trace.SpanKindConsumer, s.SpanKind())
				assert.Equal(t, 3, s.DroppedAttributes())
			},
		},
	}
	for i, tt := range tests {
		s := ss.Spans().AppendEmpty()
		s.SetName(tt.name)
		s.SetTraceID(tid)
		s.SetSpanID(pcommon.SpanID{byte(i + 1), 1, 1, 1, 1, 1, 1, 1})
		s.SetStartTimestamp(pcommon.NewTimestampFromTime(start))
		s.SetEndTimestamp(pcommon.NewTimestampFromTime(start.Add(time.Second)))
		tt.setup(s)
	}
	got := agenttraceexporter.ReadOnlySpans(td)
	require.Len(t, got, len(tests))
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := got[i]
			assert.Equal(t, tt.name, s.Name())
			assert.Equal(t, trace.TraceID(tid), s.SpanContext().TraceID())
			assert.Equal(t, start, s.StartTime().UTC())
			assert.Equal(t, time.Second, s.EndTime().Sub(s.StartTime()))
			assert.Equal(t, "legacy", s.InstrumentationScope().Name)
			v, _ := s.Resource().Set().Value("service.name")
			assert.Equal(t, "old-sender", v.AsString())
			tt.check(t, s)
		})
	}
}
