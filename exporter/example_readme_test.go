package exporter_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/agenttrace/agenttrace-otel-go/connection"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/agenttrace/agenttrace-otel-go/exporter"
	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttracetest"
	"github.com/agenttrace/agenttrace-otel-go/semconv"
)

// AgentTrace export in a TracerProvider built by hand: a span with GenAI
// attributes, from any instrumentation, becomes a generation. The server
// here is an in-process one; in production exporter.New() reads
// AGENTTRACE_API_KEY from the environment.
func ExampleNew() {
	srv := agenttracetest.NewServer()
	defer srv.Close()
	ctx := context.Background()

	exp, err := exporter.New(exporter.WithConnection(connection.Config{APIURL: srv.URL, APIKey: srv.APIKey}))
	if err != nil {
		log.Fatal(err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(exp.SpanProcessor()))

	_, span := tp.Tracer("my-llm-client").Start(ctx, "chat gpt-4.1-mini", trace.WithAttributes(
		semconv.GenAIOperationNameChat,
		semconv.GenAIProviderNameOpenAI,
		semconv.GenAIRequestModel("gpt-4.1-mini"),
		semconv.GenAIUsageInputTokens(12),
		semconv.GenAIUsageOutputTokens(3),
	))
	span.End()
	if err := tp.Shutdown(ctx); err != nil { // flushes the exporter
		log.Fatal(err)
	}

	for _, o := range srv.Observations(span.SpanContext().TraceID().String()) {
		fmt.Println(o.Type, o.Name, o.Model, o.Usage.InputTokens, o.Usage.OutputTokens, o.Usage.TotalTokens)
	}
	// Output: GENERATION chat gpt-4.1-mini gpt-4.1-mini 12 3 15
}

// ForceFlush says what could not be delivered: here, with a key the server
// does not know, everything. (The reason is also reported once through
// otel.Handle, on standard error by default.)
func ExampleExporter_ForceFlush() {
	srv := agenttracetest.NewServer()
	defer srv.Close()
	ctx := context.Background()

	exp, err := exporter.New(exporter.WithConnection(connection.Config{APIURL: srv.URL, APIKey: "pk-unknown"}))
	if err != nil {
		log.Fatal(err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(exp.SpanProcessor()))
	defer tp.Shutdown(ctx)
	_, span := tp.Tracer("my-agent").Start(ctx, "task", trace.WithAttributes(semconv.ObservationTypeAgent))
	span.End()

	err = exp.ForceFlush(ctx)
	var de *exporter.DeliveryError
	if errors.As(err, &de) {
		fmt.Println("not delivered:", errors.Is(err, exporter.ErrNotDelivered))
		fmt.Println("lost:", de.Lost)
	}
	// Output:
	// not delivered: true
	// lost: map[observation:1 trace:1]
}
