package anthropicapi

import (
	"encoding/json"
	"time"

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

// message is the part of a Message (an answer, or one accumulated from a
// stream) that a generation records.
type message struct {
	ID         string  `json:"id"`
	Model      string  `json:"model"`
	StopReason string  `json:"stop_reason"`
	Content    []block `json:"content"`
	Usage      *usage  `json:"usage"` // nil when absent or null
}

// usage holds the counts of a Message's usage. A message_delta event
// carries the counts that changed: the pointers tell which.
type usage struct {
	InputTokens              *int64 `json:"input_tokens"`
	OutputTokens             *int64 `json:"output_tokens"`
	CacheReadInputTokens     *int64 `json:"cache_read_input_tokens"`
	CacheCreationInputTokens *int64 `json:"cache_creation_input_tokens"`
	OutputTokensDetails      *struct {
		ThinkingTokens int64 `json:"thinking_tokens"`
	} `json:"output_tokens_details"`
}

// update overwrites the counts of u that d carries: every count of a
// message_delta is a whole-message total.
func (u *usage) update(d *usage) {
	for _, f := range []struct{ dst, src **int64 }{
		{&u.InputTokens, &d.InputTokens}, {&u.OutputTokens, &d.OutputTokens},
		{&u.CacheReadInputTokens, &d.CacheReadInputTokens}, {&u.CacheCreationInputTokens, &d.CacheCreationInputTokens},
	} {
		if *f.src != nil {
			*f.dst = *f.src
		}
	}
	if d.OutputTokensDetails != nil {
		u.OutputTokensDetails = d.OutputTokensDetails
	}
}

// block is one content block, with its JSON for the types it does not
// read.
type block struct {
	Type     string          `json:"type"`
	Text     string          `json:"text"`
	ID       string          `json:"id"`
	Name     string          `json:"name"`
	Input    json.RawMessage `json:"input"`
	Thinking string          `json:"thinking"`
	raw      json.RawMessage
}

func (b *block) UnmarshalJSON(data []byte) error {
	type plain block
	if err := json.Unmarshal(data, (*plain)(b)); err != nil {
		return err
	}
	b.raw = append(json.RawMessage(nil), data...)
	return nil
}

func parseMessage(body []byte) llmtrace.Result {
	var m message
	if err := json.Unmarshal(body, &m); err != nil {
		return llmtrace.Result{UsageUnavailable: "the response could not be decoded: " + err.Error()}
	}
	return messageResult(&m, m.Usage != nil)
}

// messageResult reads a message, complete or accumulated from a stream.
func messageResult(m *message, hasUsage bool) llmtrace.Result {
	r := llmtrace.Result{ResponseID: m.ID, ResponseModel: m.Model}
	if m.StopReason != "" {
		r.FinishReasons = []string{m.StopReason}
	}
	if m.ID != "" || len(m.Content) > 0 {
		r.Output = map[string]any{"role": "assistant", "content": contentBlocks(m.Content)}
	}
	if !hasUsage || m.Usage == nil {
		r.UsageUnavailable = "the stream ended before its usage arrived"
		return r
	}
	n := func(p *int64) int64 {
		if p == nil {
			return 0
		}
		return *p
	}
	u := m.Usage
	cacheRead, cacheCreation, output := n(u.CacheReadInputTokens), n(u.CacheCreationInputTokens), n(u.OutputTokens)
	// input_tokens counts only the tokens after the last cache breakpoint:
	// the GenAI input count includes the cached ones.
	input := n(u.InputTokens) + cacheRead + cacheCreation
	r.Usage = &instrument.Usage{
		InputTokens:         input,
		OutputTokens:        output,
		TotalTokens:         input + output,
		CacheReadTokens:     cacheRead,
		CacheCreationTokens: cacheCreation,
	}
	if u.OutputTokensDetails != nil {
		r.Usage.ReasoningTokens = u.OutputTokensDetails.ThinkingTokens
	}
	return r
}

// contentBlocks is the captured form of content blocks: text, tool uses
// with their input, thinking (without its signature), others as sent.
func contentBlocks(content []block) []any {
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
			blocks = append(blocks, llmtrace.Value(b.raw))
		}
	}
	return blocks
}

// streamEvent is a server-sent event of a streamed message.
type streamEvent struct {
	Type         string  `json:"type"`
	Message      message `json:"message"`       // message_start
	Index        int     `json:"index"`         // content_block_*
	ContentBlock block   `json:"content_block"` // content_block_start
	Delta        struct {
		Type        string  `json:"type"`
		Text        string  `json:"text"`
		PartialJSON string  `json:"partial_json"`
		Thinking    string  `json:"thinking"`
		StopReason  *string `json:"stop_reason"` // message_delta
	} `json:"delta"`
	Usage usage    `json:"usage"` // message_delta
	Error apiError `json:"error"` // error
}

// messageStream accumulates a streamed message as the clients'
// Message.Accumulate does: events that do not fit the message so far are
// ignored.
type messageStream struct {
	acc      message
	hasUsage bool
	first    time.Time
	err      error
}

func (s *messageStream) Event(ev llmtrace.Event) bool {
	if ev.Type == "ping" {
		return false
	}
	var e streamEvent
	err := json.Unmarshal(ev.Data, &e)
	if ev.Type == "error" {
		s.err = e.Error.llmtrace() // without type or message when unreadable
		return true
	}
	if err != nil {
		return false
	}
	switch e.Type {
	case "message_start":
		s.acc = e.Message
	case "content_block_start":
		if e.Index != len(s.acc.Content) {
			return false
		}
		s.acc.Content = append(s.acc.Content, e.ContentBlock)
	case "content_block_delta":
		if e.Index < 0 || e.Index >= len(s.acc.Content) {
			return false
		}
		s.delta(&s.acc.Content[e.Index], &e)
		if s.first.IsZero() {
			s.first = ev.At
		}
	case "message_delta":
		if e.Delta.StopReason != nil {
			s.acc.StopReason = *e.Delta.StopReason
		} else {
			s.acc.StopReason = "" // null is its final value
		}
		if s.acc.Usage == nil {
			s.acc.Usage = &usage{}
		}
		s.acc.Usage.update(&e.Usage)
		s.hasUsage = true
	case "message_stop":
		return true
	}
	return false
}

// delta applies a content_block_delta to b.
func (s *messageStream) delta(b *block, e *streamEvent) {
	switch e.Delta.Type {
	case "text_delta":
		b.Text += e.Delta.Text
	case "input_json_delta":
		if e.Delta.PartialJSON == "" {
			return
		}
		if string(b.Input) == "{}" {
			b.Input = nil // the input arrives whole in the deltas
		}
		b.Input = append(b.Input, e.Delta.PartialJSON...)
	case "thinking_delta":
		b.Thinking += e.Delta.Thinking
	}
}

func (s *messageStream) Result() llmtrace.Result {
	r := messageResult(&s.acc, s.hasUsage)
	r.CompletionStart, r.Err = s.first, s.err
	return r
}
