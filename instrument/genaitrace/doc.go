// Package genaitrace traces the calls of Google's Go GenAI client
// (google.golang.org/genai), on the Gemini API and on Vertex AI, as
// AgentTrace generations.
//
//	client, err := genai.NewClient(ctx, &genai.ClientConfig{
//		APIKey:     key,
//		HTTPClient: genaitrace.HTTPClient(atClient),
//	})
//	ctx, tr := atClient.Trace(ctx, "library-assistant")
//	defer tr.End()
//	resp, err := client.Models.GenerateContent(ctx, "gemini-2.5-flash", contents, config) // one generation under tr
//
// Models.GenerateContent and Models.GenerateContentStream are traced; every
// other endpoint (token counting, embeddings, files, caches...) passes
// through untouched.
//
// # Why an HTTP client
//
// genai has no middleware or request option: what it lets an application
// choose is the *http.Client in genai.ClientConfig.HTTPClient, which every
// call goes through, on both backends. [HTTPClient] returns one that traces,
// to put there; [Transport] wraps the transport of an HTTP client the
// application already has (one that adds Vertex AI credentials, say:
// genai uses the credentials it finds only when HTTPClient is nil). Both
// are built on llmtrace.Transport: every round trip is one call, whose
// context is the request's, which genai sets to the context given to
// GenerateContent. Wrapping the client's methods instead would need an
// interface of ours in front of genai.Models, which applications and
// frameworks (ADK, Genkit) do not call.
//
// # What a generation records
//
// The generation is named "generate_content {model}" (the operation name
// the GenAI conventions give Gemini's generateContent) and records, as
// AgentTrace fields and GenAI attributes (package semconv): the provider
// (gen_ai.provider.name "gcp.gemini", or "gcp.vertex_ai" for a Vertex AI
// path), the model of the request path, the answering model version and the
// response id, and the finish reasons as the API gives them ("STOP",
// "MAX_TOKENS"...); the generationConfig members, with toolConfig and
// cachedContent, as model parameters under snake_case names
// (max_output_tokens, top_p, thinking_config...; response schemas are
// left out), with the gen_ai.request.* mirrors; the input (the system
// instruction as a first content of role system, the contents, and the
// tool declarations when there are any) and the output (the candidate's
// content: text, thoughts without their signature, function calls with
// their arguments), unless [WithCaptureContent] is off, through the
// instrument client's mask and content budget; for streams, the completion
// start time (the first chunk with content); and errors (HTTP status, the
// API's status such as RESOURCE_EXHAUSTED as error.type, and its message).
//
// Usage follows the GenAI conventions. promptTokenCount already includes
// the cached tokens (cachedContentTokenCount, recorded on its own as
// gen_ai.usage.cache_read.input_tokens); the input count adds
// toolUsePromptTokenCount when there is one. candidatesTokenCount excludes
// the thoughts, so the output count is candidatesTokenCount +
// thoughtsTokenCount, with thoughtsTokenCount also recorded as
// gen_ai.usage.reasoning.output_tokens; the total is input plus output
// (the API's totalTokenCount).
//
// # Streams
//
// A streamed answer is a sequence of server-sent events, each a whole
// GenerateContentResponse, parsed as it passes to the client and
// accumulated: text and thoughts concatenated, function calls appended.
// It has no end marker: the chunk in which every candidate has its finish
// reason ends the generation. Every chunk carries the usage so far, so a
// stream cut before that chunk records no usage (level ERROR, with the
// partial output); a stream the application stops reading (breaking out of
// the iterator closes the body) ends at level WARNING, and one neither
// read to its end nor closed when it becomes unreachable.
//
// # Retries
//
// genai retries only when HTTPOptions.RetryOptions is set (it is not by
// default), in a loop around HTTPClient.Do that the HTTP client cannot
// tell from separate calls. Each attempt is then a generation of its own:
// an attempt that genai retries (a 429 or 5xx, which it closes unread)
// ends at level ERROR with its status alone, and the next attempt follows
// as another generation. Leave RetryOptions unset to record one generation
// per call.
//
// # The SDK's own spans
//
// genai emits no OpenTelemetry span of its own, so nothing is recorded
// twice.
package genaitrace
