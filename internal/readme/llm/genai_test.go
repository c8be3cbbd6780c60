package llm_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/genai"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/instrument/genaitrace"
	"github.com/agenttrace/agenttrace-otel-go/internal/llmtest"
)

// askGemini makes one GenerateContent call traced by genaitrace.
func askGemini(ctx context.Context, at *instrument.Client) error {
	// README: genai
	client, err := genai.NewClient(ctx, &genai.ClientConfig{
		HTTPClient: genaitrace.HTTPClient(at), // GEMINI_API_KEY from the environment
	})
	if err != nil {
		return err
	}

	ctx, tr := at.Trace(ctx, "library-assistant")
	defer tr.End()
	resp, err := client.Models.GenerateContent(ctx, "gemini-2.5-flash", genai.Text("Is Dune on the shelf?"), nil)
	if err != nil {
		return err
	}
	fmt.Println(resp.Text())
	// README end
	return nil
}

func TestGenAI(t *testing.T) {
	e := llmtest.New(t)
	e.LLM.Enqueue(llmtest.Answer(t, "genai_generate_basic"))
	// The client made from the environment, as the snippet makes it, sends
	// to the replay server.
	for k, v := range map[string]string{
		"GEMINI_API_KEY": "test-key", "GOOGLE_API_KEY": "", "GOOGLE_GEMINI_BASE_URL": e.LLM.URL,
		"GOOGLE_GENAI_USE_VERTEXAI": "", "GOOGLE_GENAI_USE_ENTERPRISE": "", "GOOGLE_GENAI_API_VERSION": "",
	} {
		t.Setenv(k, v)
	}

	require.NoError(t, askGemini(t.Context(), e.Client))

	id := onlyTrace(t, e)
	gen, _ := e.OneGeneration(t, id)
	assert.Equal(t, "generate_content gemini-2.5-flash", gen.Name)
	require.NotNil(t, gen.Usage)
	assert.Equal(t, int64(58+347), gen.Usage.OutputTokens, "thoughts included")
}
