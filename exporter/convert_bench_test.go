package exporter

import (
	"testing"
	"time"

	"github.com/agenttrace/agenttrace-otel-go/exporter/internal/wire"
	"github.com/agenttrace/agenttrace-otel-go/semconv"
)

// BenchmarkConvertEncode measures the exporter's own work per span, without
// the network: converting an ended generation span and encoding it as an
// envelope item. It reports allocations per exported span.
func BenchmarkConvertEncode(b *testing.B) {
	s := stub("plan", testParent,
		semconv.ObservationTypeGeneration,
		semconv.ObservationInputKey.String(`[{"role":"user","content":"Why does the test flake? It fails one run in twenty on CI."}]`),
		semconv.ObservationOutputKey.String(`{"role":"assistant","content":"A race in setup: two goroutines share the fixture."}`),
		semconv.GenAIRequestModelKey.String("gpt-4.1-mini"),
		semconv.GenAIProviderNameKey.String("openai"),
		semconv.GenerationModelParametersKey.String(`{"temperature":0.2,"max_tokens":1024}`),
		semconv.GenAIUsageInputTokensKey.Int(812),
		semconv.GenAIUsageOutputTokensKey.Int(96),
		semconv.GenerationCompletionStartTimeKey.Int64(testStart.Add(350*time.Millisecond).UnixNano()),
	).Snapshot()
	it := &item{typ: "generation-create", kind: KindObservation, stamp: string(wire.AppendTime(nil, testStart))}
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		c := convert(s, defaultMaxRecordTextBytes)
		it.obs = &c.obs
		buf = appendItem(buf[:0], it)
	}
	b.ReportMetric(float64(len(buf)), "bytes/span")
}
