package genaitrace_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"google.golang.org/genai"

	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttracetest"
	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/instrument/genaitrace"
	"github.com/agenttrace/agenttrace-otel-go/internal/llmreplay"
	"github.com/agenttrace/agenttrace-otel-go/internal/llmtest"
	"github.com/agenttrace/agenttrace-otel-go/semconv"
	"github.com/agenttrace/agenttrace-otel-go/semconv/semconvtest"
)

func TestMain(m *testing.M) { llmtest.Main(m, "GOOGLE_", "GEMINI_") }

type usage struct{ in, out, total, cacheRead, reasoning int64 }

func assertUsage(t *testing.T, o agenttracetest.Observation, s tracetest.SpanStub, want usage) {
	t.Helper()
	require.NotNil(t, o.Usage, "usage at the server")
	assert.Equal(t, agenttracetest.Usage{InputTokens: want.in, OutputTokens: want.out, TotalTokens: want.total,
		CacheReadTokens: want.cacheRead}, *o.Usage)
	assert.Equal(t, want.in, llmtest.Value(s, semconv.GenAIUsageInputTokensKey))
	assert.Equal(t, want.out, llmtest.Value(s, semconv.GenAIUsageOutputTokensKey))
	assert.Equal(t, want.total, llmtest.Value(s, semconv.GenerationUsageTotalTokensKey))
	if want.cacheRead != 0 {
		assert.Equal(t, want.cacheRead, llmtest.Value(s, semconv.GenAIUsageCacheReadInputTokensKey))
	}
	if want.reasoning != 0 {
		assert.Equal(t, want.reasoning, llmtest.Value(s, semconv.GenAIUsageReasoningOutputTokensKey))
	}
}

// run replays fixture through a traced client inside a trace and returns
// the trace's id; the call must succeed.
func run(t *testing.T, e *llmtest.Env, fixture string, settings ...genaitrace.Setting) string {
	t.Helper()
	f := fixtureCalls[fixture]
	e.LLM.Enqueue(llmtest.Answer(t, fixture))
	c := newClient(t, e, f.vertex, settings...)
	return e.Traced(func(ctx context.Context) {
		_, err := f.run(ctx, c)
		require.NoError(t, err)
	})
}

func TestGenerateContent(t *testing.T) {
	tests := []struct {
		name, fixture   string
		provider, model string
		params          string
		usage           usage
		input, output   []string
	}{
		{
			name: "text", fixture: "genai_generate_basic", provider: "gcp.gemini", model: geminiModel,
			params: `{"max_output_tokens":400,"temperature":0.5}`,
			// candidatesTokenCount excludes the thoughts: the GenAI
			// output count adds them.
			usage:  usage{in: 24, out: 58 + 347, total: 429, reasoning: 347},
			input:  []string{`"role":"system"`, "Suggest two novels about memory"},
			output: []string{`"role":"model"`, "Never Let Me Go"},
		},
		{
			name: "function call", fixture: "genai_generate_function_call", provider: "gcp.gemini", model: geminiModel,
			usage:  usage{in: 96, out: 21 + 64, total: 181, reasoning: 64},
			input:  []string{`"tools":[{"functionDeclarations"`, "check_availability"},
			output: []string{`"functionCall":{"args":{"branch":"Riverside","title":"Piranesi"},"name":"check_availability"}`},
		},
		{
			// promptTokenCount includes the cached tokens already.
			name: "cached content and thoughts", fixture: "genai_generate_cached_thoughts", provider: "gcp.gemini", model: "gemini-2.5-pro",
			params: `{"cached_content":"cachedContents/lib-catalogue-7f3k2q9d","thinking_config":{"includeThoughts":true,"thinkingBudget":1024}}`,
			usage:  usage{in: 4213, out: 182 + 611, total: 5006, cacheRead: 3968, reasoning: 611},
			output: []string{`{"text":"**Matching the reader's taste**`, `"thought":true`, "Mrs Palfrey"},
		},
		{
			name: "vertex", fixture: "genai_vertex_generate_basic", provider: "gcp.vertex_ai", model: geminiModel,
			params: `{"max_output_tokens":400,"temperature":0.5}`,
			usage:  usage{in: 24, out: 51 + 336, total: 411, reasoning: 336},
			output: []string{"The Sense of an Ending"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := llmtest.New(t)
			id := run(t, e, tt.fixture)
			ex := llmreplay.MustLoad(tt.fixture)
			o, s := e.OneGeneration(t, id)
			assert.Equal(t, tt.model, o.Model)
			assert.Equal(t, "generate_content "+tt.model, s.Name)
			assert.Equal(t, "DEFAULT", o.Level)
			if tt.params != "" {
				assert.JSONEq(t, tt.params, o.ModelParameters)
			} else {
				assert.Empty(t, o.ModelParameters)
			}
			for _, sub := range tt.input {
				assert.Contains(t, o.Input, sub)
			}
			for _, sub := range tt.output {
				assert.Contains(t, o.Output, sub)
			}
			assert.NotContains(t, o.Output, "thoughtSignature")
			assertUsage(t, o, s, tt.usage)
			assert.Equal(t, tt.provider, llmtest.Value(s, semconv.GenAIProviderNameKey))
			assert.Equal(t, "generate_content", llmtest.Value(s, semconv.GenAIOperationNameKey))
			assert.Equal(t, []string{"STOP"}, llmtest.Value(s, semconv.GenAIResponseFinishReasonsKey))
			var body struct{ ResponseID, ModelVersion string }
			require.NoError(t, json.Unmarshal(ex.Response.Body, &body))
			assert.Equal(t, body.ResponseID, llmtest.Value(s, semconv.GenAIResponseIDKey))
			assert.Equal(t, body.ModelVersion, llmtest.Value(s, semconv.GenAIResponseModelKey))
		})
	}
}

func TestParamsMirrored(t *testing.T) {
	e := llmtest.New(t)
	id := run(t, e, "genai_generate_basic")
	_, s := e.OneGeneration(t, id)
	assert.Equal(t, int64(400), llmtest.Value(s, semconv.GenAIRequestMaxTokensKey))
	assert.Equal(t, 0.5, llmtest.Value(s, semconv.GenAIRequestTemperatureKey))
}

func TestStream(t *testing.T) {
	e := llmtest.New(t)
	e.LLM.Enqueue(llmtest.Answer(t, "genai_generate_stream"))
	f := fixtureCalls["genai_generate_stream"]
	c := newClient(t, e, false)
	var text string
	id := e.Traced(func(ctx context.Context) {
		var err error
		text, err = f.run(ctx, c)
		require.NoError(t, err)
	})
	o, s := e.OneGeneration(t, id)
	assert.Equal(t, "DEFAULT", o.Level)
	assertUsage(t, o, s, usage{in: 24, out: 58 + 339, total: 421, reasoning: 339})
	require.NotNil(t, o.CompletionStartTime)
	assert.False(t, o.CompletionStartTime.Before(o.StartTime))
	assert.Equal(t, true, llmtest.Value(s, semconv.GenAIRequestStreamKey))
	assert.Equal(t, []string{"STOP"}, llmtest.Value(s, semconv.GenAIResponseFinishReasonsKey))
	assert.Equal(t, "bMUhaPuPKsGH2PgP2fK6kAs", llmtest.Value(s, semconv.GenAIResponseIDKey))
	part, err := json.Marshal(map[string]any{"text": text})
	require.NoError(t, err)
	assert.Contains(t, o.Output, string(part), "the accumulated text, in one part")
}

func TestStreamLifecycle(t *testing.T) {
	t.Run("cut midway", func(t *testing.T) {
		e := llmtest.New(t)
		a := llmtest.Answer(t, "genai_generate_stream")
		a.CutAfter = 2
		e.LLM.Enqueue(a)
		c := newClient(t, e, false)
		f := fixtureCalls["genai_generate_stream"]
		id := e.Traced(func(ctx context.Context) {
			_, err := f.run(ctx, c)
			require.Error(t, err)
		})
		o, s := e.OneGeneration(t, id)
		assert.Equal(t, "ERROR", o.Level)
		assert.Contains(t, o.StatusMessage, "stream cut")
		assert.Contains(t, o.Output, "boarding-school childhood", "the partial output")
		assert.Nil(t, o.Usage, "the usage of a chunk counts the answer so far")
		assert.NotNil(t, llmtest.Value(s, semconv.GenerationUsageUnavailableKey))
	})
	t.Run("closed early", func(t *testing.T) {
		e := llmtest.New(t)
		a := llmtest.Answer(t, "genai_generate_stream")
		a.StallAfter = 2 // the rest of the stream never arrives
		e.LLM.Enqueue(a)
		c := newClient(t, e, false)
		f := fixtureCalls["genai_generate_stream"]
		id := e.Traced(func(ctx context.Context) {
			for _, err := range c.Models.GenerateContentStream(ctx, f.model, f.contents, f.config) {
				require.NoError(t, err)
				break // the iterator closes the body
			}
		})
		o, _ := e.OneGeneration(t, id)
		assert.Equal(t, "WARNING", o.Level)
		assert.Contains(t, o.StatusMessage, "closed before its end")
	})
	t.Run("error event", func(t *testing.T) {
		e := llmtest.New(t)
		a := llmtest.Answer(t, "genai_generate_stream")
		a.SSE = append(a.SSE[:2:2], "data: {\"error\":{\"code\":503,\"message\":\"The model is overloaded. Please try again later.\",\"status\":\"UNAVAILABLE\"}}\r\n\r\n")
		e.LLM.Enqueue(a)
		c := newClient(t, e, false)
		f := fixtureCalls["genai_generate_stream"]
		id := e.Traced(func(ctx context.Context) {
			_, err := f.run(ctx, c)
			var apiErr genai.APIError
			require.ErrorAs(t, err, &apiErr)
		})
		o, s := e.OneGeneration(t, id)
		assert.Equal(t, "ERROR", o.Level)
		assert.Contains(t, o.StatusMessage, "The model is overloaded. Please try again later. (UNAVAILABLE)")
		assert.Equal(t, "UNAVAILABLE", llmtest.Value(s, "error.type"))
	})
}

func TestAPIErrors(t *testing.T) {
	tests := []struct {
		fixture, errType, message string
		status                    int64
	}{
		{fixture: "genai_error_400_invalid_argument", status: 400, errType: "INVALID_ARGUMENT", message: "temperature value of 3.5"},
		{fixture: "genai_error_429_resource_exhausted", status: 429, errType: "RESOURCE_EXHAUSTED", message: "You exceeded your current quota"},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			e := llmtest.New(t)
			e.LLM.Enqueue(llmtest.Answer(t, tt.fixture))
			f := fixtureCalls[tt.fixture]
			c := newClient(t, e, false)
			id := e.Traced(func(ctx context.Context) {
				_, err := f.run(ctx, c)
				var apiErr genai.APIError
				require.ErrorAs(t, err, &apiErr)
				assert.Equal(t, int(tt.status), apiErr.Code)
			})
			o, s := e.OneGeneration(t, id)
			assert.Equal(t, "ERROR", o.Level)
			assert.Contains(t, o.StatusMessage, tt.message)
			assert.Equal(t, codes.Error, s.Status.Code)
			assert.Equal(t, tt.status, llmtest.Value(s, "http.response.status_code"))
			assert.Equal(t, tt.errType, llmtest.Value(s, "error.type"))
		})
	}
}

// genai retries only with HTTPOptions.RetryOptions; each attempt then goes
// through the transport and is a generation of its own, as the package
// documentation says: the 429 that was retried, then the answer.
func TestRetryOptionsMakeAGenerationPerAttempt(t *testing.T) {
	e := llmtest.New(t)
	e.LLM.Enqueue(llmtest.Answer(t, "genai_error_429_resource_exhausted"), llmtest.Answer(t, "genai_generate_basic"))
	f := fixtureCalls["genai_generate_basic"]
	retry := &genai.HTTPRetryOptions{Attempts: genai.Ptr[int32](2), InitialDelay: genai.Ptr(0.0), Jitter: genai.Ptr(0.0)}
	c := newClientHTTP(t, e.LLM.URL, genaitrace.HTTPClient(e.Client), false, retry)
	id := e.Traced(func(ctx context.Context) {
		_, err := f.run(ctx, c)
		require.NoError(t, err)
	})
	require.Len(t, e.LLM.Requests(), 2)
	gens := e.Generations(t, id)
	require.Len(t, gens, 2)
	levels := map[string]int{}
	for _, g := range gens {
		levels[g.Level]++
	}
	assert.Equal(t, map[string]int{"ERROR": 1, "DEFAULT": 1}, levels)
	for _, g := range gens {
		if g.Level == "ERROR" {
			assert.Equal(t, "429 Too Many Requests: no error message", g.StatusMessage, "genai closes the retried answer unread")
		}
	}
}

func TestCaptureOff(t *testing.T) {
	e := llmtest.New(t)
	id := run(t, e, "genai_generate_function_call", genaitrace.WithCaptureContent(false))
	o, _ := e.OneGeneration(t, id)
	assert.Empty(t, o.Input)
	assert.Empty(t, o.Output)
	assert.NotNil(t, o.Usage)
}

func TestOtherEndpointsPassThrough(t *testing.T) {
	e := llmtest.New(t)
	e.LLM.Enqueue(llmreplay.Answer{Path: "/v1/models/gemini-2.5-flash:countTokens", Response: llmreplay.Response{
		Status: 200, Headers: map[string]string{"content-type": "application/json; charset=UTF-8"}, Body: []byte(`{"totalTokens":11}`),
	}})
	c := newClient(t, e, false)
	id := e.Traced(func(ctx context.Context) {
		n, err := c.Models.CountTokens(ctx, geminiModel, adviceContents, nil)
		require.NoError(t, err)
		assert.Equal(t, int32(11), n.TotalTokens)
	})
	assert.Empty(t, e.Generations(t, id))
}

// A call outside any observation starts a trace of the client given to
// HTTPClient; with no client it passes through untraced.
func TestOutsideAnObservation(t *testing.T) {
	for _, withClient := range []bool{true, false} {
		e := llmtest.New(t)
		e.LLM.Enqueue(llmtest.Answer(t, "genai_generate_basic"))
		hc := genaitrace.HTTPClient(nil)
		if withClient {
			hc = genaitrace.HTTPClient(e.Client)
		}
		f := fixtureCalls["genai_generate_basic"]
		_, err := f.run(context.Background(), newClientHTTP(t, e.LLM.URL, hc, false, nil))
		require.NoError(t, err)
		spans := e.Spans.GetSpans()
		if !withClient {
			assert.Empty(t, spans)
			continue
		}
		require.Len(t, spans, 1)
		assert.False(t, spans[0].Parent.IsValid(), "the generation is the root of a new trace")
	}
}

// What every fixture records conforms to the GenAI conventions.
func TestSemconvConformance(t *testing.T) {
	e := llmtest.New(t)
	for name := range fixtureCalls {
		f := fixtureCalls[name]
		e.LLM.Enqueue(llmtest.Answer(t, name))
		c := newClient(t, e, f.vertex)
		e.Traced(func(ctx context.Context) {
			_, err := f.run(ctx, c)
			var apiErr genai.APIError
			if err != nil && !errors.As(err, &apiErr) {
				t.Errorf("%s: %v", name, err)
			}
		})
	}
	spans := e.Spans.GetSpans()
	require.GreaterOrEqual(t, len(spans), 2*len(fixtureCalls), "a trace and a generation per call")
	semconvtest.AssertConformant(t, spans.Snapshots())
}

// Captured input and output go through the instrument client's mask.
func TestMask(t *testing.T) {
	e := llmtest.New(t, instrument.WithMask(func(any) any { return "[masked]" }))
	id := run(t, e, "genai_generate_function_call")
	o, _ := e.OneGeneration(t, id)
	assert.Equal(t, `"[masked]"`, o.Input)
	assert.Equal(t, `"[masked]"`, o.Output)
	assert.NotNil(t, o.Usage)
}
