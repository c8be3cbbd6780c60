package openaiapi_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/instrument/llmtrace"
	"github.com/agenttrace/agenttrace-otel-go/instrument/llmtrace/openaiapi"
	"github.com/agenttrace/agenttrace-otel-go/internal/llmreplay"
)

func inspect(t *testing.T, ex llmreplay.Exchange, cfg llmtrace.Config) llmtrace.Request {
	t.Helper()
	r, ok := openaiapi.Provider{}.Inspect(ex.Request.Path, ex.Request.Body, &cfg)
	require.True(t, ok, "traced endpoint")
	return r
}

// replay feeds the events of a streamed answer to the request's parser.
func replay(t *testing.T, r llmtrace.Request, sse []string) llmtrace.Result {
	t.Helper()
	p := r.NewStream()
	at := time.Unix(100, 0)
	for i, ev := range sse {
		data, ok := strings.CutPrefix(strings.TrimSpace(ev), "data: ")
		require.True(t, ok, ev)
		if p.Event(llmtrace.Event{Data: []byte(data), At: at.Add(time.Duration(i) * time.Second)}) {
			assert.Equal(t, len(sse)-1, i, "final event")
			break
		}
	}
	return p.Result()
}

func output(t *testing.T, r llmtrace.Result) string {
	t.Helper()
	b, err := json.Marshal(r.Output)
	require.NoError(t, err)
	return string(b)
}

func TestChat(t *testing.T) {
	tests := []struct {
		fixture string
		usage   instrument.Usage
		finish  []string
		output  []string
	}{
		{
			fixture: "openai_chat_basic",
			usage:   instrument.Usage{InputTokens: 58, OutputTokens: 84, TotalTokens: 142},
			finish:  []string{"stop"}, output: []string{`"role":"assistant"`, "0.5% stretch"},
		},
		{
			fixture: "openai_chat_tool_calls",
			usage:   instrument.Usage{InputTokens: 121, OutputTokens: 54, TotalTokens: 175},
			finish:  []string{"tool_calls"},
			output:  []string{`"content":null`, `"arguments":"{\"order_id\":\"SS-20418\"}"`, `"type":"function"`},
		},
		{
			// Cached tokens are in prompt_tokens, reasoning tokens in
			// completion_tokens: nothing is added.
			fixture: "openai_chat_cached_reasoning_tokens",
			usage:   instrument.Usage{InputTokens: 1297, OutputTokens: 406, TotalTokens: 1703, CacheReadTokens: 1152, ReasoningTokens: 320},
			finish:  []string{"stop"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			ex := llmreplay.MustLoad(tt.fixture)
			r := inspect(t, ex, llmtrace.NewConfig(nil))
			assert.Equal(t, "chat", r.Operation)
			assert.False(t, r.Stream)
			assert.Nil(t, r.Body)
			assert.NotNil(t, r.Input)
			res := r.ParseJSON(ex.Response.Body)
			require.NotNil(t, res.Usage)
			assert.Equal(t, tt.usage, *res.Usage)
			assert.Equal(t, tt.finish, res.FinishReasons)
			assert.NotEmpty(t, res.ResponseID)
			for _, s := range tt.output {
				assert.Contains(t, output(t, res), s)
			}
		})
	}
}

func TestChatStream(t *testing.T) {
	t.Run("tool call", func(t *testing.T) {
		ex := llmreplay.MustLoad("openai_chat_stream_tool_call")
		r := inspect(t, ex, llmtrace.NewConfig(nil))
		assert.True(t, r.Stream)
		res := replay(t, r, ex.Response.SSE)
		require.NotNil(t, res.Usage)
		assert.Equal(t, instrument.Usage{InputTokens: 137, OutputTokens: 31, TotalTokens: 168}, *res.Usage)
		assert.Equal(t, []string{"tool_calls"}, res.FinishReasons)
		assert.Equal(t, time.Unix(100, 0), res.CompletionStart, "the first delta has the call's name")
		assert.Contains(t, output(t, res), `"arguments":"{\"origin\":\"LIS\",\"destination\":\"HND\",\"date\":\"2026-12-03\",\"cabin\":\"economy\"}"`)
		assert.Contains(t, output(t, res), `"id":"call_SNLcr17jdfBQ3pTcKjTw0T9d"`)
	})
	t.Run("no usage asked", func(t *testing.T) {
		ex := llmreplay.MustLoad("openai_chat_stream_no_usage")
		res := replay(t, inspect(t, ex, llmtrace.NewConfig(nil)), ex.Response.SSE)
		assert.Nil(t, res.Usage)
		assert.Contains(t, res.UsageUnavailable, "did not ask for usage")
		assert.Contains(t, output(t, res), "Japanese")
	})
	t.Run("cut before the usage", func(t *testing.T) {
		ex := llmreplay.MustLoad("openai_chat_stream_usage")
		res := replay(t, inspect(t, ex, llmtrace.NewConfig(nil)), ex.Response.SSE[:4])
		assert.Nil(t, res.Usage)
		assert.Equal(t, "the stream ended before its usage arrived", res.UsageUnavailable)
		assert.Contains(t, output(t, res), `"content":"1.`)
	})
	t.Run("error event", func(t *testing.T) {
		ex := llmreplay.MustLoad("openai_chat_stream_usage")
		sse := append(ex.Response.SSE[:2:2], `data: {"error":{"message":"The server is overloaded","type":"server_error","code":null}}`+"\n\n")
		res := replay(t, inspect(t, ex, llmtrace.NewConfig(nil)), sse)
		require.Error(t, res.Err)
		assert.Equal(t, "The server is overloaded (server_error)", res.Err.Error())
	})
}

func TestStreamUsage(t *testing.T) {
	cfg := llmtrace.NewConfig(nil)
	cfg.StreamUsage = true
	tests := []struct{ name, body, want string }{
		{"added last", `{"model":"m","stream":true}` + "\n", `{"model":"m","stream":true,"stream_options":{"include_usage":true}}`},
		{"set in stream_options", `{"stream":true,"stream_options":{"include_obfuscation":false}}`, `{"stream":true,"stream_options":{"include_obfuscation":false,"include_usage":true}}`},
		{"kept when asked", `{"stream":true,"stream_options":{"include_usage":true}}`, ``},
		{"not a stream", `{"model":"m"}`, ``},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, ok := openaiapi.Provider{}.Inspect("/v1/chat/completions", []byte(tt.body), &cfg)
			require.True(t, ok)
			if tt.want == "" {
				assert.Nil(t, r.Body)
				return
			}
			assert.Equal(t, tt.want, string(r.Body))
		})
	}
	off := llmtrace.NewConfig(nil)
	r, _ := openaiapi.Provider{}.Inspect("/v1/chat/completions", []byte(`{"stream":true}`), &off)
	assert.Nil(t, r.Body, "the request is sent as built without the setting")
}

func TestEmbeddings(t *testing.T) {
	ex := llmreplay.MustLoad("openai_embeddings")
	r := inspect(t, ex, llmtrace.NewConfig(nil))
	assert.Equal(t, instrument.TypeEmbedding, r.Type)
	assert.Equal(t, map[string]any{"dimensions": float64(8), "encoding_format": "float"}, r.Params)
	res := r.ParseJSON(ex.Response.Body)
	assert.Equal(t, map[string]any{"embeddings": 2, "dimensions": 8}, res.Output)
	require.NotNil(t, res.Usage)
	assert.Equal(t, int64(10), res.Usage.InputTokens)
}

func TestError(t *testing.T) {
	ex := llmreplay.MustLoad("openai_error_400_invalid_request")
	e := openaiapi.Provider{}.APIError(ex.Response.Status, ex.Response.Body)
	assert.Equal(t, &llmtrace.APIError{StatusCode: 400, Type: "invalid_request_error", Code: "decimal_above_max_value",
		Message: e.Message}, e)
	assert.Contains(t, e.Message, "temperature")

	e = openaiapi.Error(500, []byte(`{"error":{"message":"boom","type":null,"code":42}}`))
	assert.Equal(t, "500 Internal Server Error: boom (42)", e.Error())
	e = openaiapi.Error(502, []byte(`<html>bad gateway</html>`))
	assert.Equal(t, &llmtrace.APIError{StatusCode: 502}, e)
}

func TestOtherEndpoints(t *testing.T) {
	cfg := llmtrace.NewConfig(nil)
	_, ok := openaiapi.Provider{}.Inspect("/v1/responses", []byte(`{}`), &cfg)
	assert.False(t, ok)
}
