package readme_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttracetest"
	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/prompts"
	"github.com/agenttrace/agenttrace-otel-go/scores"
)

// review fetches a managed prompt, compiles it and links the generation
// made from it.
func review(ctx context.Context, client *instrument.Client, src string) (*instrument.Trace, error) {
	// README: prompts
	// The version labelled production (prompts.WithPromptVersion(3) picks one by
	// number; neither: production, else the newest), or the fallback when
	// the prompt cannot be fetched.
	prompt, err := client.GetPrompt(ctx, "code-review",
		prompts.WithLabel("production"),
		prompts.WithFallback("Review this {{language}} code:\n{{code}}"))
	if err != nil {
		return nil, err
	}
	text, err := prompt.Compile(map[string]string{"language": "Go", "code": src})
	if err != nil {
		return nil, err // a *prompts.MissingVariablesError names every missing variable
	}

	ctx, tr := client.Trace(ctx, "review")
	defer tr.End()
	_, gen := tr.Generation(ctx, "review-code",
		instrument.WithModel("gpt-4.1-mini"),
		instrument.WithPrompt(prompt), // the generation's promptName and promptVersion
		instrument.WithInput(text))
	defer gen.End()
	// README end
	gen.SetOutput("Looks good.")
	return tr, nil
}

func TestPrompts(t *testing.T) {
	srv, client := newClient(t)
	_, err := srv.AddPromptVersion("code-review", agenttracetest.PromptVersion{
		Content: "You review {{language}} code. List its bugs:\n{{code}}",
		Labels:  []string{"production"},
	})
	require.NoError(t, err)

	tr, err := review(t.Context(), client, "func add(a, b int) int { return a - b }")
	require.NoError(t, err)
	require.NoError(t, client.Flush(t.Context()))

	gen := observation(t, srv, tr.TraceID().String(), "review-code")
	assert.Equal(t, "code-review", gen.PromptName)
	assert.Equal(t, 1, gen.PromptVersion)
	assert.JSONEq(t, `"You review Go code. List its bugs:\nfunc add(a, b int) int { return a - b }"`, gen.Input)
}

// answerTicket scores its answer by handle; the customer's rating comes
// later, by id.
func answerTicket(ctx context.Context, client *instrument.Client, ticket string) error {
	// README: scores
	ctx, tr := client.Trace(ctx, "answer-ticket",
		instrument.WithTraceID(instrument.TraceIDFromSeed(ticket))) // an id the application can find again
	defer tr.End()
	_, gen := tr.Generation(ctx, "draft-reply", instrument.WithModel("gpt-4.1-mini"))
	gen.End()

	// An evaluator's verdicts, by handle: the trace, and one observation.
	if err := tr.Score(ctx, "quality", scores.Numeric(0.9), instrument.WithComment("correct and short")); err != nil {
		return err
	}
	if err := gen.Score(ctx, "mentions-settings", scores.Boolean(true)); err != nil {
		return err
	}
	// README end
	return nil
}

// rateTicket records a score by trace id, long after the trace ended.
func rateTicket(ctx context.Context, client *instrument.Client, ticket string) error {
	// README: score-by-id
	traceID := instrument.TraceIDFromSeed(ticket) // or instrument.ParseTraceID of a stored id
	return client.Score(ctx, traceID, "customer-rating", scores.Categorical("helpful"))
	// README end
}

func TestScores(t *testing.T) {
	srv, client := newClient(t)
	require.NoError(t, answerTicket(t.Context(), client, "ticket-8812"))
	require.NoError(t, client.Flush(t.Context()))
	require.NoError(t, rateTicket(t.Context(), client, "ticket-8812"))
	require.NoError(t, client.Flush(t.Context()))

	id := instrument.TraceIDFromSeed("ticket-8812")
	got := map[string]string{}
	for _, s := range srv.Snapshot().ScoresOf(id.String()) {
		got[s.Name] = s.DataType
	}
	assert.Equal(t, map[string]string{
		"quality":           "NUMERIC",
		"mentions-settings": "BOOLEAN",
		"customer-rating":   "CATEGORICAL",
	}, got)
}
