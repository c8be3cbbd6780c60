package anthropictrace_test

import (
	"encoding/json"
	"testing"

	"github.com/anthropics/anthropic-sdk-go"
	"github.com/anthropics/anthropic-sdk-go/option"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttracetest"
	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/internal/llmtest"
)

// Without anthropictrace, anthropic-sdk-go's own OpenTelemetry spans
// (content included) given the client's TracerProvider arrive as
// generations: the span "anthropic.messages.create" of a Messages call
// made inside an agent observation is a generation under the agent, with
// the model, usage, input and output of the exchange. This module holds
// the test because it is the one that may require anthropic-sdk-go.
func TestClientOwnSpans(t *testing.T) {
	e := llmtest.New(t)
	e.LLM.Enqueue(llmtest.Answer(t, "anthropic_messages_basic"))
	ctx, tr := e.Client.Trace(t.Context(), "reading-advice")
	ctx, agent := tr.Span(ctx, "advisor", instrument.WithType(instrument.TypeAgent))
	client := anthropic.NewClient(
		option.WithBaseURL(e.LLM.URL), option.WithAPIKey("sk-ant-test"), option.WithMaxRetries(0),
		option.WithTracerProvider(e.Client.TracerProvider()), option.WithOpenTelemetryTraces(true),
		option.WithOpenTelemetryTracesContentMode(option.OpenTelemetryContentModeContent))
	msg, err := client.Messages.New(ctx, anthropic.MessageNewParams{
		Model:     "claude-sonnet-4-5",
		MaxTokens: 400,
		System: []anthropic.TextBlockParam{{
			Text: "You are a reader's advisory assistant at Harbourview Public Library. Keep answers under 80 words.",
		}},
		Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock(
			"I loved The Remains of the Day. Suggest two novels I might enjoy and say why in one sentence each."))},
	})
	require.NoError(t, err)
	agent.End()
	tr.End()

	gens := e.Generations(t, tr.TraceID().String())
	require.Len(t, gens, 1)
	gen := gens[0]
	assert.Equal(t, "anthropic.messages.create", gen.Name)
	assert.Equal(t, agent.ID().String(), gen.ParentObservationID, "the SDK's span is the agent's child")
	assert.Equal(t, "claude-sonnet-4-5", gen.Model)
	require.NotNil(t, gen.Usage)
	assert.Equal(t, agenttracetest.Usage{InputTokens: 52, OutputTokens: 71, TotalTokens: 123}, *gen.Usage)
	assert.Contains(t, gen.Input, "I loved The Remains of the Day.")
	assert.Contains(t, gen.Output, msg.Content[0].Text[:40])
	assert.JSONEq(t, `{"max_tokens":400}`, gen.ModelParameters)
	var md map[string]any
	require.NoError(t, json.Unmarshal([]byte(gen.Metadata), &md))
	assert.Equal(t, "anthropic", md["provider"])
	assert.Equal(t, "claude-sonnet-4-5-20250929", md["responseModel"])
	assert.Equal(t, "msg_01igEZGm2C2NwCMp51unVX1a", md["responseId"])
	assert.Equal(t, []any{"end_turn"}, md["finishReasons"], "anthropic.message.stop_reason")
}
