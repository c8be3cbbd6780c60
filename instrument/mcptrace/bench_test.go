package mcptrace_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/agenttrace/agenttrace-otel-go/connection"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/instrument/mcptrace"
)

// discard is a SpanExporter that drops what it gets.
type discard struct{}

func (discard) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discard) Shutdown(context.Context) error                             { return nil }

// BenchmarkToolCall compares a tools/call over the in-memory transport
// traced on both sides (a tool observation on the client, a server
// observation joined through _meta, the handler's own observation) with
// the same call untraced (the handler's observation is then a no-op), in
// the same trace context.
func BenchmarkToolCall(b *testing.B) {
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
	params := &mcp.CallToolParams{Name: "get_weather", Arguments: map[string]any{"city": "Paris"}}

	run := func(b *testing.B, cs *mcp.ClientSession) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := cs.CallTool(ctx, params); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("ours", func(b *testing.B) {
		run(b, connect(b, newServer(at), mcptrace.ClientMiddleware(at)))
	})
	b.Run("baseline", func(b *testing.B) {
		run(b, connect(b, newServer(nil), nil))
	})
}
