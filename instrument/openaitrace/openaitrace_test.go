package openaitrace_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/responses"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttracetest"
	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/instrument/openaitrace"
	"github.com/agenttrace/agenttrace-otel-go/internal/llmreplay"
	"github.com/agenttrace/agenttrace-otel-go/internal/llmtest"
	"github.com/agenttrace/agenttrace-otel-go/semconv"
)

func TestMain(m *testing.M) { llmtest.Main(m, "OPENAI_") }

// newOpenAI returns an openai-go client of the replay server, traced to the
// environment's instrument client.
func newOpenAI(e *llmtest.Env, settings []openaitrace.Setting, opts ...option.RequestOption) openai.Client {
	base := []option.RequestOption{
		option.WithBaseURL(e.LLM.URL + "/v1/"),
		option.WithAPIKey("sk-test"),
		openaitrace.Option(e.Client, settings...),
	}
	return openai.NewClient(append(base, opts...)...)
}

type usage struct{ in, out, total, cacheRead, reasoning int64 }

func assertUsage(t *testing.T, o agenttracetest.Observation, s tracetest.SpanStub, want usage) {
	t.Helper()
	require.NotNil(t, o.Usage, "usage at the server")
	assert.Equal(t, agenttracetest.Usage{InputTokens: want.in, OutputTokens: want.out, TotalTokens: want.total, CacheReadTokens: want.cacheRead}, *o.Usage)
	assert.Equal(t, want.in, llmtest.Value(s, semconv.GenAIUsageInputTokensKey))
	assert.Equal(t, want.out, llmtest.Value(s, semconv.GenAIUsageOutputTokensKey))
	assert.Equal(t, want.total, llmtest.Value(s, semconv.GenerationUsageTotalTokensKey))
	if want.reasoning != 0 {
		assert.Equal(t, want.reasoning, llmtest.Value(s, semconv.GenAIUsageReasoningOutputTokensKey))
	} else {
		assert.Nil(t, llmtest.Value(s, semconv.GenAIUsageReasoningOutputTokensKey))
	}
	if want.cacheRead != 0 {
		assert.Equal(t, want.cacheRead, llmtest.Value(s, semconv.GenAIUsageCacheReadInputTokensKey))
	}
}

func TestJSONAnswers(t *testing.T) {
	tests := []struct {
		name, fixture string
		call          func(context.Context, openai.Client) error
		model         string
		responseModel string
		params        string
		usage         usage
		finish        []string
		output        []string // substrings of the captured output
		typ           string
	}{
		{
			name: "chat", fixture: "openai_chat_basic",
			call: func(ctx context.Context, c openai.Client) error {
				_, err := c.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{
					Model:               "gpt-4.1-mini",
					Messages:            []openai.ChatCompletionMessageParamUnion{openai.SystemMessage("You are the help desk."), openai.UserMessage("How often should I replace the chain?")},
					MaxCompletionTokens: openai.Int(200),
					Temperature:         openai.Float(0.3),
				})
				return err
			},
			model: "gpt-4.1-mini", responseModel: "gpt-4.1-mini-2025-04-14",
			params: `{"max_completion_tokens":200,"temperature":0.3}`,
			usage:  usage{in: 58, out: 84, total: 142},
			finish: []string{"stop"}, output: []string{`"role":"assistant"`, "replace it once it reaches 0.5% stretch"},
			typ: "generation",
		},
		{
			name: "chat tool calls", fixture: "openai_chat_tool_calls",
			call: func(ctx context.Context, c openai.Client) error {
				_, err := c.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{
					Model:    "gpt-4.1",
					Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Where are SS-20418 and SS-20433?")},
					Tools: []openai.ChatCompletionToolUnionParam{openai.ChatCompletionFunctionTool(openai.FunctionDefinitionParam{
						Name: "get_order_status", Parameters: openai.FunctionParameters{"type": "object"},
					})},
				})
				return err
			},
			model: "gpt-4.1", responseModel: "gpt-4.1-2025-04-14",
			usage:  usage{in: 121, out: 54, total: 175},
			finish: []string{"tool_calls"},
			output: []string{`"content":null`, `"name":"get_order_status"`, `"arguments":"{\"order_id\":\"SS-20418\"}"`, `"id":"call_wnZuDMjJxyZLLKcgTAOGSf9u"`},
			typ:    "generation",
		},
		{
			name: "cached and reasoning tokens", fixture: "openai_chat_cached_reasoning_tokens",
			call: func(ctx context.Context, c openai.Client) error {
				_, err := c.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{
					Model:           "o4-mini",
					Messages:        []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Classify the ticket.")},
					ReasoningEffort: "low",
				})
				return err
			},
			model:  "o4-mini",
			params: `{"reasoning_effort":"low"}`,
			// prompt_tokens already counts the cached tokens, and
			// completion_tokens the reasoning ones: nothing is added.
			usage:  usage{in: 1297, out: 406, total: 1703, cacheRead: 1152, reasoning: 320},
			finish: []string{"stop"},
			typ:    "generation",
		},
		{
			name: "responses", fixture: "openai_responses_basic",
			call: func(ctx context.Context, c openai.Client) error {
				_, err := c.Responses.New(ctx, responses.ResponseNewParams{
					Model:           "gpt-5.4-mini",
					Input:           responses.ResponseNewParamsInputUnion{OfString: openai.String("Compare SSE with WebSockets.")},
					MaxOutputTokens: openai.Int(800),
				})
				return err
			},
			model:  "gpt-5.4-mini",
			params: `{"max_output_tokens":800}`,
			usage:  usage{in: 27, out: 171, total: 198, reasoning: 108},
			finish: []string{"completed"},
			output: []string{`"type":"reasoning"`, `"type":"output_text"`},
			typ:    "generation",
		},
		{
			name: "embeddings", fixture: "openai_embeddings",
			call: func(ctx context.Context, c openai.Client) error {
				_, err := c.Embeddings.New(ctx, openai.EmbeddingNewParams{
					Model:          "text-embedding-3-small",
					Input:          openai.EmbeddingNewParamsInputUnion{OfArrayOfStrings: []string{"chain wear checker", "how to measure bicycle chain stretch"}},
					Dimensions:     openai.Int(8),
					EncodingFormat: openai.EmbeddingNewParamsEncodingFormatFloat,
				})
				return err
			},
			model:  "text-embedding-3-small",
			params: `{"dimensions":8,"encoding_format":"float"}`,
			usage:  usage{in: 10, out: 0, total: 10},
			output: []string{`{"dimensions":8,"embeddings":2}`},
			typ:    "embedding",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := llmtest.New(t)
			e.LLM.Enqueue(llmtest.Answer(t, tt.fixture))
			c := newOpenAI(e, nil)
			id := e.Traced(func(ctx context.Context) { require.NoError(t, tt.call(ctx, c)) })

			o, s := e.OneGeneration(t, id)
			assert.Equal(t, tt.model, o.Model)
			assert.Equal(t, "DEFAULT", o.Level)
			assert.NotEmpty(t, o.Input)
			if tt.params != "" {
				assert.JSONEq(t, tt.params, o.ModelParameters)
			}
			for _, sub := range tt.output {
				assert.Contains(t, o.Output, sub)
			}
			assertUsage(t, o, s, tt.usage)
			assert.Nil(t, o.CompletionStartTime, "no completion start time without a stream")

			assert.Equal(t, tt.typ, llmtest.Value(s, semconv.ObservationTypeKey))
			assert.Equal(t, "openai", llmtest.Value(s, semconv.GenAIProviderNameKey))
			assert.Equal(t, tt.model, llmtest.Value(s, semconv.GenAIRequestModelKey))
			if tt.responseModel != "" {
				assert.Equal(t, tt.responseModel, llmtest.Value(s, semconv.GenAIResponseModelKey))
			}
			if tt.finish != nil {
				assert.Equal(t, tt.finish, llmtest.Value(s, semconv.GenAIResponseFinishReasonsKey))
			}
			assert.Equal(t, codes.Unset, s.Status.Code)
		})
	}
}

func TestRequestParameterMirrors(t *testing.T) {
	e := llmtest.New(t)
	e.LLM.Enqueue(llmtest.Answer(t, "openai_chat_basic"))
	c := newOpenAI(e, nil)
	id := e.Traced(func(ctx context.Context) {
		_, err := c.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{
			Model:               "gpt-4.1-mini",
			Messages:            []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")},
			MaxCompletionTokens: openai.Int(200),
			Temperature:         openai.Float(0.3),
			TopP:                openai.Float(0.9),
			Seed:                openai.Int(7),
			Stop:                openai.ChatCompletionNewParamsStopUnion{OfStringArray: []string{"END"}},
		})
		require.NoError(t, err)
	})
	_, s := e.OneGeneration(t, id)
	assert.Equal(t, 0.3, llmtest.Value(s, semconv.GenAIRequestTemperatureKey))
	assert.Equal(t, 0.9, llmtest.Value(s, semconv.GenAIRequestTopPKey))
	assert.Equal(t, int64(200), llmtest.Value(s, semconv.GenAIRequestMaxTokensKey))
	assert.Equal(t, int64(7), llmtest.Value(s, semconv.GenAIRequestSeedKey))
	assert.Equal(t, []string{"END"}, llmtest.Value(s, semconv.GenAIRequestStopSequencesKey))
	assert.Equal(t, "chat", llmtest.Value(s, semconv.GenAIOperationNameKey))
	assert.Equal(t, "chat gpt-4.1-mini", s.Name)
}

func TestStreams(t *testing.T) {
	tests := []struct {
		name, fixture string
		settings      []openaitrace.Setting
		// includeUsage is what the request sent said.
		includeUsage bool
		usage        *usage
		unavailable  string
		output       []string
		finish       []string
	}{
		{
			name: "chat with usage", fixture: "openai_chat_stream_usage", includeUsage: true,
			usage:  &usage{in: 22, out: 18, total: 40},
			output: []string{`"content":"1. `}, finish: []string{"stop"},
		},
		{
			name: "chat without usage", fixture: "openai_chat_stream_no_usage",
			unavailable: "the stream did not ask for usage",
			output:      []string{"Japanese"}, finish: []string{"stop"},
		},
		{
			name: "usage asked for by the option", fixture: "openai_chat_stream_usage",
			settings: []openaitrace.Setting{openaitrace.WithStreamUsage(true)}, includeUsage: true,
			usage: &usage{in: 22, out: 18, total: 40},
		},
		{
			name: "tool call", fixture: "openai_chat_stream_tool_call", includeUsage: true,
			usage: &usage{in: 137, out: 31, total: 168},
			output: []string{
				`"arguments":"{\"origin\":\"LIS\",\"destination\":\"HND\",\"date\":\"2026-12-03\",\"cabin\":\"economy\"}"`,
				`"name":"search_flights"`, `"id":"call_SNLcr17jdfBQ3pTcKjTw0T9d"`,
			},
			finish: []string{"tool_calls"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := llmtest.New(t)
			e.LLM.Enqueue(llmtest.Answer(t, tt.fixture))
			c := newOpenAI(e, tt.settings)
			var chunks int
			id := e.Traced(func(ctx context.Context) {
				params := openai.ChatCompletionNewParams{Model: "gpt-4.1-mini", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")}}
				if tt.includeUsage && tt.settings == nil {
					params.StreamOptions = openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)}
				}
				stream := c.Chat.Completions.NewStreaming(ctx, params)
				for stream.Next() {
					chunks++
				}
				require.NoError(t, stream.Err())
				require.NoError(t, stream.Close())
			})
			require.NotZero(t, chunks)
			reqs := e.LLM.Requests()
			require.Len(t, reqs, 1)
			assert.Equal(t, tt.includeUsage, strings.Contains(string(reqs[0].Body), `"include_usage":true`), "include_usage sent")

			o, s := e.OneGeneration(t, id)
			assert.Equal(t, "DEFAULT", o.Level)
			require.NotNil(t, o.CompletionStartTime, "completion start time")
			assert.False(t, o.CompletionStartTime.Before(o.StartTime))
			require.NotNil(t, o.EndTime)
			assert.False(t, o.CompletionStartTime.After(*o.EndTime))
			for _, sub := range tt.output {
				assert.Contains(t, o.Output, sub)
			}
			if tt.finish != nil {
				assert.Equal(t, tt.finish, llmtest.Value(s, semconv.GenAIResponseFinishReasonsKey))
			}
			assert.Equal(t, true, llmtest.Value(s, semconv.GenAIRequestStreamKey))
			if tt.usage != nil {
				assertUsage(t, o, s, *tt.usage)
			} else {
				assert.Nil(t, o.Usage, "no usage rather than zeros")
				assert.Nil(t, llmtest.Value(s, semconv.GenAIUsageInputTokensKey))
				assert.Contains(t, llmtest.Value(s, semconv.GenerationUsageUnavailableKey), tt.unavailable)
			}
		})
	}
}

func TestResponsesStream(t *testing.T) {
	e := llmtest.New(t)
	e.LLM.Enqueue(llmtest.Answer(t, "openai_responses_stream"))
	c := newOpenAI(e, nil)
	var text strings.Builder
	id := e.Traced(func(ctx context.Context) {
		stream := c.Responses.NewStreaming(ctx, responses.ResponseNewParams{
			Model: "gpt-4.1-mini",
			Input: responses.ResponseNewParamsInputUnion{OfString: openai.String("Write a haiku.")},
		})
		for stream.Next() {
			if ev := stream.Current(); ev.Type == "response.output_text.delta" {
				text.WriteString(ev.Delta)
			}
		}
		require.NoError(t, stream.Err())
	})
	o, s := e.OneGeneration(t, id)
	assertUsage(t, o, s, usage{in: 31, out: 22, total: 53})
	require.NotNil(t, o.CompletionStartTime)
	out, err := json.Marshal(text.String())
	require.NoError(t, err)
	assert.Contains(t, o.Output, strings.Trim(string(out), `"`))
	assert.Equal(t, []string{"completed"}, llmtest.Value(s, semconv.GenAIResponseFinishReasonsKey))
}

func TestRetryThenSuccessIsOneGeneration(t *testing.T) {
	e := llmtest.New(t)
	e.LLM.Enqueue(llmtest.NoWait(llmtest.Answer(t, "openai_error_429_rate_limit")), llmtest.Answer(t, "openai_chat_basic"))
	c := newOpenAI(e, nil)
	id := e.Traced(func(ctx context.Context) {
		_, err := c.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{Model: "gpt-4.1", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Summarise")}})
		require.NoError(t, err)
	})
	reqs := e.LLM.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, "0", reqs[0].Headers["x-stainless-retry-count"])
	assert.Equal(t, "1", reqs[1].Headers["x-stainless-retry-count"])

	o, s := e.OneGeneration(t, id)
	assert.Equal(t, "DEFAULT", o.Level)
	assertUsage(t, o, s, usage{in: 58, out: 84, total: 142})
	assert.Equal(t, int64(1), llmtest.Value(s, "http.request.resend_count"))

	// Each attempt is a child span of the generation.
	obs := e.Observations(t, id)
	var attempts []agenttracetest.Observation
	for _, a := range obs {
		if a.ParentObservationID == o.ID {
			attempts = append(attempts, a)
		}
	}
	require.Len(t, attempts, 2)
	assert.Equal(t, "POST /v1/chat/completions", attempts[0].Name)
	assert.Equal(t, "WARNING", attempts[0].Level)
	assert.Contains(t, attempts[0].StatusMessage, "429")
	assert.Contains(t, attempts[0].Metadata, `"http.response.status_code":429`)
	assert.Equal(t, "DEFAULT", attempts[1].Level)
	assert.Contains(t, attempts[1].Metadata, `"http.request.resend_count":1`)
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name       string
		answers    []string
		maxRetries int
		attempts   int
		status     int64
		message    []string
		errType    string
	}{
		{
			name: "400 is not retried", answers: []string{"openai_error_400_invalid_request"}, maxRetries: 2, attempts: 1,
			status: 400, errType: "invalid_request_error",
			message: []string{"400 Bad Request", "temperature", "decimal_above_max_value"},
		},
		{
			name: "500 without retries", answers: []string{"openai_error_500_server_error"}, maxRetries: 0, attempts: 1,
			status: 500, errType: "server_error", message: []string{"500 Internal Server Error"},
		},
		{
			name: "429 until the retries are used up", maxRetries: 1, attempts: 2,
			answers: []string{"openai_error_429_rate_limit", "openai_error_429_rate_limit"},
			status:  429, errType: "tokens", message: []string{"429 Too Many Requests", "rate_limit_exceeded"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := llmtest.New(t)
			for _, f := range tt.answers {
				e.LLM.Enqueue(llmtest.NoWait(llmtest.Answer(t, f)))
			}
			c := newOpenAI(e, nil, option.WithMaxRetries(tt.maxRetries))
			id := e.Traced(func(ctx context.Context) {
				_, err := c.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{Model: "gpt-4.1", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")}})
				var apiErr *openai.Error
				require.ErrorAs(t, err, &apiErr, "the application still gets the client's typed error")
				assert.Equal(t, int(tt.status), apiErr.StatusCode)
			})
			assert.Len(t, e.LLM.Requests(), tt.attempts)
			o, s := e.OneGeneration(t, id)
			assert.Equal(t, "ERROR", o.Level)
			for _, m := range tt.message {
				assert.Contains(t, o.StatusMessage, m)
			}
			assert.Nil(t, o.Usage)
			assert.Equal(t, codes.Error, s.Status.Code)
			assert.Equal(t, tt.status, llmtest.Value(s, "http.response.status_code"))
			assert.Equal(t, tt.errType, llmtest.Value(s, "error.type"))
			if tt.attempts > 1 {
				assert.Equal(t, int64(tt.attempts-1), llmtest.Value(s, "http.request.resend_count"))
			}
		})
	}
}

func TestConnectionErrorAfterRetries(t *testing.T) {
	e := llmtest.New(t)
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close() // connections are refused
	c := openai.NewClient(option.WithBaseURL(down.URL+"/v1/"), option.WithAPIKey("sk-test"),
		openaitrace.Option(e.Client), option.WithMaxRetries(1), option.WithMaxRetryDelay(time.Millisecond))
	id := e.Traced(func(ctx context.Context) {
		_, err := c.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{Model: "gpt-4.1", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")}})
		require.Error(t, err)
	})
	o, s := e.OneGeneration(t, id)
	assert.Equal(t, "ERROR", o.Level)
	assert.Contains(t, o.StatusMessage, "connect")
	assert.Equal(t, int64(1), llmtest.Value(s, "http.request.resend_count"))
}

func TestStreamLifecycle(t *testing.T) {
	tests := []struct {
		name    string
		answer  func(llmreplay.Answer) llmreplay.Answer
		consume func(t *testing.T, stream interface {
			Next() bool
			Err() error
			Close() error
		})
		level, status string
		output        string
	}{
		{
			name:   "cut midway",
			answer: func(a llmreplay.Answer) llmreplay.Answer { a.CutAfter = 6; return a },
			consume: func(t *testing.T, s interface {
				Next() bool
				Err() error
				Close() error
			}) {
				for s.Next() {
				}
				require.Error(t, s.Err())
				require.NoError(t, s.Close())
			},
			level: "ERROR", status: "stream cut", output: `"content":"1.`,
		},
		{
			name: "closed early",
			// The rest of the stream never arrives.
			answer: func(a llmreplay.Answer) llmreplay.Answer { a.StallAfter = 8; return a },
			consume: func(t *testing.T, s interface {
				Next() bool
				Err() error
				Close() error
			}) {
				for i := 0; i < 4 && s.Next(); i++ {
				}
				require.NoError(t, s.Close())
			},
			level: "WARNING", status: "closed before its end", output: `"content":"1.`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := llmtest.New(t)
			e.LLM.Enqueue(tt.answer(llmtest.Answer(t, "openai_chat_stream_usage")))
			c := newOpenAI(e, nil)
			id := e.Traced(func(ctx context.Context) {
				stream := c.Chat.Completions.NewStreaming(ctx, openai.ChatCompletionNewParams{Model: "gpt-4.1-mini", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")}})
				tt.consume(t, stream)
			})
			o, s := e.OneGeneration(t, id)
			assert.Equal(t, tt.level, o.Level)
			assert.Contains(t, o.StatusMessage, tt.status)
			assert.Contains(t, o.Output, tt.output, "the partial output")
			assert.Nil(t, o.Usage)
			assert.NotNil(t, llmtest.Value(s, semconv.GenerationUsageUnavailableKey))
			require.NotNil(t, o.EndTime)
		})
	}
}

func TestAbandonedStreamEnds(t *testing.T) {
	e := llmtest.New(t)
	a := llmtest.Answer(t, "openai_chat_stream_usage")
	a.StallAfter = 5
	e.LLM.Enqueue(a)
	c := newOpenAI(e, nil)
	ctx, tr := e.Client.Trace(context.Background(), "test")
	func() {
		// Read two chunks, then forget the stream: never read to its end,
		// never closed.
		stream := c.Chat.Completions.NewStreaming(ctx, openai.ChatCompletionNewParams{Model: "gpt-4.1-mini", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")}})
		require.True(t, stream.Next())
		require.True(t, stream.Next())
	}()
	tr.End()
	id := tr.TraceID().String()
	// The generation ends once the collector finds the stream unreachable.
	llmtest.CollectUntil(t, func() bool { return len(e.GenerationSpans(id)) == 1 })
	o, _ := e.OneGeneration(t, id)
	assert.Equal(t, "WARNING", o.Level)
	assert.Contains(t, o.StatusMessage, "abandoned")
	assert.Contains(t, o.Output, `"content":"1`)
}

func TestContextCanceled(t *testing.T) {
	t.Run("while streaming", func(t *testing.T) {
		e := llmtest.New(t)
		a := llmtest.Answer(t, "openai_chat_stream_usage")
		a.StallAfter = 4
		e.LLM.Enqueue(a)
		c := newOpenAI(e, nil)
		ctx, tr := e.Client.Trace(context.Background(), "test")
		cctx, cancel := context.WithCancel(ctx)
		stream := c.Chat.Completions.NewStreaming(cctx, openai.ChatCompletionNewParams{Model: "gpt-4.1-mini", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")}})
		require.True(t, stream.Next())
		cancel()
		for stream.Next() {
		}
		require.Error(t, stream.Err())
		require.NoError(t, stream.Close())
		tr.End()
		o, s := e.OneGeneration(t, tr.TraceID().String())
		assert.Equal(t, "ERROR", o.Level)
		assert.Contains(t, o.StatusMessage, "context canceled")
		assert.Equal(t, codes.Error, s.Status.Code)
	})
	t.Run("before a retry", func(t *testing.T) {
		e := llmtest.New(t)
		e.LLM.Enqueue(llmtest.Answer(t, "openai_error_429_rate_limit"), llmtest.Answer(t, "openai_chat_basic"))
		ctx, tr := e.Client.Trace(context.Background(), "test")
		cctx, cancel := context.WithCancel(ctx)
		defer cancel()
		// The application's own middleware gives up on the first 429; the
		// client then stops instead of waiting to retry.
		c := newOpenAI(e, nil, option.WithMiddleware(func(r *http.Request, next option.MiddlewareNext) (*http.Response, error) {
			res, err := next(r)
			if res != nil && res.StatusCode == http.StatusTooManyRequests {
				cancel()
			}
			return res, err
		}))
		_, err := c.Chat.Completions.New(cctx, openai.ChatCompletionNewParams{Model: "gpt-4.1", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")}})
		require.ErrorIs(t, err, context.Canceled)
		tr.End()
		assert.Len(t, e.LLM.Requests(), 1)
		o, _ := e.OneGeneration(t, tr.TraceID().String())
		assert.Equal(t, "ERROR", o.Level)
		assert.Contains(t, o.StatusMessage, "context canceled")
	})
}

func TestTracesOutsideATrace(t *testing.T) {
	t.Run("a new trace rooted at the generation", func(t *testing.T) {
		e := llmtest.New(t)
		e.LLM.Enqueue(llmtest.Answer(t, "openai_chat_basic"))
		c := newOpenAI(e, nil)
		_, err := c.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{Model: "gpt-4.1-mini", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")}})
		require.NoError(t, err)
		require.NoError(t, e.Client.Flush(context.Background()))
		traces := e.AT.Snapshot().Traces
		require.Len(t, traces, 1)
		assert.Equal(t, "chat gpt-4.1-mini", traces[0].Name)
		obs := e.AT.Observations(traces[0].ID)
		require.Len(t, obs, 1)
		assert.Equal(t, "GENERATION", obs[0].Type)
		assert.Empty(t, obs[0].ParentObservationID)
		require.NotNil(t, obs[0].Usage)
		assert.Equal(t, int64(142), obs[0].Usage.TotalTokens)
	})
	t.Run("not traced without a client", func(t *testing.T) {
		e := llmtest.New(t)
		e.LLM.Enqueue(llmtest.Answer(t, "openai_chat_basic"))
		c := openai.NewClient(option.WithBaseURL(e.LLM.URL+"/v1/"), option.WithAPIKey("sk-test"), openaitrace.Option(nil))
		_, err := c.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{Model: "gpt-4.1-mini", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")}})
		require.NoError(t, err)
		require.NoError(t, e.Client.Flush(context.Background()))
		assert.Empty(t, e.Spans.GetSpans())
		assert.Empty(t, e.AT.Snapshot().Traces)
	})
}

func TestOtherEndpointsPassThrough(t *testing.T) {
	e := llmtest.New(t)
	e.LLM.Enqueue(llmreplay.Answer{Path: "/v1/models/gpt-4.1", Response: llmreplay.Response{
		Status: 200, Headers: map[string]string{"content-type": "application/json"},
		Body: json.RawMessage(`{"id":"gpt-4.1","object":"model","created":1,"owned_by":"openai"}`),
	}})
	c := newOpenAI(e, nil)
	id := e.Traced(func(ctx context.Context) {
		m, err := c.Models.Get(ctx, "gpt-4.1")
		require.NoError(t, err)
		assert.Equal(t, "gpt-4.1", m.ID)
	})
	assert.Empty(t, e.Generations(t, id))
}

func TestContentCaptureAndMask(t *testing.T) {
	t.Run("capture off", func(t *testing.T) {
		e := llmtest.New(t)
		e.LLM.Enqueue(llmtest.Answer(t, "openai_chat_tool_calls"))
		c := newOpenAI(e, []openaitrace.Setting{openaitrace.WithCaptureContent(false)})
		id := e.Traced(func(ctx context.Context) {
			_, err := c.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{Model: "gpt-4.1", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("secret question")}})
			require.NoError(t, err)
		})
		o, s := e.OneGeneration(t, id)
		assert.Empty(t, o.Input)
		assert.Empty(t, o.Output)
		assert.Equal(t, "gpt-4.1", o.Model)
		assert.NotNil(t, o.Usage)
		assert.Nil(t, llmtest.Value(s, semconv.ObservationInputKey))
	})
	t.Run("mask and budget", func(t *testing.T) {
		mask := func(v any) any {
			b, _ := json.Marshal(v)
			return json.RawMessage(strings.ReplaceAll(string(b), "SS-20418", "[order]"))
		}
		e := llmtest.New(t, instrument.WithMask(mask), instrument.WithMaxContentBytes(256))
		e.LLM.Enqueue(llmtest.Answer(t, "openai_chat_tool_calls"))
		c := newOpenAI(e, nil)
		id := e.Traced(func(ctx context.Context) {
			_, err := c.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{Model: "gpt-4.1", Messages: []openai.ChatCompletionMessageParamUnion{
				openai.UserMessage("Where is SS-20418? " + strings.Repeat("Please hurry. ", 100)),
			}})
			require.NoError(t, err)
		})
		o, _ := e.OneGeneration(t, id)
		assert.NotContains(t, o.Input, "SS-20418")
		assert.NotContains(t, o.Output, "SS-20418")
		assert.Contains(t, o.Output, "[order]")
		assert.LessOrEqual(t, len(o.Input), 256)
		assert.Contains(t, o.Input, "truncated")
	})
}

func TestConcurrentCalls(t *testing.T) {
	e := llmtest.New(t)
	const n = 8
	for range n {
		e.LLM.Enqueue(llmtest.Answer(t, "openai_chat_basic"))
	}
	c := newOpenAI(e, nil)
	id := e.Traced(func(ctx context.Context) {
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for range n {
			wg.Go(func() {
				_, err := c.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{Model: "gpt-4.1-mini", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")}})
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
	})
	gens := e.Generations(t, id)
	require.Len(t, gens, n)
	for _, g := range gens {
		require.NotNil(t, g.Usage)
		assert.Equal(t, int64(142), g.Usage.TotalTokens)
	}
}

func TestDisabledClient(t *testing.T) {
	e := llmtest.New(t)
	e.LLM.Enqueue(llmtest.Answer(t, "openai_chat_basic"))
	off, err := instrument.New(context.Background(), instrument.WithEnabled(false))
	require.NoError(t, err)
	c := openai.NewClient(option.WithBaseURL(e.LLM.URL+"/v1/"), option.WithAPIKey("sk-test"), openaitrace.Option(off))
	res, err := c.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{Model: "gpt-4.1-mini", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")}})
	require.NoError(t, err)
	assert.Equal(t, "chatcmpl-5UELhUOuZAzHx4LP4AzUdIG1OHqtt", res.ID)
	assert.Empty(t, e.Spans.GetSpans())
}

func TestStreamErrorEvent(t *testing.T) {
	e := llmtest.New(t)
	a := llmtest.Answer(t, "openai_chat_stream_usage")
	a.SSE = append(a.SSE[:3:3], `data: {"error":{"message":"The server is overloaded","type":"server_error","code":null}}`+"\n\n")
	e.LLM.Enqueue(a)
	c := newOpenAI(e, nil)
	id := e.Traced(func(ctx context.Context) {
		stream := c.Chat.Completions.NewStreaming(ctx, openai.ChatCompletionNewParams{Model: "gpt-4.1-mini", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")}})
		for stream.Next() {
		}
		require.ErrorContains(t, stream.Err(), "overloaded")
	})
	o, s := e.OneGeneration(t, id)
	assert.Equal(t, "ERROR", o.Level)
	assert.Contains(t, o.StatusMessage, "The server is overloaded (server_error)")
	assert.Equal(t, "server_error", llmtest.Value(s, "error.type"))
	assert.Contains(t, o.Output, `"content":"1.`, "what arrived before the error")
}
