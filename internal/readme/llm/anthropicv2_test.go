package llm_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/instrument/anthropicv2trace"
)

// thinkV2 makes a Messages call with extended thinking through
// anthropic-sdk-go/v2, traced by anthropicv2trace.
func thinkV2(ctx context.Context, at *instrument.Client) error {
	// README: anthropic-v2
	client := anthropic.NewClient(anthropicv2trace.Option(at)) // github.com/anthropics/anthropic-sdk-go/v2

	ctx, tr := at.Trace(ctx, "library-assistant")
	defer tr.End()
	msg, err := client.Messages.New(ctx, anthropic.MessageNewParams{
		Model:     "claude-sonnet-4-5",
		MaxTokens: 4096,
		Thinking:  anthropic.ThinkingConfigParamOfEnabled(2048), // thinking tokens are recorded as reasoning
		Messages:  []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("Can I borrow a second board game?"))},
	})
	if err != nil {
		return err
	}
	fmt.Println(msg.Content[len(msg.Content)-1].Text)
	return nil
	// README end
}

func TestAnthropicV2Thinking(t *testing.T) {
	e := replay(t, "anthropic_messages_thinking")

	require.NoError(t, thinkV2(t.Context(), e.Client))

	gen, _ := e.OneGeneration(t, onlyTrace(t, e))
	assert.Equal(t, "chat claude-sonnet-4-5", gen.Name)
	require.NotNil(t, gen.Usage)
	assert.Equal(t, int64(251), gen.Usage.TotalTokens)
	assert.Contains(t, gen.Output, `"type":"thinking"`)
	assert.Equal(t, "2026-10-21", e.LLM.Requests()[0].Headers["anthropic-version"], "the v2 client")
}
