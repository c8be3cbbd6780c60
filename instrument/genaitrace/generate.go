package genaitrace

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"time"
	"unicode"

	"google.golang.org/genai"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/instrument/llmtrace"
)

// unrecordedParams are the members of generationConfig that are not
// recorded as model parameters: schemas, which can be large and are not
// settings of the sampling.
var unrecordedParams = []string{"responseSchema", "responseJsonSchema"}

func inspectGenerate(e endpoint, body []byte, cfg *llmtrace.Config) llmtrace.Request {
	obj := llmtrace.Object(body)
	r := llmtrace.Request{
		Operation: "generate_content",
		Type:      instrument.TypeGeneration,
		Model:     e.model,
		Stream:    e.stream,
		Params:    params(obj),
		ParseJSON: parseResponse,
		NewStream: func() llmtrace.StreamParser { return &responseStream{} },
	}
	if e.vertex {
		r.Provider = providerVertexAI
	}
	if cfg.CaptureContent {
		r.Input = input(obj)
	}
	return r
}

// params are the members of generationConfig, with toolConfig and
// cachedContent, under the snake_case names of the GenAI conventions and of
// Google's Python SDK (max_output_tokens, top_p, stop_sequences...), so
// that the well-known ones are mirrored as gen_ai.request.* attributes.
func params(obj map[string]json.RawMessage) map[string]any {
	out := map[string]any{}
	if gc := llmtrace.Object(obj["generationConfig"]); gc != nil {
		for k, raw := range gc {
			if slices.Contains(unrecordedParams, k) {
				continue
			}
			if v := llmtrace.Value(raw); v != nil {
				out[snakeCase(k)] = v
			}
		}
	}
	for _, k := range []string{"toolConfig", "cachedContent"} {
		if v := llmtrace.Value(obj[k]); v != nil {
			out[snakeCase(k)] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// snakeCase turns a camelCase member name into snake_case.
func snakeCase(s string) string {
	var b strings.Builder
	for i, r := range s {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('_')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// input is the contents, the system instruction first as a content of role
// system, with the tool declarations when there are any.
func input(obj map[string]json.RawMessage) any {
	var messages []any
	if system, ok := llmtrace.Value(obj["systemInstruction"]).(map[string]any); ok {
		m := map[string]any{"role": "system"}
		if parts, ok := system["parts"]; ok {
			m["parts"] = parts
		}
		messages = append(messages, m)
	}
	if c, ok := llmtrace.Value(obj["contents"]).([]any); ok {
		messages = append(messages, c...)
	}
	tools, ok := obj["tools"]
	if !ok {
		return messages
	}
	return map[string]any{"messages": messages, "tools": llmtrace.Value(tools)}
}

func parseResponse(body []byte) llmtrace.Result {
	var resp genai.GenerateContentResponse
	if err := json.Unmarshal(body, &resp); err != nil {
		return llmtrace.Result{UsageUnavailable: "the response could not be decoded: " + err.Error()}
	}
	return result(&resp)
}

// result reads a response, complete or accumulated from a stream.
func result(resp *genai.GenerateContentResponse) llmtrace.Result {
	r := llmtrace.Result{ResponseID: resp.ResponseID, ResponseModel: resp.ModelVersion}
	var outputs []any
	for _, c := range resp.Candidates {
		if c == nil {
			continue
		}
		if c.FinishReason != "" {
			r.FinishReasons = append(r.FinishReasons, string(c.FinishReason))
		}
		if c.Content != nil {
			outputs = append(outputs, map[string]any{"role": c.Content.Role, "parts": parts(c.Content.Parts)})
		}
	}
	switch len(outputs) {
	case 0:
	case 1:
		r.Output = outputs[0]
	default:
		r.Output = outputs
	}
	if pf := resp.PromptFeedback; pf != nil && pf.BlockReason != "" && len(resp.Candidates) == 0 {
		r.FinishReasons = []string{string(pf.BlockReason)}
	}
	u := resp.UsageMetadata
	if u == nil {
		r.UsageUnavailable = "the response reported no usage"
		return r
	}
	// promptTokenCount includes the cached tokens; candidatesTokenCount
	// excludes the thoughts, which the GenAI output count includes.
	in := int64(u.PromptTokenCount) + int64(u.ToolUsePromptTokenCount)
	out := int64(u.CandidatesTokenCount) + int64(u.ThoughtsTokenCount)
	r.Usage = &instrument.Usage{
		InputTokens:     in,
		OutputTokens:    out,
		TotalTokens:     in + out,
		CacheReadTokens: int64(u.CachedContentTokenCount),
		ReasoningTokens: int64(u.ThoughtsTokenCount),
	}
	return r
}

// parts is the captured form of a content's parts: text, thoughts (without
// their signature), function calls with their arguments, others as sent.
func parts(ps []*genai.Part) []any {
	out := make([]any, 0, len(ps))
	for _, p := range ps {
		switch {
		case p == nil:
		case p.FunctionCall != nil:
			fc := map[string]any{"name": p.FunctionCall.Name, "args": p.FunctionCall.Args}
			if p.FunctionCall.ID != "" {
				fc["id"] = p.FunctionCall.ID
			}
			out = append(out, map[string]any{"functionCall": fc})
		case p.Thought:
			out = append(out, map[string]any{"thought": true, "text": p.Text})
		case p.Text != "":
			out = append(out, map[string]any{"text": p.Text})
		default:
			q := *p
			q.ThoughtSignature = nil
			b, err := json.Marshal(&q)
			if err == nil {
				out = append(out, llmtrace.Value(b))
			}
		}
	}
	return out
}

// responseStream accumulates the chunks of a streamed answer (each a
// GenerateContentResponse) into one response: the candidates' text and
// thoughts concatenated, function calls and other parts appended, and the
// usage of the final chunk, which counts the whole answer (every chunk
// carries a usage so far).
type responseStream struct {
	acc   genai.GenerateContentResponse
	first time.Time
	err   error
	done  bool
}

func (s *responseStream) Event(ev llmtrace.Event) bool {
	// An error in the stream is a chunk {"error":{...}} of its own.
	if bytes.Contains(ev.Data, []byte(`"error"`)) {
		var e errorBody
		if json.Unmarshal(ev.Data, &e) == nil && e.Error != nil {
			s.err = e.Error.apiError()
			return true
		}
	}
	c := new(genai.GenerateContentResponse)
	if json.Unmarshal(ev.Data, c) != nil {
		return false
	}
	if c.ResponseID != "" {
		s.acc.ResponseID = c.ResponseID
	}
	if c.ModelVersion != "" {
		s.acc.ModelVersion = c.ModelVersion
	}
	if c.UsageMetadata != nil {
		s.acc.UsageMetadata = c.UsageMetadata
	}
	if c.PromptFeedback != nil {
		s.acc.PromptFeedback = c.PromptFeedback
	}
	for _, cand := range c.Candidates {
		if cand == nil {
			continue
		}
		if s.first.IsZero() && cand.Content != nil && len(cand.Content.Parts) > 0 {
			s.first = ev.At
		}
		s.merge(cand)
	}
	s.done = s.final()
	return s.done
}

// merge adds a chunk's candidate to the accumulated one of its index.
func (s *responseStream) merge(cand *genai.Candidate) {
	var acc *genai.Candidate
	for _, a := range s.acc.Candidates {
		if a.Index == cand.Index {
			acc = a
		}
	}
	if acc == nil {
		acc = &genai.Candidate{Index: cand.Index}
		s.acc.Candidates = append(s.acc.Candidates, acc)
	}
	if cand.FinishReason != "" {
		acc.FinishReason = cand.FinishReason
	}
	if cand.Content == nil {
		return
	}
	if acc.Content == nil {
		acc.Content = &genai.Content{}
	}
	if cand.Content.Role != "" {
		acc.Content.Role = cand.Content.Role
	}
	for _, p := range cand.Content.Parts {
		if p == nil {
			continue
		}
		n := len(acc.Content.Parts)
		if n > 0 && isText(p) && isText(acc.Content.Parts[n-1]) && acc.Content.Parts[n-1].Thought == p.Thought {
			acc.Content.Parts[n-1].Text += p.Text
			continue
		}
		q := *p
		acc.Content.Parts = append(acc.Content.Parts, &q)
	}
}

func isText(p *genai.Part) bool {
	return p.Text != "" && p.FunctionCall == nil && p.InlineData == nil && p.ExecutableCode == nil && p.CodeExecutionResult == nil
}

// final reports whether the answer is complete: every candidate has its
// finish reason, or the prompt was blocked.
func (s *responseStream) final() bool {
	if pf := s.acc.PromptFeedback; pf != nil && pf.BlockReason != "" {
		return true
	}
	if len(s.acc.Candidates) == 0 {
		return false
	}
	for _, c := range s.acc.Candidates {
		if c.FinishReason == "" {
			return false
		}
	}
	return true
}

func (s *responseStream) Result() llmtrace.Result {
	r := result(&s.acc)
	if !s.done {
		// The usage of a chunk counts the answer so far.
		r.Usage, r.UsageUnavailable = nil, "the stream ended before its final usage arrived"
	}
	r.CompletionStart, r.Err = s.first, s.err
	return r
}
