package semconv_test

import (
	"context"
	"fmt"
	"log"

	"github.com/agenttrace/agenttrace-otel-go/connection"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/agenttrace/agenttrace-otel-go/exporter"
	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttracetest"
	"github.com/agenttrace/agenttrace-otel-go/semconv"
)

// The attributes alone make an AgentTrace trace of spans made with any
// OpenTelemetry tracer: the root span names the trace and its user, a child
// is a tool call, another a generation with the GenAI keys. (Package
// instrument sets these attributes for you.)
func Example() {
	srv := agenttracetest.NewServer()
	defer srv.Close()
	ctx := context.Background()
	exp, err := exporter.New(exporter.WithConnection(connection.Config{APIURL: srv.URL, APIKey: srv.APIKey}))
	if err != nil {
		log.Fatal(err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp))
	tracer := tp.Tracer("my-agent-framework")

	ctx, root := tracer.Start(ctx, "triage", trace.WithAttributes(
		semconv.ObservationTypeAgent,
		semconv.TraceNameKey.String("triage-ticket"),
		semconv.TraceUserIDKey.String("customer-4711"),
		semconv.ObservationInputKey.String(`{"ticket":8812}`), // JSON text
	))
	_, tool := tracer.Start(ctx, "lookup_order", trace.WithAttributes(
		semconv.ObservationTypeTool,
		semconv.ObservationOutputKey.String(`{"status":"shipped"}`),
	))
	tool.End()
	_, llm := tracer.Start(ctx, "chat gpt-4.1-mini", trace.WithAttributes(
		semconv.GenAIOperationNameChat,
		semconv.GenAIRequestModel("gpt-4.1-mini"),
		semconv.GenAIUsageInputTokens(40),
		semconv.GenAIUsageOutputTokens(12),
	))
	llm.End()
	root.End()
	if err := tp.Shutdown(ctx); err != nil {
		log.Fatal(err)
	}

	traceID := root.SpanContext().TraceID().String()
	tr, _ := srv.Trace(traceID)
	fmt.Println("trace:", tr.Name, tr.UserID, tr.Input)
	for _, o := range srv.Observations(traceID) {
		fmt.Printf("%s %s model=%q output=%s\n", o.Type, o.Name, o.Model, o.Output)
	}
	// Unordered output:
	// trace: triage-ticket customer-4711 {"ticket":8812}
	// SPAN triage model="" output=
	// SPAN lookup_order model="" output={"status":"shipped"}
	// GENERATION chat gpt-4.1-mini model="gpt-4.1-mini" output=
}
