package exporter

import (
	"strings"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// knownScopes are instrumentation scope names (prefixes) of LLM
// instrumentations whose spans are kept even without GenAI attributes.
var knownScopes = []string{
	"github.com/agenttrace/agenttrace-otel-go",
	"github.com/openai/openai-go",
	"github.com/anthropics/anthropic-sdk-go",
	"com.anthropic.sdk.go",
	"openinference.instrumentation",
	"opentelemetry.instrumentation.openai",
	"opentelemetry.instrumentation.anthropic",
	"opentelemetry.instrumentation.bedrock",
	"opentelemetry.instrumentation.vertexai",
	"opentelemetry.instrumentation.google_generativeai",
	"opentelemetry.instrumentation.mistralai",
	"opentelemetry.instrumentation.langchain",
	"opentelemetry.instrumentation.llamaindex",
	"@traceloop/instrumentation",
	"@arizeai/openinference",
}

// DefaultSpanFilter is the span filter of an exporter without
// [WithSpanFilter] or [WithExportAllSpans]: it keeps spans with AgentTrace,
// GenAI (gen_ai.*) or OpenInference (llm.*, openinference.span.kind)
// attributes, and every span of a known LLM instrumentation scope. HTTP,
// database and other spans are left out; their exported descendants attach
// to their nearest exported ancestor.
func DefaultSpanFilter(s sdktrace.ReadOnlySpan) bool {
	if knownScope(s.InstrumentationScope().Name) {
		return true
	}
	for _, kv := range s.Attributes() {
		if relevantKey(string(kv.Key)) {
			return true
		}
	}
	return false
}

func knownScope(name string) bool {
	for _, p := range knownScopes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// relevantKey reports whether an attribute marks a span as an LLM or
// AgentTrace span.
func relevantKey(k string) bool {
	return strings.HasPrefix(k, "agenttrace.") || strings.HasPrefix(k, "gen_ai.") ||
		strings.HasPrefix(k, "llm.") || k == "openinference.span.kind"
}

// instrumentScope prefixes the scope names of the SDK's own tracers.
const instrumentScope = "github.com/agenttrace/agenttrace-otel-go/"

// keep applies the exporter's filter to a converted span and sets its
// trusted flag.
func (e *Exporter) keep(s sdktrace.ReadOnlySpan, c *span) bool {
	switch {
	case e.filter != nil && !e.defaultFilter:
		return e.filter(s)
	case e.cfg.exportAll:
		return true
	}
	// A trace's root is not trusted: its OTel parent may be a span of
	// another instrumentation (an HTTP server span) that is filtered out.
	c.trusted = strings.HasPrefix(c.scope, instrumentScope) && c.trace.name == ""
	return c.relevant || knownScope(c.scope)
}
