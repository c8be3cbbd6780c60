package semconv

import "go.opentelemetry.io/otel/attribute"

// Deprecated GenAI keys. Instrumentations written against older releases of
// the semantic conventions still send them, so the exporter reads each one
// when its replacement is absent. The SDK never writes them.
const (
	// GenAISystemKey is the attribute Key "gen_ai.system", the provider of
	// the model.
	//
	// Type: string
	// Deprecated: replaced by gen_ai.provider.name (semantic conventions
	// v1.37.0).
	GenAISystemKey = attribute.Key("gen_ai.system")

	// GenAIUsagePromptTokensKey is the attribute Key
	// "gen_ai.usage.prompt_tokens", the number of input tokens.
	//
	// Type: int
	// Deprecated: replaced by gen_ai.usage.input_tokens (semantic conventions
	// v1.27.0).
	GenAIUsagePromptTokensKey = attribute.Key("gen_ai.usage.prompt_tokens")

	// GenAIUsageCompletionTokensKey is the attribute Key
	// "gen_ai.usage.completion_tokens", the number of output tokens.
	//
	// Type: int
	// Deprecated: replaced by gen_ai.usage.output_tokens (semantic conventions
	// v1.27.0).
	GenAIUsageCompletionTokensKey = attribute.Key("gen_ai.usage.completion_tokens")

	// GenAIUsageCacheReadInputTokensDeprecatedKey is the attribute Key
	// "gen_ai.usage.cache_read_input_tokens", the number of input tokens read
	// from the provider's cache, as OpenLLMetry sends it.
	//
	// Type: int
	// Deprecated: replaced by gen_ai.usage.cache_read.input_tokens.
	GenAIUsageCacheReadInputTokensDeprecatedKey = attribute.Key("gen_ai.usage.cache_read_input_tokens")

	// GenAIUsageCacheCreationInputTokensDeprecatedKey is the attribute Key
	// "gen_ai.usage.cache_creation_input_tokens", the number of input tokens
	// written to the provider's cache, as OpenLLMetry sends it.
	//
	// Type: int
	// Deprecated: replaced by gen_ai.usage.cache_creation.input_tokens.
	GenAIUsageCacheCreationInputTokensDeprecatedKey = attribute.Key("gen_ai.usage.cache_creation_input_tokens")

	// GenAIPromptKey is the attribute Key "gen_ai.prompt", the prompt sent to
	// the model as JSON.
	//
	// Type: JSON
	// Deprecated: replaced by gen_ai.input.messages (semantic conventions
	// v1.28.0 moved content to events, v1.37.0 to attributes).
	GenAIPromptKey = attribute.Key("gen_ai.prompt")

	// GenAICompletionKey is the attribute Key "gen_ai.completion", the
	// completion returned by the model as JSON.
	//
	// Type: JSON
	// Deprecated: replaced by gen_ai.output.messages.
	GenAICompletionKey = attribute.Key("gen_ai.completion")

	// GenAIOpenAIRequestSeedKey is the attribute Key
	// "gen_ai.openai.request.seed", the seed of an OpenAI request.
	//
	// Type: int
	// Deprecated: replaced by gen_ai.request.seed.
	GenAIOpenAIRequestSeedKey = attribute.Key("gen_ai.openai.request.seed")

	// GenAIOpenAIRequestResponseFormatKey is the attribute Key
	// "gen_ai.openai.request.response_format", the response format of an
	// OpenAI request.
	//
	// Type: string
	// Deprecated: replaced by gen_ai.output.type.
	GenAIOpenAIRequestResponseFormatKey = attribute.Key("gen_ai.openai.request.response_format")
)

// Keys of the spans anthropic-sdk-go records by itself (scope
// com.anthropic.sdk.go) that are not in the pinned GenAI conventions. The
// exporter reads them; the SDK never writes them.
const (
	// GenAIUsageCacheWriteInputTokensKey is the attribute Key
	// "gen_ai.usage.cache_write.input_tokens", the number of input tokens
	// written to the provider's cache, as anthropic-sdk-go records it.
	//
	// Type: int
	// Deprecated: not a key of the GenAI conventions; use
	// gen_ai.usage.cache_creation.input_tokens.
	GenAIUsageCacheWriteInputTokensKey = attribute.Key("gen_ai.usage.cache_write.input_tokens")

	// AnthropicMessageStopReasonKey is the attribute Key
	// "anthropic.message.stop_reason", why the model stopped, as
	// anthropic-sdk-go records it; the exporter reads it as the finish
	// reason.
	//
	// Type: string
	// Mirrors: gen_ai.response.finish_reasons
	AnthropicMessageStopReasonKey = attribute.Key("anthropic.message.stop_reason")
)

// OpenInference keys (github.com/Arize-ai/openinference, semantic conventions
// of the OpenInference instrumentations). The exporter reads them so spans of
// those instrumentations become observations with their model, usage, input
// and output. The SDK never writes them.
const (
	// OpenInferenceSpanKindKey is the attribute Key "openinference.span.kind":
	// LLM, EMBEDDING, CHAIN, TOOL, AGENT, RETRIEVER, RERANKER, GUARDRAIL or
	// EVALUATOR.
	//
	// Type: string
	OpenInferenceSpanKindKey = attribute.Key("openinference.span.kind")

	// LLMModelNameKey is the attribute Key "llm.model_name", the model of an
	// LLM span.
	//
	// Type: string
	LLMModelNameKey = attribute.Key("llm.model_name")

	// LLMProviderKey is the attribute Key "llm.provider", the hosting provider
	// of the model.
	//
	// Type: string
	LLMProviderKey = attribute.Key("llm.provider")

	// LLMSystemKey is the attribute Key "llm.system", the model family's
	// vendor.
	//
	// Type: string
	LLMSystemKey = attribute.Key("llm.system")

	// LLMInvocationParametersKey is the attribute Key
	// "llm.invocation_parameters", the parameters of the call as a JSON
	// object.
	//
	// Type: JSON object
	LLMInvocationParametersKey = attribute.Key("llm.invocation_parameters")

	// LLMTokenCountPromptKey is the attribute Key "llm.token_count.prompt",
	// the number of input tokens.
	//
	// Type: int
	LLMTokenCountPromptKey = attribute.Key("llm.token_count.prompt")

	// LLMTokenCountCompletionKey is the attribute Key
	// "llm.token_count.completion", the number of output tokens.
	//
	// Type: int
	LLMTokenCountCompletionKey = attribute.Key("llm.token_count.completion")

	// LLMTokenCountTotalKey is the attribute Key "llm.token_count.total", the
	// total number of tokens.
	//
	// Type: int
	LLMTokenCountTotalKey = attribute.Key("llm.token_count.total")

	// LLMTokenCountPromptCacheReadKey is the attribute Key
	// "llm.token_count.prompt_details.cache_read", the number of input tokens
	// read from the provider's cache.
	//
	// Type: int
	LLMTokenCountPromptCacheReadKey = attribute.Key("llm.token_count.prompt_details.cache_read")

	// LLMTokenCountPromptCacheWriteKey is the attribute Key
	// "llm.token_count.prompt_details.cache_write", the number of input tokens
	// written to the provider's cache.
	//
	// Type: int
	LLMTokenCountPromptCacheWriteKey = attribute.Key("llm.token_count.prompt_details.cache_write")

	// InputValueKey is the attribute Key "input.value", the input of a span.
	//
	// Type: string (JSON when input.mime_type is application/json)
	InputValueKey = attribute.Key("input.value")

	// InputMimeTypeKey is the attribute Key "input.mime_type", the media type
	// of input.value.
	//
	// Type: string
	InputMimeTypeKey = attribute.Key("input.mime_type")

	// OutputValueKey is the attribute Key "output.value", the output of a
	// span.
	//
	// Type: string (JSON when output.mime_type is application/json)
	OutputValueKey = attribute.Key("output.value")

	// OutputMimeTypeKey is the attribute Key "output.mime_type", the media
	// type of output.value.
	//
	// Type: string
	OutputMimeTypeKey = attribute.Key("output.mime_type")

	// OpenInferenceMetadataKey is the attribute Key "metadata", free-form
	// metadata as a JSON object.
	//
	// Type: JSON object
	OpenInferenceMetadataKey = attribute.Key("metadata")

	// OpenInferenceTagsKey is the attribute Key "tag.tags", the tags of a
	// span.
	//
	// Type: string[]
	OpenInferenceTagsKey = attribute.Key("tag.tags")
)
