// Package anthropicapi is the Anthropic Messages API as package llmtrace
// sees it: the shared core of the two integrations of the official
// Anthropic Go client, instrument/anthropictrace (for
// github.com/anthropics/anthropic-sdk-go, v1) and instrument/anthropicv2trace
// (for github.com/anthropics/anthropic-sdk-go/v2). It is not for
// applications: give anthropictrace.Option or anthropicv2trace.Option to the
// client.
//
// The two majors of the client speak the same wire format (the Messages
// endpoint, its JSON answers, its server-sent events and its error bodies),
// but their Go types are distinct: a package that used either would tie the
// other to it. This package therefore reads the requests and responses as
// JSON, with encoding/json only, and imports no client; what differs
// between the integrations (the client's option package, which names the
// middleware and turns the client's own OpenTelemetry spans off) stays in
// their modules, a few lines each.
//
// [Provider] is the llmtrace.Provider of the API: what a request to
// /v1/messages is (model, parameters, input), how its answer and its stream
// read (output, usage with the GenAI conventions' meaning, finish reason,
// time to first token) and what an error body says. [Setting] and
// [WithCaptureContent] are the settings both integrations offer, and
// [NewConfig] applies them.
package anthropicapi
