package semconv

// The AgentTrace entry of the W3C tracestate (exporter/PROTOCOL.md A17).
//
// One OpenTelemetry trace is one AgentTrace trace, however many processes it
// crosses, and only one process writes its trace row: the owner. The
// tracestate entry says, on every span, whether the process that recorded
// the span owns its trace. It is set when a span starts by the sampler of
// the process (exporter.TraceOwnerSampler, which package instrument installs
// in its own TracerProvider), travels with traceparent to the next process
// (W3C Trace Context, or the TRACEPARENT and TRACESTATE environment
// variables of a child process) and, being part of each span's context,
// survives OTLP and Collectors.
//
//   - A span that starts a trace gets TraceStateOwner.
//   - A span whose parent is remote and carries the entry (a process of ours
//     upstream owns the trace) gets TraceStateJoined.
//   - A span whose parent is remote and carries no entry (the trace came in
//     from a process without this SDK: a plain OTel gateway, another
//     language) gets TraceStateOwner: the first process of ours on the path
//     owns the trace.
//   - Any other span inherits its parent's entry.
//
// An exporter writes no trace row for a trace whose spans carry
// TraceStateJoined. Spans without the entry (no such sampler in their
// process) are read as before: the local root writes the row.
//
// The value is the role, TraceStateOwner or TraceStateJoined, then "+"
// when the span is an AgentTrace observation (its attributes at start are
// AgentTrace, GenAI or OpenInference ones), then ":" and the 16-hex id of
// the nearest observation above the span, when there is one: "o+",
// "j:00f067aa0ba902b7". An observation whose parent is in another process,
// or is a span the exporter leaves out (the HTTP client span of the call
// to another service, that service's server span), hangs under that
// observation.
const (
	// TraceStateKey is the tracestate key of the AgentTrace entry.
	TraceStateKey = "agenttrace"
	// TraceStateOwner marks a span recorded by the process that owns its
	// trace's row.
	TraceStateOwner = "o"
	// TraceStateJoined marks a span recorded by a process that joined a
	// trace owned by a process upstream; it writes no trace row.
	TraceStateJoined = "j"
)
