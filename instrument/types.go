package instrument

import (
	"fmt"
	"strings"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"

	"github.com/agenttrace/agenttrace-otel-go/semconv"
)

// Level is the severity of an observation.
type Level string

// Levels, as AgentTrace names them.
const (
	// LevelDebug is detail that is usually hidden.
	LevelDebug Level = "DEBUG"
	// LevelDefault is the level of ordinary observations.
	LevelDefault Level = "DEFAULT"
	// LevelWarning is a problem that did not stop the work.
	LevelWarning Level = "WARNING"
	// LevelError is a failure.
	LevelError Level = "ERROR"
)

// attr returns the attribute of l. Levels AgentTrace does not know are
// mapped as the exporter maps them (INFO to DEFAULT, WARN to WARNING...),
// with an error reported to otel.Handle.
func (l Level) attr() attribute.KeyValue {
	switch l {
	case LevelDebug:
		return semconv.LevelDebug
	case LevelDefault:
		return semconv.LevelDefault
	case LevelWarning:
		return semconv.LevelWarning
	case LevelError:
		return semconv.LevelError
	}
	var kv attribute.KeyValue
	switch strings.ToUpper(strings.TrimSpace(string(l))) {
	case "DEBUG", "TRACE":
		kv = semconv.LevelDebug
	case "WARNING", "WARN":
		kv = semconv.LevelWarning
	case "ERROR", "FATAL", "CRITICAL":
		kv = semconv.LevelError
	default:
		kv = semconv.LevelDefault
	}
	if !strings.EqualFold(string(l), kv.Value.AsString()) {
		otel.Handle(fmt.Errorf("agenttrace: level %q is not DEBUG, DEFAULT, WARNING or ERROR: using %s", l, kv.Value.AsString()))
	}
	return kv
}

// ObservationType is the kind of an observation. [Observation.Span] creates
// spans and [Observation.Generation] generations unless [WithType] says
// otherwise.
type ObservationType string

// Observation types.
const (
	// TypeSpan is a unit of work that is not an LLM call.
	TypeSpan ObservationType = "span"
	// TypeGeneration is a call to a model that generates content.
	TypeGeneration ObservationType = "generation"
	// TypeEvent is a point in time with no duration.
	TypeEvent ObservationType = "event"
	// TypeAgent is an agent invocation that decides what to do.
	TypeAgent ObservationType = "agent"
	// TypeTool is the execution of a tool an agent called.
	TypeTool ObservationType = "tool"
	// TypeChain is a fixed sequence of steps.
	TypeChain ObservationType = "chain"
	// TypeRetriever is a lookup in a document store or index.
	TypeRetriever ObservationType = "retriever"
	// TypeEmbedding is a call to an embedding model; create it with
	// [Observation.Generation] to have the generation setters.
	TypeEmbedding ObservationType = "embedding"
	// TypeGuardrail is a check that may block input or output.
	TypeGuardrail ObservationType = "guardrail"
	// TypeEvaluator is an evaluation of another observation.
	TypeEvaluator ObservationType = "evaluator"
)

func (t ObservationType) attr() attribute.KeyValue {
	switch t {
	case TypeSpan:
		return semconv.ObservationTypeSpan
	case TypeGeneration:
		return semconv.ObservationTypeGeneration
	case TypeEvent:
		return semconv.ObservationTypeEvent
	}
	return semconv.ObservationTypeKey.String(string(t))
}

// Usage is the token usage of a generation. InputTokens and OutputTokens
// are always recorded; the other counts only when not zero (without
// TotalTokens, AgentTrace adds input and output).
type Usage struct {
	InputTokens         int64
	OutputTokens        int64
	TotalTokens         int64
	CacheReadTokens     int64
	CacheCreationTokens int64
	ReasoningTokens     int64
}

func (u *Usage) appendAttrs(attrs []attribute.KeyValue) []attribute.KeyValue {
	attrs = append(attrs,
		semconv.GenAIUsageInputTokensKey.Int64(u.InputTokens),
		semconv.GenAIUsageOutputTokensKey.Int64(u.OutputTokens))
	if u.TotalTokens != 0 {
		attrs = append(attrs, semconv.GenerationUsageTotalTokensKey.Int64(u.TotalTokens))
	}
	if u.CacheReadTokens != 0 {
		attrs = append(attrs, semconv.GenAIUsageCacheReadInputTokensKey.Int64(u.CacheReadTokens))
	}
	if u.CacheCreationTokens != 0 {
		attrs = append(attrs, semconv.GenAIUsageCacheCreationInputTokensKey.Int64(u.CacheCreationTokens))
	}
	if u.ReasoningTokens != 0 {
		attrs = append(attrs, semconv.GenAIUsageReasoningOutputTokensKey.Int64(u.ReasoningTokens))
	}
	return attrs
}
