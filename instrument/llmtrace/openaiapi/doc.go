// Package openaiapi reads OpenAI's Chat Completions and Embeddings wire
// format for package llmtrace: what a request is, how its JSON answers,
// stream chunks and error bodies read. It imports no client, so that every
// integration of a client of that API (openai-go in
// instrument/openaitrace, sashabaranov/go-openai in
// instrument/goopenaitrace, and the many OpenAI-compatible servers they
// reach) records the same generation from the same bytes.
//
// Like llmtrace, it is not for applications: it is public because the
// integrations are modules of their own. [Provider] is the llmtrace
// Provider of the two endpoints; an integration whose client has more (the
// Responses API) builds its own Provider with [Provider.InspectChat],
// [InspectEmbeddings] and [Error].
//
// The usage is recorded with the GenAI conventions' meaning: OpenAI's
// prompt_tokens already include the cached tokens and its
// completion_tokens the reasoning tokens, so they are recorded as they are,
// with prompt_tokens_details.cached_tokens as the cache read tokens and
// completion_tokens_details.reasoning_tokens as the reasoning tokens.
package openaiapi
