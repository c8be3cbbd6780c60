package openaiapi

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/agenttrace/agenttrace-otel-go/instrument/llmtrace"
)

// Provider is the OpenAI API's chat completions (…/chat/completions) and
// embeddings (…/embeddings) as llmtrace sees them; other endpoints are not
// traced. Its name is "openai".
type Provider struct {
	// StreamUsageSetting names the integration's setting that asks streams
	// for their usage ("openaitrace.WithStreamUsage"), for the message of a
	// stream that did not ask for it.
	StreamUsageSetting string
}

// Name returns "openai".
func (Provider) Name() string { return "openai" }

// RetriesDroppedBodies returns false: the OpenAI clients do not retry an
// attempt whose body they could not read.
func (Provider) RetriesDroppedBodies() bool { return false }

// Inspect returns what a request to a chat completions or embeddings path
// is ([Provider.InspectChat], [InspectEmbeddings]).
func (p Provider) Inspect(path string, body []byte, cfg *llmtrace.Config) (llmtrace.Request, bool) {
	switch {
	case strings.HasSuffix(path, "/chat/completions"):
		return p.InspectChat(body, cfg), true
	case strings.HasSuffix(path, "/embeddings"):
		return InspectEmbeddings(body, cfg), true
	}
	return llmtrace.Request{}, false
}

// APIError reads an error body ([Error]).
func (Provider) APIError(status int, body []byte) *llmtrace.APIError {
	return Error(status, body)
}

// Error reads the error body of an answer with status:
// {"error":{"message","type","param","code"}}. What is missing is left
// empty; a code or message that is not a string is kept as its JSON text.
func Error(status int, body []byte) *llmtrace.APIError {
	var b struct {
		Error json.RawMessage `json:"error"`
	}
	_ = json.Unmarshal(body, &b)
	e := errorObject(b.Error)
	e.StatusCode = status
	return e
}

// errorObject reads the error object of an error body or stream event.
func errorObject(raw json.RawMessage) *llmtrace.APIError {
	var o struct {
		Type, Code, Message json.RawMessage
	}
	_ = json.Unmarshal(raw, &o)
	return &llmtrace.APIError{Type: text(o.Type), Code: text(o.Code), Message: text(o.Message)}
}

// text is a JSON string's value, "" for null or nothing, and the JSON text
// of any other value (a numeric error code).
func text(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}
