package exporter_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/agenttrace/agenttrace-otel-go/exporter"
	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttracetest"
	"github.com/agenttrace/agenttrace-otel-go/semconv"
)

// Scope names of instrumentations whose spans the tests imitate.
const (
	otelhttpScope   = "go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	otelsqlScope    = "github.com/XSAM/otelsql"
	openllmetry     = "opentelemetry.instrumentation.openai.v1"
	openinference   = "openinference.instrumentation.openai"
	genaiScope      = "example.com/llm-gateway" // a GenAI instrumentation we do not know by name
	agentTraceScope = "github.com/agenttrace/agenttrace-otel-go/instrument"
)

// syncProvider returns a TracerProvider exporting synchronously, as each span
// ends, through exp.
func syncProvider(t *testing.T, exp *exporter.Exporter) *sdktrace.TracerProvider {
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return tp
}

// TestForeignGenAISpans checks that LLM spans of other instrumentations,
// made by the OTel SDK with whatever attribute names they use, arrive as
// generations with model, usage, input and output.
func TestForeignGenAISpans(t *testing.T) {
	const (
		input  = `[{"role":"user","parts":[{"type":"text","content":"Hi"}]}]`
		output = `[{"role":"assistant","parts":[{"type":"text","content":"Hello!"}]}]`
	)
	tests := []struct {
		name      string
		scope     string
		attrs     []attribute.KeyValue
		model     string
		usage     agenttracetest.Usage
		input     string
		output    string
		params    string
		metadata  string
		typeExtra string // observationType in the metadata, for types beyond generation
	}{
		{
			name:  "current gen_ai names",
			scope: genaiScope,
			attrs: []attribute.KeyValue{
				semconv.GenAIOperationNameKey.String("chat"),
				semconv.GenAIProviderNameKey.String("openai"),
				semconv.GenAIRequestModelKey.String("gpt-4o"),
				semconv.GenAIResponseModelKey.String("gpt-4o-2024-08-06"),
				semconv.GenAIRequestTemperatureKey.Float64(0.3),
				semconv.GenAIUsageInputTokensKey.Int(9),
				semconv.GenAIUsageOutputTokensKey.Int(12),
				semconv.GenAIUsageCacheReadInputTokensKey.Int(4),
				semconv.GenAIInputMessagesKey.String(input),
				semconv.GenAIOutputMessagesKey.String(output),
			},
			model:    "gpt-4o",
			usage:    agenttracetest.Usage{InputTokens: 9, OutputTokens: 12, TotalTokens: 21, CacheReadTokens: 4},
			input:    input,
			output:   output,
			params:   `{"temperature":0.3}`,
			metadata: `{"provider":"openai","responseModel":"gpt-4o-2024-08-06"}`,
		},
		{
			name:  "deprecated gen_ai names (OpenLLMetry)",
			scope: openllmetry,
			attrs: []attribute.KeyValue{
				semconv.GenAISystemKey.String("openai"),
				semconv.GenAIRequestModelKey.String("gpt-3.5-turbo"),
				semconv.GenAIUsagePromptTokensKey.Int(30),
				semconv.GenAIUsageCompletionTokensKey.Int(5),
				semconv.GenAIUsageCacheReadInputTokensDeprecatedKey.Int(10),
				semconv.GenAIPromptKey.String(`[{"role":"user","content":"Hi"}]`),
				semconv.GenAICompletionKey.String(`[{"role":"assistant","content":"Hello!"}]`),
				semconv.GenAIOpenAIRequestSeedKey.Int(7),
			},
			model:    "gpt-3.5-turbo",
			usage:    agenttracetest.Usage{InputTokens: 30, OutputTokens: 5, TotalTokens: 35, CacheReadTokens: 10},
			input:    `[{"role":"user","content":"Hi"}]`,
			output:   `[{"role":"assistant","content":"Hello!"}]`,
			params:   `{"seed":7}`,
			metadata: `{"provider":"openai"}`,
		},
		{
			name:  "OpenInference",
			scope: openinference,
			attrs: []attribute.KeyValue{
				semconv.OpenInferenceSpanKindKey.String("LLM"),
				semconv.LLMModelNameKey.String("claude-3-5-haiku"),
				semconv.LLMProviderKey.String("anthropic"),
				semconv.LLMInvocationParametersKey.String(`{"max_tokens":256}`),
				semconv.LLMTokenCountPromptKey.Int(40),
				semconv.LLMTokenCountCompletionKey.Int(8),
				semconv.LLMTokenCountTotalKey.Int(48),
				semconv.InputValueKey.String(`{"messages":[{"role":"user","content":"Hi"}]}`),
				semconv.InputMimeTypeKey.String("application/json"),
				semconv.OutputValueKey.String("Hello!"),
			},
			model:    "claude-3-5-haiku",
			usage:    agenttracetest.Usage{InputTokens: 40, OutputTokens: 8, TotalTokens: 48},
			input:    `{"messages":[{"role":"user","content":"Hi"}]}`,
			output:   `"Hello!"`,
			params:   `{"max_tokens":256}`,
			metadata: `{"provider":"anthropic"}`,
		},
		{
			name:  "embeddings",
			scope: genaiScope,
			attrs: []attribute.KeyValue{
				semconv.GenAIOperationNameKey.String("embeddings"),
				semconv.GenAIRequestModelKey.String("text-embedding-3-small"),
				semconv.GenAIUsageInputTokensKey.Int(6),
			},
			model:     "text-embedding-3-small",
			usage:     agenttracetest.Usage{InputTokens: 6, TotalTokens: 6},
			typeExtra: "embedding",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, exp := setup(t, nil)
			_, s := syncProvider(t, exp).Tracer(tt.scope).Start(ctx(t), "llm", trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(tt.attrs...))
			s.End()
			require.NoError(t, exp.ForceFlush(ctx(t)))

			obs := srv.Observations(s.SpanContext().TraceID().String())
			require.Len(t, obs, 1)
			o := obs[0]
			assert.Equal(t, "GENERATION", o.Type)
			assert.Equal(t, tt.model, o.Model)
			require.NotNil(t, o.Usage)
			assert.Equal(t, tt.usage, *o.Usage)
			jsonEqOrEmpty(t, tt.input, o.Input)
			jsonEqOrEmpty(t, tt.output, o.Output)
			jsonEqOrEmpty(t, tt.params, o.ModelParameters)
			if tt.typeExtra != "" {
				var md map[string]any
				require.NoError(t, json.Unmarshal([]byte(o.Metadata), &md))
				assert.Equal(t, tt.typeExtra, md["observationType"])
			} else {
				jsonEqOrEmpty(t, tt.metadata, o.Metadata)
			}
		})
	}
}

// jsonEqOrEmpty asserts that got is the JSON want, or empty when want is.
func jsonEqOrEmpty(t *testing.T, want, got string) {
	t.Helper()
	if want == "" {
		assert.Empty(t, got)
		return
	}
	assert.JSONEq(t, want, got)
}

// scopedSpan builds an ended span of traceA in scope.
func scopedSpan(name, scope string, id, parent byte, attrs ...attribute.KeyValue) sdktrace.ReadOnlySpan {
	s := span(name, id, parent, int(id)*10, 1000-int(id)*10, attrs...)
	st := tracetest.SpanStubFromReadOnlySpan(s)
	st.InstrumentationScope = instrumentation.Scope{Name: scope}
	return st.Snapshot()
}

// webAgent is an agent run served over HTTP, as a service instrumented with
// otelhttp, a database driver, an LLM library and AgentTrace records it:
//
//	1 GET /ask (otelhttp server span)
//	└─ 2 answer (AgentTrace agent)
//	   ├─ 3 SELECT (database span)
//	   │  └─ 4 cache-lookup (AgentTrace tool, whose OTel parent is the query)
//	   └─ 5 POST (otelhttp client span)
//	      └─ 6 chat gpt-4o (GenAI span of another library)
//
// The spans are in the order an SDK ends them, children first.
func webAgent() []sdktrace.ReadOnlySpan {
	return []sdktrace.ReadOnlySpan{
		scopedSpan("chat gpt-4o", genaiScope, 6, 5, semconv.GenAIOperationNameKey.String("chat"),
			semconv.GenAIRequestModelKey.String("gpt-4o"), semconv.GenAIUsageInputTokensKey.Int(3), semconv.GenAIUsageOutputTokensKey.Int(4)),
		scopedSpan("POST", otelhttpScope, 5, 2, attribute.String("http.request.method", "POST"), attribute.String("server.address", "api.openai.com")),
		scopedSpan("cache-lookup", agentTraceScope, 4, 3, semconv.ObservationTypeTool, semconv.ObservationParentIDKey.String(sid(2).String())),
		scopedSpan("SELECT", otelsqlScope, 3, 2, attribute.String("db.system.name", "postgresql"), attribute.String("db.query.text", "SELECT 1")),
		scopedSpan("answer", agentTraceScope, 2, 1, semconv.ObservationTypeAgent, semconv.TraceNameKey.String("ask")),
		scopedSpan("GET /ask", otelhttpScope, 1, 0, attribute.String("http.request.method", "GET"), attribute.String("http.route", "/ask")),
	}
}

// treeOf renders the observation tree of traceA as "name(children...)".
func treeOf(srv *agenttracetest.Server) string {
	var b strings.Builder
	var walk func(ns []*agenttracetest.Node)
	walk = func(ns []*agenttracetest.Node) {
		for i, n := range ns {
			if i > 0 {
				b.WriteString(" ")
			}
			b.WriteString(n.Name)
			if len(n.Children) > 0 {
				b.WriteString("(")
				walk(n.Children)
				b.WriteString(")")
			}
		}
	}
	walk(srv.Snapshot().ObservationTree(traceA.String()))
	return b.String()
}

// TestSpanFilters exports the web agent under each filter setting, one
// span per export and in reverse too (a parent may be exported before or
// after its children): the default filter keeps the AgentTrace and GenAI
// spans and attaches each to its nearest exported ancestor.
func TestSpanFilters(t *testing.T) {
	tests := []struct {
		name string
		opts []exporter.Option
		want string
	}{
		{
			name: "default filter",
			want: "answer(cache-lookup chat gpt-4o)",
		},
		{
			name: "export all spans",
			opts: []exporter.Option{exporter.WithExportAllSpans()},
			// The tool names its AgentTrace parent (agenttrace.observation.parent_id),
			// which wins over its OTel parent.
			want: "GET /ask(answer(SELECT cache-lookup POST(chat gpt-4o)))",
		},
		{
			name: "custom filter",
			opts: []exporter.Option{exporter.WithSpanFilter(func(s sdktrace.ReadOnlySpan) bool {
				// Keep the default's spans, and the database spans too.
				return exporter.DefaultSpanFilter(s) || s.InstrumentationScope().Name == otelsqlScope
			})},
			want: "answer(SELECT cache-lookup chat gpt-4o)",
		},
	}
	orders := map[string]func([]sdktrace.ReadOnlySpan) []sdktrace.ReadOnlySpan{
		"children first": func(s []sdktrace.ReadOnlySpan) []sdktrace.ReadOnlySpan { return s },
		"parents first": func(s []sdktrace.ReadOnlySpan) []sdktrace.ReadOnlySpan {
			r := make([]sdktrace.ReadOnlySpan, len(s))
			for i := range s {
				r[len(s)-1-i] = s[i]
			}
			return r
		},
	}
	for _, tt := range tests {
		for order, arrange := range orders {
			t.Run(tt.name+"/"+order, func(t *testing.T) {
				srv, exp := setup(t, nil, tt.opts...)
				for _, s := range arrange(webAgent()) {
					require.NoError(t, exp.ExportSpans(ctx(t), []sdktrace.ReadOnlySpan{s}))
				}
				require.NoError(t, exp.ForceFlush(ctx(t)))
				assert.Equal(t, tt.want, treeOf(srv))
				tr, ok := srv.Trace(traceA.String())
				require.True(t, ok)
				assert.Equal(t, "ask", tr.Name, "the trace takes its name from agenttrace.trace.name wherever it is")
			})
		}
	}
}

func TestDefaultSpanFilter(t *testing.T) {
	tests := []struct {
		name  string
		scope string
		attrs []attribute.KeyValue
		keep  bool
	}{
		{name: "AgentTrace attribute", scope: "any", attrs: []attribute.KeyValue{semconv.ObservationTypeSpan}, keep: true},
		{name: "gen_ai attribute", scope: "any", attrs: []attribute.KeyValue{semconv.GenAIRequestModelKey.String("m")}, keep: true},
		{name: "deprecated gen_ai attribute", scope: "any", attrs: []attribute.KeyValue{semconv.GenAISystemKey.String("openai")}, keep: true},
		{name: "OpenInference kind", scope: "any", attrs: []attribute.KeyValue{semconv.OpenInferenceSpanKindKey.String("CHAIN")}, keep: true},
		{name: "OpenInference llm attribute", scope: "any", attrs: []attribute.KeyValue{semconv.LLMModelNameKey.String("m")}, keep: true},
		{name: "known LLM scope without attributes", scope: "openinference.instrumentation.langchain", keep: true},
		{name: "anthropic-sdk-go module scope", scope: "github.com/anthropics/anthropic-sdk-go", keep: true},
		{name: "AgentTrace scope", scope: agentTraceScope, keep: true},
		{name: "otelhttp", scope: otelhttpScope, attrs: []attribute.KeyValue{attribute.String("http.request.method", "GET")}},
		{name: "database", scope: otelsqlScope, attrs: []attribute.KeyValue{attribute.String("db.system.name", "postgresql")}},
		{name: "plain span", scope: "my-app"},
		{name: "input.value alone is not enough", scope: "my-app", attrs: []attribute.KeyValue{semconv.InputValueKey.String("x")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.keep, exporter.DefaultSpanFilter(scopedSpan("s", tt.scope, 1, 0, tt.attrs...)))
		})
	}
}
