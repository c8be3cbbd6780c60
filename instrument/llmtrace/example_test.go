package llmtrace_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"strings"

	"github.com/agenttrace/agenttrace-otel-go/connection"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/instrument/llmtrace"
)

// requestConfig, requestOption and withMiddleware stand for an LLM
// client's per-call configuration and request options, built like those of
// openai-go and anthropic-sdk-go.
type requestConfig struct {
	Context     context.Context
	MaxRetries  int
	Middlewares []llmtrace.Middleware
}

type requestOption interface{ Apply(*requestConfig) error }

type withMiddleware llmtrace.Middleware

func (m withMiddleware) Apply(c *requestConfig) error {
	c.Middlewares = append(c.Middlewares, llmtrace.Middleware(m))
	return nil
}

// echoAPI is the Provider of a made-up API: POST /v1/echo with
// {"model", "text"} answers {"id", "text"}.
type echoAPI struct{}

func (echoAPI) Name() string { return "echo" }

func (echoAPI) RetriesDroppedBodies() bool { return false }

func (echoAPI) Inspect(path string, body []byte, _ *llmtrace.Config) (llmtrace.Request, bool) {
	if path != "/v1/echo" {
		return llmtrace.Request{}, false
	}
	req := llmtrace.Object(body)
	return llmtrace.Request{
		Operation: "chat",
		Type:      instrument.TypeGeneration,
		Model:     llmtrace.String(req["model"]),
		Input:     llmtrace.Value(req["text"]),
		ParseJSON: func(body []byte) llmtrace.Result {
			res := llmtrace.Object(body)
			return llmtrace.Result{ResponseID: llmtrace.String(res["id"]), Output: llmtrace.Value(res["text"])}
		},
	}, true
}

func (echoAPI) APIError(status int, body []byte) *llmtrace.APIError {
	return &llmtrace.APIError{StatusCode: status, Message: string(body)}
}

// An integration's Option is RequestOption with the client's option type,
// its Provider, and the client's own middleware option. Here the client's
// part is played by hand: the option is applied once for the call, and the
// middleware it installed runs the call's one attempt.
func ExampleRequestOption() {
	ctx := context.Background()
	spans := tracetest.NewInMemoryExporter()
	at, err := instrument.New(ctx, instrument.WithConnection(connection.Config{APIURL: "file:///dev/null"}),
		instrument.WithSpanProcessor(sdktrace.NewSimpleSpanProcessor(spans)))
	if err != nil {
		log.Fatal(err)
	}
	defer func() {
		if err := at.Shutdown(ctx); err != nil {
			log.Print(err)
		}
	}()

	opt := llmtrace.RequestOption(requestOption(nil), echoAPI{}, llmtrace.NewConfig(at),
		func(mw llmtrace.Middleware) []requestOption {
			if mw == nil {
				return nil // the call is not traced
			}
			return []requestOption{withMiddleware(mw)}
		})

	ctx, tr := at.Trace(ctx, "echo-task")
	cfg := &requestConfig{Context: ctx}
	if err := opt.Apply(cfg); err != nil {
		log.Fatal(err)
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "https://echo.example/v1/echo",
		strings.NewReader(`{"model":"echo-1","text":"hello"}`))
	res, err := cfg.Middlewares[0](req, func(*http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(strings.NewReader(`{"id":"echo-42","text":"hello"}`))}, nil
	})
	if err != nil {
		log.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body) // reading the answer to its end ends the generation
	res.Body.Close()
	tr.End()

	for _, s := range spans.GetSpans() {
		fmt.Println(s.Name)
	}
	// Output:
	// chat echo-1
	// echo-task
}

// roundTripFunc plays the network for ExampleTransport.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// An integration of a client that takes an *http.Client but no middleware
// gives the client an HTTP client whose transport is Transport's.
func ExampleTransport() {
	ctx := context.Background()
	spans := tracetest.NewInMemoryExporter()
	at, err := instrument.New(ctx, instrument.WithConnection(connection.Config{APIURL: "file:///dev/null"}),
		instrument.WithSpanProcessor(sdktrace.NewSimpleSpanProcessor(spans)))
	if err != nil {
		log.Fatal(err)
	}
	defer func() {
		if err := at.Shutdown(ctx); err != nil {
			log.Print(err)
		}
	}()

	network := roundTripFunc(func(*http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(strings.NewReader(`{"id":"echo-42","text":"hello"}`))}, nil
	})
	hc := &http.Client{Transport: llmtrace.Transport(network, echoAPI{}, llmtrace.NewConfig(at))}

	ctx, tr := at.Trace(ctx, "echo-task")
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "https://echo.example/v1/echo",
		strings.NewReader(`{"model":"echo-1","text":"hello"}`))
	res, err := hc.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body) // reading the answer to its end ends the generation
	res.Body.Close()
	tr.End()

	for _, s := range spans.GetSpans() {
		fmt.Println(s.Name)
	}
	// Output:
	// chat echo-1
	// echo-task
}
