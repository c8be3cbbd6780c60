// Package openaitrace traces the calls of the official OpenAI Go client
// (github.com/openai/openai-go/v3) as AgentTrace generations: the Go form of
// the Python SDK's wrap_openai.
//
//	client := openai.NewClient(option.WithAPIKey(key), openaitrace.Option(atClient))
//	ctx, tr := atClient.Trace(ctx, "support-answer")
//	defer tr.End()
//	completion, err := client.Chat.Completions.New(ctx, params) // one generation under tr
//
// [Option] is a request option built on the client's option.WithMiddleware.
// Chat completions, the Responses API and embeddings (streamed or not) are
// traced; every other endpoint passes through untouched.
//
// # What a generation records
//
// The generation is named "{operation} {model}" ("chat gpt-4.1-mini",
// "embeddings text-embedding-3-small"; embeddings are observations of type
// embedding) and records, as AgentTrace fields and GenAI attributes
// (package semconv):
//
//   - the provider (gen_ai.provider.name "openai"), the requested and the
//     answering model, the response id and the finish reasons;
//   - the request's parameters (temperature, max tokens, top p, stop, seed,
//     reasoning effort, response format...) as model parameters, with the
//     gen_ai.request.* mirrors;
//   - the input (chat messages, or Responses input and instructions, with the
//     tool definitions when there are any; embedding inputs) and the output
//     (the answer message with its tool calls and their arguments; the
//     Responses output items; for embeddings, how many vectors of which
//     dimension, not the vectors), unless [WithCaptureContent] is off. They
//     go through the instrument client's mask and content budget;
//   - the usage, with the GenAI meaning of each count: OpenAI's prompt and
//     input tokens already include the cached tokens and its completion and
//     output tokens the reasoning tokens, so they are recorded as they are,
//     with the cached tokens as gen_ai.usage.cache_read.input_tokens and the
//     reasoning tokens as gen_ai.usage.reasoning.output_tokens (nothing is
//     counted twice); the total is input plus output;
//   - for streams, the completion start time: when the first content (text,
//     refusal or tool call) arrived, for time to first token;
//   - errors: the HTTP status, the API's error message, type and code, level
//     ERROR and the span status Error. The application still gets the
//     client's own error.
//
// # Retries
//
// The client runs its middlewares once per HTTP attempt and retries 408,
// 409, 429, 5xx and connection errors. The option installs a middleware bound
// to each call (the client applies its options once per call), so the
// attempts of a call (the X-Stainless-Retry-Count header counts them) are one
// generation. It ends when the call does: a response the client keeps is
// read to its end, a retryable answer that the client closes unread is
// followed by the next attempt, a connection error ends it once the retries
// (the call's MaxRetries) are used up, and the call's context ending first
// ends it too. A call with more than one attempt records each attempt as a
// child span of the generation (status, error, http.request.resend_count;
// retried ones at level WARNING) and the generation has
// http.request.resend_count.
//
// # Streams
//
// Streamed answers are parsed as they pass to the application (nothing is
// buffered before the application sees it): the chat completion chunks by
// package llmtrace/openaiapi, which the integrations of other OpenAI
// clients share, and the Responses stream events with the client's own
// types. The generation ends at the stream's final event;
// a stream cut midway ends it with level ERROR and the output received so far;
// a stream the application closes early ends it at level WARNING; a stream
// that is neither read to its end nor closed ends it when it becomes
// unreachable (and its connection is then closed).
//
// A streamed chat completion carries its usage only when the request set
// stream_options.include_usage. Without it the generation says that its usage
// is unavailable (agenttrace.generation.usage.unavailable) rather than
// recording zeros; [WithStreamUsage] makes the option ask for it.
//
// # Where generations go
//
// A call whose context carries an AgentTrace observation (a trace, a span,
// an Observe) is a child of it; a call without one starts a new trace of the
// client given to Option, whose root observation is the generation. With a
// nil or disabled client, only calls made inside an observation are traced;
// the others run without the tracing middleware.
//
// # Limits
//
// When the call's context ends while the client waits to retry, the client
// returns at once and the generation is ended by the context's AfterFunc, a
// moment later. The option reads the call's MaxRetries and context from the
// client's request configuration (two exported fields of a type that
// openai-go documents as unstable); should they disappear in a later version,
// the default of two retries is assumed.
package openaitrace
