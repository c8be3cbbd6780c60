package anthropictrace_test

import (
	"context"
	"testing"

	"github.com/anthropics/anthropic-sdk-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agenttrace/agenttrace-otel-go/internal/llmreplay"
	"github.com/agenttrace/agenttrace-otel-go/internal/llmtest"
	"github.com/agenttrace/agenttrace-otel-go/semconv"
)

// The thinking fixtures replay through anthropic-sdk-go v1 too: it sends
// their request and decodes their answer, and the generation records the
// thinking tokens as reasoning.
func TestThinking(t *testing.T) {
	for _, streamed := range []bool{false, true} {
		fixture := map[bool]string{false: "anthropic_messages_thinking", true: "anthropic_messages_stream_thinking"}[streamed]
		t.Run(fixture, func(t *testing.T) {
			ex := llmreplay.MustLoad(fixture)
			e := llmtest.New(t)
			e.LLM.Enqueue(ex.Answer())
			c := newAnthropic(e, nil)
			p := anthropic.MessageNewParams{
				Model:     "claude-sonnet-4-5",
				MaxTokens: 4096,
				Messages:  []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("I have a board game out. Can I borrow a second one for two weeks?"))},
				Thinking:  anthropic.ThinkingConfigParamOfEnabled(2048),
			}
			var msg anthropic.Message
			id := e.Traced(func(ctx context.Context) {
				if !streamed {
					m, err := c.Messages.New(ctx, p)
					require.NoError(t, err)
					msg = *m
					return
				}
				p.MaxTokens, p.Thinking = 2048, anthropic.ThinkingConfigParamOfEnabled(1024)
				p.Messages = []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("How long is an interlibrary loan, and can I renew it online?"))}
				s := c.Messages.NewStreaming(ctx, p)
				for s.Next() {
					require.NoError(t, msg.Accumulate(s.Current()))
				}
				require.NoError(t, s.Err())
				require.NoError(t, s.Close())
			})
			reqs := e.LLM.Requests()
			require.Len(t, reqs, 1)
			assert.JSONEq(t, string(ex.Request.Body), string(reqs[0].Body), "the request the client sends")
			require.Len(t, msg.Content, 2)
			assert.Equal(t, "thinking", msg.Content[0].Type)
			assert.NotEmpty(t, msg.Content[0].Signature)
			assert.NotZero(t, msg.Usage.OutputTokensDetails.ThinkingTokens)

			o, s := e.OneGeneration(t, id)
			require.NotNil(t, o.Usage)
			assert.Equal(t, msg.Usage.OutputTokensDetails.ThinkingTokens, llmtest.Value(s, semconv.GenAIUsageReasoningOutputTokensKey))
			assert.Contains(t, o.Output, msg.Content[0].Thinking)
			assert.Contains(t, o.Output, msg.Content[1].Text)
			assert.NotContains(t, o.Output, msg.Content[0].Signature)
		})
	}
}
