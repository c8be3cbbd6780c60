package semconvtest_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/agenttrace/agenttrace-otel-go/connection"
	"github.com/agenttrace/agenttrace-otel-go/semconv"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/semconv/semconvtest"
)

// TestInstrumentIsConformant records what the SDK's own instrument package
// writes, every kind of observation with every field, and checks it.
func TestInstrumentIsConformant(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	ctx := context.Background()
	client, err := instrument.New(ctx,
		instrument.WithConnection(connection.Config{APIURL: "file://" + filepath.Join(t.TempDir(), "out.jsonl")}),
		instrument.WithSpanProcessor(rec))
	require.NoError(t, err)

	ctx, tr := client.Trace(ctx, "support", instrument.WithUserID("u-1"), instrument.WithSessionID("s-1"),
		instrument.WithTags("a"), instrument.WithRelease("r1"), instrument.WithVersion("v1"), instrument.WithAttributes(semconv.TracePublicKey.Bool(true)),
		instrument.WithMetadata(map[string]any{"k": "v"}), instrument.WithInput("question"))
	sctx, tool := tr.Span(ctx, "lookup", instrument.WithType(instrument.TypeTool), instrument.WithLevel(instrument.LevelWarning),
		instrument.WithStatusMessage("slow"))
	tool.Event(sctx, "cache-miss", map[string]int{"n": 1})
	tool.End()
	_, gen := tr.Generation(ctx, "answer", instrument.WithModel("gpt-4o"), instrument.WithProvider("openai"),
		instrument.WithModelParameters(map[string]any{"temperature": 0.2, "max_tokens": 100, "top_p": 0.9, "stop": []string{"\n"}}),
		instrument.WithInput([]map[string]string{{"role": "user", "content": "hi"}}))
	gen.SetUsage(instrument.Usage{InputTokens: 100, OutputTokens: 20, TotalTokens: 120, CacheReadTokens: 60,
		CacheCreationTokens: 40, ReasoningTokens: 5})
	gen.SetOutput("hello")
	gen.End()
	_, emb := tr.Generation(ctx, "embed", instrument.WithType(instrument.TypeEmbedding), instrument.WithModel("text-embedding-3-small"))
	emb.SetAttributes(semconv.GenerationUsageUnavailableKey.String("not reported"))
	emb.End()
	tr.SetOutput("answer")
	tr.End()
	require.NoError(t, client.Shutdown(ctx))

	require.Len(t, rec.Ended(), 5)
	semconvtest.AssertConformant(t, rec.Ended())
}
