// Package anthropictrace traces the calls of the official Anthropic Go
// client (github.com/anthropics/anthropic-sdk-go) as AgentTrace
// generations: the Go form of the Python SDK's wrap_anthropic.
//
//	client := anthropic.NewClient(anthropictrace.Option(atClient))
//	ctx, tr := atClient.Trace(ctx, "library-assistant")
//	defer tr.End()
//	msg, err := client.Messages.New(ctx, params) // one generation under tr
//
// [Option] is a request option built on the client's option.WithMiddleware.
// Messages calls, streamed or not, are traced; every other endpoint (token
// counting, batches, files...) passes through untouched.
//
// # What a generation records
//
// The generation is named "chat {model}" and records, as AgentTrace fields
// and GenAI attributes (package semconv): the provider (gen_ai.provider.name
// "anthropic"), the requested and answering model, the message id and the
// stop reason; the parameters (max_tokens, temperature, top_p, top_k,
// stop_sequences, thinking, tool_choice...) as model parameters with the
// gen_ai.request.* mirrors; the input (the system prompt as a first message
// of role system, the messages, and the tool definitions when there are any)
// and the output (the content blocks: text, tool uses with their input,
// thinking without its signature), unless [WithCaptureContent] is off, through
// the instrument client's mask and content budget; for streams, the
// completion start time (the first content delta); and errors (HTTP status,
// the API's error type and message, level ERROR, span status Error).
//
// Usage follows the GenAI conventions, where the input count includes cached
// tokens. Anthropic's input_tokens counts only the tokens after the last
// cache breakpoint, so the generation's input is input_tokens +
// cache_read_input_tokens + cache_creation_input_tokens, with the two cache
// counts also recorded on their own (gen_ai.usage.cache_read.input_tokens,
// gen_ai.usage.cache_creation.input_tokens), thinking tokens as
// gen_ai.usage.reasoning.output_tokens, and a total of input plus output.
//
// # Retries and streams
//
// As in package openaitrace: the middleware runs once per HTTP attempt and is
// bound to its call, so a call is one generation however many attempts it
// takes (each attempt then becomes a child span). The client reads the body
// of the response that ends a call inside the attempt and retries when that
// read fails; the generation follows it. Streams are parsed as they pass,
// accumulated as Message.Accumulate does, and end the generation at
// message_stop, when cut (ERROR), when closed early (WARNING) or when
// abandoned (once unreachable).
//
// The reading of requests, answers, streams and error bodies is package
// instrument/llmtrace/anthropicapi, which works on the JSON the client sends
// and receives and which instrument/anthropicv2trace, the integration of
// anthropic-sdk-go/v2, shares: both majors trace alike.
//
// # The SDK's own spans
//
// anthropic-sdk-go emits an OpenTelemetry span for every API call by itself,
// through the globally registered TracerProvider unless
// option.WithTracerProvider says otherwise (and unless the variable
// ANTHROPIC_OPEN_TELEMETRY=false turns them off). A wrapped client would
// then record every call twice. Option therefore turns the SDK's spans off for
// the calls it traces (option.WithoutOpenTelemetry, which also stops the SDK
// from sending trace-context headers of its span): the generation carries
// the same GenAI attributes (model, usage, finish reasons, errors), so an
// OpenTelemetry backend fed by the instrument client's export loses nothing,
// and AgentTrace gets one observation with its own fields, mask and content
// budget.
//
// Enriching the SDK's span instead was rejected: it is created through the
// application's global provider, not necessarily the one that exports to
// AgentTrace, with the SDK's sampling; its content mode and size limits are
// the SDK's own, not the instrument client's mask and budget; and its
// lifecycle (ended when a streamed body ends) is internal to the SDK, so the
// generation's fields could not be set reliably before it ends.
//
// An application that wants the SDK's spans anyway can give
// option.WithOpenTelemetryTraces(true) after Option (options apply in order);
// each call then has both spans, side by side.
//
// # Limits
//
// When the call's context ends while the client waits to retry, the
// generation is ended by the context's AfterFunc, a moment after the client
// returned. The option reads the call's MaxRetries and context from the
// client's request configuration (exported fields of an internal type);
// should they disappear in a later version, the default of two retries is
// assumed.
package anthropictrace
