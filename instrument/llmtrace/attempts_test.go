package llmtrace_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/agenttrace/agenttrace-otel-go/connection"
	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/instrument/llmtrace"
)

// A retried call records one span per attempt; the last attempt lasts
// until the call ends, since the client reads its answer inside the call.
func TestLastAttemptEndsWithTheCall(t *testing.T) {
	ctx := context.Background()
	spans := tracetest.NewInMemoryExporter()
	at, err := instrument.New(ctx, instrument.WithConnection(connection.Config{APIURL: "file:///dev/null"}),
		instrument.WithSpanProcessor(sdktrace.NewSimpleSpanProcessor(spans)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = at.Shutdown(ctx) })
	opt := llmtrace.RequestOption(requestOption(nil), echoAPI{}, llmtrace.NewConfig(at),
		func(mw llmtrace.Middleware) []requestOption { return []requestOption{withMiddleware(mw)} })

	ctx, tr := at.Trace(ctx, "echo-task")
	cfg := &requestConfig{Context: ctx, MaxRetries: 1}
	if err := opt.Apply(cfg); err != nil {
		t.Fatal(err)
	}
	attempt := func(status int, body string) *http.Response {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "https://echo.example/v1/echo",
			strings.NewReader(`{"model":"echo-1","text":"hello"}`))
		res, err := cfg.Middlewares[0](req, func(*http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/json"}},
				Body: io.NopCloser(strings.NewReader(body))}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	attempt(http.StatusServiceUnavailable, `{"error":"busy"}`).Body.Close() // closed unread: retried
	res := attempt(http.StatusOK, `{"id":"echo-42","text":"hello"}`)
	_, _ = io.Copy(io.Discard, res.Body) // the answer is read after the attempt returned
	res.Body.Close()
	tr.End()

	var gen tracetest.SpanStub
	var attempts []tracetest.SpanStub
	for _, s := range spans.GetSpans() {
		switch s.Name {
		case "chat echo-1":
			gen = s
		case "POST /v1/echo":
			attempts = append(attempts, s)
		}
	}
	if len(attempts) != 2 {
		t.Fatalf("%d attempt spans, want 2", len(attempts))
	}
	first, last := attempts[0], attempts[1]
	if first.StartTime.After(last.StartTime) {
		first, last = last, first
	}
	if !last.EndTime.Equal(gen.EndTime) {
		t.Errorf("the last attempt ends at %v, the call at %v: want the same", last.EndTime, gen.EndTime)
	}
	if !first.EndTime.Before(last.StartTime.Add(1)) {
		t.Errorf("the retried attempt ends at %v, after the next one starts (%v)", first.EndTime, last.StartTime)
	}
}
