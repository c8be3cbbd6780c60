package llm_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go"
	"github.com/openai/openai-go/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/instrument/anthropictrace"
	"github.com/agenttrace/agenttrace-otel-go/instrument/openaitrace"
	"github.com/agenttrace/agenttrace-otel-go/internal/llmtest"
)

// replay returns the environment of a test whose OpenAI and Anthropic
// clients, made from the process environment as the snippets make them,
// send to a server answering with the recorded exchanges.
func replay(t *testing.T, exchanges ...string) *llmtest.Env {
	t.Helper()
	e := llmtest.New(t)
	for _, name := range exchanges {
		e.LLM.Enqueue(llmtest.Answer(t, name))
	}
	t.Setenv("OPENAI_BASE_URL", e.LLM.URL+"/v1/")
	t.Setenv("OPENAI_API_KEY", "sk-test")
	t.Setenv("ANTHROPIC_BASE_URL", e.LLM.URL)
	t.Setenv("ANTHROPIC_API_KEY", "sk-ant-test")
	return e
}

// onlyTrace flushes the client and returns the id of the one trace the
// AgentTrace server holds.
func onlyTrace(t *testing.T, e *llmtest.Env) string {
	t.Helper()
	require.NoError(t, e.Client.Flush(t.Context()))
	traces := e.AT.Snapshot().Traces
	require.Len(t, traces, 1)
	return traces[0].ID
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
	e := replay(t, "openai_chat_stream_usage")

	require.NoError(t, streamAnswer(t.Context(), e.Client))

	gen, _ := e.OneGeneration(t, onlyTrace(t, e))
	assert.Equal(t, "chat gpt-4.1-mini", gen.Name)
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
	e := replay(t, "anthropic_messages_basic")

	require.NoError(t, askLibrarian(t.Context(), e.Client))

	id := onlyTrace(t, e)
	require.Len(t, e.Observations(t, id), 2, "the trace and one generation")
	gen, _ := e.OneGeneration(t, id)
	assert.Equal(t, "chat claude-sonnet-4-5", gen.Name)
	require.NotNil(t, gen.Usage)
	assert.Positive(t, gen.Usage.OutputTokens)
}

// The message README.md quotes under "Missing usage in streams" is what a
// stream that did not ask for usage records.
func TestStreamUsageMessage(t *testing.T) {
	e := replay(t, "openai_chat_stream_no_usage")
	client := openai.NewClient(openaitrace.Option(e.Client))
	ctx, tr := e.Client.Trace(t.Context(), "t")
	stream := client.Chat.Completions.NewStreaming(ctx, openai.ChatCompletionNewParams{
		Model:    "gpt-4.1-mini",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Hello")},
	})
	for stream.Next() {
	}
	require.NoError(t, stream.Close())
	tr.End()

	gen, _ := e.OneGeneration(t, tr.TraceID().String())
	var md struct{ UsageUnavailable string }
	require.NoError(t, json.Unmarshal([]byte(gen.Metadata), &md))
	assert.Equal(t, quoted(t, "stream-usage"), md.UsageUnavailable)
}

// quoted returns the message README.md quotes in the ```text block after
// <!-- message: name -->. internal/readme's TestMessages leaves the
// messages of this package to it.
func quoted(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "README.md"))
	require.NoError(t, err)
	re := regexp.MustCompile("(?s)\n<!-- message: " + regexp.QuoteMeta(name) + " -->\n```text\n(.*?)\n```\n")
	m := re.FindSubmatch(data)
	require.NotNil(t, m, "README.md quotes no message %q", name)
	return strings.TrimSpace(string(m[1]))
}

// Both clients of newClients trace their calls, one generation each.
func TestBothClients(t *testing.T) {
	e := replay(t, "openai_chat_basic", "anthropic_messages_basic")
	oai, claude := newClients(e.Client)

	ctx, tr := e.Client.Trace(t.Context(), "compare")
	_, err := oai.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{
		Model:    "gpt-4.1-mini",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Hello")},
	})
	require.NoError(t, err)
	_, err = claude.Messages.New(ctx, anthropic.MessageNewParams{
		Model:     "claude-sonnet-4-5",
		MaxTokens: 1024,
		Messages:  []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("Hello"))},
	})
	require.NoError(t, err)
	tr.End()

	var names []string
	for _, gen := range e.Generations(t, tr.TraceID().String()) {
		names = append(names, gen.Name)
	}
	assert.ElementsMatch(t, []string{"chat gpt-4.1-mini", "chat claude-sonnet-4-5"}, names)
}
