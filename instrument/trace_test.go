package instrument_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/semconv"
)

// Tracing / Manual Traces.
func TestManualTrace(t *testing.T) {
	c, rec := newClient(t)
	ctx := context.Background()

	_, tr := c.Trace(ctx, "my-task")
	tr.SetInput(map[string]any{"prompt": "Hello"})
	result := "Hi there"
	tr.SetOutput(result)
	tr.SetTraceMetadata(map[string]any{"version": "1.0"})
	tr.SetTags("production", "important")
	tr.End()

	s := spans(t, rec)["my-task"]
	if s == nil {
		t.Fatal("no span")
	}
	assertAttrs(t, s, map[string]string{
		"agenttrace.observation.type":   "span",
		"agenttrace.trace.name":         "my-task",
		"agenttrace.observation.input":  `{"prompt":"Hello"}`,
		"agenttrace.observation.output": `"Hi there"`,
		"agenttrace.trace.metadata":     `{"version":"1.0"}`,
		"agenttrace.trace.tags":         `["production","important"]`,
	})
	assertNoAttrs(t, s, "agenttrace.observation.metadata", "agenttrace.observation.parent_id")
	if s.Parent().IsValid() {
		t.Errorf("trace span has parent %v", s.Parent())
	}
	if tr.TraceID() != s.SpanContext().TraceID() || tr.ID() != s.SpanContext().SpanID() {
		t.Errorf("TraceID/ID = %s/%s, span %s/%s", tr.TraceID(), tr.ID(), s.SpanContext().TraceID(), s.SpanContext().SpanID())
	}
}

// Tracing / Nested Traces.
func TestNestedTraces(t *testing.T) {
	c, rec := newClient(t)
	ctx, parent := c.Trace(context.Background(), "parent-task")

	_, step1 := parent.Span(ctx, "step-1")
	intermediate := map[string]any{"rows": 3}
	step1.SetOutput(intermediate)
	step1.End()

	_, step2 := parent.Span(ctx, "step-2")
	result := []any{"a", "b", "c"}
	step2.SetOutput(result)
	step2.End()

	parent.SetOutput(result)
	parent.End()

	s := spans(t, rec)
	assertChild(t, s["parent-task"], s["step-1"])
	assertChild(t, s["parent-task"], s["step-2"])
	assertAttrs(t, s["step-1"], map[string]string{"agenttrace.observation.type": "span", "agenttrace.observation.output": `{"rows":3}`})
	assertAttrs(t, s["step-2"], map[string]string{"agenttrace.observation.output": `["a","b","c"]`})
	assertAttrs(t, s["parent-task"], map[string]string{"agenttrace.observation.output": `["a","b","c"]`})
	assertNoAttrs(t, s["step-1"], "agenttrace.trace.name", "agenttrace.observation.parent_id")
}

// Observations / Generations (LLM Calls).
func TestGeneration(t *testing.T) {
	c, rec := newClient(t)
	ctx, tr := c.Trace(context.Background(), "chat")

	_, gen := tr.Generation(ctx, "gpt-call",
		instrument.WithModel("gpt-4"),
		instrument.WithModelParameters(map[string]any{"temperature": 0.7}))
	messages := []map[string]string{{"role": "user", "content": "Hello"}}
	gen.SetInput(messages)
	first := time.Unix(1700000000, 5)
	gen.SetCompletionStartTime(first)
	gen.SetOutput("Hello! How can I help?")
	gen.SetUsage(instrument.Usage{InputTokens: 9, OutputTokens: 12})
	gen.End()
	tr.End()

	s := spans(t, rec)
	assertChild(t, s["chat"], s["gpt-call"])
	assertAttrs(t, s["gpt-call"], map[string]string{
		"agenttrace.observation.type":                 "generation",
		"gen_ai.request.model":                        "gpt-4",
		"agenttrace.generation.model_parameters":      `{"temperature":0.7}`,
		"gen_ai.request.temperature":                  "0.7",
		"agenttrace.observation.input":                `[{"content":"Hello","role":"user"}]`,
		"agenttrace.observation.output":               `"Hello! How can I help?"`,
		"gen_ai.usage.input_tokens":                   "9",
		"gen_ai.usage.output_tokens":                  "12",
		"agenttrace.generation.completion_start_time": "1700000000000000005",
	})
	assertNoAttrs(t, s["gpt-call"], "agenttrace.generation.usage.total_tokens", "gen_ai.usage.cache_read.input_tokens")
}

func TestGenerationFields(t *testing.T) {
	c, rec := newClient(t)
	ctx, tr := c.Trace(context.Background(), "t")
	_, gen := tr.Generation(ctx, "g",
		instrument.WithProvider("openai"),
		instrument.WithUsage(instrument.Usage{InputTokens: 1, OutputTokens: 2, TotalTokens: 4, CacheReadTokens: 5, CacheCreationTokens: 6, ReasoningTokens: 7}),
		instrument.WithModelParameters(map[string]any{
			"max_tokens": 256, "top_p": float32(0.5), "top_k": 40, "seed": 7.0,
			"frequency_penalty": -0.5, "presence_penalty": 1, "stop": []any{"\n", "END"}, "custom": "x",
		}))
	gen.SetModel("gpt-4o")
	gen.SetAttributes(semconv.GenerationUsageUnavailableKey.String("stream without usage"))
	gen.End()
	_, emb := tr.Generation(ctx, "embed", instrument.WithType(instrument.TypeEmbedding), instrument.WithModel("text-embedding-3-small"))
	emb.End()
	tr.End()

	s := spans(t, rec)
	assertAttrs(t, s["g"], map[string]string{
		"gen_ai.provider.name":                     "openai",
		"gen_ai.request.model":                     "gpt-4o",
		"gen_ai.usage.input_tokens":                "1",
		"gen_ai.usage.output_tokens":               "2",
		"agenttrace.generation.usage.total_tokens": "4",
		"gen_ai.usage.cache_read.input_tokens":     "5",
		"gen_ai.usage.cache_creation.input_tokens": "6",
		"gen_ai.usage.reasoning.output_tokens":     "7",
		"agenttrace.generation.usage.unavailable":  "stream without usage",
		"gen_ai.request.max_tokens":                "256",
		"gen_ai.request.top_p":                     "0.5",
		"gen_ai.request.top_k":                     "40",
		"gen_ai.request.seed":                      "7",
		"gen_ai.request.frequency_penalty":         "-0.5",
		"gen_ai.request.presence_penalty":          "1",
		"gen_ai.request.stop_sequences":            `["\n","END"]`,
	})
	if v, _ := value(s["g"], "gen_ai.request.max_tokens"); v.Type().String() != "INT64" {
		t.Errorf("max_tokens is %s, want INT64", v.Type())
	}
	assertAttrs(t, s["embed"], map[string]string{"agenttrace.observation.type": "embedding", "gen_ai.request.model": "text-embedding-3-small"})
}

// Observations / Spans (Non-LLM Operations).
func TestSpans(t *testing.T) {
	c, rec := newClient(t)
	ctx, tr := c.Trace(context.Background(), "process")

	_, span := tr.Span(ctx, "fetch-data")
	data := []int{1, 2, 3}
	span.SetOutput(map[string]any{"records": len(data)})
	span.End()

	_, span = tr.Span(ctx, "transform")
	span.SetOutput(map[string]any{"transformed": len(data)})
	span.End()
	tr.End()

	s := spans(t, rec)
	assertChild(t, s["process"], s["fetch-data"])
	assertChild(t, s["process"], s["transform"])
	assertAttrs(t, s["fetch-data"], map[string]string{"agenttrace.observation.type": "span", "agenttrace.observation.output": `{"records":3}`})
	assertAttrs(t, s["transform"], map[string]string{"agenttrace.observation.output": `{"transformed":3}`})
}

func TestObservationTypes(t *testing.T) {
	c, rec := newClient(t)
	ctx, tr := c.Trace(context.Background(), "agent-run", instrument.WithType(instrument.TypeAgent))
	for _, typ := range []instrument.ObservationType{
		instrument.TypeTool, instrument.TypeChain, instrument.TypeRetriever,
		instrument.TypeGuardrail, instrument.TypeEvaluator, instrument.TypeAgent,
	} {
		_, sp := tr.Span(ctx, "as-"+string(typ), instrument.WithType(typ))
		sp.End()
	}
	tr.End()
	s := spans(t, rec)
	assertAttrs(t, s["agent-run"], map[string]string{"agenttrace.observation.type": "agent"})
	for _, typ := range []string{"tool", "chain", "retriever", "guardrail", "evaluator", "agent"} {
		assertAttrs(t, s["as-"+typ], map[string]string{"agenttrace.observation.type": typ})
	}
}

// Observations / Events.
func TestEvents(t *testing.T) {
	c, rec := newClient(t)
	ctx, tr := c.Trace(context.Background(), "task")
	tr.Event(ctx, "checkpoint-reached", map[string]any{"step": 1})
	tr.Event(ctx, "no-data", nil, instrument.WithLevel(instrument.LevelWarning))
	tr.End()

	s := spans(t, rec)
	ev := s["checkpoint-reached"]
	assertChild(t, s["task"], ev)
	assertAttrs(t, ev, map[string]string{"agenttrace.observation.type": "event", "agenttrace.observation.input": `{"step":1}`})
	if !ev.StartTime().Equal(ev.EndTime()) {
		t.Errorf("event lasts %s, want 0", ev.EndTime().Sub(ev.StartTime()))
	}
	assertAttrs(t, s["no-data"], map[string]string{"agenttrace.observation.level": "WARNING"})
	assertNoAttrs(t, s["no-data"], "agenttrace.observation.input")
}

// Sessions.
func TestSessions(t *testing.T) {
	c, rec := newClient(t)
	ctx := context.Background()
	session := instrument.WithSessionID("user-123-session")

	_, tr := c.Trace(ctx, "task-1", session)
	tr.End()
	_, tr = c.Trace(ctx, "task-2", session, instrument.WithUserID("user-123"))
	tr.End()
	s := spans(t, rec)
	for _, name := range []string{"task-1", "task-2"} {
		assertAttrs(t, s[name], map[string]string{"agenttrace.trace.session_id": "user-123-session", "agenttrace.trace.name": name})
	}
	assertAttrs(t, s["task-2"], map[string]string{"agenttrace.trace.user_id": "user-123"})
	if s["task-1"].SpanContext().TraceID() == s["task-2"].SpanContext().TraceID() {
		t.Error("the traces of a session share a trace id")
	}
}

// Error Handling.
func TestErrorHandling(t *testing.T) {
	c, rec := newClient(t)
	errRisky := errors.New("disk full")
	riskyOperation := func() (string, error) { return "", errRisky }

	task := func(ctx context.Context) error {
		_, tr := c.Trace(ctx, "risky-task")
		defer tr.End()
		result, err := riskyOperation()
		if err != nil {
			tr.SetError(err)
			return err
		}
		tr.SetOutput(result)
		return nil
	}
	if err := task(context.Background()); !errors.Is(err, errRisky) {
		t.Fatalf("err = %v", err)
	}

	s := spans(t, rec)["risky-task"]
	assertAttrs(t, s, map[string]string{
		"agenttrace.observation.level":          "ERROR",
		"agenttrace.observation.status_message": "disk full",
	})
	if s.Status().Code != codes.Error || s.Status().Description != "disk full" {
		t.Errorf("status = %+v", s.Status())
	}
	if len(s.Events()) != 1 || s.Events()[0].Name != "exception" {
		t.Errorf("events = %+v, want one exception", s.Events())
	}
}

// The Python sample sets the level and the message explicitly.
func TestLevelAndStatusMessage(t *testing.T) {
	c, rec := newClient(t)
	ctx, tr := c.Trace(context.Background(), "t")
	_, sp := tr.Span(ctx, "retry", instrument.WithLevel(instrument.LevelDebug))
	sp.SetLevel(instrument.LevelWarning)
	sp.SetStatusMessage("retried twice")
	sp.End()
	_, lower := tr.Span(ctx, "lower")
	lower.SetLevel("error")
	lower.End()
	_, info := tr.Span(ctx, "info")
	handled.take()
	info.SetLevel("INFO")
	if errs := handled.take(); len(errs) != 1 || !strings.Contains(errs[0].Error(), `level "INFO"`) {
		t.Errorf("reported %v, want the unknown level", errs)
	}
	info.End()
	tr.SetError(nil)
	tr.End()

	s := spans(t, rec)
	assertAttrs(t, s["retry"], map[string]string{"agenttrace.observation.level": "WARNING", "agenttrace.observation.status_message": "retried twice"})
	assertAttrs(t, s["lower"], map[string]string{"agenttrace.observation.level": "ERROR"})
	assertAttrs(t, s["info"], map[string]string{"agenttrace.observation.level": "DEFAULT"})
	assertNoAttrs(t, s["t"], "agenttrace.observation.level")
	if s["t"].Status().Code != codes.Unset {
		t.Errorf("SetError(nil) set status %v", s["t"].Status())
	}
}

func TestTraceFields(t *testing.T) {
	c, rec := newClient(t)
	start := time.Date(2025, 5, 1, 12, 0, 0, 0, time.UTC)
	ctx, tr := c.Trace(context.Background(), "t",
		instrument.WithInput("question"),
		instrument.WithMetadata(map[string]any{"k": "v"}),
		instrument.WithUserID("u"),
		instrument.WithSessionID("s"),
		instrument.WithTags("a"),
		instrument.WithRelease("v1.2.3"),
		instrument.WithVersion("agent-7"),
		instrument.WithAttributes(semconv.TracePublicKey.Bool(true)),
		instrument.WithStartTime(start),
		instrument.WithStatusMessage("ok"),
	)
	tr.SetRelease("v1.2.4")
	tr.SetAttributes(semconv.TracePublicKey.Bool(false))
	tr.SetUserID("u2")
	tr.SetSessionID("s2")
	tr.SetTraceVersion("agent-8")
	_, sp := tr.Span(ctx, "child",
		instrument.WithMetadata(map[string]any{"m": 1}),
		instrument.WithVersion("code-1"),
		instrument.WithOutput(42))
	sp.SetVersion("code-2")
	sp.End()
	tr.End()

	s := spans(t, rec)
	assertAttrs(t, s["t"], map[string]string{
		"agenttrace.observation.input":          `"question"`,
		"agenttrace.trace.metadata":             `{"k":"v"}`,
		"agenttrace.trace.user_id":              "u2",
		"agenttrace.trace.session_id":           "s2",
		"agenttrace.trace.tags":                 `["a"]`,
		"agenttrace.trace.release":              "v1.2.4",
		"agenttrace.trace.version":              "agent-8",
		"agenttrace.trace.public":               "false",
		"agenttrace.observation.status_message": "ok",
	})
	if !s["t"].StartTime().Equal(start) {
		t.Errorf("start = %v, want %v", s["t"].StartTime(), start)
	}
	assertAttrs(t, s["child"], map[string]string{
		"agenttrace.observation.metadata": `{"m":1}`,
		"agenttrace.observation.version":  "code-2",
		"agenttrace.observation.output":   "42",
	})
	assertNoAttrs(t, s["child"], "agenttrace.trace.metadata", "agenttrace.trace.version")
}

// A trace started inside an AgentTrace observation is a new trace linked
// to it; one started under a span of another instrumentation is a child
// of that span.
func TestTraceParents(t *testing.T) {
	c, rec := newClient(t)
	other := c.TracerProvider().Tracer("other")

	ctx, outer := c.Trace(context.Background(), "outer")
	_, inner := c.Trace(ctx, "inner")
	inner.End()
	outer.End()

	httpCtx, httpSpan := other.Start(context.Background(), "GET /chat")
	_, handled := c.Trace(httpCtx, "handle")
	handled.End()
	httpSpan.End()

	s := spans(t, rec)
	if s["inner"].Parent().IsValid() || s["inner"].SpanContext().TraceID() == s["outer"].SpanContext().TraceID() {
		t.Errorf("inner trace is not a new root: parent %v", s["inner"].Parent())
	}
	if links := s["inner"].Links(); len(links) != 1 || links[0].SpanContext.SpanID() != s["outer"].SpanContext().SpanID() {
		t.Errorf("inner links = %+v, want outer", links)
	}
	assertChild(t, s["GET /chat"], s["handle"])
	assertNoAttrs(t, s["handle"], "agenttrace.observation.parent_id")
}

func TestNoopHandles(t *testing.T) {
	var c *instrument.Client // a nil client is a disabled one
	ctx := context.Background()
	ctx2, tr := c.Trace(ctx, "t")
	if ctx2 != ctx || tr == nil {
		t.Fatalf("Trace on a nil client: ctx changed or nil trace")
	}
	_, sp := tr.Span(ctx, "s")
	_, gen := sp.Generation(ctx, "g")
	gen.SetUsage(instrument.Usage{InputTokens: 1})
	gen.SetError(errors.New("x"))
	gen.Event(ctx, "e", 1)
	for _, o := range []*instrument.Observation{&tr.Observation, sp, &gen.Observation, instrument.FromContext(ctx)} {
		if o.IsRecording() || o.ID().IsValid() || o.TraceID().IsValid() || o.OTelSpan().IsRecording() {
			t.Errorf("no-op observation records: %+v", o)
		}
		o.End()
	}
	if instrument.TraceFromContext(ctx) == nil {
		t.Error("TraceFromContext returned nil")
	}
	if c.SpanProcessor() == nil || c.Flush(ctx) != nil || c.Shutdown(ctx) != nil {
		t.Error("nil client methods misbehave")
	}
	if _, ok := c.TracerProvider().Tracer("x").Start(ctx, "y"); ok.SpanContext().IsValid() {
		t.Error("disabled TracerProvider records")
	}
	var _ trace.TracerProvider = c.TracerProvider()
}
