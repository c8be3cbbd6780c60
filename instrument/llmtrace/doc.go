// Package llmtrace is the machinery shared by the LLM integrations
// (instrument/openaitrace, anthropictrace, anthropicv2trace, goopenaitrace,
// genaitrace, bedrocktrace): it turns each call of an LLM client into one
// AgentTrace generation, however many HTTP attempts the client's retry loop
// makes. It is not for applications: trace an LLM client with its
// integration, and record the calls of any other client by hand with
// instrument's Generation.
//
// It is public because the integrations are modules of their own, so that
// the SDK's module requires no LLM client, and what code of another module
// builds on must keep the compatibility promise of a public API. It
// imports no LLM client. A [Provider] reads one API's requests and
// responses from their JSON: the OpenAI and Anthropic wire formats, which
// several clients speak, are read once, in the subpackages openaiapi and
// anthropicapi; the others in their integration's module.
//
// The official OpenAI and Anthropic clients apply their request options once
// per call and run their middlewares once per attempt. [RequestOption] builds a request option
// that the clients accept (without naming their internal configuration
// type) and that installs, for every call, a middleware bound to that
// call's state.
// The middleware starts the generation at the first attempt, under the
// current AgentTrace observation of the call's context (or as the root of a
// new trace), and wraps every response body. The generation ends when the
// call does:
//
//   - a response the client reads (a JSON answer, an error answer) ends it
//     once read to its end; a retryable error status that the client closes
//     unread is a retry, and the next attempt follows;
//   - an attempt without a response (a connection error) ends it when the
//     retries are used up (MaxRetries, read from the call's configuration)
//     or the call's context is done;
//   - a stream ends it at its final event, when it is cut (error), when it
//     is closed early (warning), or, never read to its end nor closed, when
//     its body becomes unreachable (runtime.AddCleanup);
//   - the call's context ending first ends it (context.AfterFunc).
//
// When there was more than one attempt, each becomes a child span of the
// generation. Clients that take an HTTP client but no middleware
// (go-openai, Google GenAI) are traced with [Transport], one call per round
// trip. A [Provider] knows one API's endpoints: what a request is, and how
// its responses and stream events read.
package llmtrace
