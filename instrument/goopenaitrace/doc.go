// Package goopenaitrace traces the calls of the community OpenAI Go client
// github.com/sashabaranov/go-openai as AgentTrace generations.
//
//	cfg := goopenaitrace.WrapConfig(openai.DefaultConfig(key), atClient)
//	client := openai.NewClientWithConfig(cfg)
//	ctx, tr := atClient.Trace(ctx, "support-answer")
//	defer tr.End()
//	resp, err := client.CreateChatCompletion(ctx, req) // one generation under tr
//
// # Why WrapConfig
//
// go-openai has no middleware: everything it sends goes through the
// HTTPClient of its ClientConfig, the one value a go-openai user already
// builds before the client. [WrapConfig] takes that configuration and
// returns it with a traced HTTP client, so the entry point reads like the
// client's own setup, works for openai.DefaultConfig, DefaultAzureConfig
// and any OpenAI-compatible BaseURL, and keeps the HTTP client the
// application chose (an *http.Client is copied with its transport wrapped;
// any other HTTPDoer is called in place of a transport).
//
// Chat completions (CreateChatCompletion, CreateChatCompletionStream) and
// embeddings (CreateEmbeddings) are traced; every other endpoint (the
// Responses API, files, images, assistants...) passes through untouched.
//
// # What a generation records
//
// What the integration of the official client records (instrument/openaitrace),
// read from the same bytes by package llmtrace/openaiapi: the generation is
// named "{operation} {model}" ("chat gpt-4.1-mini") and records
//
//   - the provider (gen_ai.provider.name "openai"), the requested and the
//     answering model, the response id and the finish reasons;
//   - the request's parameters as model parameters, with the
//     gen_ai.request.* mirrors;
//   - the input (the messages, with the tool definitions when there are
//     any; embedding inputs) and the output (the answer message with its
//     tool calls and their arguments; for embeddings, how many vectors of
//     which dimension), unless [WithCaptureContent] is off. They go through
//     the instrument client's mask and content budget;
//   - the usage with the GenAI conventions' meaning: prompt_tokens already
//     include the cached tokens and completion_tokens the reasoning tokens,
//     so they are recorded as they are, with the cached tokens as
//     gen_ai.usage.cache_read.input_tokens and the reasoning tokens as
//     gen_ai.usage.reasoning.output_tokens;
//   - for streams, the completion start time (time to first token);
//   - errors: the HTTP status, the API's error message, type and code, level
//     ERROR. The application still gets go-openai's own *openai.APIError.
//
// go-openai does not retry: every call is one HTTP attempt, and an error
// answer (a 429, a 5xx) is the generation's error. A retry loop of the
// application makes a generation of each call.
//
// # Streams
//
// Streamed answers are parsed as they pass to the application. The
// generation ends at the stream's [DONE]; a stream cut midway ends it with
// level ERROR and the output received so far; a stream the application
// closes early ends it at level WARNING; a stream neither read to its end
// nor closed ends it when it becomes unreachable.
//
// go-openai sends stream_options.include_usage only when the request's
// StreamOptions sets IncludeUsage. Without it the generation says that its
// usage is unavailable rather than recording zeros; [WithStreamUsage] makes
// the traced client ask for it.
//
// # Where generations go
//
// A call whose context carries an AgentTrace observation is a child of it;
// a call without one starts a new trace of the client given to WrapConfig,
// whose root observation is the generation. With a nil or disabled client,
// only calls made inside an observation are traced.
package goopenaitrace
