package anthropicapi_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/instrument/llmtrace"
	"github.com/agenttrace/agenttrace-otel-go/instrument/llmtrace/anthropicapi"
	"github.com/agenttrace/agenttrace-otel-go/internal/llmreplay"
)

// inspect returns what the provider makes of the request of fixture.
func inspect(t *testing.T, fixture string, settings ...anthropicapi.Setting) (llmreplay.Exchange, llmtrace.Request) {
	t.Helper()
	ex := llmreplay.MustLoad(fixture)
	cfg := anthropicapi.NewConfig(nil, settings...)
	r, ok := anthropicapi.Provider{}.Inspect(ex.Request.Path, ex.Request.Body, &cfg)
	require.True(t, ok, "a Messages call is traced")
	return ex, r
}

// events splits the raw server-sent events of a fixture, which each hold
// one "event:" and one "data:" line.
func events(t *testing.T, sse []string) []llmtrace.Event {
	t.Helper()
	var evs []llmtrace.Event
	at := time.Unix(1, 0)
	for i, raw := range sse {
		var ev llmtrace.Event
		for line := range strings.Lines(raw) {
			line = strings.TrimRight(line, "\n")
			if v, ok := strings.CutPrefix(line, "event: "); ok {
				ev.Type = v
			} else if v, ok := strings.CutPrefix(line, "data: "); ok {
				ev.Data = []byte(v)
			}
		}
		require.NotEmpty(t, ev.Type, "event %d", i)
		ev.At = at.Add(time.Duration(i) * time.Second)
		evs = append(evs, ev)
	}
	return evs
}

// stream feeds the events to a new parser of r until it says the stream
// ended, and returns its result and how many events it took.
func stream(r llmtrace.Request, evs []llmtrace.Event) (llmtrace.Result, int) {
	p := r.NewStream()
	for i, ev := range evs {
		if p.Event(ev) {
			return p.Result(), i + 1
		}
	}
	return p.Result(), len(evs)
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

func TestInspect(t *testing.T) {
	p := anthropicapi.Provider{}
	assert.Equal(t, "anthropic", p.Name())
	assert.True(t, p.RetriesDroppedBodies())
	cfg := anthropicapi.NewConfig(nil)
	_, ok := p.Inspect("/v1/messages/count_tokens", []byte(`{}`), &cfg)
	assert.False(t, ok, "token counting is not traced")

	_, r := inspect(t, "anthropic_messages_thinking")
	assert.Equal(t, "chat", r.Operation)
	assert.Equal(t, instrument.TypeGeneration, r.Type)
	assert.Equal(t, "claude-sonnet-4-5", r.Model)
	assert.False(t, r.Stream)
	assert.Equal(t, map[string]any{"max_tokens": 4096.0, "thinking": map[string]any{"type": "enabled", "budget_tokens": 2048.0}}, r.Params)
	assert.JSONEq(t, `[{"role":"user","content":[{"type":"text","text":"I have a board game out. Can I borrow a second one for two weeks?"}]}]`, jsonOf(t, r.Input))

	_, r = inspect(t, "anthropic_messages_stream_tool_use")
	assert.True(t, r.Stream)
	in := jsonOf(t, r.Input)
	assert.Contains(t, in, `"tools":[{"description":"High and low tide times`)
	assert.Contains(t, in, `"messages":[{"content":[{"text":"When is high tide`)

	_, r = inspect(t, "anthropic_messages_cache_read")
	assert.Contains(t, jsonOf(t, r.Input), `[{"content":[{"cache_control":{"type":"ephemeral"},"text":"You are the virtual assistant`, "the system prompt first")
	assert.True(t, strings.HasPrefix(jsonOf(t, r.Input), `[{"content":[{"cache_control"`))

	_, r = inspect(t, "anthropic_messages_tool_use", anthropicapi.WithCaptureContent(false))
	assert.Nil(t, r.Input)
}

func TestParseMessage(t *testing.T) {
	tests := []struct {
		fixture string
		usage   instrument.Usage
		output  string
	}{
		{"anthropic_messages_basic", instrument.Usage{InputTokens: 52, OutputTokens: 71, TotalTokens: 123},
			`{"content":[{"text":"1. *Never Let Me Go*`},
		{"anthropic_messages_tool_use", instrument.Usage{InputTokens: 689, OutputTokens: 94, TotalTokens: 783},
			`{"id":"toolu_01hW4druRi5X4Ne2SA6ESSpW","input":{"author":"Susanna Clarke","branch":"Riverside","title":"Piranesi"},"name":"check_availability","type":"tool_use"}`},
		{"anthropic_messages_cache_write", instrument.Usage{InputTokens: 17 + 1391, OutputTokens: 49, TotalTokens: 17 + 1391 + 49, CacheCreationTokens: 1391},
			`"text":"DVDs and Blu-ray discs are lent for 7 days.`},
		{"anthropic_messages_cache_read", instrument.Usage{InputTokens: 14 + 1391, OutputTokens: 41, TotalTokens: 14 + 1391 + 41, CacheReadTokens: 1391},
			`"text":"No. Children's and young adult material never accrues overdue`},
		{"anthropic_messages_thinking", instrument.Usage{InputTokens: 63, OutputTokens: 188, TotalTokens: 251, ReasoningTokens: 112},
			`[{"thinking":"The member wants a 14-day loan of a board game and already has one out. Section 2.4 says one board game per card at a time, so the second one has to wait until the first is returned.","type":"thinking"},{"text":"Board games`},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			ex, r := inspect(t, tt.fixture)
			res := r.ParseJSON(ex.Response.Body)
			require.NotNil(t, res.Usage, res.UsageUnavailable)
			assert.Equal(t, tt.usage, *res.Usage)
			body := llmtrace.Object(ex.Response.Body)
			assert.Equal(t, llmtrace.String(body["id"]), res.ResponseID)
			assert.Equal(t, llmtrace.String(body["model"]), res.ResponseModel)
			assert.Equal(t, []string{llmtrace.String(body["stop_reason"])}, res.FinishReasons)
			assert.Contains(t, jsonOf(t, res.Output), tt.output)
			assert.NotContains(t, jsonOf(t, res.Output), "signature", "the thinking signature is not recorded")
		})
	}
	t.Run("not JSON", func(t *testing.T) {
		_, r := inspect(t, "anthropic_messages_basic")
		res := r.ParseJSON([]byte("<html>"))
		assert.Nil(t, res.Usage)
		assert.Contains(t, res.UsageUnavailable, "could not be decoded")
	})
	t.Run("other blocks as sent", func(t *testing.T) {
		_, r := inspect(t, "anthropic_messages_basic")
		res := r.ParseJSON([]byte(`{"id":"msg_1","content":[{"type":"web_search_tool_result","tool_use_id":"srvtoolu_1","content":[]},{"type":"redacted_thinking","data":"secret"}]}`))
		assert.JSONEq(t, `{"role":"assistant","content":[{"type":"web_search_tool_result","tool_use_id":"srvtoolu_1","content":[]},{"type":"redacted_thinking"}]}`, jsonOf(t, res.Output))
		assert.Nil(t, res.Usage)
	})
}

func TestStream(t *testing.T) {
	tests := []struct {
		fixture string
		usage   instrument.Usage
		finish  string
		output  string
	}{
		{"anthropic_messages_stream", instrument.Usage{InputTokens: 24, OutputTokens: 57, TotalTokens: 81}, "end_turn",
			`"text":"Prompt caching stores the processed`},
		{"anthropic_messages_stream_tool_use", instrument.Usage{InputTokens: 583, OutputTokens: 81, TotalTokens: 664}, "tool_use",
			`"input":{"date":"2026-11-26","harbour":"Porto"}`},
		{"anthropic_messages_stream_thinking", instrument.Usage{InputTokens: 58, OutputTokens: 143, TotalTokens: 201, ReasoningTokens: 89}, "end_turn",
			`[{"thinking":"Interlibrary loans: section 2.6 saysthe lending library sets the period, and 3.4 says they cannot be renewed online.","type":"thinking"},{"text":"The lending library sets the loan period of an interlibrary loan (it is on your receipt), and those loans are renewed at the desk, not online.","type":"text"}]`},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			ex, r := inspect(t, tt.fixture)
			evs := events(t, ex.Response.SSE)
			res, n := stream(r, evs)
			assert.Equal(t, len(evs), n, "the stream ends at message_stop")
			require.NotNil(t, res.Usage)
			assert.Equal(t, tt.usage, *res.Usage)
			assert.Equal(t, []string{tt.finish}, res.FinishReasons)
			assert.Contains(t, jsonOf(t, res.Output), tt.output)
			assert.NotContains(t, jsonOf(t, res.Output), "signature")
			assert.NoError(t, res.Err)
			first := -1
			for i, ev := range evs {
				if ev.Type == "content_block_delta" {
					first = i
					break
				}
			}
			assert.Equal(t, evs[first].At, res.CompletionStart, "the first content delta")
		})
	}
	t.Run("cut before message_delta", func(t *testing.T) {
		ex, r := inspect(t, "anthropic_messages_stream")
		res, _ := stream(r, events(t, ex.Response.SSE)[:6])
		assert.Nil(t, res.Usage)
		assert.Equal(t, "the stream ended before its usage arrived", res.UsageUnavailable)
		assert.Empty(t, res.FinishReasons)
		assert.JSONEq(t, `{"role":"assistant","content":[{"type":"text","text":"Prompt caching stores the processed prefix"}]}`, jsonOf(t, res.Output))
		assert.Equal(t, "msg_01kPZgVAZUjf4UyfqjkDW9Er", res.ResponseID)
	})
	t.Run("error event", func(t *testing.T) {
		ex, r := inspect(t, "anthropic_messages_stream")
		evs := append(events(t, ex.Response.SSE)[:4:4], llmtrace.Event{Type: "error",
			Data: []byte(`{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`)})
		res, n := stream(r, evs)
		assert.Equal(t, len(evs), n, "an error event ends the stream")
		assert.EqualError(t, res.Err, "Overloaded (overloaded_error)")
	})
	t.Run("events that do not fit are ignored", func(t *testing.T) {
		ex, r := inspect(t, "anthropic_messages_stream")
		evs := events(t, ex.Response.SSE)
		odd := []llmtrace.Event{
			{Type: "content_block_delta", Data: []byte(`{"type":"content_block_delta","index":7,"delta":{"type":"text_delta","text":"lost"}}`)},
			{Type: "content_block_start", Data: []byte(`{"type":"content_block_start","index":5,"content_block":{"type":"text","text":"lost"}}`)},
			{Type: "content_block_delta", Data: []byte(`not json`)},
		}
		res, _ := stream(r, append(append(evs[:2:2], odd...), evs[2:]...))
		assert.NotContains(t, jsonOf(t, res.Output), "lost")
		require.NotNil(t, res.Usage)
		assert.Equal(t, int64(81), res.Usage.TotalTokens)
	})
}

func TestAPIError(t *testing.T) {
	for _, tt := range []struct {
		fixture, want string
	}{
		{"anthropic_error_429_rate_limit", "429 Too Many Requests: "},
		{"anthropic_error_529_overloaded", "529 : Overloaded (overloaded_error)"},
		{"anthropic_error_400_invalid_request", "400 Bad Request: messages.2.content.0: unexpected `tool_use_id`"},
	} {
		ex := llmreplay.MustLoad(tt.fixture)
		e := anthropicapi.Provider{}.APIError(ex.Response.Status, ex.Response.Body)
		assert.Equal(t, ex.Response.Status, e.StatusCode)
		assert.Contains(t, e.Error(), tt.want)
	}
	e := anthropicapi.Provider{}.APIError(502, []byte("<html>bad gateway</html>"))
	assert.Equal(t, "502 Bad Gateway: no error message", e.Error())
}
