package openaitrace

import (
	"bytes"
	"encoding/json"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"

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
	usageNotAsked = "the stream did not ask for usage (stream_options.include_usage; see openaitrace.WithStreamUsage)"
	usageMissing  = "the stream ended before its usage arrived"
)

func inspectChat(body []byte, cfg *llmtrace.Config) llmtrace.Request {
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
	includeUsage := gjson.GetBytes(body, "stream_options.include_usage").Bool()
	if r.Stream && !includeUsage && cfg.StreamUsage {
		if b, err := sjson.SetBytes(body, "stream_options.include_usage", true); err == nil {
			r.Body, includeUsage = b, true
		}
	}
	r.NewStream = func() llmtrace.StreamParser { return &chatStream{includeUsage: includeUsage} }
	return r
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

func parseChat(body []byte) llmtrace.Result {
	var cc openai.ChatCompletion
	if err := json.Unmarshal(body, &cc); err != nil {
		return llmtrace.Result{UsageUnavailable: "the response could not be decoded: " + err.Error()}
	}
	return chatResult(&cc, cc.JSON.Usage.Valid(), "")
}

// chatResult reads a chat completion, complete or accumulated from a
// stream. Without usage, noUsage says why.
func chatResult(cc *openai.ChatCompletion, hasUsage bool, noUsage string) llmtrace.Result {
	r := llmtrace.Result{ResponseID: cc.ID, ResponseModel: cc.Model}
	messages := make([]any, 0, len(cc.Choices))
	for _, ch := range cc.Choices {
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
	if hasUsage {
		u := cc.Usage
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
func chatMessage(m *openai.ChatCompletionMessage) map[string]any {
	out := map[string]any{"role": "assistant", "content": nil}
	if m.Content != "" {
		out["content"] = m.Content
	}
	if m.Refusal != "" {
		out["refusal"] = m.Refusal
	}
	if len(m.ToolCalls) > 0 {
		calls := make([]any, 0, len(m.ToolCalls))
		for _, tc := range m.ToolCalls {
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

// chatStream accumulates a streamed chat completion with the client's
// ChatCompletionAccumulator.
type chatStream struct {
	acc          openai.ChatCompletionAccumulator
	includeUsage bool
	hasUsage     bool
	first        time.Time
	err          error
}

func (s *chatStream) Event(ev llmtrace.Event) bool {
	data := bytes.TrimSpace(ev.Data)
	if bytes.HasPrefix(data, []byte("[DONE]")) {
		return true
	}
	if e := gjson.GetBytes(data, "error"); e.Exists() {
		s.err = apiError(e)
		return true
	}
	var chunk openai.ChatCompletionChunk
	if json.Unmarshal(data, &chunk) != nil {
		return false
	}
	s.acc.AddChunk(chunk)
	if chunk.JSON.Usage.Valid() {
		s.hasUsage = true
	}
	if s.first.IsZero() {
		for _, ch := range chunk.Choices {
			if d := ch.Delta; d.Content != "" || d.Refusal != "" || len(d.ToolCalls) > 0 {
				s.first = ev.At
				break
			}
		}
	}
	return false
}

func (s *chatStream) Result() llmtrace.Result {
	noUsage := usageMissing
	if !s.includeUsage {
		noUsage = usageNotAsked
	}
	r := chatResult(&s.acc.ChatCompletion, s.hasUsage, noUsage)
	r.CompletionStart, r.Err = s.first, s.err
	return r
}
