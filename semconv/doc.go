// Package semconv holds the attribute keys of AgentTrace's semantic
// conventions: every key the SDK writes on spans or reads from them, in the
// style of go.opentelemetry.io/otel/semconv (Key constants, enum values as
// attribute.KeyValue variables).
//
// An AgentTrace observation is an OTel span. Its kind is
// [ObservationTypeKey]; its input, output and metadata are JSON text in
// [ObservationInputKey], [ObservationOutputKey] and [ObservationMetadataKey];
// trace-level fields ([TraceNameKey], [TraceUserIDKey], [TraceSessionIDKey],
// ...) may be set on any span of a trace and are merged by the exporter.
// Generations use the OpenTelemetry GenAI keys for what those conventions
// cover (model, provider, token usage, response) and the agenttrace.generation
// keys for the rest (model parameters, completion start time, prompt
// version). Checkpoints, file operations and terminal commands reuse the OTel
// vcs.*, file.* and process.* keys where they exist.
//
// # GenAI keys
//
// Go's go.opentelemetry.io/otel/semconv packages dropped the gen_ai.* keys
// after v1.41.0, so genai.go is our own pinned copy of them, generated from
// go.opentelemetry.io/otel/semconv/v1.41.0 and kept equal to it by a test.
// The deprecated names that older instrumentations still send
// ([GenAISystemKey], [GenAIUsagePromptTokensKey],
// [GenAIUsageCompletionTokensKey], ...) and the OpenInference keys
// ([LLMModelNameKey], [InputValueKey], ...) are declared beside them: the
// exporter reads them, the SDK never writes them.
//
// README.md in this directory has a table of every key, its type, its meaning
// and the key it mirrors; a test keeps it equal to the declarations here.
package semconv

//go:generate go run ./internal/gen/semconvgen
