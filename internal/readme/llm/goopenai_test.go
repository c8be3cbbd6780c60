package llm_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/sashabaranov/go-openai"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/instrument/goopenaitrace"
)

// askHelpDesk makes one chat completion with go-openai, traced by
// goopenaitrace.
func askHelpDesk(ctx context.Context, at *instrument.Client) error {
	// README: goopenai
	cfg := openai.DefaultConfig(os.Getenv("OPENAI_API_KEY"))
	if u := os.Getenv("OPENAI_BASE_URL"); u != "" { // an OpenAI-compatible server
		cfg.BaseURL = u
	}
	client := openai.NewClientWithConfig(goopenaitrace.WrapConfig(cfg, at))

	ctx, tr := at.Trace(ctx, "help-desk")
	defer tr.End()
	resp, err := client.CreateChatCompletion(ctx, openai.ChatCompletionRequest{
		Model:               "gpt-4.1-mini",
		Messages:            []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: "How often should I replace my chain?"}},
		MaxCompletionTokens: 200,
	})
	if err != nil {
		return err
	}
	fmt.Println(resp.Choices[0].Message.Content)
	// README end
	return nil
}

func TestGoOpenAI(t *testing.T) {
	e := replay(t, "goopenai_chat_basic")

	require.NoError(t, askHelpDesk(t.Context(), e.Client))

	gen, _ := e.OneGeneration(t, onlyTrace(t, e))
	assert.Equal(t, "chat gpt-4.1-mini", gen.Name)
	require.NotNil(t, gen.Usage)
	assert.Equal(t, int64(142), gen.Usage.TotalTokens)
}
