package llmtrace_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/agenttrace/agenttrace-otel-go/connection"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/instrument/llmtrace"
)

// A call through Transport makes one attempt: a connection error ends its
// generation at once, with the error, and a call outside any observation
// of a client that starts no trace passes through untraced.
func TestTransport(t *testing.T) {
	ctx := context.Background()
	spans := tracetest.NewInMemoryExporter()
	at, err := instrument.New(ctx, instrument.WithConnection(connection.Config{APIURL: "file:///dev/null"}),
		instrument.WithSpanProcessor(sdktrace.NewSimpleSpanProcessor(spans)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = at.Shutdown(ctx) })
	refused := errors.New("connection refused")
	rounds := 0
	network := roundTripFunc(func(*http.Request) (*http.Response, error) { rounds++; return nil, refused })
	post := func(hc *http.Client, ctx context.Context) error {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "https://echo.example/v1/echo",
			strings.NewReader(`{"model":"echo-1","text":"hello"}`))
		res, err := hc.Do(req)
		if err == nil {
			res.Body.Close()
		}
		return err
	}

	untraced := &http.Client{Transport: llmtrace.Transport(network, echoAPI{}, llmtrace.NewConfig(nil))}
	if err := post(untraced, ctx); !errors.Is(err, refused) {
		t.Fatalf("got %v", err)
	}
	if n := len(spans.GetSpans()); n != 0 || rounds != 1 {
		t.Fatalf("untraced call: %d spans, %d round trips", n, rounds)
	}

	traced := &http.Client{Transport: llmtrace.Transport(network, echoAPI{}, llmtrace.NewConfig(at))}
	if err := post(traced, ctx); !errors.Is(err, refused) {
		t.Fatalf("got %v", err)
	}
	got := spans.GetSpans()
	if len(got) != 1 || got[0].Name != "chat echo-1" || rounds != 2 {
		t.Fatalf("traced call: %d spans, %d round trips", len(got), rounds)
	}
	if got[0].Status.Description == "" || !strings.Contains(got[0].Status.Description, "connection refused") {
		t.Fatalf("status %+v", got[0].Status)
	}
}
