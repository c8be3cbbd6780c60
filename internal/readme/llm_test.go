package readme_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/anthropics/anthropic-sdk-go"
	"github.com/openai/openai-go/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/instrument/anthropictrace"
	"github.com/agenttrace/agenttrace-otel-go/instrument/openaitrace"
	"github.com/agenttrace/agenttrace-otel-go/internal/llmreplay"
)

// replay starts a server answering with recorded exchanges and points the
// OpenAI and Anthropic clients' environment at it.
func replay(t *testing.T, exchanges ...string) {
	t.Helper()
	llm := llmreplay.NewServer()
	t.Cleanup(llm.Close)
	for _, name := range exchanges {
		llm.Enqueue(llmreplay.MustLoad(name).Answer())
	}
	t.Setenv("OPENAI_BASE_URL", llm.URL+"/v1/")
	t.Setenv("OPENAI_API_KEY", "sk-test")
	t.Setenv("ANTHROPIC_BASE_URL", llm.URL)
	t.Setenv("ANTHROPIC_API_KEY", "sk-ant-test")
}

// streamAnswer streams a chat completion traced by openaitrace.
func streamAnswer(ctx context.Context, at *instrument.Client) error {
	// README: openai
	client := openai.NewClient(openaitrace.Option(at, openaitrace.WithStreamUsage(true)))

	ctx, tr := at.Trace(ctx, "support-answer")
	defer tr.End()
	stream := client.Chat.Completions.NewStreaming(ctx, openai.ChatCompletionNewParams{
		Model:    "gpt-4.1-mini",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("How often should I replace my chain?")},
	})
	defer stream.Close()
	for stream.Next() {
		chunk := stream.Current()
		if len(chunk.Choices) > 0 { // the last chunk, with the usage, has none
			fmt.Print(chunk.Choices[0].Delta.Content)
		}
	}
	return stream.Err()
	// README end
}

func TestOpenAIStream(t *testing.T) {
	srv, at := newClient(t)
	replay(t, "openai_chat_stream_usage")

	require.NoError(t, streamAnswer(t.Context(), at))
	require.NoError(t, at.Flush(t.Context()))

	gen := observation(t, srv, onlyTrace(t, srv), "chat gpt-4.1-mini")
	require.NotNil(t, gen.Usage)
	assert.Positive(t, gen.Usage.InputTokens)
	assert.Positive(t, gen.Usage.OutputTokens)
	assert.NotNil(t, gen.CompletionStartTime)
}

// askLibrarian makes one Messages call traced by anthropictrace.
func askLibrarian(ctx context.Context, at *instrument.Client) error {
	// README: anthropic
	client := anthropic.NewClient(anthropictrace.Option(at)) // ANTHROPIC_API_KEY from the environment

	ctx, tr := at.Trace(ctx, "library-assistant")
	defer tr.End()
	msg, err := client.Messages.New(ctx, anthropic.MessageNewParams{
		Model:     "claude-sonnet-4-5",
		MaxTokens: 1024,
		Messages:  []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("Is Dune on the shelf?"))},
	})
	if err != nil {
		return err
	}
	fmt.Println(msg.Content[0].Text)
	// README end
	return nil
}

func TestAnthropic(t *testing.T) {
	srv, at := newClient(t)
	replay(t, "anthropic_messages_basic")

	require.NoError(t, askLibrarian(t.Context(), at))
	require.NoError(t, at.Flush(t.Context()))

	id := onlyTrace(t, srv)
	require.Len(t, srv.Observations(id), 2, "the trace and one generation")
	gen := observation(t, srv, id, "chat claude-sonnet-4-5")
	require.NotNil(t, gen.Usage)
	assert.Positive(t, gen.Usage.OutputTokens)
}
