package anthropicv2trace_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttracetest"
	"github.com/agenttrace/agenttrace-otel-go/instrument/anthropicv2trace"
	"github.com/agenttrace/agenttrace-otel-go/internal/llmreplay"
	"github.com/agenttrace/agenttrace-otel-go/internal/llmtest"
	"github.com/agenttrace/agenttrace-otel-go/semconv"
	"github.com/agenttrace/agenttrace-otel-go/semconv/semconvtest"
)

func TestMain(m *testing.M) { llmtest.Main(m, "ANTHROPIC_") }

// newAnthropic returns an anthropic-sdk-go/v2 client of the replay server,
// traced to the environment's instrument client.
func newAnthropic(e *llmtest.Env, settings []anthropicv2trace.Setting, opts ...option.RequestOption) anthropic.Client {
	base := []option.RequestOption{
		option.WithBaseURL(e.LLM.URL),
		option.WithAPIKey("sk-ant-test"),
		anthropicv2trace.Option(e.Client, settings...),
	}
	return anthropic.NewClient(append(base, opts...)...)
}

// recordedParams returns the params of a fixture's request, decoded from
// its recorded body (without "stream", which NewStreaming adds).
func recordedParams(t *testing.T, ex llmreplay.Exchange) anthropic.MessageNewParams {
	t.Helper()
	var p anthropic.MessageNewParams
	require.NoError(t, json.Unmarshal(ex.Request.Body, &p))
	return p
}

// versionHeaders are the request headers where v2 differs from the v1
// client that the fixtures were recorded with.
var versionHeaders = map[string]string{
	"anthropic-version":           "2026-10-21",
	"user-agent":                  "Anthropic/Go 2.17.0",
	"x-stainless-package-version": "2.17.0",
}

// assertRecordedRequest checks that the request the client sent is the
// recorded one: the same method, path and body, and the same headers but
// for the API and client versions.
func assertRecordedRequest(t *testing.T, ex llmreplay.Exchange, got llmreplay.Request) {
	t.Helper()
	assert.Equal(t, ex.Request.Method, got.Method)
	assert.Equal(t, ex.Request.Path, got.Path)
	assert.JSONEq(t, string(ex.Request.Body), string(got.Body), "the request body")
	for k, v := range ex.Request.Headers {
		if want, ok := versionHeaders[k]; ok {
			v = want
		}
		assert.Equal(t, v, got.Headers[k], "header %s", k)
	}
}

// Every Anthropic fixture whose request was recorded replays through the
// real v2 client: it sends the recorded request and decodes the answer, and
// the call is one generation that conforms to the semantic conventions.
func TestFixturesReplay(t *testing.T) {
	for _, name := range llmreplay.Names() {
		if !strings.HasPrefix(name, "anthropic_") || strings.HasSuffix(name, "_tool_result_answer") {
			continue // the tool_result_answer files were written for the examples, with partial requests
		}
		t.Run(name, func(t *testing.T) {
			ex := llmreplay.MustLoad(name)
			e := llmtest.New(t)
			e.LLM.Enqueue(ex.Answer())
			c := newAnthropic(e, nil, option.WithMaxRetries(0))
			p := recordedParams(t, ex)
			id := e.Traced(func(ctx context.Context) {
				var err error
				if ex.Response.SSE != nil {
					var acc anthropic.Message
					s := c.Messages.NewStreaming(ctx, p)
					for s.Next() {
						require.NoError(t, acc.Accumulate(s.Current()))
					}
					err = s.Err()
					require.NoError(t, s.Close())
				} else {
					_, err = c.Messages.New(ctx, p)
				}
				if ex.Response.Status >= 400 {
					var apiErr *anthropic.Error
					require.ErrorAs(t, err, &apiErr)
					assert.Equal(t, ex.Response.Status, apiErr.StatusCode)
					return
				}
				require.NoError(t, err)
			})
			reqs := e.LLM.Requests()
			require.Len(t, reqs, 1)
			assertRecordedRequest(t, ex, reqs[0])
			o, _ := e.OneGeneration(t, id)
			if ex.Response.Status >= 400 {
				assert.Equal(t, "ERROR", o.Level)
			} else {
				assert.Equal(t, "DEFAULT", o.Level)
				assert.NotNil(t, o.Usage)
			}
			semconvtest.AssertConformant(t, e.SpansOf(id).Snapshots())
		})
	}
}

func userMessage(text string) []anthropic.MessageParam {
	return []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock(text))}
}

var checkAvailability = anthropic.ToolUnionParam{OfTool: &anthropic.ToolParam{
	Name:        "check_availability",
	Description: anthropic.String("Check whether a title is on the shelf at a Harbourview library branch."),
	InputSchema: anthropic.ToolInputSchemaParam{
		Properties: map[string]any{
			"title":  map[string]any{"type": "string"},
			"author": map[string]any{"type": "string"},
			"branch": map[string]any{"type": "string", "enum": []string{"Central", "Riverside", "Northgate", "Harbour Road", "Elm Park"}},
		},
		Required: []string{"title", "branch"},
	},
}}

func TestMessages(t *testing.T) {
	tests := []struct {
		name, fixture string
		params        anthropic.MessageNewParams
		usage         agenttracetest.Usage
		reasoning     int64
		finish        string
		output        []string
	}{
		{
			name: "text", fixture: "anthropic_messages_basic",
			params: anthropic.MessageNewParams{
				Model: "claude-sonnet-4-5", MaxTokens: 400,
				System:   []anthropic.TextBlockParam{{Text: "You are a reader's advisory assistant at Harbourview Public Library. Keep answers under 80 words."}},
				Messages: userMessage("I loved The Remains of the Day. Suggest two novels I might enjoy and say why in one sentence each."),
			},
			usage:  agenttracetest.Usage{InputTokens: 52, OutputTokens: 71, TotalTokens: 123},
			finish: "end_turn", output: []string{`"type":"text"`, "Never Let Me Go"},
		},
		{
			name: "tool use", fixture: "anthropic_messages_tool_use",
			params: anthropic.MessageNewParams{
				Model: "claude-haiku-4-5", MaxTokens: 512,
				Messages: userMessage("Is Piranesi by Susanna Clarke on the shelf at the Riverside branch?"),
				Tools:    []anthropic.ToolUnionParam{checkAvailability},
			},
			usage:  agenttracetest.Usage{InputTokens: 689, OutputTokens: 94, TotalTokens: 783},
			finish: "tool_use",
			output: []string{`"type":"tool_use"`, `"name":"check_availability"`, `"input":{"author":"Susanna Clarke","branch":"Riverside","title":"Piranesi"}`},
		},
		{
			name: "thinking", fixture: "anthropic_messages_thinking",
			params: anthropic.MessageNewParams{
				Model: "claude-sonnet-4-5", MaxTokens: 4096,
				Messages: userMessage("I have a board game out. Can I borrow a second one for two weeks?"),
				Thinking: anthropic.ThinkingConfigParamOfEnabled(2048),
			},
			usage:  agenttracetest.Usage{InputTokens: 63, OutputTokens: 188, TotalTokens: 251},
			finish: "end_turn", reasoning: 112,
			output: []string{`"type":"thinking"`, "Section 2.4 says one board game per card"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ex := llmreplay.MustLoad(tt.fixture)
			e := llmtest.New(t)
			e.LLM.Enqueue(ex.Answer())
			c := newAnthropic(e, nil)
			var msg *anthropic.Message
			id := e.Traced(func(ctx context.Context) {
				var err error
				msg, err = c.Messages.New(ctx, tt.params)
				require.NoError(t, err)
			})
			assertRecordedRequest(t, ex, e.LLM.Requests()[0])
			o, s := e.OneGeneration(t, id)
			assert.Equal(t, "chat "+string(tt.params.Model), o.Name)
			assert.Equal(t, string(tt.params.Model), o.Model)
			assert.Equal(t, "DEFAULT", o.Level)
			assert.Contains(t, o.ModelParameters, `"max_tokens":`)
			assert.Contains(t, o.Input, tt.params.Messages[0].OfUser.Content[0].OfText.Text)
			for _, sub := range tt.output {
				assert.Contains(t, o.Output, sub)
			}
			require.NotNil(t, o.Usage)
			assert.Equal(t, tt.usage, *o.Usage)
			assert.Equal(t, "anthropic", llmtest.Value(s, semconv.GenAIProviderNameKey))
			assert.Equal(t, []string{tt.finish}, llmtest.Value(s, semconv.GenAIResponseFinishReasonsKey))
			assert.Equal(t, msg.ID, llmtest.Value(s, semconv.GenAIResponseIDKey))
			assert.Equal(t, string(msg.Model), llmtest.Value(s, semconv.GenAIResponseModelKey))
			if tt.reasoning != 0 {
				assert.Equal(t, tt.reasoning, llmtest.Value(s, semconv.GenAIUsageReasoningOutputTokensKey))
				assert.Contains(t, o.ModelParameters, `"thinking":{"budget_tokens":2048,"type":"enabled"}`)
				assert.NotContains(t, o.Output, msg.Content[0].Signature, "the thinking signature")
			}
		})
	}
}

func TestCacheUsage(t *testing.T) {
	for _, tt := range []struct {
		fixture                 string
		in, cacheRead, creation int64
	}{
		// input_tokens excludes the cached tokens: the GenAI input count adds them.
		{"anthropic_messages_cache_write", 17 + 1391, 0, 1391},
		{"anthropic_messages_cache_read", 14 + 1391, 1391, 0},
	} {
		t.Run(tt.fixture, func(t *testing.T) {
			ex := llmreplay.MustLoad(tt.fixture)
			e := llmtest.New(t)
			e.LLM.Enqueue(ex.Answer())
			c := newAnthropic(e, nil)
			p := recordedParams(t, ex) // the long system prompt with its cache_control breakpoint
			require.NotNil(t, p.System[0].CacheControl.Type)
			id := e.Traced(func(ctx context.Context) {
				_, err := c.Messages.New(ctx, p)
				require.NoError(t, err)
			})
			o, s := e.OneGeneration(t, id)
			require.NotNil(t, o.Usage)
			assert.Equal(t, tt.in, o.Usage.InputTokens)
			assert.Equal(t, tt.cacheRead, o.Usage.CacheReadTokens)
			assert.Equal(t, tt.creation, o.Usage.CacheCreationTokens)
			assert.Equal(t, tt.in, llmtest.Value(s, semconv.GenAIUsageInputTokensKey))
		})
	}
}

func TestStreams(t *testing.T) {
	tests := []struct {
		name, fixture string
		params        anthropic.MessageNewParams
		usage         agenttracetest.Usage
		finish        string
		output        []string
	}{
		{
			name: "text", fixture: "anthropic_messages_stream",
			params: anthropic.MessageNewParams{Model: "claude-sonnet-4-5", MaxTokens: 300,
				Messages: userMessage("In two sentences, why does prompt caching lower the cost of LLM calls?")},
			usage: agenttracetest.Usage{InputTokens: 24, OutputTokens: 57, TotalTokens: 81}, finish: "end_turn",
		},
		{
			name: "tool use", fixture: "anthropic_messages_stream_tool_use",
			params: anthropic.MessageNewParams{Model: "claude-sonnet-4-5", MaxTokens: 1024,
				Messages: userMessage("When is high tide in Porto on 26 November 2026?"),
				Tools: []anthropic.ToolUnionParam{{OfTool: &anthropic.ToolParam{
					Name:        "get_tide_times",
					Description: anthropic.String("High and low tide times for a harbour on a given date."),
					InputSchema: anthropic.ToolInputSchemaParam{
						Properties: map[string]any{"harbour": map[string]any{"type": "string"}, "date": map[string]any{"type": "string", "format": "date"}},
						Required:   []string{"harbour", "date"},
					},
				}}}},
			usage: agenttracetest.Usage{InputTokens: 583, OutputTokens: 81, TotalTokens: 664}, finish: "tool_use",
			output: []string{`"type":"tool_use"`, `"input":{"date":"2026-11-26","harbour":"Porto"}`, "Let me look up"},
		},
		{
			name: "thinking", fixture: "anthropic_messages_stream_thinking",
			params: anthropic.MessageNewParams{Model: "claude-sonnet-4-5", MaxTokens: 2048,
				Messages: userMessage("How long is an interlibrary loan, and can I renew it online?"),
				Thinking: anthropic.ThinkingConfigParamOfEnabled(1024)},
			usage: agenttracetest.Usage{InputTokens: 58, OutputTokens: 143, TotalTokens: 201}, finish: "end_turn",
			output: []string{`"type":"thinking"`, "section 2.6 says"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ex := llmreplay.MustLoad(tt.fixture)
			e := llmtest.New(t)
			e.LLM.Enqueue(ex.Answer())
			c := newAnthropic(e, nil)
			var acc anthropic.Message
			id := e.Traced(func(ctx context.Context) {
				stream := c.Messages.NewStreaming(ctx, tt.params)
				for stream.Next() {
					require.NoError(t, acc.Accumulate(stream.Current()))
				}
				require.NoError(t, stream.Err())
				require.NoError(t, stream.Close())
			})
			assertRecordedRequest(t, ex, e.LLM.Requests()[0])
			o, s := e.OneGeneration(t, id)
			assert.Equal(t, "DEFAULT", o.Level)
			require.NotNil(t, o.Usage)
			assert.Equal(t, tt.usage, *o.Usage)
			require.NotNil(t, o.CompletionStartTime)
			assert.False(t, o.CompletionStartTime.Before(o.StartTime))
			assert.Equal(t, []string{tt.finish}, llmtest.Value(s, semconv.GenAIResponseFinishReasonsKey))
			for _, sub := range tt.output {
				assert.Contains(t, o.Output, sub)
			}
			last := acc.Content[len(acc.Content)-1]
			assert.Contains(t, o.Output, strings.ReplaceAll(last.Text, `"`, `\"`), "the accumulated text")
		})
	}
}

func TestRetries(t *testing.T) {
	p := anthropic.MessageNewParams{Model: "claude-sonnet-4-5", MaxTokens: 400, Messages: userMessage("Suggest two novels.")}
	t.Run("429 then success is one generation", func(t *testing.T) {
		e := llmtest.New(t)
		e.LLM.Enqueue(llmtest.NoWait(llmtest.Answer(t, "anthropic_error_429_rate_limit")), llmtest.Answer(t, "anthropic_messages_basic"))
		c := newAnthropic(e, nil)
		id := e.Traced(func(ctx context.Context) {
			_, err := c.Messages.New(ctx, p)
			require.NoError(t, err)
		})
		reqs := e.LLM.Requests()
		require.Len(t, reqs, 2)
		assert.Equal(t, "1", reqs[1].Headers["x-stainless-retry-count"])
		o, s := e.OneGeneration(t, id)
		assert.Equal(t, "DEFAULT", o.Level)
		require.NotNil(t, o.Usage)
		assert.Equal(t, int64(123), o.Usage.TotalTokens)
		assert.Equal(t, int64(1), llmtest.Value(s, "http.request.resend_count"))
		var attempts []agenttracetest.Observation
		for _, a := range e.Observations(t, id) {
			if a.ParentObservationID == o.ID {
				attempts = append(attempts, a)
			}
		}
		require.Len(t, attempts, 2)
		assert.Equal(t, "WARNING", attempts[0].Level)
		assert.Contains(t, attempts[0].StatusMessage, "429")
	})
	tests := []struct {
		name       string
		answers    []string
		maxRetries int
		status     int64
		errType    string
		message    string
	}{
		{name: "529 until the retries are used up", answers: []string{"anthropic_error_529_overloaded", "anthropic_error_529_overloaded"},
			maxRetries: 1, status: 529, errType: "overloaded_error", message: "Overloaded"},
		{name: "400 is not retried", answers: []string{"anthropic_error_400_invalid_request"},
			maxRetries: 2, status: 400, errType: "invalid_request_error", message: "unexpected `tool_use_id`"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := llmtest.New(t)
			for _, f := range tt.answers {
				e.LLM.Enqueue(llmtest.NoWait(llmtest.Answer(t, f)))
			}
			c := newAnthropic(e, nil, option.WithMaxRetries(tt.maxRetries))
			id := e.Traced(func(ctx context.Context) {
				_, err := c.Messages.New(ctx, p)
				var apiErr *anthropic.Error
				require.ErrorAs(t, err, &apiErr)
				assert.Equal(t, int(tt.status), apiErr.StatusCode)
			})
			assert.Len(t, e.LLM.Requests(), len(tt.answers))
			o, s := e.OneGeneration(t, id)
			assert.Equal(t, "ERROR", o.Level)
			assert.Contains(t, o.StatusMessage, tt.message)
			assert.Equal(t, codes.Error, s.Status.Code)
			assert.Equal(t, tt.status, llmtest.Value(s, "http.response.status_code"))
			assert.Equal(t, tt.errType, llmtest.Value(s, "error.type"))
		})
	}
}

func TestStreamCut(t *testing.T) {
	e := llmtest.New(t)
	a := llmtest.Answer(t, "anthropic_messages_stream")
	a.CutAfter = 6
	e.LLM.Enqueue(a)
	c := newAnthropic(e, nil)
	id := e.Traced(func(ctx context.Context) {
		stream := c.Messages.NewStreaming(ctx, anthropic.MessageNewParams{Model: "claude-sonnet-4-5", MaxTokens: 300, Messages: userMessage("Why?")})
		for stream.Next() {
		}
		require.Error(t, stream.Err())
		require.NoError(t, stream.Close())
	})
	o, s := e.OneGeneration(t, id)
	assert.Equal(t, "ERROR", o.Level)
	assert.Contains(t, o.StatusMessage, "stream cut")
	assert.Contains(t, o.Output, `"type":"text"`, "the partial output")
	assert.Nil(t, o.Usage)
	assert.NotNil(t, llmtest.Value(s, semconv.GenerationUsageUnavailableKey))
}

// TestNoSecondSpan: a wrapped v2 client does not emit the SDK's own span
// beside the generation; unwrapped, it does.
func TestNoSecondSpan(t *testing.T) {
	for _, wrapped := range []bool{true, false} {
		rec := tracetest.NewSpanRecorder()
		tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
		e := llmtest.New(t)
		e.LLM.Enqueue(llmtest.Answer(t, "anthropic_messages_basic"))
		opts := []option.RequestOption{option.WithBaseURL(e.LLM.URL), option.WithAPIKey("sk-ant-test"), option.WithTracerProvider(tp)}
		if wrapped {
			opts = append(opts, anthropicv2trace.Option(e.Client))
		}
		c := anthropic.NewClient(opts...)
		id := e.Traced(func(ctx context.Context) {
			_, err := c.Messages.New(ctx, anthropic.MessageNewParams{Model: "claude-sonnet-4-5", MaxTokens: 400, Messages: userMessage("hi")})
			require.NoError(t, err)
		})
		require.NoError(t, tp.Shutdown(context.Background()))
		if wrapped {
			assert.Empty(t, rec.Ended(), "the SDK's own spans")
			e.OneGeneration(t, id)
		} else {
			assert.Len(t, rec.Ended(), 1, "the SDK emits a span of its own when not wrapped")
			assert.Empty(t, e.Generations(t, id))
		}
	}
}

func TestCaptureOff(t *testing.T) {
	e := llmtest.New(t)
	e.LLM.Enqueue(llmtest.Answer(t, "anthropic_messages_tool_use"))
	c := newAnthropic(e, []anthropicv2trace.Setting{anthropicv2trace.WithCaptureContent(false)})
	id := e.Traced(func(ctx context.Context) {
		_, err := c.Messages.New(ctx, anthropic.MessageNewParams{Model: "claude-haiku-4-5", MaxTokens: 512, Messages: userMessage("Is Piranesi in?")})
		require.NoError(t, err)
	})
	o, _ := e.OneGeneration(t, id)
	assert.Empty(t, o.Input)
	assert.Empty(t, o.Output)
	assert.NotNil(t, o.Usage)
}

func TestOtherEndpointsPassThrough(t *testing.T) {
	e := llmtest.New(t)
	e.LLM.Enqueue(llmreplay.Answer{Path: "/v1/messages/count_tokens", Response: llmreplay.Response{
		Status: 200, Headers: map[string]string{"content-type": "application/json"}, Body: []byte(`{"input_tokens":42}`),
	}})
	c := newAnthropic(e, nil)
	id := e.Traced(func(ctx context.Context) {
		n, err := c.Messages.CountTokens(ctx, anthropic.MessageCountTokensParams{Model: "claude-sonnet-4-5", Messages: userMessage("hi")})
		require.NoError(t, err)
		assert.Equal(t, int64(42), n.InputTokens)
	})
	assert.Empty(t, e.Generations(t, id))
}
