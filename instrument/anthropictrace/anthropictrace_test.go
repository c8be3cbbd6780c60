package anthropictrace_test

import (
	"context"
	"testing"

	"github.com/anthropics/anthropic-sdk-go"
	"github.com/anthropics/anthropic-sdk-go/option"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttracetest"
	"github.com/agenttrace/agenttrace-otel-go/instrument/anthropictrace"
	"github.com/agenttrace/agenttrace-otel-go/internal/llmreplay"
	"github.com/agenttrace/agenttrace-otel-go/internal/llmtest"
	"github.com/agenttrace/agenttrace-otel-go/semconv"
)

func TestMain(m *testing.M) { llmtest.Main(m, "ANTHROPIC_") }

// newAnthropic returns an anthropic-sdk-go client of the replay server,
// traced to the environment's instrument client.
func newAnthropic(e *llmtest.Env, settings []anthropictrace.Setting, opts ...option.RequestOption) anthropic.Client {
	base := []option.RequestOption{
		option.WithBaseURL(e.LLM.URL),
		option.WithAPIKey("sk-ant-test"),
		anthropictrace.Option(e.Client, settings...),
	}
	return anthropic.NewClient(append(base, opts...)...)
}

func params(tools ...anthropic.ToolUnionParam) anthropic.MessageNewParams {
	return anthropic.MessageNewParams{
		Model:       "claude-sonnet-4-5",
		MaxTokens:   400,
		System:      []anthropic.TextBlockParam{{Text: "You are a reader's advisory assistant."}},
		Messages:    []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("Suggest two novels."))},
		Temperature: anthropic.Float(0.5),
		Tools:       tools,
	}
}

type usage struct{ in, out, total, cacheRead, cacheCreation int64 }

func assertUsage(t *testing.T, o agenttracetest.Observation, s tracetest.SpanStub, want usage) {
	t.Helper()
	require.NotNil(t, o.Usage, "usage at the server")
	assert.Equal(t, agenttracetest.Usage{InputTokens: want.in, OutputTokens: want.out, TotalTokens: want.total,
		CacheReadTokens: want.cacheRead, CacheCreationTokens: want.cacheCreation}, *o.Usage)
	assert.Equal(t, want.in, llmtest.Value(s, semconv.GenAIUsageInputTokensKey))
	assert.Equal(t, want.out, llmtest.Value(s, semconv.GenAIUsageOutputTokensKey))
	assert.Equal(t, want.total, llmtest.Value(s, semconv.GenerationUsageTotalTokensKey))
	if want.cacheRead != 0 {
		assert.Equal(t, want.cacheRead, llmtest.Value(s, semconv.GenAIUsageCacheReadInputTokensKey))
	}
	if want.cacheCreation != 0 {
		assert.Equal(t, want.cacheCreation, llmtest.Value(s, semconv.GenAIUsageCacheCreationInputTokensKey))
	}
}

func TestMessages(t *testing.T) {
	tool := anthropic.ToolUnionParam{OfTool: &anthropic.ToolParam{
		Name: "check_availability", InputSchema: anthropic.ToolInputSchemaParam{Properties: map[string]any{"title": map[string]any{"type": "string"}}},
	}}
	tests := []struct {
		name, fixture string
		tools         []anthropic.ToolUnionParam
		responseModel string
		usage         usage
		finish        string
		output        []string
	}{
		{
			name: "text", fixture: "anthropic_messages_basic",
			responseModel: "claude-sonnet-4-5-20250929", usage: usage{in: 52, out: 71, total: 123},
			finish: "end_turn", output: []string{`"type":"text"`, "Never Let Me Go"},
		},
		{
			name: "tool use", fixture: "anthropic_messages_tool_use", tools: []anthropic.ToolUnionParam{tool},
			responseModel: "claude-haiku-4-5-20251001", usage: usage{in: 689, out: 94, total: 783},
			finish: "tool_use",
			output: []string{`"type":"tool_use"`, `"name":"check_availability"`, `"input":{"author":"Susanna Clarke","branch":"Riverside","title":"Piranesi"}`},
		},
		{
			// input_tokens excludes the tokens written to the cache:
			// the GenAI input count adds them.
			name: "cache write", fixture: "anthropic_messages_cache_write",
			usage:  usage{in: 17 + 1391, out: 49, total: 17 + 1391 + 49, cacheCreation: 1391},
			finish: "end_turn",
		},
		{
			name: "cache read", fixture: "anthropic_messages_cache_read",
			usage:  usage{in: 14 + 1391, out: 41, total: 14 + 1391 + 41, cacheRead: 1391},
			finish: "end_turn",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := llmtest.New(t)
			a := llmtest.Answer(t, tt.fixture)
			e.LLM.Enqueue(a)
			c := newAnthropic(e, nil)
			var msg *anthropic.Message
			id := e.Traced(func(ctx context.Context) {
				var err error
				msg, err = c.Messages.New(ctx, params(tt.tools...))
				require.NoError(t, err)
			})
			o, s := e.OneGeneration(t, id)
			assert.Equal(t, "claude-sonnet-4-5", o.Model)
			assert.Equal(t, "DEFAULT", o.Level)
			assert.JSONEq(t, `{"max_tokens":400,"temperature":0.5}`, o.ModelParameters)
			assert.Contains(t, o.Input, `"role":"system"`)
			assert.Contains(t, o.Input, "Suggest two novels.")
			for _, sub := range tt.output {
				assert.Contains(t, o.Output, sub)
			}
			assertUsage(t, o, s, tt.usage)
			assert.Equal(t, "anthropic", llmtest.Value(s, semconv.GenAIProviderNameKey))
			assert.Equal(t, int64(400), llmtest.Value(s, semconv.GenAIRequestMaxTokensKey))
			assert.Equal(t, []string{tt.finish}, llmtest.Value(s, semconv.GenAIResponseFinishReasonsKey))
			assert.Equal(t, msg.ID, llmtest.Value(s, semconv.GenAIResponseIDKey))
			if tt.responseModel != "" {
				assert.Equal(t, tt.responseModel, llmtest.Value(s, semconv.GenAIResponseModelKey))
			}
		})
	}
}

func TestStreams(t *testing.T) {
	tests := []struct {
		name, fixture string
		usage         usage
		finish        string
		output        []string
	}{
		{
			name: "text", fixture: "anthropic_messages_stream",
			usage: usage{in: 24, out: 57, total: 81}, finish: "end_turn",
		},
		{
			name: "tool use", fixture: "anthropic_messages_stream_tool_use",
			usage: usage{in: 583, out: 81, total: 664}, finish: "tool_use",
			output: []string{`"type":"tool_use"`, `"input":{"date":"2026-11-26","harbour":"Porto"}`, "Let me look up"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := llmtest.New(t)
			e.LLM.Enqueue(llmtest.Answer(t, tt.fixture))
			c := newAnthropic(e, nil)
			var acc anthropic.Message
			id := e.Traced(func(ctx context.Context) {
				stream := c.Messages.NewStreaming(ctx, params())
				for stream.Next() {
					require.NoError(t, acc.Accumulate(stream.Current()))
				}
				require.NoError(t, stream.Err())
				require.NoError(t, stream.Close())
			})
			o, s := e.OneGeneration(t, id)
			assert.Equal(t, "DEFAULT", o.Level)
			assertUsage(t, o, s, tt.usage)
			require.NotNil(t, o.CompletionStartTime)
			assert.False(t, o.CompletionStartTime.Before(o.StartTime))
			assert.Equal(t, []string{tt.finish}, llmtest.Value(s, semconv.GenAIResponseFinishReasonsKey))
			for _, sub := range tt.output {
				assert.Contains(t, o.Output, sub)
			}
			assert.Contains(t, o.Output, acc.Content[0].Text, "the accumulated text")
		})
	}
}

func TestRetries(t *testing.T) {
	t.Run("429 then success is one generation", func(t *testing.T) {
		e := llmtest.New(t)
		e.LLM.Enqueue(llmtest.NoWait(llmtest.Answer(t, "anthropic_error_429_rate_limit")), llmtest.Answer(t, "anthropic_messages_basic"))
		c := newAnthropic(e, nil)
		id := e.Traced(func(ctx context.Context) {
			_, err := c.Messages.New(ctx, params())
			require.NoError(t, err)
		})
		reqs := e.LLM.Requests()
		require.Len(t, reqs, 2)
		assert.Equal(t, "1", reqs[1].Headers["x-stainless-retry-count"])
		o, s := e.OneGeneration(t, id)
		assert.Equal(t, "DEFAULT", o.Level)
		assertUsage(t, o, s, usage{in: 52, out: 71, total: 123})
		assert.Equal(t, int64(1), llmtest.Value(s, "http.request.resend_count"))
		var attempts []agenttracetest.Observation
		for _, a := range e.Observations(t, id) {
			if a.ParentObservationID == o.ID {
				attempts = append(attempts, a)
			}
		}
		require.Len(t, attempts, 2)
		assert.Equal(t, "WARNING", attempts[0].Level)
		assert.Contains(t, attempts[0].StatusMessage, "429")
	})
	tests := []struct {
		name       string
		answers    []string
		maxRetries int
		status     int64
		errType    string
		message    string
	}{
		{name: "529 until the retries are used up", answers: []string{"anthropic_error_529_overloaded", "anthropic_error_529_overloaded"},
			maxRetries: 1, status: 529, errType: "overloaded_error", message: "Overloaded"},
		{name: "400 is not retried", answers: []string{"anthropic_error_400_invalid_request"},
			maxRetries: 2, status: 400, errType: "invalid_request_error", message: "unexpected `tool_use_id`"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := llmtest.New(t)
			for _, f := range tt.answers {
				e.LLM.Enqueue(llmtest.NoWait(llmtest.Answer(t, f)))
			}
			c := newAnthropic(e, nil, option.WithMaxRetries(tt.maxRetries))
			id := e.Traced(func(ctx context.Context) {
				_, err := c.Messages.New(ctx, params())
				var apiErr *anthropic.Error
				require.ErrorAs(t, err, &apiErr)
				assert.Equal(t, int(tt.status), apiErr.StatusCode)
			})
			assert.Len(t, e.LLM.Requests(), len(tt.answers))
			o, s := e.OneGeneration(t, id)
			assert.Equal(t, "ERROR", o.Level)
			assert.Contains(t, o.StatusMessage, tt.message)
			assert.Equal(t, codes.Error, s.Status.Code)
			assert.Equal(t, tt.status, llmtest.Value(s, "http.response.status_code"))
			assert.Equal(t, tt.errType, llmtest.Value(s, "error.type"))
		})
	}
}

func TestStreamLifecycle(t *testing.T) {
	t.Run("cut midway", func(t *testing.T) {
		e := llmtest.New(t)
		a := llmtest.Answer(t, "anthropic_messages_stream")
		a.CutAfter = 6
		e.LLM.Enqueue(a)
		c := newAnthropic(e, nil)
		id := e.Traced(func(ctx context.Context) {
			stream := c.Messages.NewStreaming(ctx, params())
			for stream.Next() {
			}
			require.Error(t, stream.Err())
			require.NoError(t, stream.Close())
		})
		o, s := e.OneGeneration(t, id)
		assert.Equal(t, "ERROR", o.Level)
		assert.Contains(t, o.StatusMessage, "stream cut")
		assert.Contains(t, o.Output, `"type":"text"`, "the partial output")
		assert.Nil(t, o.Usage)
		assert.NotNil(t, llmtest.Value(s, semconv.GenerationUsageUnavailableKey))
	})
	t.Run("closed early", func(t *testing.T) {
		e := llmtest.New(t)
		a := llmtest.Answer(t, "anthropic_messages_stream")
		a.StallAfter = 8 // the rest of the stream never arrives
		e.LLM.Enqueue(a)
		c := newAnthropic(e, nil)
		id := e.Traced(func(ctx context.Context) {
			stream := c.Messages.NewStreaming(ctx, params())
			for i := 0; i < 3 && stream.Next(); i++ {
			}
			require.NoError(t, stream.Close())
		})
		o, _ := e.OneGeneration(t, id)
		assert.Equal(t, "WARNING", o.Level)
		assert.Contains(t, o.StatusMessage, "closed before its end")
	})
	t.Run("abandoned", func(t *testing.T) {
		e := llmtest.New(t)
		a := llmtest.Answer(t, "anthropic_messages_stream")
		a.StallAfter = 4
		e.LLM.Enqueue(a)
		c := newAnthropic(e, nil)
		ctx, tr := e.Client.Trace(context.Background(), "test")
		func() {
			stream := c.Messages.NewStreaming(ctx, params())
			require.True(t, stream.Next())
		}()
		tr.End()
		id := tr.TraceID().String()
		llmtest.CollectUntil(t, func() bool { return len(e.GenerationSpans(id)) == 1 })
		o, _ := e.OneGeneration(t, id)
		assert.Equal(t, "WARNING", o.Level)
		assert.Contains(t, o.StatusMessage, "abandoned")
	})
}

// TestNoSecondSpan checks the decision of the package documentation: a
// wrapped client does not emit the SDK's own span beside the generation.
func TestNoSecondSpan(t *testing.T) {
	for _, wrapped := range []bool{true, false} {
		rec := tracetest.NewSpanRecorder()
		tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
		e := llmtest.New(t)
		e.LLM.Enqueue(llmtest.Answer(t, "anthropic_messages_basic"))
		opts := []option.RequestOption{option.WithBaseURL(e.LLM.URL), option.WithAPIKey("sk-ant-test"), option.WithTracerProvider(tp)}
		if wrapped {
			opts = append(opts, anthropictrace.Option(e.Client))
		}
		c := anthropic.NewClient(opts...)
		id := e.Traced(func(ctx context.Context) {
			_, err := c.Messages.New(ctx, params())
			require.NoError(t, err)
		})
		require.NoError(t, tp.Shutdown(context.Background()))
		if wrapped {
			assert.Empty(t, rec.Ended(), "the SDK's own spans")
			e.OneGeneration(t, id)
		} else {
			assert.Len(t, rec.Ended(), 1, "the SDK emits a span of its own when not wrapped")
		}
	}
}

func TestCaptureOff(t *testing.T) {
	e := llmtest.New(t)
	e.LLM.Enqueue(llmtest.Answer(t, "anthropic_messages_tool_use"))
	c := newAnthropic(e, []anthropictrace.Setting{anthropictrace.WithCaptureContent(false)})
	id := e.Traced(func(ctx context.Context) {
		_, err := c.Messages.New(ctx, params())
		require.NoError(t, err)
	})
	o, _ := e.OneGeneration(t, id)
	assert.Empty(t, o.Input)
	assert.Empty(t, o.Output)
	assert.NotNil(t, o.Usage)
}

func TestOtherEndpointsPassThrough(t *testing.T) {
	e := llmtest.New(t)
	e.LLM.Enqueue(llmreplay.Answer{Path: "/v1/messages/count_tokens", Response: llmreplay.Response{
		Status: 200, Headers: map[string]string{"content-type": "application/json"}, Body: []byte(`{"input_tokens":42}`),
	}})
	c := newAnthropic(e, nil)
	id := e.Traced(func(ctx context.Context) {
		n, err := c.Messages.CountTokens(ctx, anthropic.MessageCountTokensParams{
			Model:    "claude-sonnet-4-5",
			Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("hi"))},
		})
		require.NoError(t, err)
		assert.Equal(t, int64(42), n.InputTokens)
	})
	assert.Empty(t, e.Generations(t, id))
}

func TestStreamErrorEvent(t *testing.T) {
	e := llmtest.New(t)
	a := llmtest.Answer(t, "anthropic_messages_stream")
	a.SSE = append(a.SSE[:4:4], "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n")
	e.LLM.Enqueue(a)
	c := newAnthropic(e, nil)
	id := e.Traced(func(ctx context.Context) {
		stream := c.Messages.NewStreaming(ctx, params())
		for stream.Next() {
		}
		require.Error(t, stream.Err())
		require.NoError(t, stream.Close())
	})
	o, s := e.OneGeneration(t, id)
	assert.Equal(t, "ERROR", o.Level)
	assert.Contains(t, o.StatusMessage, "Overloaded (overloaded_error)")
	assert.Equal(t, "overloaded_error", llmtest.Value(s, "error.type"))
}
