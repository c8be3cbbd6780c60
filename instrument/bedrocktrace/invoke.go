package bedrocktrace

import (
	"net/http"
	"strconv"

	"github.com/agenttrace/agenttrace-otel-go/instrument/llmtrace"
)

// invokeParams are the members of an InvokeModel body, in the formats of
// the models Bedrock serves, recorded as model parameters: Anthropic's and
// Meta's and Mistral's top-level settings, and the members of Amazon Nova's
// inferenceConfig and Titan's textGenerationConfig.
var (
	invokeParams = []string{
		"max_tokens", "max_gen_len", "temperature", "top_p", "top_k", "stop_sequences", "stop",
		"thinking", "tool_choice", "anthropic_version",
	}
	invokeNestedParams = []string{"inferenceConfig", "textGenerationConfig"}
)

// inspectInvoke reads the body of an InvokeModel request, whose format is
// the model's own: its model parameters and, when content is captured, the
// body itself as the input.
func inspectInvoke(body []byte, captureContent bool) (params map[string]any, input any) {
	obj := llmtrace.Object(body)
	if obj == nil {
		return nil, nil
	}
	params = llmtrace.Params(obj, invokeParams...)
	for _, key := range invokeNestedParams {
		nested, ok := llmtrace.Value(obj[key]).(map[string]any)
		if !ok {
			continue
		}
		if params == nil {
			params = make(map[string]any, len(nested))
		}
		for k, v := range nested {
			params[k] = v
		}
	}
	if captureContent {
		input = llmtrace.Value(body)
	}
	return params, input
}

// parseInvoke reads the body of a successful InvokeModel answer, in the
// model's own format, with the usage its headers reported.
func parseInvoke(body []byte, u *tokenUsage) llmtrace.Result {
	var r llmtrace.Result
	if body == nil {
		r.UsageUnavailable = "the answer was too large to be read"
	} else if obj := llmtrace.Object(body); obj != nil {
		r.Output = llmtrace.Value(body)
		for _, key := range []string{"stop_reason", "stopReason"} {
			if s := llmtrace.String(obj[key]); s != "" {
				r.FinishReasons = []string{s}
				break
			}
		}
	}
	switch {
	case u != nil:
		r.Usage = u.usage()
	case r.UsageUnavailable == "":
		r.UsageUnavailable = "the answer carried no token count headers"
	}
	return r
}

// headerUsage returns the usage of the x-amzn-bedrock-*-token-count
// headers of an InvokeModel answer, nil when there are none (some models
// report no counts). As in Converse, the input count leaves out the cached
// tokens.
func headerUsage(h http.Header) *tokenUsage {
	in, ok := headerCount(h, "X-Amzn-Bedrock-Input-Token-Count")
	if !ok {
		return nil
	}
	u := &tokenUsage{InputTokens: in}
	u.OutputTokens, _ = headerCount(h, "X-Amzn-Bedrock-Output-Token-Count")
	u.CacheReadInputTokens, _ = headerCount(h, "X-Amzn-Bedrock-Cache-Read-Input-Token-Count")
	u.CacheWriteInputTokens, _ = headerCount(h, "X-Amzn-Bedrock-Cache-Write-Input-Token-Count")
	return u
}

func headerCount(h http.Header, key string) (int64, bool) {
	v := h.Get(key)
	if v == "" {
		return 0, false
	}
	n, err := strconv.ParseInt(v, 10, 64)
	return n, err == nil && n >= 0
}
