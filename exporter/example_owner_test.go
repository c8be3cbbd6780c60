package exporter_test

import (
	"context"
	"fmt"

	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/agenttrace/agenttrace-otel-go/exporter"
)

// A TracerProvider of the application's own that exports to AgentTrace
// gets the owner mark with TraceOwnerSampler, so that a trace crossing
// several processes gets one trace row: the spans of a request that comes
// in from a process of ours say "j", and this process writes no row for
// its trace.
func ExampleTraceOwnerSampler() {
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithSampler(exporter.TraceOwnerSampler(sdktrace.ParentBased(sdktrace.AlwaysSample()))),
		// sdktrace.WithBatcher(exp), with exp from exporter.New
	)
	defer tp.Shutdown(context.Background())
	tracer := tp.Tracer("example")

	// A trace started here is this process's.
	_, root := tracer.Start(context.Background(), "order")
	root.End()
	fmt.Println(root.SpanContext().TraceState())

	// A request from a process of ours (its traceparent and tracestate
	// headers, as otelhttp extracts them).
	ctx := propagation.TraceContext{}.Extract(context.Background(), propagation.MapCarrier{
		"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
		"tracestate":  "agenttrace=o,congo=t61rcWkgMzE",
	})
	_, span := tracer.Start(ctx, "weather-tool")
	span.End()
	fmt.Println(span.SpanContext().TraceState())
	fmt.Println(span.SpanContext().TraceID() == trace.SpanContextFromContext(ctx).TraceID())
	// Output:
	// agenttrace=o
	// agenttrace=j,congo=t61rcWkgMzE
	// true
}
