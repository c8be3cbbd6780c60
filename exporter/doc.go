// Package exporter is an OpenTelemetry [sdktrace.SpanExporter] that sends
// spans to AgentTrace: every span becomes an AgentTrace observation and
// every trace an AgentTrace trace, delivered to the ingestion API in
// batches. Scores and git links, which are not spans, go through the same
// exporter ([Exporter.ExportScore], [Exporter.ExportGitLink]).
//
// Most applications use it through package instrument, which creates the
// spans and runs the exporter in a batch span processor. Use it directly to
// add AgentTrace to a TracerProvider you already configure:
//
//	exp, err := exporter.New(ctx) // AGENTTRACE_API_KEY from the environment
//	if err != nil {
//		return err
//	}
//	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp))
//
// The OTel Collector component in exporter/agenttraceexporter (a nested
// module) runs the same exporter in a Collector pipeline.
//
// # From spans to AgentTrace
//
// A span's AgentTrace attributes (package semconv) say what it is: its
// observation type, input, output, metadata, level and status message,
// and for generations the model, parameters, token usage, time to first
// token and prompt. Spans of other instrumentations are read too: the
// OpenTelemetry GenAI attributes (current and deprecated names), the
// OpenInference attributes and the spans anthropic-sdk-go records itself
// become generations with their model, usage, input and output. Span,
// generation and event observations are sent as span-, generation- and
// event-create events; the other types (agent, tool, chain, retriever,
// guardrail, evaluator, checkpoint, file_operation, terminal_command) as
// span-create with the type in the metadata's observationType, embeddings
// as generations. An OTel error status makes the level ERROR.
//
// The trace row is derived from the span named by agenttrace.trace.name
// (the span of instrument's Client.Trace) or the local root span, with the
// trace-level attributes of every span of the trace merged into it. Rows
// are sent whole, never as updates, and always with the start time of the
// first row sent, so the server keeps one row per trace.
//
// The default span filter ([DefaultSpanFilter]) keeps AgentTrace, GenAI
// and OpenInference spans and the spans of known LLM instrumentations, and
// leaves out HTTP, database and other spans; observations under a span
// that was left out are attached to their nearest exported ancestor.
// [WithExportAllSpans] and [WithSpanFilter] change that.
//
// Checkpoint, file operation and terminal command spans are also sent to
// AgentTrace's REST records (the /batch endpoints, at most 100 per
// request), with the server's field names and enums.
//
// # Delivery
//
// One goroutine owns the exporter's state and converts spans; two sender
// goroutines encode and send its requests, the next request leaving as the
// loop converts the spans after it. A batch span processor calls
// ExportSpans from its own goroutine, so user code never waits on the
// network. Requests carry at most [WithBatchSize]
// events and [WithMaxRequestBytes] bytes; an event too large alone has its
// largest fields replaced by a marked truncation
// ({"agenttrace.truncated":true,"bytes":N,"preview":"..."}, as captured
// content over its budget), it is
// never dropped silently.
//
// Requests are retried after 408, 429 (honouring Retry-After), 5xx,
// timeouts and connection errors, with jittered backoff inside
// [WithRetryBudget]; a 413 splits the batch. The server answers 200 with
// per-item results: items it failed with a 5xx are sent once more, items
// it refused with a 4xx are dropped and each distinct reason is reported
// once to otel.Handle. What still fails is kept and sent again by the
// next export or flush. Scores and agent records, which the server would
// store twice, are sent again only when the server certainly did not act
// on them. They wait until their trace exists on the server; while the
// trace is still running, a provisional row with the trace's start time
// is sent ahead of them.
//
// [Exporter.ForceFlush] and [Exporter.Shutdown] honour their context's
// deadline and return a [*DeliveryError] saying what was lost or still
// queued; [Exporter.Stats] and, with [WithMeterProvider], the
// agenttrace.sdk.* metrics count what was delivered, dropped and retried.
// API keys never appear in logs, errors or payloads.
//
// A file:// API URL selects offline mode: the request bodies are appended
// to that file as JSON Lines instead of being sent.
//
// The test server in package agenttracetest behaves like the AgentTrace
// server, faults included, for tests of the exporter and of applications.
package exporter
