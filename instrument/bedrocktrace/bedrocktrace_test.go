package bedrocktrace_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	otelsemconv "go.opentelemetry.io/otel/semconv/v1.41.0"

	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttracetest"
	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/instrument/bedrocktrace"
	"github.com/agenttrace/agenttrace-otel-go/internal/llmreplay"
	"github.com/agenttrace/agenttrace-otel-go/internal/llmtest"
	"github.com/agenttrace/agenttrace-otel-go/semconv"
	"github.com/agenttrace/agenttrace-otel-go/semconv/semconvtest"
)

func TestMain(m *testing.M) { llmtest.Main(m, "AWS_") }

// traced returns a Bedrock Runtime client of the environment's replay
// server, traced to its instrument client, making up to maxAttempts
// attempts per call.
func traced(e *llmtest.Env, maxAttempts int, settings ...bedrocktrace.Setting) *bedrockruntime.Client {
	var apiOptions []func(*middleware.Stack) error
	bedrocktrace.AppendMiddlewares(&apiOptions, e.Client, settings...)
	return newBedrock(e.LLM.URL, maxAttempts, apiOptions...)
}

type usage struct{ in, out, total, cacheRead, cacheWrite int64 }

func assertUsage(t *testing.T, o agenttracetest.Observation, s tracetest.SpanStub, want usage) {
	t.Helper()
	require.NotNil(t, o.Usage, "usage at the server")
	assert.Equal(t, agenttracetest.Usage{InputTokens: want.in, OutputTokens: want.out, TotalTokens: want.total,
		CacheReadTokens: want.cacheRead, CacheCreationTokens: want.cacheWrite}, *o.Usage)
	assert.Equal(t, want.in, llmtest.Value(s, semconv.GenAIUsageInputTokensKey))
	assert.Equal(t, want.out, llmtest.Value(s, semconv.GenAIUsageOutputTokensKey))
	if want.cacheRead != 0 {
		assert.Equal(t, want.cacheRead, llmtest.Value(s, semconv.GenAIUsageCacheReadInputTokensKey))
	}
}

// conformant checks the spans of the environment against the conventions.
func conformant(t *testing.T, e *llmtest.Env) {
	t.Helper()
	semconvtest.AssertConformant(t, e.Spans.GetSpans().Snapshots())
}

func TestConverse(t *testing.T) {
	tests := []struct {
		name, fixture string
		input         func() *bedrockruntime.ConverseInput
		params        string
		usage         usage
		finish        string
		in, out       []string
	}{
		{
			name: "text", fixture: "bedrock_converse_basic", input: basicInput,
			params: `{"maxTokens":400,"temperature":0.5}`, usage: usage{in: 31, out: 58, total: 89}, finish: "end_turn",
			in:  []string{`"role":"system"`, "Suggest two novels."},
			out: []string{`"role":"assistant"`, "Never Let Me Go"},
		},
		{
			name: "tool use", fixture: "bedrock_converse_tool_use", input: toolInput,
			params: `{"maxTokens":400}`, usage: usage{in: 412, out: 96, total: 508}, finish: "tool_use",
			in:  []string{`"tools":[{"toolSpec":`, `"name":"check_availability"`, toolQuestion},
			out: []string{`"toolUse":{`, `"toolUseId":"tooluse_kZJMlvQmRJ6eAyJE5GIl7Q"`, `"input":{"author":"Susanna Clarke","branch":"Riverside","title":"Piranesi"}`},
		},
		{
			// inputTokens excludes the tokens read from the cache: the
			// GenAI input count adds them.
			name: "cache read", fixture: "bedrock_converse_cache_read", input: cacheInput,
			params: `{"maxTokens":400}`, usage: usage{in: 14 + 1391, out: 40, total: 14 + 1391 + 40, cacheRead: 1391}, finish: "end_turn",
			in:  []string{`"cachePoint":{"type":"default"}`},
			out: []string{"Rule 7.3"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := llmtest.New(t)
			e.LLM.Enqueue(llmtest.Answer(t, tt.fixture))
			c := traced(e, 3)
			id := e.Traced(func(ctx context.Context) {
				_, err := c.Converse(ctx, tt.input())
				require.NoError(t, err)
			})
			o, s := e.OneGeneration(t, id)
			assert.Equal(t, "chat "+model, o.Name)
			assert.Equal(t, model, o.Model)
			assert.Equal(t, "DEFAULT", o.Level)
			assert.JSONEq(t, tt.params, o.ModelParameters)
			for _, sub := range tt.in {
				assert.Contains(t, o.Input, sub)
			}
			for _, sub := range tt.out {
				assert.Contains(t, o.Output, sub)
			}
			assertUsage(t, o, s, tt.usage)
			assert.Equal(t, "aws.bedrock", llmtest.Value(s, semconv.GenAIProviderNameKey))
			assert.Equal(t, "chat", llmtest.Value(s, semconv.GenAIOperationNameKey))
			assert.Equal(t, int64(400), llmtest.Value(s, semconv.GenAIRequestMaxTokensKey))
			assert.Equal(t, []string{tt.finish}, llmtest.Value(s, semconv.GenAIResponseFinishReasonsKey))
			assert.NotEmpty(t, llmtest.Value(s, otelsemconv.AWSRequestIDKey))
			assert.Nil(t, llmtest.Value(s, semconv.GenAIRequestStreamKey))
			conformant(t, e)
		})
	}
}

// readStream reads a ConverseStream answer to its end, closes it and
// returns the stream's error.
func readStream(out *bedrockruntime.ConverseStreamOutput) error {
	s := out.GetStream()
	for range s.Events() {
	}
	return s.Close()
}

func TestConverseStream(t *testing.T) {
	tests := []struct {
		name, fixture string
		input         func() *bedrockruntime.ConverseInput
		usage         usage
		finish        string
		out           []string
	}{
		{
			name: "text", fixture: "bedrock_converse_stream", input: basicInput,
			usage: usage{in: 31, out: 44, total: 75}, finish: "end_turn",
			out: []string{`{"content":[{"text":"Try Never Let Me Go by Kazuo Ishiguro, and Piranesi by Susanna Clarke."}],"role":"assistant"}`},
		},
		{
			name: "tool use", fixture: "bedrock_converse_stream_tool_use", input: toolInput,
			usage: usage{in: 412, out: 88, total: 500}, finish: "tool_use",
			out: []string{`{"text":"I'll check the Riverside branch."}`,
				`{"toolUse":{"input":{"author":"Susanna Clarke","branch":"Riverside","title":"Piranesi"},"name":"check_availability","toolUseId":"tooluse_kZJMlvQmRJ6eAyJE5GIl7Q"}}`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := llmtest.New(t)
			e.LLM.Enqueue(llmtest.Answer(t, tt.fixture))
			c := traced(e, 3)
			id := e.Traced(func(ctx context.Context) {
				out, err := c.ConverseStream(ctx, streamInput(tt.input()))
				require.NoError(t, err)
				require.NoError(t, readStream(out))
			})
			o, s := e.OneGeneration(t, id)
			assert.Equal(t, "DEFAULT", o.Level)
			assert.Equal(t, true, llmtest.Value(s, semconv.GenAIRequestStreamKey))
			for _, sub := range tt.out {
				assert.Contains(t, o.Output, sub)
			}
			assertUsage(t, o, s, tt.usage)
			assert.Equal(t, []string{tt.finish}, llmtest.Value(s, semconv.GenAIResponseFinishReasonsKey))
			require.NotNil(t, o.CompletionStartTime, "time to first token")
			assert.False(t, o.CompletionStartTime.Before(o.StartTime))
			assert.False(t, o.CompletionStartTime.After(*o.EndTime))
			conformant(t, e)
		})
	}
}

func TestRetries(t *testing.T) {
	t.Run("throttled then answered", func(t *testing.T) {
		e := llmtest.New(t)
		e.LLM.Enqueue(llmtest.Answer(t, "bedrock_error_429_throttling"), llmtest.Answer(t, "bedrock_converse_basic"))
		c := traced(e, 3)
		id := e.Traced(func(ctx context.Context) {
			_, err := c.Converse(ctx, basicInput())
			require.NoError(t, err)
		})
		o, s := e.OneGeneration(t, id)
		assert.Equal(t, "DEFAULT", o.Level)
		assertUsage(t, o, s, usage{in: 31, out: 58, total: 89})
		assert.Equal(t, int64(1), llmtest.Value(s, otelsemconv.HTTPRequestResendCountKey))
		attempts := attemptSpans(e, id)
		require.Len(t, attempts, 2)
		assert.Equal(t, int64(429), llmtest.Value(attempts[0], otelsemconv.HTTPResponseStatusCodeKey))
		assert.Equal(t, "ThrottlingException", llmtest.Value(attempts[0], otelsemconv.ErrorTypeKey))
		assert.Equal(t, int64(200), llmtest.Value(attempts[1], otelsemconv.HTTPResponseStatusCodeKey))
		assert.Nil(t, llmtest.Value(attempts[1], otelsemconv.ErrorTypeKey))
		assert.Equal(t, "POST /model/"+model+"/converse", attempts[0].Name)
		conformant(t, e)
	})
	t.Run("throttled then streamed", func(t *testing.T) {
		e := llmtest.New(t)
		throttled := llmtest.Answer(t, "bedrock_error_429_throttling")
		throttled.Path = streamPath
		e.LLM.Enqueue(throttled, llmtest.Answer(t, "bedrock_converse_stream"))
		c := traced(e, 3)
		id := e.Traced(func(ctx context.Context) {
			out, err := c.ConverseStream(ctx, streamInput(basicInput()))
			require.NoError(t, err)
			require.NoError(t, readStream(out))
		})
		o, s := e.OneGeneration(t, id)
		assert.Equal(t, "DEFAULT", o.Level)
		assertUsage(t, o, s, usage{in: 31, out: 44, total: 75})
		attempts := attemptSpans(e, id)
		require.Len(t, attempts, 2)
		assert.Equal(t, "ThrottlingException", llmtest.Value(attempts[0], otelsemconv.ErrorTypeKey))
		assert.Equal(t, s.EndTime, attempts[1].EndTime, "the answering attempt lasts as long as its stream")
	})
	t.Run("unavailable until the attempts run out", func(t *testing.T) {
		e := llmtest.New(t)
		for range 3 {
			e.LLM.Enqueue(llmtest.Answer(t, "bedrock_error_503_unavailable"))
		}
		c := traced(e, 3)
		id := e.Traced(func(ctx context.Context) {
			_, err := c.Converse(ctx, basicInput())
			var apiErr smithy.APIError
			require.ErrorAs(t, err, &apiErr)
		})
		o, s := e.OneGeneration(t, id)
		assert.Equal(t, "ERROR", o.Level)
		assert.Contains(t, o.StatusMessage, "Bedrock is unable to process your request.")
		assert.Equal(t, "ServiceUnavailableException", llmtest.Value(s, otelsemconv.ErrorTypeKey))
		assert.Equal(t, int64(503), llmtest.Value(s, otelsemconv.HTTPResponseStatusCodeKey))
		assert.Equal(t, int64(2), llmtest.Value(s, otelsemconv.HTTPRequestResendCountKey))
		assert.Nil(t, o.Usage)
		assert.Len(t, attemptSpans(e, id), 3)
		assert.Zero(t, e.LLM.Pending())
	})
	t.Run("validation error", func(t *testing.T) {
		e := llmtest.New(t)
		e.LLM.Enqueue(llmtest.Answer(t, "bedrock_error_400_validation"))
		c := traced(e, 3)
		id := e.Traced(func(ctx context.Context) {
			_, err := c.Converse(ctx, basicInput())
			var ve *types.ValidationException
			require.ErrorAs(t, err, &ve)
		})
		o, s := e.OneGeneration(t, id)
		assert.Equal(t, "ERROR", o.Level)
		assert.Contains(t, o.StatusMessage, "exceeds the model limit")
		assert.Equal(t, "ValidationException", llmtest.Value(s, otelsemconv.ErrorTypeKey))
		assert.Equal(t, int64(400), llmtest.Value(s, otelsemconv.HTTPResponseStatusCodeKey))
		assert.Empty(t, attemptSpans(e, id), "a single attempt has no span of its own")
		conformant(t, e)
	})
}

// attemptSpans returns the spans of the trace's HTTP attempts, in the
// order they started.
func attemptSpans(e *llmtest.Env, traceID string) tracetest.SpanStubs {
	var out tracetest.SpanStubs
	for _, s := range e.SpansOf(traceID) {
		if _, ok := llmtest.Attr(s, otelsemconv.HTTPRequestMethodKey); ok {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b tracetest.SpanStub) int { return a.StartTime.Compare(b.StartTime) })
	return out
}

func TestStreamEnd(t *testing.T) {
	t.Run("cut midway", func(t *testing.T) {
		e := llmtest.New(t)
		a := llmtest.Answer(t, "bedrock_converse_stream")
		a.CutAfter = 4
		e.LLM.Enqueue(a)
		c := traced(e, 3)
		id := e.Traced(func(ctx context.Context) {
			out, err := c.ConverseStream(ctx, streamInput(basicInput()))
			require.NoError(t, err)
			// smithy-go's event-stream codec takes an unexpected EOF for
			// the end of the stream: the client reports no error.
			_ = readStream(out)
		})
		o, s := e.OneGeneration(t, id)
		assert.Equal(t, "ERROR", o.Level)
		assert.Contains(t, o.StatusMessage, "unexpected EOF")
		assert.Contains(t, o.Output, `{"text":"Try Never Let Me Go by Kazuo Ishiguro"}`, "the partial output")
		assert.Nil(t, o.Usage)
		assert.Equal(t, "the stream ended before its metadata event", llmtest.Value(s, semconv.GenerationUsageUnavailableKey))
		assert.NotNil(t, o.CompletionStartTime)
	})
	t.Run("exception event", func(t *testing.T) {
		e := llmtest.New(t)
		e.LLM.Enqueue(llmtest.Answer(t, "bedrock_converse_stream_exception"))
		c := traced(e, 3)
		id := e.Traced(func(ctx context.Context) {
			out, err := c.ConverseStream(ctx, streamInput(basicInput()))
			require.NoError(t, err)
			var se *types.ModelStreamErrorException
			require.ErrorAs(t, readStream(out), &se)
		})
		o, s := e.OneGeneration(t, id)
		assert.Equal(t, "ERROR", o.Level)
		assert.Contains(t, o.StatusMessage, "The model encountered an error while streaming the response.")
		assert.Equal(t, "ModelStreamErrorException", llmtest.Value(s, otelsemconv.ErrorTypeKey))
		assert.Contains(t, o.Output, `{"text":"Try Never Let Me Go"}`)
	})
	t.Run("closed early", func(t *testing.T) {
		e := llmtest.New(t)
		a := llmtest.Answer(t, "bedrock_converse_stream")
		a.StallAfter = 4 // the rest of the stream never arrives
		e.LLM.Enqueue(a)
		c := traced(e, 3)
		id := e.Traced(func(ctx context.Context) {
			out, err := c.ConverseStream(ctx, streamInput(basicInput()))
			require.NoError(t, err)
			s := out.GetStream()
			for range 2 {
				<-s.Events()
			}
			require.NoError(t, s.Close())
		})
		o, _ := e.OneGeneration(t, id)
		assert.Equal(t, "WARNING", o.Level)
		assert.Contains(t, o.StatusMessage, "closed before its end")
	})
	t.Run("context cancelled", func(t *testing.T) {
		e := llmtest.New(t)
		a := llmtest.Answer(t, "bedrock_converse_stream")
		a.StallAfter = 4
		e.LLM.Enqueue(a)
		c := traced(e, 3)
		id := e.Traced(func(ctx context.Context) {
			ctx, cancel := context.WithCancel(ctx)
			out, err := c.ConverseStream(ctx, streamInput(basicInput()))
			require.NoError(t, err)
			s := out.GetStream()
			<-s.Events()
			cancel()
			for range s.Events() {
			}
			assert.ErrorIs(t, s.Close(), context.Canceled)
		})
		o, s := e.OneGeneration(t, id)
		assert.Equal(t, "ERROR", o.Level)
		assert.Equal(t, "context.Canceled", llmtest.Value(s, otelsemconv.ErrorTypeKey))
	})
}

func TestCaptureOff(t *testing.T) {
	e := llmtest.New(t)
	e.LLM.Enqueue(llmtest.Answer(t, "bedrock_converse_tool_use"))
	c := traced(e, 3, bedrocktrace.WithCaptureContent(false))
	id := e.Traced(func(ctx context.Context) {
		_, err := c.Converse(ctx, toolInput())
		require.NoError(t, err)
	})
	o, s := e.OneGeneration(t, id)
	assert.Empty(t, o.Input)
	assert.Empty(t, o.Output)
	assert.JSONEq(t, `{"maxTokens":400}`, o.ModelParameters)
	assertUsage(t, o, s, usage{in: 412, out: 96, total: 508})
}

func TestOutsideObservations(t *testing.T) {
	t.Run("new trace", func(t *testing.T) {
		e := llmtest.New(t)
		e.LLM.Enqueue(llmtest.Answer(t, "bedrock_converse_basic"))
		_, err := traced(e, 3).Converse(context.Background(), basicInput())
		require.NoError(t, err)
		spans := e.Spans.GetSpans()
		require.Len(t, spans, 1)
		assert.False(t, spans[0].Parent.IsValid(), "the generation is the root of a new trace")
	})
	t.Run("no client", func(t *testing.T) {
		e := llmtest.New(t)
		e.LLM.Enqueue(llmtest.Answer(t, "bedrock_converse_basic"))
		var apiOptions []func(*middleware.Stack) error
		bedrocktrace.AppendMiddlewares(&apiOptions, nil)
		_, err := newBedrock(e.LLM.URL, 3, apiOptions...).Converse(context.Background(), basicInput())
		require.NoError(t, err)
		assert.Empty(t, e.Spans.GetSpans())
	})
}

func TestInvokeModel(t *testing.T) {
	e := llmtest.New(t)
	e.LLM.Enqueue(llmtest.Answer(t, "bedrock_invoke_model_anthropic"))
	c := traced(e, 3)
	id := e.Traced(func(ctx context.Context) {
		_, err := c.InvokeModel(ctx, invokeInput(invokeRequest))
		require.NoError(t, err)
	})
	o, s := e.OneGeneration(t, id)
	assert.Equal(t, "chat "+model, o.Name)
	assert.Equal(t, "DEFAULT", o.Level)
	assert.JSONEq(t, `{"anthropic_version":"bedrock-2023-05-31","max_tokens":400,"temperature":0.5}`, o.ModelParameters)
	assert.Contains(t, o.Input, `"cache_control":{"type":"ephemeral"}`)
	assert.Contains(t, o.Output, "Rule 7.3")
	// The headers' input count leaves out the cached tokens, as Converse's.
	assertUsage(t, o, s, usage{in: 12 + 1391, out: 52, total: 12 + 1391 + 52, cacheRead: 1391})
	assert.Equal(t, []string{"end_turn"}, llmtest.Value(s, semconv.GenAIResponseFinishReasonsKey))
	conformant(t, e)
}

func TestOtherOperationsPassThrough(t *testing.T) {
	e := llmtest.New(t)
	e.LLM.Enqueue(llmreplay.Answer{Path: "/model/" + model + "/count-tokens", Response: llmreplay.Response{
		Status: 200, Headers: map[string]string{"content-type": "application/json"}, Body: []byte(`{"inputTokens":12}`),
	}})
	c := traced(e, 3)
	id := e.Traced(func(ctx context.Context) {
		out, err := c.CountTokens(ctx, &bedrockruntime.CountTokensInput{
			ModelId: aws.String(model),
			Input:   &types.CountTokensInputMemberConverse{Value: types.ConverseTokensRequest{Messages: []types.Message{userText("Hello")}}},
		})
		require.NoError(t, err)
		assert.Equal(t, int32(12), aws.ToInt32(out.InputTokens))
	})
	assert.Empty(t, e.GenerationSpans(id))
	assert.Len(t, e.SpansOf(id), 1, "the trace alone")
}

// TestStopSequences checks the gen_ai.request.stop_sequences mirror of
// inferenceConfig's stopSequences, which SetModelParameters does not know.
func TestStopSequences(t *testing.T) {
	e := llmtest.New(t)
	e.LLM.Enqueue(llmtest.Answer(t, "bedrock_converse_basic"))
	in := basicInput()
	in.InferenceConfig.StopSequences = []string{"\n\nReader:"}
	id := e.Traced(func(ctx context.Context) {
		_, err := traced(e, 3).Converse(ctx, in)
		require.NoError(t, err)
	})
	o, s := e.OneGeneration(t, id)
	assert.JSONEq(t, `{"maxTokens":400,"temperature":0.5,"stopSequences":["\n\nReader:"]}`, o.ModelParameters)
	assert.Equal(t, []string{"\n\nReader:"}, llmtest.Value(s, semconv.GenAIRequestStopSequencesKey))
}

func TestMaskAndBudget(t *testing.T) {
	mask := func(v any) any {
		b, _ := json.Marshal(v)
		return json.RawMessage(strings.ReplaceAll(string(b), "Piranesi", "[title]"))
	}
	e := llmtest.New(t, instrument.WithMask(mask), instrument.WithMaxContentBytes(256))
	e.LLM.Enqueue(llmtest.Answer(t, "bedrock_converse_tool_use"))
	in := toolInput()
	in.Messages = []types.Message{userText(toolQuestion + strings.Repeat(" Please hurry.", 100))}
	id := e.Traced(func(ctx context.Context) {
		_, err := traced(e, 3).Converse(ctx, in)
		require.NoError(t, err)
	})
	o, _ := e.OneGeneration(t, id)
	assert.NotContains(t, o.Input, "Piranesi")
	assert.NotContains(t, o.Output, "Piranesi")
	assert.Contains(t, o.Output, "[title]")
	assert.LessOrEqual(t, len(o.Input), 256)
	assert.Contains(t, o.Input, "truncated")
}

func TestConcurrentCalls(t *testing.T) {
	e := llmtest.New(t)
	const n = 8
	for range n {
		e.LLM.Enqueue(llmtest.Answer(t, "bedrock_converse_basic"))
	}
	c := traced(e, 3)
	id := e.Traced(func(ctx context.Context) {
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for range n {
			wg.Go(func() {
				_, err := c.Converse(ctx, basicInput())
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
	})
	gens := e.Generations(t, id)
	require.Len(t, gens, n)
	for _, g := range gens {
		require.NotNil(t, g.Usage)
		assert.Equal(t, int64(89), g.Usage.TotalTokens)
	}
}
