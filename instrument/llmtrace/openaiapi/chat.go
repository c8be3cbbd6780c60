package openaiapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"time"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/instrument/llmtrace"
)

// chatParams are the request members of a chat completion recorded as
// model parameters: settings, never content.
var chatParams = []string{
	"temperature", "top_p", "max_tokens", "max_completion_tokens", "n", "stop",
	"presence_penalty", "frequency_penalty", "seed", "logit_bias", "logprobs", "top_logprobs",
	"response_format", "reasoning_effort", "verbosity", "service_tier", "parallel_tool_calls",
	"tool_choice", "modalities", "store",
}

// Reasons a streamed chat completion has no usage.
const (
	usageNotAsked = "the stream did not ask for usage (stream_options.include_usage"
	usageMissing  = "the stream ended before its usage arrived"
)

// InspectChat returns what a chat completion request (its JSON body) is:
// model, parameters, stream, and, when cfg.CaptureContent is on, the
// messages with the tool definitions. When the request streams without
// stream_options.include_usage and cfg.StreamUsage is on, the request's
// Body asks for the usage.
func (p Provider) InspectChat(body []byte, cfg *llmtrace.Config) llmtrace.Request {
	obj := llmtrace.Object(body)
	r := llmtrace.Request{
		Operation: "chat",
		Type:      instrument.TypeGeneration,
		Model:     llmtrace.String(obj["model"]),
		Stream:    llmtrace.Bool(obj["stream"]),
		Params:    llmtrace.Params(obj, chatParams...),
		ParseJSON: parseChat,
	}
	if cfg.CaptureContent {
		r.Input = chatInput(obj)
	}
	var opts struct {
		IncludeUsage bool `json:"include_usage"`
	}
	_ = json.Unmarshal(obj["stream_options"], &opts)
	includeUsage := opts.IncludeUsage
	if r.Stream && !includeUsage && cfg.StreamUsage {
		if b, ok := withIncludeUsage(body, obj); ok {
			r.Body, includeUsage = b, true
		}
	}
	noUsage := usageMissing
	if !includeUsage {
		noUsage = usageNotAsked + ")"
		if p.StreamUsageSetting != "" {
			noUsage = usageNotAsked + "; see " + p.StreamUsageSetting + ")"
		}
	}
	r.NewStream = func() llmtrace.StreamParser { return &chatStream{noUsage: noUsage} }
	return r
}

// withIncludeUsage returns body with stream_options.include_usage set to
// true. A body without stream_options keeps its bytes, the member added
// last; otherwise the object is encoded again.
func withIncludeUsage(body []byte, obj map[string]json.RawMessage) ([]byte, bool) {
	if obj == nil {
		return nil, false
	}
	if _, ok := obj["stream_options"]; !ok {
		b := bytes.TrimRight(body, " \t\r\n")
		if len(b) == 0 || b[len(b)-1] != '}' {
			return nil, false
		}
		out := make([]byte, 0, len(b)+40)
		out = append(out, b[:len(b)-1]...)
		if len(obj) > 0 {
			out = append(out, ',')
		}
		return append(out, `"stream_options":{"include_usage":true}}`...), true
	}
	opts := llmtrace.Object(obj["stream_options"])
	if opts == nil {
		opts = make(map[string]json.RawMessage, 1)
	}
	opts["include_usage"] = json.RawMessage("true")
	o, err := marshal(opts)
	if err != nil {
		return nil, false
	}
	obj["stream_options"] = o
	b, err := marshal(obj)
	return b, err == nil
}

// marshal encodes v without escaping HTML characters, as the clients do.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// chatInput is the messages, with the tool definitions when there are any.
func chatInput(obj map[string]json.RawMessage) any {
	messages := llmtrace.Value(obj["messages"])
	tools, ok := obj["tools"]
	if !ok {
		return messages
	}
	return map[string]any{"messages": messages, "tools": llmtrace.Value(tools)}
}

// completion is a chat completion, as answered or accumulated from a
// stream.
type completion struct {
	ID      string   `json:"id"`
	Model   string   `json:"model"`
	Choices []choice `json:"choices"`
	Usage   *usage   `json:"usage"`
}

type choice struct {
	Message      message `json:"message"`
	FinishReason string  `json:"finish_reason"`
}

type message struct {
	Content   string     `json:"content"`
	Refusal   string     `json:"refusal"`
	ToolCalls []toolCall `json:"tool_calls"`
}

type toolCall struct {
	// Index is the position of the call in the message (stream deltas).
	Index    *int   `json:"index"`
	ID       string `json:"id"`
	Type     string `json:"type"`
	Function struct {
		Name      string `json:"name"`
		Arguments string `json:"arguments"`
	} `json:"function"`
	Custom struct {
		Name  string `json:"name"`
		Input string `json:"input"`
	} `json:"custom"`
}

type usage struct {
	PromptTokens        int64 `json:"prompt_tokens"`
	CompletionTokens    int64 `json:"completion_tokens"`
	PromptTokensDetails struct {
		CachedTokens int64 `json:"cached_tokens"`
	} `json:"prompt_tokens_details"`
	CompletionTokensDetails struct {
		ReasoningTokens int64 `json:"reasoning_tokens"`
	} `json:"completion_tokens_details"`
}

// decode decodes data into v. A member of an unexpected type is left out
// rather than failing the whole answer, as the clients' decoders do.
func decode(data []byte, v any) error {
	err := json.Unmarshal(data, v)
	if _, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		return nil
	}
	return err
}

func parseChat(body []byte) llmtrace.Result {
	var cc completion
	if err := decode(body, &cc); err != nil {
		return llmtrace.Result{UsageUnavailable: "the response could not be decoded: " + err.Error()}
	}
	return chatResult(&cc, "")
}

// chatResult reads a chat completion. Without usage, noUsage says why.
func chatResult(cc *completion, noUsage string) llmtrace.Result {
	r := llmtrace.Result{ResponseID: cc.ID, ResponseModel: cc.Model}
	messages := make([]any, 0, len(cc.Choices))
	for i := range cc.Choices {
		ch := &cc.Choices[i]
		if ch.FinishReason != "" {
			r.FinishReasons = append(r.FinishReasons, ch.FinishReason)
		}
		messages = append(messages, chatMessage(&ch.Message))
	}
	switch len(messages) {
	case 0:
	case 1:
		r.Output = messages[0]
	default:
		r.Output = messages
	}
	if u := cc.Usage; u != nil {
		r.Usage = &instrument.Usage{
			// prompt_tokens counts the cached tokens too, and
			// completion_tokens the reasoning tokens.
			InputTokens:     u.PromptTokens,
			OutputTokens:    u.CompletionTokens,
			TotalTokens:     u.PromptTokens + u.CompletionTokens,
			CacheReadTokens: u.PromptTokensDetails.CachedTokens,
			ReasoningTokens: u.CompletionTokensDetails.ReasoningTokens,
		}
	} else {
		r.UsageUnavailable = noUsage
	}
	return r
}

// chatMessage is the captured form of an answer message: role, content,
// refusal and tool calls with their arguments.
func chatMessage(m *message) map[string]any {
	out := map[string]any{"role": "assistant", "content": nil}
	if m.Content != "" {
		out["content"] = m.Content
	}
	if m.Refusal != "" {
		out["refusal"] = m.Refusal
	}
	if len(m.ToolCalls) > 0 {
		calls := make([]any, 0, len(m.ToolCalls))
		for i := range m.ToolCalls {
			tc := &m.ToolCalls[i]
			call := map[string]any{"id": tc.ID, "type": tc.Type}
			if tc.Type == "custom" {
				call["custom"] = map[string]any{"name": tc.Custom.Name, "input": tc.Custom.Input}
			} else {
				call["type"] = "function"
				call["function"] = map[string]any{"name": tc.Function.Name, "arguments": tc.Function.Arguments}
			}
			calls = append(calls, call)
		}
		out["tool_calls"] = calls
	}
	return out
}

// Bounds of the accumulation of an untrusted stream: the API answers at
// most 128 choices, and a tool call delta may not grow its message by more
// than maxToolCallGrowth calls at once.
const (
	maxChoices        = 128
	maxToolCallGrowth = 128
)

// chunk is one event of a streamed chat completion: a chunk, or an error.
type chunk struct {
	ID      string `json:"id"`
	Model   string `json:"model"`
	Choices []struct {
		Index int `json:"index"`
		Delta struct {
			Content   string     `json:"content"`
			Refusal   string     `json:"refusal"`
			ToolCalls []toolCall `json:"tool_calls"`
		} `json:"delta"`
		FinishReason string `json:"finish_reason"`
	} `json:"choices"`
	Usage *usage          `json:"usage"`
	Error json.RawMessage `json:"error"`
}

// chatStream accumulates a streamed chat completion.
type chatStream struct {
	acc completion
	// noUsage says why the stream has no usage, if it has none.
	noUsage string
	first   time.Time
	err     error
}

func (s *chatStream) Event(ev llmtrace.Event) bool {
	data := bytes.TrimSpace(ev.Data)
	if bytes.HasPrefix(data, []byte("[DONE]")) {
		return true
	}
	var c chunk
	if decode(data, &c) != nil {
		return false
	}
	if len(c.Error) > 0 && string(c.Error) != "null" {
		s.err = errorObject(c.Error)
		return true
	}
	if !s.add(&c) {
		return false
	}
	if s.first.IsZero() {
		for i := range c.Choices {
			if d := &c.Choices[i].Delta; d.Content != "" || d.Refusal != "" || len(d.ToolCalls) > 0 {
				s.first = ev.At
				break
			}
		}
	}
	return false
}

// add accumulates c, and reports false for a chunk out of bounds, which is
// left out.
func (s *chatStream) add(c *chunk) bool {
	for i := range c.Choices {
		ch := &c.Choices[i]
		if ch.Index < 0 || ch.Index >= maxChoices {
			return false
		}
		for _, tc := range ch.Delta.ToolCalls {
			if tc.Index != nil && *tc.Index >= s.toolCalls(ch.Index)+maxToolCallGrowth {
				return false
			}
		}
	}
	cc := &s.acc
	if cc.ID == "" {
		cc.ID = c.ID
	}
	if cc.Model == "" {
		cc.Model = c.Model
	}
	for i := range c.Choices {
		ch := &c.Choices[i]
		for len(cc.Choices) <= ch.Index {
			cc.Choices = append(cc.Choices, choice{})
		}
		to := &cc.Choices[ch.Index]
		if ch.FinishReason != "" {
			to.FinishReason = ch.FinishReason
		}
		to.Message.Content += ch.Delta.Content
		to.Message.Refusal += ch.Delta.Refusal
		for _, tc := range ch.Delta.ToolCalls {
			n := 0
			if tc.Index != nil && *tc.Index > 0 {
				n = *tc.Index // -1, for a single call, is 0
			}
			for len(to.Message.ToolCalls) <= n {
				to.Message.ToolCalls = append(to.Message.ToolCalls, toolCall{})
			}
			call := &to.Message.ToolCalls[n]
			if tc.ID != "" {
				call.ID = tc.ID
			}
			if tc.Type != "" {
				call.Type = tc.Type
			}
			call.Function.Name += tc.Function.Name
			call.Function.Arguments += tc.Function.Arguments
		}
	}
	if u := c.Usage; u != nil {
		if cc.Usage == nil {
			cc.Usage = new(usage)
		}
		cc.Usage.PromptTokens += u.PromptTokens
		cc.Usage.CompletionTokens += u.CompletionTokens
		cc.Usage.PromptTokensDetails.CachedTokens += u.PromptTokensDetails.CachedTokens
		cc.Usage.CompletionTokensDetails.ReasoningTokens += u.CompletionTokensDetails.ReasoningTokens
	}
	return true
}

// toolCalls returns the number of tool calls accumulated in choice i.
func (s *chatStream) toolCalls(i int) int {
	if i < len(s.acc.Choices) {
		return len(s.acc.Choices[i].Message.ToolCalls)
	}
	return 0
}

func (s *chatStream) Result() llmtrace.Result {
	r := chatResult(&s.acc, s.noUsage)
	r.CompletionStart, r.Err = s.first, s.err
	return r
}
