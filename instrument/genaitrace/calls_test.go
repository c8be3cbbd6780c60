package genaitrace_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"testing"

	"google.golang.org/genai"

	"github.com/agenttrace/agenttrace-otel-go/instrument/genaitrace"
	"github.com/agenttrace/agenttrace-otel-go/internal/llmtest"
)

// The requests of the fixtures (internal/llmreplay/testdata/genai_*.json),
// as the application makes them.

const (
	geminiModel = "gemini-2.5-flash"
	vertexProj  = "agenttrace-demo"
	vertexLoc   = "us-central1"
)

// newClient returns a genai client of the backend (Vertex AI or the Gemini
// API) that sends to the replay server of e, traced to its instrument
// client.
func newClient(t testing.TB, e *llmtest.Env, vertex bool, settings ...genaitrace.Setting) *genai.Client {
	t.Helper()
	return newClientHTTP(t, e.LLM.URL, genaitrace.HTTPClient(e.Client, settings...), vertex, nil)
}

// newClientHTTP returns a genai client of the backend that sends to url
// through hc, with retry options when retry is not nil.
func newClientHTTP(t testing.TB, url string, hc *http.Client, vertex bool, retry *genai.HTTPRetryOptions) *genai.Client {
	t.Helper()
	cc := &genai.ClientConfig{
		HTTPClient:  hc,
		HTTPOptions: genai.HTTPOptions{BaseURL: url, RetryOptions: retry},
	}
	if vertex {
		cc.Backend, cc.Project, cc.Location = genai.BackendVertexAI, vertexProj, vertexLoc
	} else {
		cc.Backend, cc.APIKey = genai.BackendGeminiAPI, "test-key"
	}
	c, err := genai.NewClient(context.Background(), cc)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func adviceConfig(temperature float32) *genai.GenerateContentConfig {
	return &genai.GenerateContentConfig{
		SystemInstruction: &genai.Content{Parts: []*genai.Part{{Text: "You are a reader's advisory assistant for a public library."}}},
		Temperature:       genai.Ptr(temperature),
		MaxOutputTokens:   400,
	}
}

var adviceContents = genai.Text("Suggest two novels about memory, one line each.")

var availabilityTool = &genai.Tool{FunctionDeclarations: []*genai.FunctionDeclaration{{
	Name:        "check_availability",
	Description: "Checks whether a title is on the shelf at a library branch.",
	Parameters: &genai.Schema{
		Type: genai.TypeObject,
		Properties: map[string]*genai.Schema{
			"title":  {Type: genai.TypeString, Description: "The book's title."},
			"branch": {Type: genai.TypeString, Description: "The branch name."},
		},
		Required: []string{"title", "branch"},
	},
}}}

func toolConfig() *genai.GenerateContentConfig {
	return &genai.GenerateContentConfig{
		SystemInstruction: &genai.Content{Parts: []*genai.Part{{Text: "You help readers find books at the library's branches."}}},
		Tools:             []*genai.Tool{availabilityTool},
	}
}

var toolQuestion = genai.Text("Is Piranesi by Susanna Clarke on the shelf at the Riverside branch?")

// functionCallSignature is the thoughtSignature of the function call of
// genai_generate_function_call, sent back with it.
var functionCallSignature, _ = base64.StdEncoding.DecodeString("CpUCAdHtim9zQm1vY2tTaWduYXR1cmVPZkFUaG91Z2h0VGhhdERlY2lkZWRUb0NhbGxDaGVja0F2YWlsYWJpbGl0eQ==")

// toolResultContents is the conversation after the function call of
// genai_generate_function_call, with its result.
func toolResultContents() []*genai.Content {
	return append(genai.Text("Is Piranesi by Susanna Clarke on the shelf at the Riverside branch?"),
		&genai.Content{Role: genai.RoleModel, Parts: []*genai.Part{{FunctionCall: &genai.FunctionCall{
			Name: "check_availability", Args: map[string]any{"title": "Piranesi", "branch": "Riverside"},
		}, ThoughtSignature: functionCallSignature}}},
		&genai.Content{Role: genai.RoleUser, Parts: []*genai.Part{{FunctionResponse: &genai.FunctionResponse{
			Name: "check_availability", Response: map[string]any{"available": true, "copies": 2, "shelf": "F CLA"},
		}}}},
	)
}

func cachedThoughtsConfig() *genai.GenerateContentConfig {
	return &genai.GenerateContentConfig{
		CachedContent:  "cachedContents/lib-catalogue-7f3k2q9d",
		ThinkingConfig: &genai.ThinkingConfig{IncludeThoughts: true, ThinkingBudget: genai.Ptr[int32](1024)},
	}
}

var cachedQuestion = genai.Text("Which three titles in the catalogue best suit a reader who loved The Remains of the Day?")

// fixtureCall is how the request of a fixture is made.
type fixtureCall struct {
	vertex   bool
	stream   bool
	model    string
	contents []*genai.Content
	config   *genai.GenerateContentConfig
}

// fixtureCalls are the calls of the genai fixtures, by fixture name.
var fixtureCalls = map[string]fixtureCall{
	"genai_generate_basic":               {model: geminiModel, contents: adviceContents, config: adviceConfig(0.5)},
	"genai_generate_stream":              {model: geminiModel, stream: true, contents: adviceContents, config: adviceConfig(0.5)},
	"genai_generate_function_call":       {model: geminiModel, contents: toolQuestion, config: toolConfig()},
	"genai_generate_tool_result_answer":  {model: geminiModel, contents: toolResultContents(), config: toolConfig()},
	"genai_generate_cached_thoughts":     {model: "gemini-2.5-pro", contents: cachedQuestion, config: cachedThoughtsConfig()},
	"genai_error_429_resource_exhausted": {model: geminiModel, contents: adviceContents, config: adviceConfig(0.5)},
	"genai_error_400_invalid_argument":   {model: geminiModel, contents: adviceContents, config: adviceConfig(3.5)},
	"genai_vertex_generate_basic":        {vertex: true, model: geminiModel, contents: adviceContents, config: adviceConfig(0.5)},
}

// run makes the call with c; a stream is read to its end. It returns the
// text of the answer.
func (f fixtureCall) run(ctx context.Context, c *genai.Client) (string, error) {
	if !f.stream {
		resp, err := c.Models.GenerateContent(ctx, f.model, f.contents, f.config)
		if err != nil {
			return "", err
		}
		return answerText(resp), nil
	}
	var text string
	for resp, err := range c.Models.GenerateContentStream(ctx, f.model, f.contents, f.config) {
		if err != nil {
			return text, err
		}
		text += answerText(resp)
	}
	return text, nil
}

// answerText is the text of the first candidate, without its thoughts
// (resp.Text logs a warning when there are function calls).
func answerText(resp *genai.GenerateContentResponse) string {
	var text string
	if len(resp.Candidates) > 0 && resp.Candidates[0].Content != nil {
		for _, p := range resp.Candidates[0].Content.Parts {
			if !p.Thought {
				text += p.Text
			}
		}
	}
	return text
}
