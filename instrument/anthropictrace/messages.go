package anthropictrace

import (
	"encoding/json"
	"time"

	"github.com/anthropics/anthropic-sdk-go"
	"github.com/tidwall/gjson"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/instrument/llmtrace"
)

// messageParams are the request members of a Messages call recorded as
// model parameters: settings, never content.
var messageParams = []string{
	"max_tokens", "temperature", "top_p", "top_k", "stop_sequences", "thinking",
	"tool_choice", "service_tier",
}

func inspectMessages(body []byte, cfg *llmtrace.Config) llmtrace.Request {
	obj := llmtrace.Object(body)
	r := llmtrace.Request{
		Operation: "chat",
		Type:      instrument.TypeGeneration,
		Model:     llmtrace.String(obj["model"]),
		Stream:    llmtrace.Bool(obj["stream"]),
		Params:    llmtrace.Params(obj, messageParams...),
		ParseJSON: parseMessage,
		NewStream: func() llmtrace.StreamParser { return &messageStream{} },
	}
	if cfg.CaptureContent {
		r.Input = messagesInput(obj)
	}
	return r
}

// messagesInput is the messages, the system prompt first as a message of
// role system, with the tool definitions when there are any.
func messagesInput(obj map[string]json.RawMessage) any {
	var messages []any
	if system := llmtrace.Value(obj["system"]); system != nil {
		messages = append(messages, map[string]any{"role": "system", "content": system})
	}
	if m, ok := llmtrace.Value(obj["messages"]).([]any); ok {
		messages = append(messages, m...)
	}
	tools, ok := obj["tools"]
	if !ok {
		return messages
	}
	return map[string]any{"messages": messages, "tools": llmtrace.Value(tools)}
}

func parseMessage(body []byte) llmtrace.Result {
	var m anthropic.Message
	if err := json.Unmarshal(body, &m); err != nil {
		return llmtrace.Result{UsageUnavailable: "the response could not be decoded: " + err.Error()}
	}
	return messageResult(&m, m.JSON.Usage.Valid())
}

// messageResult reads a message, complete or accumulated from a stream.
func messageResult(m *anthropic.Message, hasUsage bool) llmtrace.Result {
	r := llmtrace.Result{ResponseID: m.ID, ResponseModel: string(m.Model)}
	if m.StopReason != "" {
		r.FinishReasons = []string{string(m.StopReason)}
	}
	if m.ID != "" || len(m.Content) > 0 {
		r.Output = map[string]any{"role": "assistant", "content": contentBlocks(m.Content)}
	}
	if !hasUsage {
		r.UsageUnavailable = "the stream ended before its usage arrived"
		return r
	}
	u := m.Usage
	// input_tokens counts only the tokens after the last cache breakpoint:
	// the GenAI input count includes the cached ones.
	input := u.InputTokens + u.CacheReadInputTokens + u.CacheCreationInputTokens
	r.Usage = &instrument.Usage{
		InputTokens:         input,
		OutputTokens:        u.OutputTokens,
		TotalTokens:         input + u.OutputTokens,
		CacheReadTokens:     u.CacheReadInputTokens,
		CacheCreationTokens: u.CacheCreationInputTokens,
		ReasoningTokens:     u.OutputTokensDetails.ThinkingTokens,
	}
	return r
}

// contentBlocks is the captured form of content blocks: text, tool uses
// with their input, thinking (without its signature), others as sent.
func contentBlocks(content []anthropic.ContentBlockUnion) []any {
	blocks := make([]any, 0, len(content))
	for _, b := range content {
		switch b.Type {
		case "text":
			blocks = append(blocks, map[string]any{"type": "text", "text": b.Text})
		case "tool_use", "server_tool_use":
			blocks = append(blocks, map[string]any{"type": b.Type, "id": b.ID, "name": b.Name, "input": llmtrace.ValueOrText(b.Input)})
		case "thinking":
			blocks = append(blocks, map[string]any{"type": "thinking", "thinking": b.Thinking})
		case "redacted_thinking":
			blocks = append(blocks, map[string]any{"type": "redacted_thinking"})
		default:
			blocks = append(blocks, llmtrace.Value([]byte(b.RawJSON())))
		}
	}
	return blocks
}

// messageStream accumulates a streamed message with Message.Accumulate.
type messageStream struct {
	acc      anthropic.Message
	hasUsage bool
	first    time.Time
	err      error
}

func (s *messageStream) Event(ev llmtrace.Event) bool {
	switch ev.Type {
	case "ping":
		return false
	case "error":
		s.err = apiError(gjson.GetBytes(ev.Data, "error"))
		return true
	}
	var e anthropic.MessageStreamEventUnion
	if json.Unmarshal(ev.Data, &e) != nil {
		return false
	}
	if s.acc.Accumulate(e) != nil {
		return false
	}
	switch e.Type {
	case "content_block_delta":
		if s.first.IsZero() {
			s.first = ev.At
		}
	case "message_delta":
		s.hasUsage = true
	case "message_stop":
		return true
	}
	return false
}

func (s *messageStream) Result() llmtrace.Result {
	r := messageResult(&s.acc, s.hasUsage)
	r.CompletionStart, r.Err = s.first, s.err
	return r
}
