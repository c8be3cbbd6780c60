package bedrocktrace_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/smithy-go/middleware"
	"github.com/aws/smithy-go/tracing"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/instrument/bedrocktrace"
	"github.com/agenttrace/agenttrace-otel-go/internal/llmtest"
)

// otelTracerProvider is the core of smithy-go's OpenTelemetry adapter
// (github.com/aws/smithy-go/tracing/smithyoteltracing, which the module
// proxy does not serve here): the SDK's spans as OpenTelemetry spans of tp,
// each in the context of the work it covers.
type otelTracerProvider struct{ tp trace.TracerProvider }

func (p otelTracerProvider) Tracer(scope string, _ ...tracing.TracerOption) tracing.Tracer {
	return otelTracer{p.tp.Tracer(scope)}
}

type otelTracer struct{ t trace.Tracer }

func (t otelTracer) StartSpan(ctx context.Context, name string, opts ...tracing.SpanOption) (context.Context, tracing.Span) {
	var o tracing.SpanOptions
	for _, fn := range opts {
		fn(&o)
	}
	kind := trace.SpanKindInternal
	if o.Kind == tracing.SpanKindClient {
		kind = trace.SpanKindClient
	}
	ctx, s := t.t.Start(ctx, name, trace.WithSpanKind(kind))
	sp := otelSpan{s: s, name: name}
	for k, v := range o.Properties.Values() {
		sp.SetProperty(k, v)
	}
	return tracing.WithSpan(ctx, sp), sp
}

type otelSpan struct {
	s    trace.Span
	name string
}

func (s otelSpan) Name() string { return s.name }
func (s otelSpan) Context() tracing.SpanContext {
	sc := s.s.SpanContext()
	return tracing.SpanContext{TraceID: sc.TraceID().String(), SpanID: sc.SpanID().String()}
}
func (s otelSpan) AddEvent(name string, _ ...tracing.EventOption) { s.s.AddEvent(name) }
func (s otelSpan) SetStatus(st tracing.SpanStatus) {
	if st == tracing.SpanStatusError {
		s.s.SetStatus(codes.Error, "")
	}
}
func (s otelSpan) SetProperty(k, v any) {
	s.s.SetAttributes(attribute.String(fmt.Sprint(k), fmt.Sprint(v)))
}
func (s otelSpan) End() { s.s.End() }

// With the SDK's own tracing on (its spans recorded by the instrument
// client's provider), a Converse call records the SDK's RPC spans
// ("Bedrock Runtime.Converse", "RetryLoop", "Attempt"...) and the
// generation, which starts inside the SDK's operation span. The exporter's
// default span filter leaves the SDK's spans out (no GenAI attribute, not
// an LLM instrumentation's scope), and the generation attaches to its
// nearest exported ancestor, the agent: one observation of the call,
// nothing twice.
func TestClientOwnSpans(t *testing.T) {
	e := llmtest.New(t)
	e.LLM.Enqueue(llmtest.Answer(t, "bedrock_converse_basic"))
	var apiOptions []func(*middleware.Stack) error
	bedrocktrace.AppendMiddlewares(&apiOptions, e.Client)
	c := newBedrock(e.LLM.URL, 3, apiOptions...)
	ctx, tr := e.Client.Trace(t.Context(), "reading-advice")
	ctx, agent := tr.Span(ctx, "advisor", instrument.WithType(instrument.TypeAgent))
	_, err := c.Converse(ctx, basicInput(), func(o *bedrockruntime.Options) {
		o.TracerProvider = otelTracerProvider{e.Client.TracerProvider()}
	})
	require.NoError(t, err)
	agent.End()
	tr.End()

	var sdkSpans []string
	var genSpan, opSpan tracetest.SpanStub
	for _, s := range e.SpansOf(tr.TraceID().String()) {
		switch {
		case s.InstrumentationScope.Name == "github.com/aws/aws-sdk-go-v2/service/bedrockruntime":
			sdkSpans = append(sdkSpans, s.Name)
			if s.Name == "Bedrock Runtime.Converse" {
				opSpan = s
			}
		case s.Name == "chat "+model:
			genSpan = s
		}
	}
	assert.Contains(t, sdkSpans, "Bedrock Runtime.Converse")
	assert.Contains(t, sdkSpans, "Attempt")
	assert.Equal(t, opSpan.SpanContext.SpanID(), genSpan.Parent.SpanID(), "the generation starts inside the SDK's operation span")

	obs := e.Observations(t, tr.TraceID().String())
	require.Len(t, obs, 3, "the trace, the agent and the generation")
	gen, _ := e.OneGeneration(t, tr.TraceID().String())
	assert.Equal(t, agent.ID().String(), gen.ParentObservationID, "the generation attaches to the agent")
	assert.Equal(t, "chat "+model, gen.Name)
	assert.NotNil(t, gen.Usage)
}
