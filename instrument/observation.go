package instrument

import (
	"context"
	"fmt"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/agenttrace/agenttrace-otel-go/semconv"
)

// Observation is what traces, spans and generations have in common: an
// OpenTelemetry span carrying AgentTrace attributes, and the methods that
// create child observations and set the fields every observation has.
// [Trace] and [Generation] embed it; [Observation.Span] returns one.
//
// Observations are safe for concurrent use. The no-op observations of a
// disabled client or a sampled-out trace accept every call and record
// nothing; their children are no-ops too and cost no allocation.
type Observation struct {
	// span is nil in the shared no-op observations.
	span   trace.Span
	client *Client
	// trace is the trace the observation belongs to.
	trace *Trace
}

// Trace is a trace and its root observation (the span [Client.Trace]
// created). Its setters of trace-level fields (user, session, tags,
// release, public, version, metadata) describe the whole trace.
type Trace struct {
	Observation
	// start is the start time of the root span, given to the SDK
	// explicitly so that records sent before the trace ends (scores,
	// agent records) can carry it (records.Score.TraceStart,
	// semconv.TraceStartTimeKey).
	start time.Time
	// meta is the trace's metadata and linked prompt.
	meta traceMetadata
}

// Generation is an observation of a call to a model.
type Generation struct {
	Observation
}

// The shared no-op handles. Nothing writes to them.
var (
	noopTrace      = &Trace{}
	noopSpan       = &Observation{}
	noopGeneration = &Generation{}
)

// kind is what a creation makes.
type kind uint8

const (
	kindTrace kind = iota
	kindSpan
	kindGeneration
	kindEvent
)

func (k kind) defaultType() ObservationType {
	switch k {
	case kindGeneration:
		return TypeGeneration
	case kindEvent:
		return TypeEvent
	}
	return TypeSpan
}

// Trace starts a trace named name and returns it with a context carrying
// it; end it with [Observation.End]:
//
//	ctx, tr := client.Trace(ctx, "my-task", instrument.WithUserID("u-1"))
//	defer tr.End()
//
// Its span is the trace's root observation. It is a child of the
// OpenTelemetry span in ctx, if any, so that an AgentTrace trace can sit
// inside an HTTP request's trace, or else of the span the TRACEPARENT
// variable of the process's environment names (a process run by
// [Observation.RunCommand]; see [WithJoinEnvTrace]). A Trace started
// inside another AgentTrace observation, or given [WithTraceID], starts a
// new OpenTelemetry trace instead (linked to the observation it was
// started in).
func (c *Client) Trace(ctx context.Context, name string, opts ...ObservationOption) (context.Context, *Trace) {
	if !c.enabled() {
		return ctx, noopTrace
	}
	return c.startTrace(ctx, name, kindTrace, configOf(opts))
}

// startTrace starts a trace. k is kindTrace when the options' metadata and
// version are the trace's, kindSpan when they are its root observation's
// (Observe).
func (c *Client) startTrace(ctx context.Context, name string, k kind, cfg *obsConfig) (context.Context, *Trace) {
	typ := TypeSpan
	if cfg != nil && cfg.typ != "" {
		typ = cfg.typ
	}
	opts := make([]trace.SpanStartOption, 1, 4)
	opts[0] = trace.WithAttributes(typ.attr(), semconv.TraceNameKey.String(name))
	startCtx := ctx
	var wantID trace.TraceID
	start := time.Now()
	if cfg != nil {
		wantID = cfg.traceID
		if !cfg.start.IsZero() {
			start = cfg.start
		}
	}
	opts = append(opts, trace.WithTimestamp(start))
	if cur := current(ctx); cur != nil || wantID.IsValid() {
		opts = append(opts, trace.WithNewRoot())
		if cur != nil && cur.span != nil && cur.span.SpanContext().IsValid() {
			opts = append(opts, trace.WithLinks(trace.Link{SpanContext: cur.span.SpanContext()}))
		}
	} else if p := c.procs.parent; p.IsValid() && !trace.SpanContextFromContext(ctx).IsValid() {
		// A process started by one of ours joins its trace (A18).
		startCtx = trace.ContextWithRemoteSpanContext(ctx, p)
	}
	if wantID.IsValid() {
		startCtx = context.WithValue(ctx, traceIDKey{}, wantID)
	}
	_, span := c.tracer.Start(startCtx, name, opts...)
	if wantID.IsValid() && span.SpanContext().TraceID() != wantID {
		otel.Handle(errTraceIDIgnored)
	}
	tr := &Trace{Observation: Observation{span: span, client: c}, start: start}
	tr.trace = tr
	if cfg != nil && k == kindTrace {
		tr.meta.md, tr.meta.prompt = cfg.metadata, cfg.prompt
	}
	if span.IsRecording() {
		var attrs []attribute.KeyValue
		if cfg != nil {
			attrs = cfg.appendAttrs(attrs, c, k)
		}
		if len(attrs) > 0 {
			span.SetAttributes(attrs...)
		}
	}
	return withCurrent(trace.ContextWithSpan(ctx, span), &tr.Observation), tr
}

// configOf returns the configuration opts make, nil for none.
func configOf(opts []ObservationOption) *obsConfig {
	if len(opts) == 0 {
		return nil
	}
	return newObsConfig(opts)
}

// Span starts a child span of o and returns it with a context carrying it;
// end it with [Observation.End]:
//
//	ctx, step := tr.Span(ctx, "fetch-data")
//	defer step.End()
//
// [WithType] makes it one of the other observation types (tool, agent,
// retriever...).
func (o *Observation) Span(ctx context.Context, name string, opts ...ObservationOption) (context.Context, *Observation) {
	if !o.live() {
		return ctx, noopSpan
	}
	ctx, span := o.startChild(ctx, name, kindSpan, configOf(opts))
	s := &Observation{span: span, client: o.client, trace: o.trace}
	return withCurrent(ctx, s), s
}

// Generation starts a child generation of o (a call to a model) and returns
// it with a context carrying it; end it with [Observation.End]:
//
//	ctx, gen := tr.Generation(ctx, "gpt-call",
//		instrument.WithModel("gpt-4"),
//		instrument.WithModelParameters(map[string]any{"temperature": 0.7}))
//	defer gen.End()
func (o *Observation) Generation(ctx context.Context, name string, opts ...ObservationOption) (context.Context, *Generation) {
	if !o.live() {
		return ctx, noopGeneration
	}
	ctx, span := o.startChild(ctx, name, kindGeneration, configOf(opts))
	g := &Generation{Observation{span: span, client: o.client, trace: o.trace}}
	return withCurrent(ctx, &g.Observation), g
}

// Generation starts a trace whose root observation is a generation, for a
// model call made outside any trace; end it with [Observation.End]. Within
// a trace, call [Observation.Generation] on the parent instead. The
// options are a generation's; [WithUserID], [WithSessionID] and the other
// trace-level options describe the new trace.
func (c *Client) Generation(ctx context.Context, name string, opts ...ObservationOption) (context.Context, *Generation) {
	if !c.enabled() {
		return ctx, noopGeneration
	}
	cfg := newObsConfig(opts)
	if cfg.typ == "" {
		cfg.typ = TypeGeneration
	}
	ctx, tr := c.startTrace(ctx, name, kindGeneration, cfg)
	return ctx, &Generation{Observation: tr.Observation}
}

// Event records a point in time under o: a child observation of type event
// with no duration whose input is data (nil for none).
func (o *Observation) Event(ctx context.Context, name string, data any, opts ...ObservationOption) {
	if !o.live() {
		return
	}
	cfg := newObsConfig(opts)
	if data != nil {
		cfg.input, cfg.hasInput = data, true
	}
	if cfg.start.IsZero() {
		cfg.start = time.Now()
	}
	_, span := o.startChild(ctx, name, kindEvent, cfg)
	span.End(trace.WithTimestamp(cfg.start))
}

// startChild starts the span of a child of o. The OpenTelemetry parent is
// the span of ctx when ctx carries o (possibly with spans of other
// instrumentations started under o, in which case the child records o as
// its AgentTrace parent), else o's own span.
//
// o is live, so the child is recorded (unless an application's sampler
// decides otherwise): its attributes are built before it starts and given
// to Start, which costs less than setting them after.
func (o *Observation) startChild(ctx context.Context, name string, k kind, cfg *obsConfig) (context.Context, trace.Span) {
	typ := k.defaultType()
	if cfg != nil && cfg.typ != "" {
		typ = cfg.typ
	}
	attrs := make([]attribute.KeyValue, 1, 8)
	attrs[0] = typ.attr()
	psc := o.span.SpanContext()
	if osc := trace.SpanContextFromContext(ctx); current(ctx) == o && osc.TraceID() == psc.TraceID() {
		if osc.SpanID() != psc.SpanID() {
			attrs = append(attrs, semconv.ObservationParentIDKey.String(psc.SpanID().String()))
		}
	} else {
		ctx = trace.ContextWithSpan(ctx, o.span)
	}
	if cfg == nil {
		return o.client.tracer.Start(ctx, name, trace.WithAttributes(attrs...))
	}
	attrs = cfg.appendAttrs(attrs, o.client, k)
	if !cfg.start.IsZero() {
		return o.client.tracer.Start(ctx, name, trace.WithAttributes(attrs...), trace.WithTimestamp(cfg.start))
	}
	return o.client.tracer.Start(ctx, name, trace.WithAttributes(attrs...))
}

// appendAttrs appends the attributes cfg sets on an observation of kind k.
func (cfg *obsConfig) appendAttrs(attrs []attribute.KeyValue, c *Client, k kind) []attribute.KeyValue {
	if cfg.hasInput {
		attrs = append(attrs, semconv.ObservationInputKey.String(c.content(cfg.input)))
	}
	if cfg.hasOutput {
		attrs = append(attrs, semconv.ObservationOutputKey.String(c.content(cfg.output)))
	}
	switch {
	case k == kindTrace && cfg.prompt.name != "":
		attrs = append(attrs, semconv.TraceMetadataKey.String(c.traceMetadata(cfg.metadata, cfg.prompt)))
	case cfg.metadata != nil:
		attrs = append(attrs, metadataKey(k).String(c.content(cfg.metadata)))
	}
	if cfg.prompt.name != "" {
		attrs = cfg.prompt.appendAttrs(attrs)
	}
	if cfg.level != "" {
		attrs = append(attrs, cfg.level.attr())
	}
	if cfg.statusMessage != "" {
		attrs = append(attrs, semconv.ObservationStatusMessageKey.String(cfg.statusMessage))
	}
	if cfg.version != "" {
		key := semconv.ObservationVersionKey
		if k == kindTrace {
			key = semconv.TraceVersionKey
		}
		attrs = append(attrs, key.String(cfg.version))
	}
	if cfg.userID != "" {
		attrs = append(attrs, semconv.TraceUserIDKey.String(cfg.userID))
	}
	if cfg.sessionID != "" {
		attrs = append(attrs, semconv.TraceSessionIDKey.String(cfg.sessionID))
	}
	if cfg.release != "" {
		attrs = append(attrs, semconv.TraceReleaseKey.String(cfg.release))
	}
	if cfg.tags != nil {
		attrs = append(attrs, semconv.TraceTagsKey.StringSlice(cfg.tags))
	}
	if cfg.model != "" {
		attrs = append(attrs, semconv.GenAIRequestModelKey.String(cfg.model))
	}
	if cfg.provider != "" {
		attrs = append(attrs, semconv.GenAIProviderNameKey.String(cfg.provider))
	}
	if cfg.modelParameters != nil {
		attrs = c.appendModelParameters(attrs, cfg.modelParameters)
	}
	if cfg.usageSet {
		attrs = cfg.usage.appendAttrs(attrs)
	}
	return append(attrs, cfg.attrs...)
}

func metadataKey(k kind) attribute.Key {
	if k == kindTrace {
		return semconv.TraceMetadataKey
	}
	return semconv.ObservationMetadataKey
}

// recording reports whether o records what is set on it.
func (o *Observation) recording() bool {
	return o.span != nil && o.span.IsRecording()
}

// live reports whether children of o are recorded: o records, or has
// ended in a sampled trace (work may outlive the observation that started
// it).
func (o *Observation) live() bool {
	return o.span != nil && (o.span.IsRecording() || o.span.SpanContext().IsSampled())
}

// IsRecording reports whether o records what is set on it: false for the
// no-op observations of a disabled client or a sampled-out trace. Check it
// before building an expensive input or output.
func (o *Observation) IsRecording() bool { return o.recording() }

// End ends o. Only the first call has an effect.
func (o *Observation) End() {
	if o.span != nil {
		o.span.End()
	}
}

// EndAt ends o at t, for work whose end was measured elsewhere (the last
// event of a streamed response, say).
func (o *Observation) EndAt(t time.Time) {
	if o.span != nil {
		o.span.End(trace.WithTimestamp(t))
	}
}

// ID returns the id of o (its span id), zero for a no-op observation.
func (o *Observation) ID() trace.SpanID {
	if o.span == nil {
		return trace.SpanID{}
	}
	return o.span.SpanContext().SpanID()
}

// TraceID returns the id of o's trace, zero for a no-op observation. A
// sampled-out trace has an id too.
func (o *Observation) TraceID() trace.TraceID {
	if o.span == nil {
		return trace.TraceID{}
	}
	return o.span.SpanContext().TraceID()
}

// OTelSpan returns the OpenTelemetry span of o (a no-op span for a no-op
// observation), to use OpenTelemetry APIs AgentTrace does not wrap.
func (o *Observation) OTelSpan() trace.Span {
	if o.span == nil {
		return noop.Span{}
	}
	return o.span
}

// SetAttributes sets OpenTelemetry attributes on o's span.
func (o *Observation) SetAttributes(kv ...attribute.KeyValue) {
	if o.recording() {
		o.span.SetAttributes(kv...)
	}
}

// SetInput sets the input of o: any value, recorded as JSON after the
// client's mask, cut to the content budget (see [WithMaxContentBytes]).
// The input of a trace's root observation is the trace's input.
func (o *Observation) SetInput(v any) {
	if o.recording() {
		o.span.SetAttributes(semconv.ObservationInputKey.String(o.client.content(v)))
	}
}

// SetOutput sets the output of o, as [Observation.SetInput] does the
// input.
func (o *Observation) SetOutput(v any) {
	if o.recording() {
		o.span.SetAttributes(semconv.ObservationOutputKey.String(o.client.content(v)))
	}
}

// SetMetadata sets the metadata of o (replacing earlier metadata), masked
// and cut as inputs are.
func (o *Observation) SetMetadata(md map[string]any) {
	if o.recording() {
		o.span.SetAttributes(semconv.ObservationMetadataKey.String(o.client.content(md)))
	}
}

// SetVersion sets the version of the code that produced o.
func (o *Observation) SetVersion(v string) {
	if o.recording() {
		o.span.SetAttributes(semconv.ObservationVersionKey.String(v))
	}
}

// SetLevel sets the level of o. Levels other than the four of [Level] are
// mapped to the nearest one (INFO to DEFAULT, WARN to WARNING...).
func (o *Observation) SetLevel(l Level) {
	if o.recording() {
		o.span.SetAttributes(l.attr())
	}
}

// SetStatusMessage sets the status message of o, typically what went
// wrong.
func (o *Observation) SetStatusMessage(msg string) {
	if o.recording() {
		o.span.SetAttributes(semconv.ObservationStatusMessageKey.String(msg))
	}
}

// SetError records err on o: level ERROR, err's message as the status
// message, the OpenTelemetry span status Error, and an exception event. A
// nil err does nothing.
func (o *Observation) SetError(err error) {
	if err == nil || !o.recording() {
		return
	}
	defer recoverTelemetry("SetError")
	msg := err.Error()
	o.span.SetAttributes(semconv.LevelError, semconv.ObservationStatusMessageKey.String(msg))
	o.span.SetStatus(codes.Error, msg)
	o.span.RecordError(err)
}

// recordPanic records a panic with value v on o, as SetError does an
// error, with the stack trace.
func (o *Observation) recordPanic(v any) {
	defer recoverTelemetry("recording a panic")
	err, ok := v.(error)
	if !ok {
		err = fmt.Errorf("%v", v)
	}
	msg := "panic: " + err.Error()
	o.span.SetAttributes(semconv.LevelError, semconv.ObservationStatusMessageKey.String(msg))
	o.span.SetStatus(codes.Error, msg)
	o.span.RecordError(err, trace.WithStackTrace(true))
}

// recoverTelemetry reports a panic of user code called while recording
// (an error's Error method, a mask) instead of letting it through.
func recoverTelemetry(what string) {
	if r := recover(); r != nil {
		otel.Handle(fmt.Errorf("agenttrace: %s: panic: %v", what, r))
	}
}

// SetTraceMetadata sets the metadata of the trace (replacing earlier trace
// metadata), masked and cut as inputs are. A prompt linked to the trace
// ([Trace.SetPrompt]) stays in it. The embedded [Observation.SetMetadata]
// sets the metadata of the trace's root observation instead.
func (t *Trace) SetTraceMetadata(md map[string]any) {
	if t.recording() {
		t.meta.update(t, func(m *traceMetadata) { m.md = md })
	}
}

// SetTraceVersion sets the version of the trace's logic (an agent or
// prompt revision). The embedded [Observation.SetVersion] sets the version
// of the code that produced the trace's root observation instead.
func (t *Trace) SetTraceVersion(v string) {
	if t.recording() {
		t.span.SetAttributes(semconv.TraceVersionKey.String(v))
	}
}

// SetUserID sets the id of the end user the trace worked for.
func (t *Trace) SetUserID(id string) {
	if t.recording() {
		t.span.SetAttributes(semconv.TraceUserIDKey.String(id))
	}
}

// SetSessionID sets the session the trace belongs to (see
// [WithSessionID]).
func (t *Trace) SetSessionID(id string) {
	if t.recording() {
		t.span.SetAttributes(semconv.TraceSessionIDKey.String(id))
	}
}

// SetTags sets the tags of the trace, replacing earlier ones.
func (t *Trace) SetTags(tags ...string) {
	if t.recording() {
		t.span.SetAttributes(semconv.TraceTagsKey.StringSlice(tags))
	}
}

// SetRelease sets the release of the application that produced the trace.
func (t *Trace) SetRelease(r string) {
	if t.recording() {
		t.span.SetAttributes(semconv.TraceReleaseKey.String(r))
	}
}

// SetModel sets the model the generation called (gen_ai.request.model).
func (g *Generation) SetModel(model string) {
	if g.recording() {
		g.span.SetAttributes(semconv.GenAIRequestModelKey.String(model))
	}
}

// SetModelParameters sets the parameters the model was called with, as
// JSON, and mirrors the well-known ones (temperature, max_tokens, top_p,
// top_k, frequency_penalty, presence_penalty, seed, stop) in the
// gen_ai.request.* attributes. The mask does not apply to them.
func (g *Generation) SetModelParameters(params map[string]any) {
	if g.recording() {
		g.span.SetAttributes(g.client.appendModelParameters(nil, params)...)
	}
}

// SetUsage sets the token usage of the generation.
func (g *Generation) SetUsage(u Usage) {
	if g.recording() {
		g.span.SetAttributes(u.appendAttrs(make([]attribute.KeyValue, 0, 6))...)
	}
}

// SetCompletionStartTime sets when the first token of the completion
// arrived (time to first token is its distance from the start).
func (g *Generation) SetCompletionStartTime(t time.Time) {
	if g.recording() {
		g.span.SetAttributes(semconv.GenerationCompletionStartTimeKey.Int64(t.UnixNano()))
	}
}
