// Package semconvtest checks recorded spans against AgentTrace's semantic
// conventions, in the spirit of testing/slogtest: a conformance helper for
// the tests of code that emits LLM spans, whether through the AgentTrace
// instrument package, another instrumentation, or by hand.
//
// [Check] returns what it finds wrong with each span (and its events):
//
//   - deprecated gen_ai.* keys, with the key that replaces each;
//   - unknown gen_ai.* keys: keys that are not in the GenAI semantic
//     conventions the SDK pins (v1.41.0, semconv/genai.go), typically a typo
//     or a key of a newer release AgentTrace does not read yet; and
//     unknown agenttrace.* keys;
//   - inconsistent token counts: a count that is not an integer or is
//     negative, a total that is not input + output when all three are set,
//     cache read and cache creation tokens that exceed the input tokens
//     (the conventions count them in the input), reasoning tokens that
//     exceed the output tokens. Both the gen_ai.* counts (with
//     agenttrace.generation.usage.total_tokens) and OpenInference's
//     llm.token_count.* are checked.
//
// [AssertConformant] reports each problem as a test error:
//
//	rec := tracetest.NewSpanRecorder()
//	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
//	runMyAgent(ctx, tp) // code under test
//	semconvtest.AssertConformant(t, rec.Ended())
//
// The known and deprecated keys are generated from the declarations of
// package semconv (go generate ./semconv), so the helper always agrees with
// what the exporter reads.
package semconvtest
