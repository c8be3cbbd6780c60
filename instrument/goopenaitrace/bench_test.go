package goopenaitrace_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agenttrace/agenttrace-otel-go/connection"

	"github.com/sashabaranov/go-openai"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/instrument/goopenaitrace"
	"github.com/agenttrace/agenttrace-otel-go/internal/llmreplay"
)

// discard is a SpanExporter that drops what it gets.
type discard struct{}

func (discard) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discard) Shutdown(context.Context) error                             { return nil }

// replayTransport answers every request in process with the recorded
// response of an exchange.
type replayTransport struct{ ex llmreplay.Exchange }

func (t replayTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		_ = req.Body.Close()
	}
	h := make(http.Header, len(t.ex.Response.Headers))
	for k, v := range t.ex.Response.Headers {
		h.Set(k, v)
	}
	body := []byte(t.ex.Response.Body)
	if t.ex.Response.SSE != nil {
		body = []byte(strings.Join(t.ex.Response.SSE, ""))
	}
	return &http.Response{
		StatusCode: t.ex.Response.Status, Header: h, Request: req,
		Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)),
	}, nil
}

// BenchmarkChat compares a chat completion through the traced client
// (ours) with the same call untraced (baseline), both answered in process
// by the same recorded response: the cost of the tracing alone.
func BenchmarkChat(b *testing.B) {
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(discard{}))
	b.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	at, err := instrument.New(context.Background(),
		instrument.WithConnection(connection.Config{APIURL: "file://" + filepath.Join(b.TempDir(), "requests.jsonl")}),
		instrument.WithTracerProvider(tp))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = at.Shutdown(context.Background()) })
	ctx, tr := at.Trace(context.Background(), "bench")
	defer tr.End()

	for _, fixture := range []string{"goopenai_chat_tool_calls", "openai_chat_stream_tool_call"} {
		ex := llmreplay.MustLoad(fixture)
		var req openai.ChatCompletionRequest
		if err := json.Unmarshal(ex.Request.Body, &req); err != nil {
			b.Fatal(err)
		}
		cfg := openai.DefaultConfig("sk-test")
		cfg.HTTPClient = &http.Client{Transport: replayTransport{ex}}
		clients := map[string]*openai.Client{
			"baseline": openai.NewClientWithConfig(cfg),
			"ours":     openai.NewClientWithConfig(goopenaitrace.WrapConfig(cfg, at)),
		}
		name := "json"
		if req.Stream {
			name = "stream"
		}
		for _, side := range []string{"baseline", "ours"} {
			c := clients[side]
			b.Run(name+"/"+side, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if err := call(ctx, c, req); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// call makes a chat completion, reading a stream to its end.
func call(ctx context.Context, c *openai.Client, req openai.ChatCompletionRequest) error {
	if !req.Stream {
		_, err := c.CreateChatCompletion(ctx, req)
		return err
	}
	stream, err := c.CreateChatCompletionStream(ctx, req)
	if err != nil {
		return err
	}
	defer stream.Close()
	for {
		if _, err := stream.Recv(); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
	}
}
