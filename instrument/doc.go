// Package instrument is the AgentTrace API of applications: a [Client] that
// creates traces and observations (spans, generations, events) as
// OpenTelemetry spans carrying AgentTrace's attributes (package semconv),
// and sends them to AgentTrace through the exporter package, beside any
// other OpenTelemetry export.
//
// # Getting started
//
//	client, err := instrument.New(ctx) // AGENTTRACE_API_KEY from the environment
//	if err != nil {
//		return err
//	}
//	defer func() {
//		// Shutdown says what could not be delivered: check it.
//		if err := client.Shutdown(context.Background()); err != nil {
//			log.Print(err)
//		}
//	}()
//
//	ctx, tr := client.Trace(ctx, "chat", instrument.WithUserID("u-42"))
//	defer tr.End()
//	ctx, gen := tr.Generation(ctx, "gpt-call", instrument.WithModel("gpt-4"))
//	gen.SetInput(messages)
//	// ... call the model ...
//	gen.SetOutput(answer)
//	gen.SetUsage(instrument.Usage{InputTokens: 9, OutputTokens: 12})
//	gen.End()
//
// [Observe], [Do] and [Wrap] trace a function call in one line, keeping
// the function's signature (the Go form of the Python SDK's @observe).
// Which to use: [Observe] runs a function that returns a value, once, and
// records the value as the output; [Do] is the same for a function that
// returns only an error; [Wrap] returns a traced function to call many
// times (a tool in an agent's tool table), recording its argument as the
// input. When the work needs more than one observation, or sets fields as
// it goes, start one with [Client.Trace] or [Observation.Span] instead.
//
// # Configuration
//
// [New] reads defaults, then the AGENTTRACE_* environment variables, then
// its options; explicit options win. Where the API is and how to reach it
// ([WithConnection]) is a connection.Config, whose zero fields take
// AGENTTRACE_API_URL, AGENTTRACE_API_KEY, AGENTTRACE_PROJECT_ID,
// AGENTTRACE_INSECURE, AGENTTRACE_TIMEOUT and AGENTTRACE_RETRY_BUDGET; the
// exporter reads AGENTTRACE_DEBUG, AGENTTRACE_FLUSH_INTERVAL,
// AGENTTRACE_BATCH_SIZE, AGENTTRACE_MAX_REQUEST_BYTES, AGENTTRACE_GZIP and
// AGENTTRACE_EXPORT_ALL_SPANS ([WithExporterOptions] gives its options);
// the client itself reads AGENTTRACE_ENABLED, AGENTTRACE_SAMPLE_RATE and
// AGENTTRACE_JOIN_ENV_TRACE. An enabled client without an API key is an error at New. A
// disabled client ([WithEnabled](false) or AGENTTRACE_ENABLED=false) needs
// no key, starts no goroutine and hands out no-op observations.
//
// # Context and nesting
//
// Every observation is put in the context it returns, and nesting follows
// the context: [FromContext] returns the current observation (a no-op one,
// never nil, when there is none), [TraceFromContext] its trace, and
// [Observe] nests under whatever the context carries, so library code needs
// only a ctx. Contexts cross goroutines as usual (errgroup, worker pools).
// The explicit parent wins: parent.Span(ctx, ...) is a child of parent even
// when ctx carries something else. When spans of other instrumentations sit
// between an observation and its AgentTrace parent, the child records the
// parent's id (agenttrace.observation.parent_id) so the AgentTrace tree
// stays right however those spans are exported.
//
// The client is never global: [Observe] and [Wrap] take it as an argument
// to start a trace when the context has none, and nested calls may pass
// nil.
//
// # OpenTelemetry setups
//
// By default the client has its own TracerProvider: the AgentTrace
// exporter's own span processor (one bounded queue, paced to the server's
// request budget, dropping whole traces when full), span attribute count
// limit raised to 1024, the sample rate
// as ParentBased(TraceIDRatioBased(rate)), an ID generator that honours
// [WithTraceID], and OpenTelemetry's default resource (OTEL_SERVICE_NAME,
// OTEL_RESOURCE_ATTRIBUTES). [Client.TracerProvider] returns it for other
// instrumentations.
//
// Dual export: [WithOTLPEndpoint] or the standard
// OTEL_EXPORTER_OTLP_ENDPOINT / OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
// variables add plain OTLP/HTTP export of the same spans (to a Collector,
// Jaeger, Tempo...).
//
// An application that already has a TracerProvider adds AgentTrace export
// to it in two lines, and the client then creates its spans through that
// provider:
//
//	client, err := instrument.New(ctx, instrument.WithTracerProvider(tp))
//	tp.RegisterSpanProcessor(client.SpanProcessor())
//
// # Sampling
//
// The sample rate is decided per trace from the trace id: a trace is kept
// or dropped whole, and a dropped trace sends nothing. Observations under a
// disabled client or a sampled-out trace are shared no-op handles: creating
// one costs a few nanoseconds and no allocation, and the context is
// returned unchanged.
//
// # Captured content
//
// Inputs, outputs, metadata and event data may be any Go value. They are
// passed through the mask of [WithMask], then encoded as JSON within the
// budget of [WithMaxContentBytes] (32 KiB by default): long strings are cut
// with a marker, oversized values replaced by a marked preview, and values
// JSON cannot hold (channels, functions, cycles, NaN, failing marshalers)
// by readable placeholders. Encoding never panics and is skipped entirely
// when the observation does not record.
//
// # Prompts
//
// [Client.GetPrompt] fetches a managed prompt through a cached prompt
// client (package prompts) on the client's endpoint, and
// [prompts.Prompt.Compile] fills in its variables. [Generation.SetPrompt]
// and [WithPrompt] link a generation to the prompt it was made from
// (AgentTrace's promptName and promptVersion); [Trace.SetPrompt] links a
// trace, in its metadata.
//
// # Scores
//
// [Observation.Score] scores the trace of a [Trace] handle, or the
// observation of a span or generation handle; [Client.Score] scores a trace
// by id. Values are
// [scores.Numeric], [scores.Boolean] or [scores.Categorical]. Scores are
// sent after their trace exists on the server, also while it runs; the
// scores of a trace the sample rate drops are not sent. A score given while
// its span is live is also a gen_ai.evaluation.result event of the span.
//
// # Agent features
//
// Every observation handle records what a coding agent does, as spans of
// type checkpoint, file_operation and terminal_command that the exporter
// also sends to AgentTrace's REST records once their trace exists:
// [Observation.Checkpoint] snapshots files (sizes, SHA-256, what changed
// since the trace's previous checkpoint, the git commit, branch and
// repository URL); [Observation.FileOp] records a file operation with the
// hashes, line counts and a diff preview of its change, and
// [Observation.ReadFile], [Observation.WriteFile] and [Observation.EditFile]
// do the work and record it; [Observation.TerminalCmd] records a command,
// and [Observation.RunCommand] runs an *exec.Cmd and records it (output,
// exit code, duration, timeout, CPU time, peak memory) while the caller
// still receives the output. [Client.GitLink] and [Observation.GitLink]
// link a git commit to a trace, read with the git command-line tool.
//
// # One trace across processes
//
// A trace may cross processes: services calling each other with W3C Trace
// Context (otelhttp), and sub-agents or tools an agent runs as processes.
// [Observation.RunCommand] puts TRACEPARENT and TRACESTATE, naming the
// command's span, in the command's environment ([WithCommandTrace]), and a
// client whose context holds no span starts its traces as children of the
// span its own environment names ([WithJoinEnvTrace],
// AGENTTRACE_JOIN_ENV_TRACE). Only one process writes the trace's row:
// the client's own provider marks each span's tracestate with
// agenttrace=o (this process owns the trace) or agenttrace=j (a process of
// ours upstream does) through [exporter.TraceOwnerSampler], which a
// provider given to [WithTracerProvider] needs too.
//
// Captured output, arguments, environment values, diff previews and commit
// messages have their secrets redacted (API keys, tokens, passwords,
// private keys: see [WithRedaction], [WithRedactionPatterns]) and the mask
// applied, and are cut to [WithMaxOutputBytes] (64 KiB) when captured.
//
// # Lifecycle
//
// [Client.Flush] sends what is pending and [Client.Shutdown] also stops the
// client; both honour their context's deadline and return what could not be
// delivered. Call Shutdown before the program exits: spans are sent in the
// background, and what is still buffered when the process ends is lost.
//
// # Related packages
//
// Packages instrument/openaitrace and instrument/anthropictrace trace the
// calls of the official OpenAI and Anthropic Go clients as generations,
// with one request option. Package exporter/agenttracetest is an in-process
// AgentTrace server for the tests of instrumented code. README.md at the
// root of the repository is the user guide: configuration, OpenTelemetry
// setups, troubleshooting, and the Python SDK's calls in Go.
package instrument
