package semconvtest_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/agenttrace/agenttrace-otel-go/semconv"
	"github.com/agenttrace/agenttrace-otel-go/semconv/semconvtest"
)

var spanID = trace.SpanID{1, 2, 3, 4, 5, 6, 7, 8}

func spanWith(attrs ...attribute.KeyValue) sdktrace.ReadOnlySpan {
	return tracetest.SpanStub{
		Name:        "llm",
		SpanContext: trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{1}, SpanID: spanID}),
		Attributes:  attrs,
	}.Snapshot()
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name  string
		attrs []attribute.KeyValue
		want  []string // Problem.String of each problem
	}{
		{
			name: "conformant generation",
			attrs: []attribute.KeyValue{
				semconv.ObservationTypeGeneration,
				semconv.GenAIRequestModelKey.String("gpt-4o"),
				semconv.GenAIProviderNameKey.String("openai"),
				semconv.GenAIUsageInputTokensKey.Int(100),
				semconv.GenAIUsageOutputTokensKey.Int(20),
				semconv.GenAIUsageCacheReadInputTokensKey.Int(60),
				semconv.GenAIUsageCacheCreationInputTokensKey.Int(40),
				semconv.GenAIUsageReasoningOutputTokensKey.Int(20),
				semconv.GenerationUsageTotalTokensKey.Int(120),
				attribute.String("http.request.method", "POST"),
			},
		},
		{
			name: "deprecated keys",
			attrs: []attribute.KeyValue{
				semconv.GenAISystemKey.String("openai"),
				semconv.GenAIUsagePromptTokensKey.Int(3),
			},
			want: []string{
				`span "llm": gen_ai.system: deprecated: replaced by gen_ai.provider.name (semantic conventions v1.37.0)`,
				`span "llm": gen_ai.usage.prompt_tokens: deprecated: replaced by gen_ai.usage.input_tokens (semantic conventions v1.27.0)`,
			},
		},
		{
			name: "unknown keys",
			attrs: []attribute.KeyValue{
				attribute.String("gen_ai.request.modle", "gpt-4o"),
				attribute.Int("gen_ai.usage.cache_hit_tokens", 5),
				attribute.String("agenttrace.trace.userid", "u-1"),
				attribute.String("genai.request.model", "not our namespace"),
			},
			want: []string{
				`span "llm": agenttrace.trace.userid: unknown: not an AgentTrace key (see package semconv)`,
				`span "llm": gen_ai.request.modle: unknown: not a key of the GenAI semantic conventions v1.41.0`,
				`span "llm": gen_ai.usage.cache_hit_tokens: unknown: not a key of the GenAI semantic conventions v1.41.0`,
			},
		},
		{
			name: "non-standard keys anthropic-sdk-go records",
			attrs: []attribute.KeyValue{
				semconv.GenAIUsageCacheWriteInputTokensKey.Int(5),
			},
			want: []string{
				`span "llm": gen_ai.usage.cache_write.input_tokens: deprecated: not a key of the GenAI conventions; use gen_ai.usage.cache_creation.input_tokens`,
			},
		},
		{
			name: "total is not input + output",
			attrs: []attribute.KeyValue{
				semconv.GenAIUsageInputTokensKey.Int(52),
				semconv.GenAIUsageOutputTokensKey.Int(71),
				semconv.GenerationUsageTotalTokensKey.Int(130),
			},
			want: []string{`span "llm": agenttrace.generation.usage.total_tokens: token count: total 130 is not input 52 + output 71 = 123`},
		},
		{
			name: "a total alone is fine",
			attrs: []attribute.KeyValue{
				semconv.GenAIUsageInputTokensKey.Int(52),
				semconv.GenerationUsageTotalTokensKey.Int(130),
			},
		},
		{
			name: "cache tokens exceed the input",
			attrs: []attribute.KeyValue{
				semconv.GenAIUsageInputTokensKey.Int(52),
				semconv.GenAIUsageCacheReadInputTokensKey.Int(40),
				semconv.GenAIUsageCacheCreationInputTokensKey.Int(30),
			},
			want: []string{`span "llm": gen_ai.usage.cache_read.input_tokens: token count: cache read 40 + cache creation 30 tokens exceed the 52 input tokens (gen_ai.usage.input_tokens counts them)`},
		},
		{
			name: "cache creation alone exceeds the input",
			attrs: []attribute.KeyValue{
				semconv.GenAIUsageInputTokensKey.Int(10),
				semconv.GenAIUsageCacheCreationInputTokensKey.Int(30),
			},
			want: []string{`span "llm": gen_ai.usage.cache_creation.input_tokens: token count: cache read 0 + cache creation 30 tokens exceed the 10 input tokens (gen_ai.usage.input_tokens counts them)`},
		},
		{
			name: "reasoning exceeds the output",
			attrs: []attribute.KeyValue{
				semconv.GenAIUsageOutputTokensKey.Int(10),
				semconv.GenAIUsageReasoningOutputTokensKey.Int(11),
			},
			want: []string{`span "llm": gen_ai.usage.reasoning.output_tokens: token count: 11 reasoning tokens exceed the 10 output tokens (gen_ai.usage.output_tokens counts them)`},
		},
		{
			name: "negative and mistyped counts",
			attrs: []attribute.KeyValue{
				semconv.GenAIUsageInputTokensKey.Int(-1),
				semconv.GenAIUsageOutputTokensKey.String("12"),
				semconv.GenerationUsageTotalTokensKey.Float64(11.5),
			},
			want: []string{
				`span "llm": agenttrace.generation.usage.total_tokens: token count: is a float64, want an int`,
				`span "llm": gen_ai.usage.input_tokens: token count: is negative (-1)`,
				`span "llm": gen_ai.usage.output_tokens: token count: is a string, want an int`,
			},
		},
		{
			name: "OpenInference counts",
			attrs: []attribute.KeyValue{
				semconv.LLMTokenCountPromptKey.Int(40),
				semconv.LLMTokenCountCompletionKey.Int(8),
				semconv.LLMTokenCountTotalKey.Int(40),
				semconv.LLMTokenCountPromptCacheReadKey.Int(41),
			},
			want: []string{
				`span "llm": llm.token_count.prompt_details.cache_read: token count: cache read 41 + cache creation 0 tokens exceed the 40 input tokens (llm.token_count.prompt counts them)`,
				`span "llm": llm.token_count.total: token count: total 40 is not input 40 + output 8 = 48`,
			},
		},
		{
			name: "deprecated counts are checked too",
			attrs: []attribute.KeyValue{
				semconv.GenAIUsagePromptTokensKey.Int(5),
				semconv.GenAIUsageCompletionTokensKey.Int(5),
				semconv.GenerationUsageTotalTokensKey.Int(11),
			},
			want: []string{
				`span "llm": agenttrace.generation.usage.total_tokens: token count: total 11 is not input 5 + output 5 = 10`,
				`span "llm": gen_ai.usage.completion_tokens: deprecated: replaced by gen_ai.usage.output_tokens (semantic conventions v1.27.0)`,
				`span "llm": gen_ai.usage.prompt_tokens: deprecated: replaced by gen_ai.usage.input_tokens (semantic conventions v1.27.0)`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, p := range semconvtest.Check([]sdktrace.ReadOnlySpan{spanWith(tt.attrs...)}) {
				assert.Equal(t, "llm", p.Span)
				assert.Equal(t, spanID, p.SpanID)
				got = append(got, p.String())
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestCheckEvents(t *testing.T) {
	s := tracetest.SpanStub{
		Name: "chat",
		Events: []sdktrace.Event{
			{Name: "gen_ai.content.prompt", Attributes: []attribute.KeyValue{semconv.GenAIPromptKey.String(`"hi"`)}},
			{Name: "gen_ai.client.inference.operation.details", Attributes: []attribute.KeyValue{semconv.GenAIInputMessagesKey.String(`[]`)}},
		},
	}.Snapshot()
	problems := semconvtest.Check([]sdktrace.ReadOnlySpan{s})
	if assert.Len(t, problems, 1) {
		assert.Equal(t, semconvtest.Problem{
			Span: "chat", Event: "gen_ai.content.prompt", Key: semconv.GenAIPromptKey, Kind: semconvtest.KindDeprecated,
			Message: "replaced by gen_ai.input.messages (semantic conventions v1.28.0 moved content to events, v1.37.0 to attributes)",
		}, problems[0])
	}
}

func TestCheckOrdersBySpan(t *testing.T) {
	a := spanWith(semconv.GenAISystemKey.String("x"))
	b := tracetest.SpanStub{Name: "second", Attributes: []attribute.KeyValue{attribute.Int("gen_ai.x", 1)}}.Snapshot()
	var names []string
	for _, p := range semconvtest.Check([]sdktrace.ReadOnlySpan{a, b, a}) {
		names = append(names, p.Span)
	}
	assert.Equal(t, []string{"llm", "second", "llm"}, names)
	assert.Nil(t, semconvtest.Check(nil))
}

// recordingTB records the errors AssertConformant reports.
type recordingTB struct {
	testing.TB
	errors []string
}

func (r *recordingTB) Helper() {}
func (r *recordingTB) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func TestAssertConformant(t *testing.T) {
	rec := &recordingTB{TB: t}
	ok := semconvtest.AssertConformant(rec, []sdktrace.ReadOnlySpan{spanWith(semconv.GenAIUsagePromptTokensKey.Int(1))})
	assert.False(t, ok)
	assert.Equal(t, []string{
		`semconvtest: span "llm": gen_ai.usage.prompt_tokens: deprecated: replaced by gen_ai.usage.input_tokens (semantic conventions v1.27.0)`,
	}, rec.errors)

	rec = &recordingTB{TB: t}
	assert.True(t, semconvtest.AssertConformant(rec, []sdktrace.ReadOnlySpan{spanWith(semconv.GenAIUsageInputTokensKey.Int(1))}))
	assert.Empty(t, rec.errors)
}
