package openaitrace

import (
	"encoding/json"

	"github.com/openai/openai-go/v3"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/instrument/llmtrace"
)

func inspectEmbeddings(body []byte, cfg *llmtrace.Config) llmtrace.Request {
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

// parseEmbeddings reads an embeddings answer. The vectors are not captured:
// the output says how many there are and their dimension.
func parseEmbeddings(body []byte) llmtrace.Result {
	var e openai.CreateEmbeddingResponse
	if err := json.Unmarshal(body, &e); err != nil {
		return llmtrace.Result{UsageUnavailable: "the response could not be decoded: " + err.Error()}
	}
	out := map[string]any{"embeddings": len(e.Data)}
	if len(e.Data) > 0 && len(e.Data[0].Embedding) > 0 {
		out["dimensions"] = len(e.Data[0].Embedding)
	}
	r := llmtrace.Result{ResponseModel: e.Model, Output: out}
	if e.JSON.Usage.Valid() {
		r.Usage = &instrument.Usage{InputTokens: e.Usage.PromptTokens, TotalTokens: e.Usage.PromptTokens}
	} else {
		r.UsageUnavailable = "the response has no usage"
	}
	return r
}
