package e2e_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/agenttrace/agenttrace-otel-go/connection"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttracetest"
	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/internal/e2e/jaeger"
)

// TestDualExportToJaeger sends an agent run (a trace, nested spans, a tool
// call, an event and a generation) through the instrument client with both
// exports on: OTLP to a real Jaeger (instrument.WithOTLPEndpoint) and
// AgentTrace to agenttracetest. Every span the SDK recorded must be in
// Jaeger with its parent and all its agenttrace.* and gen_ai.* attributes,
// and in AgentTrace as the observation with the same id, in the same trace.
func TestDualExportToJaeger(t *testing.T) {
	j := jaeger.Start(t)
	srv := agenttracetest.NewServer(agenttracetest.WithoutRateLimit())
	defer srv.Close()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()

	rec := tracetest.NewSpanRecorder()
	client, err := instrument.New(ctx,
		instrument.WithConnection(connection.Config{APIURL: srv.URL, APIKey: srv.APIKey}),
		instrument.WithOTLPEndpoint("http://"+j.OTLPEndpoint),
		instrument.WithSpanProcessor(rec))
	require.NoError(t, err)

	ctx1, tr := client.Trace(ctx, "support-ticket", instrument.WithUserID("u-42"), instrument.WithSessionID("s-7"),
		instrument.WithTags("support", "jaeger"), instrument.WithInput(map[string]string{"question": "where is my order?"}))
	planCtx, plan := tr.Span(ctx1, "plan", instrument.WithType(instrument.TypeChain))
	toolCtx, tool := plan.Span(planCtx, "lookup-order", instrument.WithType(instrument.TypeTool),
		instrument.WithInput(map[string]string{"order": "8812"}))
	tool.Event(toolCtx, "order-found", map[string]string{"status": "shipped"})
	tool.SetOutput(map[string]string{"status": "shipped"})
	tool.End()
	plan.End()
	_, gen := tr.Generation(ctx1, "answer", instrument.WithModel("gpt-4o-mini"), instrument.WithProvider("openai"),
		instrument.WithModelParameters(map[string]any{"temperature": 0.2, "max_tokens": 300}),
		instrument.WithInput([]map[string]string{{"role": "user", "content": "where is my order?"}}))
	gen.SetOutput(map[string]string{"role": "assistant", "content": "It ships tomorrow."})
	gen.SetUsage(instrument.Usage{InputTokens: 48, OutputTokens: 11, CacheReadTokens: 32})
	gen.End()
	tr.SetOutput("It ships tomorrow.")
	tr.End()
	require.NoError(t, client.Shutdown(ctx))

	spans := rec.Ended()
	require.Len(t, spans, 5)
	traceID := tr.TraceID()
	got, err := j.WaitTrace(ctx, traceID, len(spans))
	require.NoError(t, err)
	require.Len(t, got.Spans, len(spans))
	jaegerSpans := map[string]jaeger.Span{}
	for _, s := range got.Spans {
		jaegerSpans[s.SpanID] = s
	}
	obs := map[string]agenttracetest.Observation{}
	for _, o := range srv.Observations(traceID.String()) {
		obs[o.ID] = o
	}
	_, ok := srv.Trace(traceID.String())
	require.True(t, ok, "AgentTrace has the trace with the same id")

	for _, s := range spans {
		t.Run(s.Name(), func(t *testing.T) {
			id := s.SpanContext().SpanID().String()
			js, ok := jaegerSpans[id]
			require.True(t, ok, "span %s in Jaeger", id)
			assert.Equal(t, s.Name(), js.OperationName)
			parent := ""
			if s.Parent().IsValid() {
				parent = s.Parent().SpanID().String()
			}
			assert.Equal(t, parent, js.ParentSpanID())
			tags := js.TagMap()
			n := 0
			for _, kv := range s.Attributes() {
				if !strings.HasPrefix(string(kv.Key), "agenttrace.") && !strings.HasPrefix(string(kv.Key), "gen_ai.") {
					continue
				}
				n++
				assertTag(t, kv, tags)
			}
			assert.Positive(t, n, "the span has AgentTrace attributes")

			o, ok := obs[id]
			require.True(t, ok, "span %s is an AgentTrace observation", id)
			assert.Equal(t, s.Name(), o.Name)
			assert.Equal(t, parent, o.ParentObservationID)
		})
	}

	// The generation's GenAI attributes, named: a sample of what was
	// compared above, so that the test cannot pass on spans without them.
	gs, ok := got.Span("answer")
	require.True(t, ok)
	for _, k := range []string{"gen_ai.request.model", "gen_ai.provider.name", "gen_ai.usage.input_tokens",
		"gen_ai.usage.output_tokens", "gen_ai.usage.cache_read.input_tokens", "gen_ai.request.temperature"} {
		_, ok := gs.Tag(k)
		assert.True(t, ok, "Jaeger has %s", k)
	}
}

// assertTag asserts that Jaeger's tags hold kv with its value: scalars as
// their Go type, slices as the JSON array text Jaeger makes of them.
func assertTag(t *testing.T, kv attribute.KeyValue, tags map[string]any) {
	t.Helper()
	got, ok := tags[string(kv.Key)]
	if !assert.True(t, ok, "Jaeger has %s", kv.Key) {
		return
	}
	switch kv.Value.Type() {
	case attribute.BOOL, attribute.INT64, attribute.FLOAT64, attribute.STRING:
		assert.Equal(t, kv.Value.AsInterface(), got, "%s", kv.Key)
	default:
		want, err := json.Marshal(kv.Value.AsInterface())
		require.NoError(t, err)
		s, _ := got.(string)
		assert.JSONEq(t, string(want), s, "%s", kv.Key)
	}
}
