package openaiapi

import (
	"encoding/json"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/instrument/llmtrace"
)

// InspectEmbeddings returns what an embeddings request (its JSON body) is:
// model, dimensions and encoding format, and, when cfg.CaptureContent is
// on, the input. The output records how many vectors of which dimension
// arrived, not the vectors.
func InspectEmbeddings(body []byte, cfg *llmtrace.Config) llmtrace.Request {
	obj := llmtrace.Object(body)
	r := llmtrace.Request{
		Operation: "embeddings",
		Type:      instrument.TypeEmbedding,
		Model:     llmtrace.String(obj["model"]),
		Params:    llmtrace.Params(obj, "dimensions", "encoding_format"),
		ParseJSON: parseEmbeddings,
	}
	if cfg.CaptureContent {
		r.Input = llmtrace.Value(obj["input"])
	}
	return r
}

// parseEmbeddings reads an embeddings answer. An embedding encoded in
// base64 has no dimension to count.
func parseEmbeddings(body []byte) llmtrace.Result {
	var e struct {
		Model string `json:"model"`
		Data  []struct {
			Embedding json.RawMessage `json:"embedding"`
		} `json:"data"`
		Usage *struct {
			PromptTokens int64 `json:"prompt_tokens"`
		} `json:"usage"`
	}
	if err := decode(body, &e); err != nil {
		return llmtrace.Result{UsageUnavailable: "the response could not be decoded: " + err.Error()}
	}
	out := map[string]any{"embeddings": len(e.Data)}
	if len(e.Data) > 0 {
		var v []float64
		if json.Unmarshal(e.Data[0].Embedding, &v) == nil && len(v) > 0 {
			out["dimensions"] = len(v)
		}
	}
	r := llmtrace.Result{ResponseModel: e.Model, Output: out}
	if e.Usage != nil {
		r.Usage = &instrument.Usage{InputTokens: e.Usage.PromptTokens, TotalTokens: e.Usage.PromptTokens}
	} else {
		r.UsageUnavailable = "the response has no usage"
	}
	return r
}
