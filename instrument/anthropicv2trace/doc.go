// Package anthropicv2trace traces the calls of version 2 of the official
// Anthropic Go client (github.com/anthropics/anthropic-sdk-go/v2) as
// AgentTrace generations, as package instrument/anthropictrace does for
// version 1:
//
//	client := anthropic.NewClient(anthropicv2trace.Option(atClient))
//	ctx, tr := atClient.Trace(ctx, "library-assistant")
//	defer tr.End()
//	msg, err := client.Messages.New(ctx, params) // one generation under tr
//
// # Why a module of its own, and its name
//
// Each integration is a module of its own, so that the version of the
// client is the application's choice and the SDK's module requires none.
// The client's v1 and v2 are two modules with distinct import paths and
// types, so the integration of v2 cannot be anthropictrace's: an option
// built on v1's option package does not apply to a v2 client. Its path is
// not instrument/anthropictrace/v2 either, since in Go a /v2 suffix names
// the second major version of the module it ends (here, a v2 of
// anthropictrace, with a changed API), not support for the client's v2.
// The name says what it traces: anthropic + v2 + trace, the client's major
// in the package name, beside anthropictrace in instrument/, so that both
// can be imported in one program (during a migration from v1 to v2, say).
//
// # Shared with v1
//
// The two majors of the client speak the same Messages wire format, and
// what the tracing reads (the request's model, parameters and input; the
// answer, its stream, its usage and its errors) is read from that JSON by
// package instrument/llmtrace/anthropicapi, which both integrations use:
// this package only adapts it to v2's option package. Generations recorded
// through v1 and v2 are therefore alike, and [Setting] is the same type in
// both packages. Everything anthropictrace's documentation says of what a
// generation records (names, parameters, input and output, usage following
// the GenAI conventions where the input includes cached tokens and thinking
// tokens are reasoning, errors), of retries (one generation per call, each
// attempt a child span when there are several) and of streams (time to
// first token, an ERROR when cut, a WARNING when closed early or
// abandoned) holds here.
//
// v2 sends API version 2026-10-21 (the anthropic-version header), where v1
// sends 2023-06-01; v2's MessageNewParams has no temperature, top_p or
// top_k. The tracing records the parameters a request carries, whichever
// they are.
//
// # The SDK's own spans
//
// anthropic-sdk-go/v2 emits an OpenTelemetry span for every API call, as
// v1 does, through the globally registered TracerProvider unless
// option.WithTracerProvider says otherwise. Option turns them off for the
// calls it traces (option.WithoutOpenTelemetry), for the reasons
// anthropictrace's documentation gives: the generation carries the same
// GenAI attributes, with the instrument client's mask and content budget.
// An application that wants the SDK's spans anyway can give
// option.WithOpenTelemetryTraces(true) after Option.
//
// # Limits
//
// The option reads the call's MaxRetries and context from the client's
// request configuration (exported fields of an internal type); should they
// disappear in a later version, the default of two retries is assumed.
package anthropicv2trace
