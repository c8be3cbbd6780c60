package anthropicv2trace_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/agenttrace/agenttrace-otel-go/connection"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/instrument/anthropicv2trace"
	"github.com/agenttrace/agenttrace-otel-go/internal/llmreplay"
)

// replayTransport answers every request with the response of an exchange,
// in process: the benchmark measures the client and the tracing, not a
// network.
type replayTransport struct {
	res  llmreplay.Response
	body []byte
}

func newReplayTransport(fixture string) *replayTransport {
	res := llmreplay.MustLoad(fixture).Response
	body := []byte(res.Body)
	if res.SSE != nil {
		body = []byte(strings.Join(res.SSE, ""))
	}
	return &replayTransport{res: res, body: body}
}

func (rt *replayTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		_ = req.Body.Close()
	}
	h := make(http.Header, len(rt.res.Headers))
	for k, v := range rt.res.Headers {
		h.Set(k, v)
	}
	return &http.Response{
		StatusCode: rt.res.Status, Header: h, Request: req,
		Body: io.NopCloser(bytes.NewReader(rt.body)), ContentLength: int64(len(rt.body)),
	}, nil
}

// discard is a SpanExporter that drops what it gets.
type discard struct{}

func (discard) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discard) Shutdown(context.Context) error                             { return nil }

// BenchmarkMessages compares a Messages call of the v2 client traced by
// Option ("ours", inside a trace, spans exported to nowhere by a batch
// processor) with the same call untraced ("baseline"), on the same replayed
// answer, plain and streamed.
func BenchmarkMessages(b *testing.B) {
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(discard{}))
	b.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	c, err := instrument.New(context.Background(), instrument.WithConnection(connection.Config{APIURL: "file://" + b.TempDir() + "/requests.jsonl"}), instrument.WithTracerProvider(tp))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = c.Shutdown(context.Background()) })
	ctx, tr := c.Trace(context.Background(), "bench")
	defer tr.End()

	params := anthropic.MessageNewParams{Model: "claude-sonnet-4-5", MaxTokens: 400, Messages: userMessage("Suggest two novels.")}
	for _, fixture := range []string{"anthropic_messages_basic", "anthropic_messages_stream"} {
		streamed := strings.Contains(fixture, "stream")
		name := map[bool]string{false: "json", true: "stream"}[streamed]
		for _, side := range []string{"ours", "baseline"} {
			opts := []option.RequestOption{
				option.WithBaseURL("http://anthropic.invalid"), option.WithAPIKey("sk-ant-test"),
				option.WithHTTPClient(&http.Client{Transport: newReplayTransport(fixture)}),
				option.WithoutOpenTelemetry(),
			}
			if side == "ours" {
				opts = append(opts, anthropicv2trace.Option(c))
			}
			client := anthropic.NewClient(opts...)
			b.Run(name+"/"+side, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if !streamed {
						if _, err := client.Messages.New(ctx, params); err != nil {
							b.Fatal(err)
						}
						continue
					}
					s := client.Messages.NewStreaming(ctx, params)
					for s.Next() {
					}
					if err := s.Err(); err != nil {
						b.Fatal(err)
					}
					_ = s.Close()
				}
			})
		}
	}
}
