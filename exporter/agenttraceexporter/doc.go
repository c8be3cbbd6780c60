// Package agenttraceexporter is an OpenTelemetry Collector exporter
// component, of type "agenttrace", that delivers the traces a Collector
// receives to AgentTrace as ingestion batches.
//
// It is the Collector form of the SDK's exporter package, not a second
// implementation: each batch of spans (ptrace.Traces) is turned back into
// the sdktrace.ReadOnlySpan values an OpenTelemetry SDK would have handed to
// its exporters, with their ids, parents (and whether a parent is remote),
// kind, times, attributes, events, links, status, resource and
// instrumentation scope, and given to [exporter.Exporter.ExportSpans]. So a
// span reaches AgentTrace the same way through a Collector as through the
// SDK: AgentTrace spans, GenAI spans of other instrumentations (current and
// deprecated gen_ai.* names, OpenInference) and spans of known LLM
// instrumentation scopes become observations, the trace row is derived from
// the trace's root, and other spans (HTTP, database) are left out with their
// exported descendants attached to the nearest exported ancestor, unless
// export_all_spans is set.
//
// # Configuration
//
//	exporters:
//	  agenttrace:
//	    endpoint: https://api.agenttrace.io   # default; a file:// URL writes JSON Lines
//	    api_key: ${env:AGENTTRACE_API_KEY}
//	    project_id: my-project                 # optional
//
// The other settings (insecure, batch_size, max_request_bytes, timeout,
// retry_budget, flush_interval, gzip, export_all_spans, sending_queue,
// retry_on_failure)
// are described on [Config]. README.md beside this file shows a complete
// pipeline.
//
// # Retries
//
// The SDK's exporter owns delivery: it retries each request that can
// succeed later (429, 5xx, timeouts, resets) with jittered backoff,
// honouring Retry-After, within retry_budget, and keeps the events of a
// request that still failed to send them again on its next export or flush
// tick. ExportSpans therefore returns an error only for what the SDK gave up
// (a 4xx the server will answer again, an event too large, a full retry
// queue) and this component marks those errors permanent
// (consumererror.NewPermanent), so the exporterhelper never retries them.
// retry_on_failure is off by default for that reason: turning it on retries
// only shutdown and context errors, and a retried batch may be sent twice
// (harmless, since observations and trace rows are upserts, but wasted).
// The sending_queue (on by default) decouples the pipeline from the
// network as in any Collector exporter. Shutdown keeps its deadline: the
// exports still running when its context ends (a request retrying against
// a dead backend) are cancelled, and what they did not deliver is returned
// as a *exporter.DeliveryError.
package agenttraceexporter
