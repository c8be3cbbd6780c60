package llmtrace

import (
	"fmt"
	"net/http"
	"time"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
)

// Provider is what the tracing of one LLM API knows of its endpoints.
type Provider interface {
	// Name is the gen_ai.provider.name of the generations ("openai").
	Name() string
	// Inspect returns what a request to path with body (its JSON) is,
	// and false when the endpoint is not traced.
	Inspect(path string, body []byte, cfg *Config) (Request, bool)
	// APIError returns the error that the body of an error response
	// with status describes.
	APIError(status int, body []byte) *APIError
	// RetriesDroppedBodies reports whether the client retries an attempt
	// whose response body it could not read (anthropic-sdk-go reads the
	// body inside the attempt, openai-go does not).
	RetriesDroppedBodies() bool
}

// Request is what Provider.Inspect learnt of a request.
type Request struct {
	// Operation is the gen_ai.operation.name: "chat" or "embeddings".
	Operation string
	// Type is the observation type: TypeGeneration or TypeEmbedding.
	Type  instrument.ObservationType
	Model string
	// Provider, when not empty, is the gen_ai.provider.name of this
	// request instead of the Provider's Name (a client that speaks to two
	// APIs, such as Google GenAI's Gemini API and Vertex AI backends).
	Provider string
	// Stream is true when the request asks for a streamed answer.
	Stream bool
	// Params are the model parameters (temperature, max tokens...):
	// never content, since the mask does not apply to them.
	Params map[string]any
	// Input is the captured input; nil for none.
	Input any
	// Body, when not nil, is sent instead of the original body (with
	// stream usage asked for, say).
	Body []byte
	// ParseJSON parses the body of a successful non-streaming response.
	ParseJSON func(body []byte) Result
	// NewStream returns the parser of a streaming response's events.
	NewStream func() StreamParser
}

// Event is one server-sent event of a streaming response.
type Event struct {
	Type string
	// Data is only valid during the call that receives it.
	Data []byte
	// At is when the bytes that completed the event were read.
	At time.Time
}

// StreamParser accumulates the events of a streaming response, with the
// client's own types.
type StreamParser interface {
	// Event takes the next event and reports whether it was the stream's
	// final one (after which no event is passed).
	Event(Event) bool
	// Result returns what arrived so far.
	Result() Result
}

// Result is what a response said of the generation.
type Result struct {
	ResponseID, ResponseModel string
	FinishReasons             []string
	// Output is the captured output; nil for none.
	Output any
	// Usage is nil when the response reported none; UsageUnavailable
	// then may say why.
	Usage            *instrument.Usage
	UsageUnavailable string
	// CompletionStart is when the first content arrived (streams).
	CompletionStart time.Time
	// Err is an error the response reported with a success status (an
	// error event in a stream, a failed response).
	Err error
}

// APIError is an error answer of an LLM API.
type APIError struct {
	// StatusCode is the HTTP status; 0 for an error event of a stream.
	StatusCode int
	// Type is the API's error type ("rate_limit_error",
	// "invalid_request_error"...), Code its code when it has one.
	Type, Code string
	Message    string
}

func (e *APIError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = "no error message"
	}
	detail := e.Type
	if e.Code != "" && e.Code != e.Type {
		if detail != "" {
			detail += ", "
		}
		detail += e.Code
	}
	if detail != "" {
		msg += " (" + detail + ")"
	}
	if e.StatusCode == 0 {
		return msg
	}
	return fmt.Sprintf("%d %s: %s", e.StatusCode, http.StatusText(e.StatusCode), msg)
}

// errorType is the OpenTelemetry error.type of e: the API's error type,
// else the status code.
func (e *APIError) errorType() string {
	if e.Type != "" {
		return e.Type
	}
	return fmt.Sprint(e.StatusCode)
}

// Config is the configuration of the tracing of a client.
type Config struct {
	// Client starts a new trace for a call made with no AgentTrace
	// observation in its context; nil traces only calls made inside one.
	Client *instrument.Client
	// CaptureContent records inputs and outputs (default true).
	CaptureContent bool
	// StreamUsage asks streamed chat completions for their usage
	// (OpenAI's stream_options.include_usage).
	StreamUsage bool
}

// NewConfig returns the default configuration for client c.
func NewConfig(c *instrument.Client) Config {
	return Config{Client: c, CaptureContent: true}
}
