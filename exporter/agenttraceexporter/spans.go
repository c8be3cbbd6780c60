package agenttraceexporter

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// Bits of the OTLP span and link flags above the W3C trace flags
// (opentelemetry-proto SpanFlags): whether the sender knew if the parent
// (or the linked span) is remote, and whether it is.
const (
	flagHasIsRemote = 0x100
	flagIsRemote    = 0x200
)

// ReadOnlySpans returns the spans of td as the sdktrace.ReadOnlySpan values
// an OpenTelemetry SDK hands to its exporters: name, span context, parent
// (remote when the sender's flags say so), kind, start and end times,
// attributes, events, links, status, dropped counts, resource and
// instrumentation scope. Attribute values keep their types; arrays whose
// elements share one type become typed slices (an empty array a string
// slice), as the SDK sent them.
//
// It is what the agenttrace exporter gives to the SDK's exporter; tests can
// use it to run checks written for SDK spans (semconvtest.Check) on what a
// Collector received.
func ReadOnlySpans(td ptrace.Traces) []sdktrace.ReadOnlySpan {
	out := make([]sdktrace.ReadOnlySpan, 0, td.SpanCount())
	for _, rs := range td.ResourceSpans().All() {
		res := resource.NewWithAttributes(rs.SchemaUrl(), attributes(rs.Resource().Attributes())...)
		for _, ss := range rs.ScopeSpans().All() {
			sc := ss.Scope()
			scope := instrumentation.Scope{
				Name:       sc.Name(),
				Version:    sc.Version(),
				SchemaURL:  ss.SchemaUrl(),
				Attributes: attribute.NewSet(attributes(sc.Attributes())...),
			}
			for _, s := range ss.Spans().All() {
				out = append(out, stub(s, res, scope).Snapshot())
			}
		}
	}
	return out
}

func stub(s ptrace.Span, res *resource.Resource, scope instrumentation.Scope) tracetest.SpanStub {
	sc := spanContext(s.TraceID(), s.SpanID(), s.TraceState(), s.Flags(), false)
	var parent trace.SpanContext
	if !s.ParentSpanID().IsEmpty() {
		// OTLP does not carry the parent's flags and trace state: a span
		// inherits them from its parent, so the span's own stand in.
		parent = spanContext(s.TraceID(), s.ParentSpanID(), s.TraceState(), s.Flags(), remote(s.Flags()))
	}
	st := tracetest.SpanStub{
		Name:                 s.Name(),
		SpanContext:          sc,
		Parent:               parent,
		SpanKind:             spanKind(s.Kind()),
		StartTime:            s.StartTimestamp().AsTime(),
		EndTime:              s.EndTimestamp().AsTime(),
		Attributes:           attributes(s.Attributes()),
		Status:               status(s.Status()),
		DroppedAttributes:    int(s.DroppedAttributesCount()),
		DroppedEvents:        int(s.DroppedEventsCount()),
		DroppedLinks:         int(s.DroppedLinksCount()),
		Resource:             res,
		InstrumentationScope: scope,
	}
	if n := s.Events().Len(); n > 0 {
		st.Events = make([]sdktrace.Event, 0, n)
		for _, ev := range s.Events().All() {
			st.Events = append(st.Events, sdktrace.Event{
				Name:                  ev.Name(),
				Attributes:            attributes(ev.Attributes()),
				DroppedAttributeCount: int(ev.DroppedAttributesCount()),
				Time:                  ev.Timestamp().AsTime(),
			})
		}
	}
	if n := s.Links().Len(); n > 0 {
		st.Links = make([]sdktrace.Link, 0, n)
		for _, l := range s.Links().All() {
			st.Links = append(st.Links, sdktrace.Link{
				SpanContext:           spanContext(l.TraceID(), l.SpanID(), l.TraceState(), l.Flags(), remote(l.Flags())),
				Attributes:            attributes(l.Attributes()),
				DroppedAttributeCount: int(l.DroppedAttributesCount()),
			})
		}
	}
	return st
}

func spanContext(tid pcommon.TraceID, sid pcommon.SpanID, ts pcommon.TraceState, flags uint32, isRemote bool) trace.SpanContext {
	cfg := trace.SpanContextConfig{
		TraceID:    trace.TraceID(tid),
		SpanID:     trace.SpanID(sid),
		TraceFlags: trace.TraceFlags(flags & 0xff),
		Remote:     isRemote,
	}
	if raw := ts.AsRaw(); raw != "" {
		// An invalid trace state is dropped, as the SDK's propagator does.
		cfg.TraceState, _ = trace.ParseTraceState(raw)
	}
	return trace.NewSpanContext(cfg)
}

// remote reports whether flags say the parent or linked span is remote.
// Senders that do not say (older SDKs) are taken to mean local.
func remote(flags uint32) bool {
	return flags&flagHasIsRemote != 0 && flags&flagIsRemote != 0
}

func spanKind(k ptrace.SpanKind) trace.SpanKind {
	switch k {
	case ptrace.SpanKindInternal:
		return trace.SpanKindInternal
	case ptrace.SpanKindServer:
		return trace.SpanKindServer
	case ptrace.SpanKindClient:
		return trace.SpanKindClient
	case ptrace.SpanKindProducer:
		return trace.SpanKindProducer
	case ptrace.SpanKindConsumer:
		return trace.SpanKindConsumer
	}
	return trace.SpanKindUnspecified
}

func status(s ptrace.Status) sdktrace.Status {
	switch s.Code() {
	case ptrace.StatusCodeError:
		return sdktrace.Status{Code: codes.Error, Description: s.Message()}
	case ptrace.StatusCodeOk:
		return sdktrace.Status{Code: codes.Ok}
	}
	return sdktrace.Status{Code: codes.Unset}
}

// attributes converts an attribute map, keeping its order.
func attributes(m pcommon.Map) []attribute.KeyValue {
	if m.Len() == 0 {
		return nil
	}
	kvs := make([]attribute.KeyValue, 0, m.Len())
	for k, v := range m.All() {
		kvs = append(kvs, attribute.KeyValue{Key: attribute.Key(k), Value: value(v)})
	}
	return kvs
}

// value converts one attribute value. Maps, heterogeneous arrays and bytes
// keep their structure (attribute.MAP, SLICE, BYTESLICE).
func value(v pcommon.Value) attribute.Value {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return attribute.StringValue(v.Str())
	case pcommon.ValueTypeInt:
		return attribute.Int64Value(v.Int())
	case pcommon.ValueTypeDouble:
		return attribute.Float64Value(v.Double())
	case pcommon.ValueTypeBool:
		return attribute.BoolValue(v.Bool())
	case pcommon.ValueTypeBytes:
		return attribute.ByteSliceValue(v.Bytes().AsRaw())
	case pcommon.ValueTypeMap:
		return attribute.MapValue(attributes(v.Map())...)
	case pcommon.ValueTypeSlice:
		return sliceValue(v.Slice())
	}
	return attribute.Value{}
}

// sliceValue converts an array: to a typed slice when every element has the
// same primitive type, else to a slice of values.
func sliceValue(s pcommon.Slice) attribute.Value {
	if s.Len() == 0 {
		return attribute.StringSliceValue(nil)
	}
	typ := s.At(0).Type()
	for _, v := range s.All() {
		if v.Type() != typ {
			typ = pcommon.ValueTypeEmpty
			break
		}
	}
	switch typ {
	case pcommon.ValueTypeStr:
		return attribute.StringSliceValue(collect(s, pcommon.Value.Str))
	case pcommon.ValueTypeInt:
		return attribute.Int64SliceValue(collect(s, pcommon.Value.Int))
	case pcommon.ValueTypeDouble:
		return attribute.Float64SliceValue(collect(s, pcommon.Value.Double))
	case pcommon.ValueTypeBool:
		return attribute.BoolSliceValue(collect(s, pcommon.Value.Bool))
	}
	vs := make([]attribute.Value, 0, s.Len())
	for _, v := range s.All() {
		vs = append(vs, value(v))
	}
	return attribute.SliceValue(vs...)
}

func collect[T any](s pcommon.Slice, get func(pcommon.Value) T) []T {
	out := make([]T, 0, s.Len())
	for _, v := range s.All() {
		out = append(out, get(v))
	}
	return out
}
