// Package jaeger starts a real Jaeger for end-to-end tests and reads traces
// back from it.
//
// [Start] builds Jaeger v2 (the all-in-one binary, an OpenTelemetry
// Collector distribution) from the pinned module in ../jaegerbuild, starts
// it on free loopback ports with in-memory storage, waits until its OTLP/HTTP
// receiver and its query API answer, and stops it when the test ends. The
// first build takes minutes; the go build cache keeps the linked binary, so
// later runs start Jaeger in about a second.
//
// A test exports spans to [Instance.OTLPEndpoint] with otlptracehttp, then
// reads them back with [Instance.WaitTrace], which polls Jaeger's HTTP query
// API (GET /api/traces/{id}) until the trace has the spans the test
// expects:
//
//	j := jaeger.Start(t)
//	exp, err := otlptracehttp.New(ctx,
//		otlptracehttp.WithEndpoint(j.OTLPEndpoint), otlptracehttp.WithInsecure())
//	// ... create spans through a TracerProvider using exp, then ForceFlush ...
//	tr, err := j.WaitTrace(ctx, traceID, 3)
//	span, ok := tr.Span("llm-call")
//	model, ok := span.Tag("gen_ai.request.model")
//
// jaeger_smoke_test.go in the parent directory is a complete example. In
// -short mode [Start] skips the test; otherwise failing to build or start
// Jaeger fails it.
package jaeger
