package semconvtest_test

import (
	"context"
	"fmt"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/agenttrace/agenttrace-otel-go/semconv"
	"github.com/agenttrace/agenttrace-otel-go/semconv/semconvtest"
)

// An instrumentation under test records its spans with a span recorder;
// Check finds a deprecated key and a total that does not add up. In a test,
// semconvtest.AssertConformant(t, rec.Ended()) reports them as errors.
func ExampleCheck() {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	tracer := tp.Tracer("example.com/llm-client")

	_, span := tracer.Start(context.Background(), "chat gpt-4o", trace.WithAttributes(
		semconv.GenAIOperationNameKey.String("chat"),
		semconv.GenAISystemKey.String("openai"),
		semconv.GenAIRequestModelKey.String("gpt-4o"),
		semconv.GenAIUsageInputTokensKey.Int(52),
		semconv.GenAIUsageOutputTokensKey.Int(71),
		semconv.GenerationUsageTotalTokensKey.Int(130),
	))
	span.End()

	for _, p := range semconvtest.Check(rec.Ended()) {
		fmt.Println(p)
	}
	// Output:
	// span "chat gpt-4o": agenttrace.generation.usage.total_tokens: token count: total 130 is not input 52 + output 71 = 123
	// span "chat gpt-4o": gen_ai.system: deprecated: replaced by gen_ai.provider.name (semantic conventions v1.37.0)
}
