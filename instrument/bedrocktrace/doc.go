// Package bedrocktrace traces the calls of the AWS SDK's Amazon Bedrock
// Runtime client (github.com/aws/aws-sdk-go-v2/service/bedrockruntime) as
// AgentTrace generations.
//
//	client := bedrockruntime.NewFromConfig(cfg, func(o *bedrockruntime.Options) {
//		bedrocktrace.AppendMiddlewares(&o.APIOptions, atClient)
//	})
//	ctx, tr := atClient.Trace(ctx, "library-assistant")
//	defer tr.End()
//	out, err := client.Converse(ctx, input) // one generation under tr
//
// [AppendMiddlewares] adds middlewares to the client's stack, the way
// otelaws.AppendMiddlewares does; given an aws.Config's APIOptions, it
// traces every Bedrock Runtime client made from that configuration and lets
// other services' calls pass. Converse, ConverseStream and InvokeModel
// calls are traced; every other operation (InvokeModelWithResponseStream,
// CountTokens, guardrails...) passes through untouched.
//
// # What a generation records
//
// The generation is named "chat {modelId}" and records, as AgentTrace fields
// and GenAI attributes (package semconv): the provider (gen_ai.provider.name
// "aws.bedrock"), the model id, the stop reason (finish reasons) and the
// request id of the answer (aws.request_id); the parameters (the members of
// inferenceConfig: maxTokens, temperature, topP, stopSequences; toolChoice,
// additionalModelRequestFields, performanceConfig, serviceTier,
// guardrailConfig) as model parameters with the gen_ai.request.* mirrors;
// the input (the system blocks as a first message of role system, the
// messages, and the tool definitions when there are any) and the output
// (the answer's message: text, toolUse blocks with their input, reasoning
// text), in Bedrock's own JSON shapes, unless [WithCaptureContent] is off,
// through the instrument client's mask and content budget; for streams, the
// completion start time (the first contentBlockDelta); and errors (the
// API's error code as error.type: ThrottlingException, ValidationException,
// ModelStreamErrorException...; the HTTP status; level ERROR).
//
// Usage follows the GenAI conventions, where the input count includes cached
// tokens. Bedrock's inputTokens counts only the tokens outside the prompt
// cache, so the generation's input is inputTokens + cacheReadInputTokens +
// cacheWriteInputTokens, with the two cache counts also recorded on their
// own (gen_ai.usage.cache_read.input_tokens,
// gen_ai.usage.cache_creation.input_tokens), and a total of input plus
// output (Bedrock's totalTokens, which counts the cached tokens too).
//
// # InvokeModel
//
// An InvokeModel body is in the model's own format (Anthropic Messages,
// Amazon Nova, Titan, Llama...): the generation records the body as its
// input and the answer as its output, as they are; the model parameters
// are the well-known members of those formats (max_tokens, max_gen_len,
// temperature, top_p, top_k, stop_sequences, thinking, tool_choice,
// anthropic_version, and the members of Nova's inferenceConfig and Titan's
// textGenerationConfig); the stop reason is a top-level stop_reason or
// stopReason. The usage comes from the answer's headers
// (x-amzn-bedrock-input-token-count, -output-token-count,
// -cache-read-input-token-count, -cache-write-input-token-count), which
// count as Converse does; models that send none have their usage recorded
// as unavailable.
//
// # Retries and streams
//
// One middleware sees the whole call (Initialize step), so a call is one
// generation however many attempts the client's retryer makes; another
// sees each HTTP attempt, inside the retry loop (innermost in the
// Deserialize step). When there was more than one attempt, each becomes a
// child span of the generation: the retried ones at level WARNING with the
// API's error type (x-amzn-errortype), the last with the call's outcome.
// The client decides the retries (its retryer, attempts and retry quota);
// the generation ends when the client's method returns.
//
// A ConverseStream answer is an AWS event stream
// (application/vnd.amazon.eventstream): the attempt middleware wraps its
// body and decodes the messages as the client reads them (with the AWS
// SDK's eventstream decoder), so nothing is buffered or delayed. The
// generation ends at the final metadata event; with ERROR when the service
// sends an exception message, when the connection is cut (the client itself
// then reports no error: smithy-go's codec takes an unexpected EOF for the
// end of the stream), or when the stream ends before its messageStop event;
// with WARNING when the application closes the stream before its end; and
// with the context's error when the call's context ends first. The partial
// output is kept in every case; the usage, which only the metadata event
// carries, is then recorded as unavailable.
//
// # The SDK's own spans
//
// The AWS SDK emits no span of its own unless the application gives the
// client a tracing provider (Options.TracerProvider, through smithy-go's
// OpenTelemetry adapter) or adds otelaws' middlewares. These are RPC spans
// ("Bedrock Runtime.Converse", "RetryLoop", "Attempt"...), without GenAI
// attributes, and the generation starts inside the operation's span.
// AgentTrace's exporter leaves them out by default (its span filter keeps
// GenAI and known LLM instrumentations' spans), and the generation then
// attaches to the observation around the call; exported anyway
// (exporter.WithExportAllSpans), they are plain spans above it. Either way
// the call is one generation, never two.
//
// # Limits
//
// A stream that the application neither reads to its end nor closes keeps
// the client's reading goroutine blocked, and its generation open until the
// call's context ends. InvokeModelWithResponseStream, whose chunks are each
// model's own stream format, is not traced.
package bedrocktrace
