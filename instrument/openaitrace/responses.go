package openaitrace

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/openai/openai-go/v3/responses"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/instrument/llmtrace"
)

// usageMissing says why a Responses stream has no usage.
const usageMissing = "the stream ended before its usage arrived"

// responsesParams are the request members of a Responses API call recorded
// as model parameters.
var responsesParams = []string{
	"temperature", "top_p", "max_output_tokens", "max_tool_calls", "reasoning", "text",
	"tool_choice", "parallel_tool_calls", "truncation", "service_tier", "store", "top_logprobs",
	"background",
}

func inspectResponses(body []byte, cfg *llmtrace.Config) llmtrace.Request {
	obj := llmtrace.Object(body)
	r := llmtrace.Request{
		Operation: "chat",
		Type:      instrument.TypeGeneration,
		Model:     llmtrace.String(obj["model"]),
		Stream:    llmtrace.Bool(obj["stream"]),
		Params:    llmtrace.Params(obj, responsesParams...),
		ParseJSON: parseResponse,
		NewStream: func() llmtrace.StreamParser { return &responseStream{} },
	}
	if cfg.CaptureContent {
		r.Input = responsesInput(obj)
	}
	return r
}

// responsesInput is the input items (a string input as a user message),
// with the instructions and tool definitions when there are any.
func responsesInput(obj map[string]json.RawMessage) any {
	in := llmtrace.Value(obj["input"])
	if s, ok := in.(string); ok {
		in = []any{map[string]any{"role": "user", "content": s}}
	}
	instructions, hasInstructions := obj["instructions"]
	tools, hasTools := obj["tools"]
	if !hasInstructions && !hasTools {
		return in
	}
	m := map[string]any{"input": in}
	if hasInstructions {
		m["instructions"] = llmtrace.Value(instructions)
	}
	if hasTools {
		m["tools"] = llmtrace.Value(tools)
	}
	return m
}

func parseResponse(body []byte) llmtrace.Result {
	var resp responses.Response
	if err := json.Unmarshal(body, &resp); err != nil {
		return llmtrace.Result{UsageUnavailable: "the response could not be decoded: " + err.Error()}
	}
	return responseResult(&resp)
}

// responseResult reads a response: its output items, status and usage.
func responseResult(resp *responses.Response) llmtrace.Result {
	r := llmtrace.Result{ResponseID: resp.ID, ResponseModel: resp.Model}
	switch {
	case resp.IncompleteDetails.Reason != "":
		r.FinishReasons = []string{resp.IncompleteDetails.Reason}
	case resp.Status != "":
		r.FinishReasons = []string{string(resp.Status)}
	}
	items := make([]any, 0, len(resp.Output))
	for _, it := range resp.Output {
		items = append(items, llmtrace.Value([]byte(it.RawJSON())))
	}
	r.Output = items
	if resp.JSON.Usage.Valid() {
		u := resp.Usage
		r.Usage = &instrument.Usage{
			// input_tokens counts the cached tokens too, and
			// output_tokens the reasoning tokens.
			InputTokens:     u.InputTokens,
			OutputTokens:    u.OutputTokens,
			TotalTokens:     u.InputTokens + u.OutputTokens,
			CacheReadTokens: u.InputTokensDetails.CachedTokens,
			ReasoningTokens: u.OutputTokensDetails.ReasoningTokens,
		}
	} else {
		r.UsageUnavailable = usageMissing
	}
	if resp.Status == "failed" {
		r.Err = &llmtrace.APIError{Type: string(resp.Error.Code), Message: resp.Error.Message}
	}
	return r
}

// responseStream follows a Responses API stream: the final response comes
// whole in its last event; until then the text deltas are kept, for a
// stream that ends early.
type responseStream struct {
	id, model string
	text      map[int64]*strings.Builder
	final     *responses.Response
	first     time.Time
	err       error
}

func (s *responseStream) Event(ev llmtrace.Event) bool {
	var e responses.ResponseStreamEventUnion
	if json.Unmarshal(ev.Data, &e) != nil {
		return false
	}
	switch e.Type {
	case "response.created", "response.in_progress", "response.queued":
		s.id, s.model = e.Response.ID, e.Response.Model
	case "response.completed", "response.incomplete", "response.failed":
		resp := e.Response
		s.final = &resp
		return true
	case "error":
		s.err = &llmtrace.APIError{Type: e.Code, Code: e.Code, Message: e.Message}
		return true
	default:
		if !strings.HasSuffix(e.Type, ".delta") {
			return false
		}
		if s.first.IsZero() {
			s.first = ev.At
		}
		if e.Type == "response.output_text.delta" {
			if s.text == nil {
				s.text = make(map[int64]*strings.Builder)
			}
			b := s.text[e.OutputIndex]
			if b == nil {
				b = new(strings.Builder)
				s.text[e.OutputIndex] = b
			}
			b.WriteString(e.Delta)
		}
	}
	return false
}

func (s *responseStream) Result() llmtrace.Result {
	var r llmtrace.Result
	if s.final != nil {
		r = responseResult(s.final)
	} else {
		r = llmtrace.Result{ResponseID: s.id, ResponseModel: s.model, UsageUnavailable: usageMissing}
		if len(s.text) > 0 {
			items := make([]any, 0, len(s.text))
			for _, i := range slices.Sorted(maps.Keys(s.text)) {
				items = append(items, map[string]any{
					"type": "message", "role": "assistant",
					"content": []any{map[string]any{"type": "output_text", "text": s.text[i].String()}},
				})
			}
			r.Output = items
		}
	}
	r.CompletionStart = s.first
	if s.err != nil {
		r.Err = s.err
	}
	return r
}
