// Package exporter is an OpenTelemetry [sdktrace.SpanExporter] that sends
// spans to AgentTrace: every span becomes an AgentTrace observation and
// every trace an AgentTrace trace, delivered to the ingestion API in
// batches. Scores and git links, which are not spans, go through the same
// exporter from package instrument (its Score and GitLink methods).
//
// Most applications use it through package instrument, which creates the
// spans and registers the exporter's own span processor. Use it directly to
// add AgentTrace to a TracerProvider you already configure:
//
//	exp, err := exporter.New() // AGENTTRACE_API_KEY from the environment
//	if err != nil {
//		return err
//	}
//	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(exp.SpanProcessor()))
//
// [Exporter.SpanProcessor] takes the place of sdktrace.WithBatcher(exp),
// which still works but whose queue drops spans one by one and silently.
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
// One goroutine, the loop, owns the exporter's state and its one queue of
// work: observations, trace rows, scores and agent records. The span
// processor hands it ended spans without blocking; the loop converts them
// and sends requests on sender goroutines, several in flight, so user code
// never waits on the network.
//
// A request takes every waiting item that fits [WithMaxRequestBytes];
// [WithBatchSize] is how many waiting items start a request before
// [WithFlushInterval], the longest an item waits. An event too large alone
// has its largest fields replaced by a marked truncation
// ({"agenttrace.truncated":true,"bytes":N,"preview":"..."}, as captured
// content over its budget); it is never dropped silently.
//
// Requests stay inside the server's request budget, 100 in any 60 s
// window by default ([WithRateLimit]), learned from the X-RateLimit-Limit,
// -Remaining and -Reset headers; under pressure the exporter sends fewer,
// fuller requests. Every process behind one address shares that budget.
// After a 429 or 503 with Retry-After, nothing is sent before the time it
// names, whatever the retry budget; the items wait in the queue. 408, 5xx,
// timeouts and connection errors are retried with jittered backoff, and an
// item that has failed for longer than the retry budget (the RetryBudget
// of [WithConnection]) since its first failure is given up; a 413 splits
// the request. The server answers 200
// with per-item results: items it refused with a 4xx are dropped. Scores
// and agent records, which the server would store twice, are sent again
// only when the server certainly did not act on them. They wait until
// their trace exists on the server; while the trace is still running, a
// provisional row with the trace's start time is sent ahead of them.
//
// The queue is bounded ([WithMaxQueueSize]) and keeps traces whole: a new
// trace is refused while the queue is three quarters full, and a trace
// whose span finds it full is dropped with what it queued, unless part of
// it was already sent.
//
// Every loss is counted by one of a few reasons (queue_full, deadline,
// unauthorized, ...) and reported once per reason to otel.Handle.
// [Exporter.ExportSpans] returns what it lost of its own spans;
// [Exporter.ForceFlush] and [Exporter.Shutdown] honour their context's
// deadline and return a [*DeliveryError] with the rest: what was lost, and
// what is still queued, why it waits and the last failure (errors.Is sees
// [ErrNotDelivered], the last failure and context.DeadlineExceeded).
// The processor's Shutdown first ends the spans still open, with level
// WARNING, and reports them. [Exporter.Stats] and, with
// [WithMeterProvider], the agenttrace.sdk.* metrics count what was
// delivered, dropped and retried; [WithDebug] logs each request, retry and
// pacing wait. API keys never appear in logs, errors or payloads.
//
// # Traces across processes
//
// One OpenTelemetry trace is one AgentTrace trace however many processes
// it crosses, and only one process writes its trace row (PROTOCOL.md A17).
// [TraceOwnerSampler] marks every span's tracestate with the AgentTrace
// entry (semconv.TraceStateKey): whether its process owns the trace or
// joined one a process upstream owns, and the nearest observation above
// it, so that a called service's observations hang under the caller's.
// The exporter writes no row for spans that joined, and their scores and
// records learn from the server's answers that the owner's row is there.
// [Exporter.ExportTraceStart] sends a provisional row of a running trace
// before the trace is handed to another process (a sub-agent).
//
// A file:// API URL selects offline mode: the request bodies are appended
// to that file as JSON Lines instead of being sent.
//
// The test server in package agenttracetest behaves like the AgentTrace
// server, faults included, for tests of the exporter and of applications.
package exporter
