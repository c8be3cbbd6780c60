package genaitrace_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/agenttrace/agenttrace-otel-go/connection"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/instrument/genaitrace"
	"github.com/agenttrace/agenttrace-otel-go/internal/llmreplay"
)

// discard is a SpanExporter that drops what it gets.
type discard struct{}

func (discard) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discard) Shutdown(context.Context) error                             { return nil }

// replayTransport answers every request in-process with the response of a
// fixture, so that a benchmark measures the client and its tracing, not a
// network.
type replayTransport struct {
	status int
	header http.Header
	body   []byte
}

func newReplayTransport(fixture string) *replayTransport {
	ex := llmreplay.MustLoad(fixture)
	rt := &replayTransport{status: ex.Response.Status, header: http.Header{}, body: ex.Response.Body}
	for k, v := range ex.Response.Headers {
		rt.header.Set(k, v)
	}
	if ex.Response.SSE != nil {
		rt.body = []byte(strings.Join(ex.Response.SSE, ""))
	}
	return rt
}

func (rt *replayTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		_ = req.Body.Close()
	}
	return &http.Response{
		StatusCode: rt.status, Header: rt.header.Clone(), Request: req,
		Body: io.NopCloser(bytes.NewReader(rt.body)), ContentLength: int64(len(rt.body)),
	}, nil
}

// BenchmarkGenerateContent compares a traced call (ours: a generation with
// input, output and usage, exported by a batch span processor to a
// discarding exporter) with the untraced call (baseline), on the same
// in-process replayed response, streamed and not.
func BenchmarkGenerateContent(b *testing.B) {
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(discard{}))
	b.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	at, err := instrument.New(context.Background(), instrument.WithConnection(connection.Config{APIURL: "file:///dev/null"}), instrument.WithTracerProvider(tp))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = at.Shutdown(context.Background()) })
	ctx, tr := at.Trace(context.Background(), "bench")
	defer tr.End()

	for _, fixture := range []string{"genai_generate_basic", "genai_generate_stream"} {
		f := fixtureCalls[fixture]
		rt := newReplayTransport(fixture)
		clients := map[string]*http.Client{
			"ours":     {Transport: genaitrace.Transport(rt, at)},
			"baseline": {Transport: rt},
		}
		for _, side := range []string{"ours", "baseline"} {
			c := newClientHTTP(b, "http://gemini.invalid", clients[side], false, nil)
			b.Run(strings.TrimPrefix(fixture, "genai_generate_")+"/"+side, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := f.run(ctx, c); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
