package e2e_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/goleak"

	"github.com/agenttrace/agenttrace-otel-go/internal/e2e/jaeger"
	"github.com/agenttrace/agenttrace-otel-go/semconv"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestOTLPExportReachesJaeger sends a trace of nested spans through the
// plain otlptracehttp exporter to a real Jaeger and reads it back: the
// harness works, and AgentTrace and GenAI attributes survive the OTLP path
// with their types.
func TestOTLPExportReachesJaeger(t *testing.T) {
	j := jaeger.Start(t)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()

	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpoint(j.OTLPEndpoint), otlptracehttp.WithInsecure())
	require.NoError(t, err)
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exp),
		sdktrace.WithResource(resource.NewSchemaless(attribute.String("service.name", "e2e-smoke"))),
	)
	tracer := tp.Tracer("github.com/agenttrace/agenttrace-otel-go/internal/e2e")

	ctx1, agent := tracer.Start(ctx, "agent-run", trace.WithAttributes(
		semconv.ObservationTypeAgent,
		semconv.TraceNameKey.String("support-ticket"),
		semconv.ObservationInputKey.String(`{"question":"where is my order?"}`),
	))
	ctx2, gen := tracer.Start(ctx1, "llm-call", trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(
		semconv.ObservationTypeGeneration,
		semconv.GenAIRequestModel("gpt-4o-mini"),
		semconv.GenAIRequestTemperature(0.2),
		semconv.GenAIUsageInputTokens(120),
		semconv.GenAIUsageOutputTokens(34),
	))
	_, tool := tracer.Start(ctx2, "lookup-order", trace.WithAttributes(
		semconv.ObservationTypeTool,
		attribute.Bool("cache.hit", false),
	))
	tool.SetStatus(codes.Error, "order service unavailable")
	tool.End()
	gen.End()
	agent.End()
	require.NoError(t, tp.Shutdown(ctx))

	got, err := j.WaitTrace(ctx, agent.SpanContext().TraceID(), 3)
	require.NoError(t, err)
	require.Len(t, got.Spans, 3)
	assert.Equal(t, agent.SpanContext().TraceID().String(), got.TraceID)

	tests := []struct {
		name   string
		parent trace.Span
		self   trace.Span
		tags   map[string]any
	}{
		{
			name: "agent-run",
			self: agent,
			tags: map[string]any{
				"agenttrace.observation.type":  "agent",
				"agenttrace.trace.name":        "support-ticket",
				"agenttrace.observation.input": `{"question":"where is my order?"}`,
			},
		},
		{
			name:   "llm-call",
			parent: agent,
			self:   gen,
			tags: map[string]any{
				"agenttrace.observation.type": "generation",
				"gen_ai.request.model":        "gpt-4o-mini",
				"gen_ai.request.temperature":  0.2,
				"gen_ai.usage.input_tokens":   int64(120),
				"gen_ai.usage.output_tokens":  int64(34),
				"span.kind":                   "client",
			},
		},
		{
			name:   "lookup-order",
			parent: gen,
			self:   tool,
			tags: map[string]any{
				"agenttrace.observation.type": "tool",
				"cache.hit":                   false,
				"otel.status_code":            "ERROR",
				"otel.status_description":     "order service unavailable",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			span, ok := got.Span(tt.name)
			require.True(t, ok, "span %q not in Jaeger's trace", tt.name)
			assert.Equal(t, tt.self.SpanContext().SpanID().String(), span.SpanID)
			wantParent := ""
			if tt.parent != nil {
				wantParent = tt.parent.SpanContext().SpanID().String()
			}
			assert.Equal(t, wantParent, span.ParentSpanID())
			assert.Equal(t, "e2e-smoke", span.Process.ServiceName)
			tags := span.TagMap()
			for k, want := range tt.tags {
				assert.Equal(t, want, tags[k], "tag %s", k)
			}
		})
	}
}
