package semconvtest

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/agenttrace/agenttrace-otel-go/semconv"
)

// Kind is the kind of a [Problem].
type Kind string

// Kinds of problems.
const (
	// KindDeprecated is a deprecated gen_ai.* key.
	KindDeprecated Kind = "deprecated"
	// KindUnknown is a gen_ai.* or agenttrace.* key the conventions do not
	// define.
	KindUnknown Kind = "unknown"
	// KindTokenCount is a token count that is not a non-negative integer
	// or disagrees with the other counts of its span.
	KindTokenCount Kind = "token count"
)

// Problem is one way a span departs from the conventions.
type Problem struct {
	// Span and SpanID identify the span.
	Span   string
	SpanID trace.SpanID
	// Event is the name of the span event whose attribute is at fault, ""
	// for an attribute of the span itself.
	Event string
	// Key is the attribute at fault.
	Key  attribute.Key
	Kind Kind
	// Message says what is wrong.
	Message string
}

// String describes the problem in one line, for test output.
func (p Problem) String() string {
	where := fmt.Sprintf("span %q", p.Span)
	if p.Event != "" {
		where += fmt.Sprintf(" event %q", p.Event)
	}
	return fmt.Sprintf("%s: %s: %s: %s", where, p.Key, p.Kind, p.Message)
}

// Check returns the problems of spans, span by span in their order, and
// within a span ordered by key. It returns nil when every span conforms.
func Check(spans []sdktrace.ReadOnlySpan) []Problem {
	var all []Problem
	for _, s := range spans {
		c := checker{span: s.Name(), id: s.SpanContext().SpanID()}
		c.keys(s.Attributes(), "")
		for _, ev := range s.Events() {
			c.keys(ev.Attributes, ev.Name)
		}
		c.usage(s.Attributes(), genAIUsage)
		c.usage(s.Attributes(), openInferenceUsage)
		slices.SortStableFunc(c.problems, func(a, b Problem) int {
			return cmp.Or(cmp.Compare(a.Event, b.Event), cmp.Compare(a.Key, b.Key))
		})
		all = append(all, c.problems...)
	}
	return all
}

// AssertConformant reports each problem of spans as an error of t and
// returns whether there was none.
func AssertConformant(t testing.TB, spans []sdktrace.ReadOnlySpan) bool {
	t.Helper()
	problems := Check(spans)
	for _, p := range problems {
		t.Errorf("semconvtest: %s", p)
	}
	return len(problems) == 0
}

// checker collects the problems of one span.
type checker struct {
	span     string
	id       trace.SpanID
	problems []Problem
}

func (c *checker) add(event string, key attribute.Key, kind Kind, format string, args ...any) {
	c.problems = append(c.problems, Problem{
		Span: c.span, SpanID: c.id, Event: event, Key: key, Kind: kind,
		Message: fmt.Sprintf(format, args...),
	})
}

// keys flags the deprecated and unknown keys of attrs.
func (c *checker) keys(attrs []attribute.KeyValue, event string) {
	for _, kv := range attrs {
		k := string(kv.Key)
		genAI := strings.HasPrefix(k, "gen_ai.")
		if !genAI && !strings.HasPrefix(k, "agenttrace.") {
			continue
		}
		if replacement, ok := deprecated[kv.Key]; ok {
			c.add(event, kv.Key, KindDeprecated, "%s", strings.TrimSuffix(replacement, "."))
			continue
		}
		if known[kv.Key] {
			continue
		}
		if genAI {
			c.add(event, kv.Key, KindUnknown, "not a key of the GenAI semantic conventions %s", genAIVersion)
		} else {
			c.add(event, kv.Key, KindUnknown, "not an AgentTrace key (see package semconv)")
		}
	}
}

// usageKeys are the token count keys of one convention; where a count has
// several keys, the current one comes first.
type usageKeys struct {
	input, output, total, cacheRead, cacheCreation, reasoning []attribute.Key
}

var (
	genAIUsage = usageKeys{
		input:         []attribute.Key{semconv.GenAIUsageInputTokensKey, semconv.GenAIUsagePromptTokensKey},
		output:        []attribute.Key{semconv.GenAIUsageOutputTokensKey, semconv.GenAIUsageCompletionTokensKey},
		total:         []attribute.Key{semconv.GenerationUsageTotalTokensKey},
		cacheRead:     []attribute.Key{semconv.GenAIUsageCacheReadInputTokensKey, semconv.GenAIUsageCacheReadInputTokensDeprecatedKey},
		cacheCreation: []attribute.Key{semconv.GenAIUsageCacheCreationInputTokensKey, semconv.GenAIUsageCacheCreationInputTokensDeprecatedKey},
		reasoning:     []attribute.Key{semconv.GenAIUsageReasoningOutputTokensKey},
	}
	openInferenceUsage = usageKeys{
		input:         []attribute.Key{semconv.LLMTokenCountPromptKey},
		output:        []attribute.Key{semconv.LLMTokenCountCompletionKey},
		total:         []attribute.Key{semconv.LLMTokenCountTotalKey},
		cacheRead:     []attribute.Key{semconv.LLMTokenCountPromptCacheReadKey},
		cacheCreation: []attribute.Key{semconv.LLMTokenCountPromptCacheWriteKey},
	}
)

// count is a token count found on a span.
type count struct {
	key attribute.Key
	n   int64
	ok  bool
}

// usage checks the token counts of one convention.
func (c *checker) usage(attrs []attribute.KeyValue, u usageKeys) {
	get := func(keys []attribute.Key) count {
		for _, k := range keys {
			for _, kv := range attrs {
				if kv.Key != k {
					continue
				}
				if kv.Value.Type() != attribute.INT64 {
					c.add("", k, KindTokenCount, "is a %s, want an int", strings.ToLower(kv.Value.Type().String()))
					return count{}
				}
				n := kv.Value.AsInt64()
				if n < 0 {
					c.add("", k, KindTokenCount, "is negative (%d)", n)
					return count{}
				}
				return count{key: k, n: n, ok: true}
			}
		}
		return count{}
	}
	in, out, total := get(u.input), get(u.output), get(u.total)
	read, creation, reasoning := get(u.cacheRead), get(u.cacheCreation), get(u.reasoning)
	if total.ok && in.ok && out.ok && total.n != in.n+out.n {
		c.add("", total.key, KindTokenCount, "total %d is not input %d + output %d = %d", total.n, in.n, out.n, in.n+out.n)
	}
	if in.ok && (read.ok || creation.ok) && read.n+creation.n > in.n {
		key := read.key
		if !read.ok || creation.ok && creation.n > read.n {
			key = creation.key
		}
		c.add("", key, KindTokenCount, "cache read %d + cache creation %d tokens exceed the %d input tokens (%s counts them)",
			read.n, creation.n, in.n, in.key)
	}
	if out.ok && reasoning.ok && reasoning.n > out.n {
		c.add("", reasoning.key, KindTokenCount, "%d reasoning tokens exceed the %d output tokens (%s counts them)",
			reasoning.n, out.n, out.key)
	}
}
