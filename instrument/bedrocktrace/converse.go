package bedrocktrace

import (
	"encoding/json"
	"io"
	"sync"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/instrument/llmtrace"
)

// converseParams are the request members of a Converse call, besides
// inferenceConfig, recorded as model parameters: settings, never content.
var converseParams = []string{"additionalModelRequestFields", "performanceConfig", "serviceTier", "guardrailConfig"}

// inspectConverse reads the body of a Converse or ConverseStream request:
// its model parameters (the members of inferenceConfig, the tool choice and
// the other settings) and, when content is captured, its input.
func inspectConverse(body []byte, captureContent bool) (params map[string]any, input any) {
	obj := llmtrace.Object(body)
	if obj == nil {
		return nil, nil
	}
	params = llmtrace.Params(obj, converseParams...)
	if inference, ok := llmtrace.Value(obj["inferenceConfig"]).(map[string]any); ok {
		for k, v := range inference {
			if params == nil {
				params = make(map[string]any, len(inference))
			}
			params[k] = v
		}
	}
	var toolConfig struct {
		Tools      json.RawMessage `json:"tools"`
		ToolChoice json.RawMessage `json:"toolChoice"`
	}
	if raw, ok := obj["toolConfig"]; ok && json.Unmarshal(raw, &toolConfig) == nil {
		if choice := llmtrace.Value(toolConfig.ToolChoice); choice != nil {
			if params == nil {
				params = make(map[string]any, 1)
			}
			params["toolChoice"] = choice
		}
	}
	if !captureContent {
		return params, nil
	}
	var messages []any
	if system := llmtrace.Value(obj["system"]); system != nil {
		messages = append(messages, map[string]any{"role": "system", "content": system})
	}
	if m, ok := llmtrace.Value(obj["messages"]).([]any); ok {
		messages = append(messages, m...)
	}
	if tools := llmtrace.Value(toolConfig.Tools); tools != nil {
		return params, map[string]any{"messages": messages, "tools": tools}
	}
	return params, messages
}

// tokenUsage is Bedrock's TokenUsage.
type tokenUsage struct {
	InputTokens           int64 `json:"inputTokens"`
	OutputTokens          int64 `json:"outputTokens"`
	CacheReadInputTokens  int64 `json:"cacheReadInputTokens"`
	CacheWriteInputTokens int64 `json:"cacheWriteInputTokens"`
}

// usage returns u with the GenAI conventions' meaning: Bedrock's
// inputTokens counts only the tokens outside the prompt cache, and the
// GenAI input count includes the cached ones.
func (u *tokenUsage) usage() *instrument.Usage {
	input := u.InputTokens + u.CacheReadInputTokens + u.CacheWriteInputTokens
	return &instrument.Usage{
		InputTokens:         input,
		OutputTokens:        u.OutputTokens,
		TotalTokens:         input + u.OutputTokens,
		CacheReadTokens:     u.CacheReadInputTokens,
		CacheCreationTokens: u.CacheWriteInputTokens,
	}
}

// parseConverse reads the body of a successful Converse answer.
func parseConverse(body []byte) llmtrace.Result {
	if body == nil {
		return llmtrace.Result{UsageUnavailable: "the answer was too large to be read"}
	}
	var out struct {
		Output struct {
			Message json.RawMessage `json:"message"`
		} `json:"output"`
		StopReason string      `json:"stopReason"`
		Usage      *tokenUsage `json:"usage"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return llmtrace.Result{UsageUnavailable: "the answer could not be decoded: " + err.Error()}
	}
	r := llmtrace.Result{Output: llmtrace.Value(out.Output.Message)}
	if out.StopReason != "" {
		r.FinishReasons = []string{out.StopReason}
	}
	if out.Usage != nil {
		r.Usage = out.Usage.usage()
	} else {
		r.UsageUnavailable = "the answer reported no usage"
	}
	return r
}

// maxCapture bounds the body of a Converse answer the call keeps to read
// it (the client reads it whole anyway); a larger body is not read.
const maxCapture = 32 << 20

// capture is the body of a Converse answer, as the client read it.
type capture struct {
	mu   sync.Mutex
	b    []byte
	over bool
}

func (c *capture) bytes() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.over {
		return nil
	}
	return c.b
}

// captureBody keeps a copy of what the client reads of a body.
type captureBody struct {
	rc io.ReadCloser
	c  *capture
}

func (b *captureBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if n > 0 {
		b.c.mu.Lock()
		if len(b.c.b)+n > maxCapture {
			b.c.over, b.c.b = true, nil
		} else if !b.c.over {
			b.c.b = append(b.c.b, p[:n]...)
		}
		b.c.mu.Unlock()
	}
	return n, err
}

func (b *captureBody) Close() error { return b.rc.Close() }
