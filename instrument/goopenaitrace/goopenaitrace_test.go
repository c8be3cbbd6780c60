package goopenaitrace_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sashabaranov/go-openai"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/codes"

	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttracetest"
	"github.com/agenttrace/agenttrace-otel-go/instrument/goopenaitrace"
	"github.com/agenttrace/agenttrace-otel-go/internal/llmreplay"
	"github.com/agenttrace/agenttrace-otel-go/internal/llmtest"
	"github.com/agenttrace/agenttrace-otel-go/semconv"
	"github.com/agenttrace/agenttrace-otel-go/semconv/semconvtest"
)

func TestMain(m *testing.M) { llmtest.Main(m, "OPENAI_") }

// newClient returns a go-openai client of the replay server, traced to the
// environment's instrument client.
func newClient(e *llmtest.Env, settings ...goopenaitrace.Setting) *openai.Client {
	cfg := openai.DefaultConfig("sk-test")
	cfg.BaseURL = e.LLM.URL + "/v1"
	return openai.NewClientWithConfig(goopenaitrace.WrapConfig(cfg, e.Client, settings...))
}

// recorded returns the request of a fixture as go-openai's request type,
// so that the client sends it again.
func recorded[T any](t *testing.T, ex llmreplay.Exchange) T {
	t.Helper()
	var req T
	require.NoError(t, json.Unmarshal(ex.Request.Body, &req))
	return req
}

// chat makes the fixture's chat completion, streamed or not, reading a
// stream to its end, and returns the client's error.
func chat(ctx context.Context, t *testing.T, c *openai.Client, req openai.ChatCompletionRequest) error {
	if !req.Stream {
		_, err := c.CreateChatCompletion(ctx, req)
		return err
	}
	stream, err := c.CreateChatCompletionStream(ctx, req)
	if err != nil {
		return err
	}
	defer stream.Close()
	for {
		if _, err := stream.Recv(); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}

// sameHeaders checks the recorded headers of a request: all of them for
// the goopenai_* fixtures, recorded from go-openai, and the content type
// for the openai_* ones, recorded from openai-go (whose streams accept
// application/json where go-openai's accept text/event-stream).
func sameHeaders(t *testing.T, ex llmreplay.Exchange, got llmreplay.Request) {
	t.Helper()
	for k, v := range ex.Request.Headers {
		if strings.HasPrefix(ex.Name, "goopenai_") || k == "content-type" {
			assert.Equal(t, v, got.Headers[k], k)
		}
	}
}

// conformant checks the spans of the environment against the semantic
// conventions.
func conformant(t *testing.T, e *llmtest.Env) {
	t.Helper()
	semconvtest.AssertConformant(t, e.Spans.GetSpans().Snapshots())
}

// Each fixture's request, sent again by go-openai, equals the recorded one
// (as JSON), and the client decodes the recorded answer: one generation
// with what the answer says.
func TestFixtures(t *testing.T) {
	tests := []struct {
		fixture       string
		model         string
		params        string
		usage         agenttracetest.Usage
		reasoning     int64
		finish        []string
		output        []string
		noUsage       string
		typ           string
		streamed      bool
		responseModel string
	}{
		{
			fixture: "goopenai_chat_basic", model: "gpt-4.1-mini", responseModel: "gpt-4.1-mini-2025-04-14",
			params: `{"max_completion_tokens":200,"temperature":0.3}`,
			usage:  agenttracetest.Usage{InputTokens: 58, OutputTokens: 84, TotalTokens: 142},
			finish: []string{"stop"}, output: []string{`"role":"assistant"`, "replace it once it reaches 0.5% stretch"},
		},
		{
			fixture: "goopenai_chat_tool_calls", model: "gpt-4.1",
			usage:  agenttracetest.Usage{InputTokens: 121, OutputTokens: 54, TotalTokens: 175},
			finish: []string{"tool_calls"},
			output: []string{`"content":null`, `"name":"get_order_status"`, `"arguments":"{\"order_id\":\"SS-20418\"}"`},
		},
		{
			fixture: "goopenai_chat_tool_result_answer", model: "gpt-4.1",
			usage:  agenttracetest.Usage{InputTokens: 214, OutputTokens: 46, TotalTokens: 260},
			finish: []string{"stop"},
		},
		{
			// prompt_tokens already counts the cached tokens, and
			// completion_tokens the reasoning ones: nothing is added.
			fixture: "goopenai_chat_cached_reasoning_tokens", model: "gpt-5.4-mini",
			usage:     agenttracetest.Usage{InputTokens: 1297, OutputTokens: 406, TotalTokens: 1703, CacheReadTokens: 1152},
			reasoning: 320, finish: []string{"stop"},
		},
		{
			fixture: "openai_chat_stream_usage", model: "gpt-4.1-mini", streamed: true,
			usage:  agenttracetest.Usage{InputTokens: 22, OutputTokens: 18, TotalTokens: 40},
			finish: []string{"stop"}, output: []string{`"content":"1. `},
		},
		{
			fixture: "openai_chat_stream_no_usage", model: "gpt-4.1-nano", streamed: true,
			noUsage: "the stream did not ask for usage (stream_options.include_usage; see goopenaitrace.WithStreamUsage)", finish: []string{"stop"}, output: []string{"Japanese"},
		},
		{
			fixture: "openai_chat_stream_tool_call", model: "gpt-4.1-mini", streamed: true,
			usage:  agenttracetest.Usage{InputTokens: 137, OutputTokens: 31, TotalTokens: 168},
			finish: []string{"tool_calls"},
			output: []string{
				`"arguments":"{\"origin\":\"LIS\",\"destination\":\"HND\",\"date\":\"2026-12-03\",\"cabin\":\"economy\"}"`,
				`"name":"search_flights"`, `"id":"call_SNLcr17jdfBQ3pTcKjTw0T9d"`,
			},
		},
		{
			fixture: "openai_embeddings", model: "text-embedding-3-small", typ: "embedding",
			params: `{"dimensions":8,"encoding_format":"float"}`,
			usage:  agenttracetest.Usage{InputTokens: 10, TotalTokens: 10},
			output: []string{`{"dimensions":8,"embeddings":2}`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			ex := llmreplay.MustLoad(tt.fixture)
			e := llmtest.New(t)
			e.LLM.Enqueue(ex.Answer())
			c := newClient(e)
			id := e.Traced(func(ctx context.Context) {
				if tt.typ == "embedding" {
					res, err := c.CreateEmbeddings(ctx, recorded[openai.EmbeddingRequest](t, ex))
					require.NoError(t, err)
					require.Len(t, res.Data, 2)
					return
				}
				require.NoError(t, chat(ctx, t, c, recorded[openai.ChatCompletionRequest](t, ex)))
			})
			reqs := e.LLM.Requests()
			require.Len(t, reqs, 1)
			assert.Equal(t, ex.Request.Path, reqs[0].Path)
			assert.JSONEq(t, string(ex.Request.Body), string(reqs[0].Body), "the request as recorded")
			sameHeaders(t, ex, reqs[0])
			assert.Equal(t, "Bearer sk-test", reqs[0].Headers["authorization"])

			o, s := e.OneGeneration(t, id)
			assert.Equal(t, "DEFAULT", o.Level)
			assert.Equal(t, tt.model, o.Model)
			assert.NotEmpty(t, o.Input)
			if tt.params != "" {
				assert.JSONEq(t, tt.params, o.ModelParameters)
			}
			for _, sub := range tt.output {
				assert.Contains(t, o.Output, sub)
			}
			if tt.noUsage != "" {
				assert.Nil(t, o.Usage, "no usage rather than zeros")
				assert.Contains(t, llmtest.Value(s, semconv.GenerationUsageUnavailableKey), tt.noUsage)
			} else {
				require.NotNil(t, o.Usage)
				assert.Equal(t, tt.usage, *o.Usage)
				assert.Equal(t, tt.usage.InputTokens, llmtest.Value(s, semconv.GenAIUsageInputTokensKey))
			}
			if tt.reasoning != 0 {
				assert.Equal(t, tt.reasoning, llmtest.Value(s, semconv.GenAIUsageReasoningOutputTokensKey))
				assert.Equal(t, tt.usage.CacheReadTokens, llmtest.Value(s, semconv.GenAIUsageCacheReadInputTokensKey))
			}
			if tt.finish != nil {
				assert.Equal(t, tt.finish, llmtest.Value(s, semconv.GenAIResponseFinishReasonsKey))
			}
			if tt.responseModel != "" {
				assert.Equal(t, tt.responseModel, llmtest.Value(s, semconv.GenAIResponseModelKey))
			}
			typ := tt.typ
			if typ == "" {
				typ = "generation"
			}
			assert.Equal(t, typ, llmtest.Value(s, semconv.ObservationTypeKey))
			assert.Equal(t, "openai", llmtest.Value(s, semconv.GenAIProviderNameKey))
			if tt.streamed {
				assert.Equal(t, true, llmtest.Value(s, semconv.GenAIRequestStreamKey))
				require.NotNil(t, o.CompletionStartTime, "time to first token")
				require.NotNil(t, o.EndTime)
				assert.False(t, o.CompletionStartTime.After(*o.EndTime))
			} else {
				assert.Nil(t, o.CompletionStartTime)
			}
			assert.Equal(t, codes.Unset, s.Status.Code)
			conformant(t, e)
		})
	}
}

// go-openai does not retry: an error answer is the call's only attempt,
// one generation with the error.
func TestErrors(t *testing.T) {
	tests := []struct {
		fixture string
		status  int
		errType string
		message []string
	}{
		{"goopenai_error_400_invalid_request", 400, "invalid_request_error", []string{"400 Bad Request", "temperature", "decimal_above_max_value"}},
		{"goopenai_error_429_rate_limit", 429, "tokens", []string{"429 Too Many Requests", "rate_limit_exceeded"}},
		{"goopenai_error_500_server_error", 500, "server_error", []string{"500 Internal Server Error"}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			ex := llmreplay.MustLoad(tt.fixture)
			e := llmtest.New(t)
			e.LLM.Enqueue(ex.Answer())
			c := newClient(e)
			id := e.Traced(func(ctx context.Context) {
				err := chat(ctx, t, c, recorded[openai.ChatCompletionRequest](t, ex))
				var apiErr *openai.APIError
				require.ErrorAs(t, err, &apiErr, "the application still gets the client's typed error")
				assert.Equal(t, tt.status, apiErr.HTTPStatusCode)
			})
			reqs := e.LLM.Requests()
			require.Len(t, reqs, 1, "no retry")
			assert.JSONEq(t, string(ex.Request.Body), string(reqs[0].Body))
			sameHeaders(t, ex, reqs[0])

			o, s := e.OneGeneration(t, id)
			assert.Equal(t, "ERROR", o.Level)
			for _, m := range tt.message {
				assert.Contains(t, o.StatusMessage, m)
			}
			assert.Nil(t, o.Usage)
			assert.Equal(t, codes.Error, s.Status.Code)
			assert.Equal(t, int64(tt.status), llmtest.Value(s, "http.response.status_code"))
			assert.Equal(t, tt.errType, llmtest.Value(s, "error.type"))
			assert.Nil(t, llmtest.Value(s, "http.request.resend_count"))
			conformant(t, e)
		})
	}
}

func TestStreamLifecycle(t *testing.T) {
	ex := llmreplay.MustLoad("openai_chat_stream_usage")
	t.Run("cut midway", func(t *testing.T) {
		e := llmtest.New(t)
		a := ex.Answer()
		a.CutAfter = 6
		e.LLM.Enqueue(a)
		c := newClient(e)
		id := e.Traced(func(ctx context.Context) {
			require.Error(t, chat(ctx, t, c, recorded[openai.ChatCompletionRequest](t, ex)))
		})
		o, s := e.OneGeneration(t, id)
		assert.Equal(t, "ERROR", o.Level)
		assert.Contains(t, o.StatusMessage, "stream cut")
		assert.Contains(t, o.Output, `"content":"1.`, "the partial output")
		assert.Nil(t, o.Usage)
		assert.Equal(t, "the stream ended before its usage arrived", llmtest.Value(s, semconv.GenerationUsageUnavailableKey))
		conformant(t, e)
	})
	t.Run("closed early", func(t *testing.T) {
		e := llmtest.New(t)
		a := ex.Answer()
		a.StallAfter = 8 // the rest never arrives
		e.LLM.Enqueue(a)
		c := newClient(e)
		id := e.Traced(func(ctx context.Context) {
			stream, err := c.CreateChatCompletionStream(ctx, recorded[openai.ChatCompletionRequest](t, ex))
			require.NoError(t, err)
			for range 4 {
				_, err := stream.Recv()
				require.NoError(t, err)
			}
			require.NoError(t, stream.Close())
		})
		o, _ := e.OneGeneration(t, id)
		assert.Equal(t, "WARNING", o.Level)
		assert.Contains(t, o.StatusMessage, "closed before its end")
		assert.Contains(t, o.Output, `"content":"1.`)
	})
	t.Run("error event", func(t *testing.T) {
		e := llmtest.New(t)
		a := ex.Answer()
		a.SSE = append(a.SSE[:3:3], `data: {"error":{"message":"The server is overloaded","type":"server_error","code":null}}`+"\n\n")
		e.LLM.Enqueue(a)
		c := newClient(e)
		id := e.Traced(func(ctx context.Context) {
			require.ErrorContains(t, chat(ctx, t, c, recorded[openai.ChatCompletionRequest](t, ex)), "overloaded")
		})
		o, s := e.OneGeneration(t, id)
		assert.Equal(t, "ERROR", o.Level)
		assert.Contains(t, o.StatusMessage, "The server is overloaded (server_error)")
		assert.Equal(t, "server_error", llmtest.Value(s, "error.type"))
	})
}

// go-openai sends stream_options only when the request sets them;
// WithStreamUsage asks for the usage.
func TestStreamUsage(t *testing.T) {
	ex := llmreplay.MustLoad("openai_chat_stream_usage")
	req := recorded[openai.ChatCompletionRequest](t, ex)
	req.StreamOptions = nil
	for _, on := range []bool{false, true} {
		e := llmtest.New(t)
		e.LLM.Enqueue(ex.Answer())
		c := newClient(e, goopenaitrace.WithStreamUsage(on))
		id := e.Traced(func(ctx context.Context) { require.NoError(t, chat(ctx, t, c, req)) })
		reqs := e.LLM.Requests()
		require.Len(t, reqs, 1)
		o, _ := e.OneGeneration(t, id)
		if on {
			assert.JSONEq(t, string(ex.Request.Body), string(reqs[0].Body), "include_usage added")
			require.NotNil(t, o.Usage)
			assert.Equal(t, int64(40), o.Usage.TotalTokens)
		} else {
			assert.NotContains(t, string(reqs[0].Body), "include_usage")
		}
	}
}

// A JSON answer whose body the server has not ended yet when go-openai
// has decoded it (its json.Decoder stops at the end of the value) is
// answered, not closed early.
func TestJSONBodyNotEnded(t *testing.T) {
	ex := llmreplay.MustLoad("goopenai_chat_basic")
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(ex.Response.Body)
		w.(http.Flusher).Flush() // chunked, and the last chunk waits
		select {
		case <-done:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(done)
	e := llmtest.New(t)
	cfg := openai.DefaultConfig("sk-test")
	cfg.BaseURL = srv.URL + "/v1"
	c := openai.NewClientWithConfig(goopenaitrace.WrapConfig(cfg, e.Client))
	id := e.Traced(func(ctx context.Context) {
		require.NoError(t, chat(ctx, t, c, recorded[openai.ChatCompletionRequest](t, ex)))
	})
	o, _ := e.OneGeneration(t, id)
	assert.Equal(t, "DEFAULT", o.Level, o.StatusMessage)
	require.NotNil(t, o.Usage)
	assert.Equal(t, int64(142), o.Usage.TotalTokens)
}

type doerFunc func(*http.Request) (*http.Response, error)

func (f doerFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }

func TestHTTPClient(t *testing.T) {
	t.Run("another HTTPDoer does the calls", func(t *testing.T) {
		e := llmtest.New(t)
		e.LLM.Enqueue(llmtest.Answer(t, "goopenai_chat_basic"))
		var calls int
		cfg := openai.DefaultConfig("sk-test")
		cfg.BaseURL = e.LLM.URL + "/v1"
		cfg.HTTPClient = doerFunc(func(r *http.Request) (*http.Response, error) { calls++; return http.DefaultClient.Do(r) })
		c := openai.NewClientWithConfig(goopenaitrace.WrapConfig(cfg, e.Client))
		id := e.Traced(func(ctx context.Context) {
			require.NoError(t, chat(ctx, t, c, openai.ChatCompletionRequest{Model: "gpt-4.1-mini", Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "hi"}}}))
		})
		assert.Equal(t, 1, calls)
		o, _ := e.OneGeneration(t, id)
		assert.Equal(t, "DEFAULT", o.Level)
	})
	t.Run("an *http.Client keeps its settings", func(t *testing.T) {
		var transportCalls int
		orig := &http.Client{Timeout: 42, Transport: doerTransport(func(r *http.Request) (*http.Response, error) {
			transportCalls++
			return nil, errors.New("offline")
		})}
		cfg := openai.DefaultConfig("sk-test")
		cfg.HTTPClient = orig
		got, ok := goopenaitrace.WrapConfig(cfg, nil).HTTPClient.(*http.Client)
		require.True(t, ok)
		assert.NotSame(t, orig, got, "the application's client is not changed")
		assert.Equal(t, orig.Timeout, got.Timeout)
		_, err := openai.NewClientWithConfig(goopenaitrace.WrapConfig(cfg, nil)).ListModels(context.Background())
		require.ErrorContains(t, err, "offline")
		assert.Equal(t, 1, transportCalls)
	})
}

type doerTransport func(*http.Request) (*http.Response, error)

func (f doerTransport) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestTracesOutsideATrace(t *testing.T) {
	req := openai.ChatCompletionRequest{Model: "gpt-4.1-mini", Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "hi"}}}
	t.Run("a new trace rooted at the generation", func(t *testing.T) {
		e := llmtest.New(t)
		e.LLM.Enqueue(llmtest.Answer(t, "goopenai_chat_basic"))
		require.NoError(t, chat(context.Background(), t, newClient(e), req))
		require.NoError(t, e.Client.Flush(context.Background()))
		traces := e.AT.Snapshot().Traces
		require.Len(t, traces, 1)
		assert.Equal(t, "chat gpt-4.1-mini", traces[0].Name)
	})
	t.Run("not traced without a client", func(t *testing.T) {
		e := llmtest.New(t)
		e.LLM.Enqueue(llmtest.Answer(t, "goopenai_chat_basic"))
		cfg := openai.DefaultConfig("sk-test")
		cfg.BaseURL = e.LLM.URL + "/v1"
		c := openai.NewClientWithConfig(goopenaitrace.WrapConfig(cfg, nil))
		require.NoError(t, chat(context.Background(), t, c, req))
		require.NoError(t, e.Client.Flush(context.Background()))
		assert.Empty(t, e.Spans.GetSpans())
	})
}

func TestCaptureContentOff(t *testing.T) {
	ex := llmreplay.MustLoad("goopenai_chat_tool_calls")
	e := llmtest.New(t)
	e.LLM.Enqueue(ex.Answer())
	c := newClient(e, goopenaitrace.WithCaptureContent(false))
	id := e.Traced(func(ctx context.Context) {
		require.NoError(t, chat(ctx, t, c, recorded[openai.ChatCompletionRequest](t, ex)))
	})
	o, s := e.OneGeneration(t, id)
	assert.Empty(t, o.Input)
	assert.Empty(t, o.Output)
	assert.NotNil(t, o.Usage)
	assert.Nil(t, llmtest.Value(s, semconv.ObservationInputKey))
	assert.False(t, strings.Contains(o.Metadata, "SS-20418"))
}
