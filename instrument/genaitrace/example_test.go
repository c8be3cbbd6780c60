package genaitrace_test

import (
	"context"
	"fmt"
	"log"
	"net/http"

	"github.com/agenttrace/agenttrace-otel-go/connection"

	"google.golang.org/genai"

	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttracetest"
	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/instrument/genaitrace"
	"github.com/agenttrace/agenttrace-otel-go/internal/llmreplay"
)

// Give the client a traced HTTP client; every GenerateContent call made
// with a context carrying a trace becomes a generation of that trace.
func ExampleHTTPClient() {
	ctx := context.Background()
	atClient, err := instrument.New(ctx) // AGENTTRACE_API_KEY from the environment
	if err != nil {
		log.Fatal(err)
	}
	defer atClient.Shutdown(context.Background())

	client, err := genai.NewClient(ctx, &genai.ClientConfig{
		HTTPClient: genaitrace.HTTPClient(atClient), // GEMINI_API_KEY from the environment
	})
	if err != nil {
		log.Fatal(err)
	}

	ctx, tr := atClient.Trace(ctx, "gemini-chat")
	defer tr.End()
	resp, err := client.Models.GenerateContent(ctx, "gemini-2.5-flash", genai.Text("Hello"), nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.Text())
}

// On Vertex AI, wrap the transport of the HTTP client that carries the
// credentials.
func ExampleTransport() {
	ctx := context.Background()
	atClient, err := instrument.New(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer atClient.Shutdown(context.Background())

	// The application's client that adds credentials
	// (golang.org/x/oauth2/google.DefaultClient, say).
	var hc *http.Client = http.DefaultClient
	traced := *hc // a copy: the application's client is left as it is
	traced.Transport = genaitrace.Transport(hc.Transport, atClient)
	client, err := genai.NewClient(ctx, &genai.ClientConfig{
		Backend:    genai.BackendVertexAI,
		Project:    "my-project",
		Location:   "us-central1",
		HTTPClient: &traced,
	})
	if err != nil {
		log.Fatal(err)
	}
	_ = client
}

// A streamed call traced against local servers: a replayed Gemini stream
// and an in-process AgentTrace server.
func ExampleHTTPClient_stream() {
	llm := llmreplay.NewServer()
	defer llm.Close()
	llm.Enqueue(llmreplay.MustLoad("genai_generate_stream").Answer())
	srv := agenttracetest.NewServer()
	defer srv.Close()

	ctx := context.Background()
	atClient, err := instrument.New(ctx, instrument.WithConnection(connection.Config{APIURL: srv.URL, APIKey: srv.APIKey}))
	if err != nil {
		log.Fatal(err)
	}
	client, err := genai.NewClient(ctx, &genai.ClientConfig{
		APIKey:      "test-key",
		Backend:     genai.BackendGeminiAPI,
		HTTPClient:  genaitrace.HTTPClient(atClient),
		HTTPOptions: genai.HTTPOptions{BaseURL: llm.URL},
	})
	if err != nil {
		log.Fatal(err)
	}

	ctx, tr := atClient.Trace(ctx, "advice")
	config := &genai.GenerateContentConfig{
		SystemInstruction: &genai.Content{Parts: []*genai.Part{{Text: "You are a reader's advisory assistant for a public library."}}},
		Temperature:       genai.Ptr[float32](0.5),
		MaxOutputTokens:   400,
	}
	for _, err := range client.Models.GenerateContentStream(ctx, "gemini-2.5-flash", genai.Text("Suggest two novels about memory, one line each."), config) {
		if err != nil {
			log.Fatal(err)
		}
	}
	tr.End()
	if err := atClient.Shutdown(ctx); err != nil {
		log.Fatal(err)
	}

	for _, o := range srv.Observations(tr.TraceID().String()) {
		if o.Type == "GENERATION" {
			fmt.Println(o.Name, o.Level, "first token recorded:", o.CompletionStartTime != nil)
			fmt.Printf("tokens %d in, %d out (thoughts included), %d total\n", o.Usage.InputTokens, o.Usage.OutputTokens, o.Usage.TotalTokens)
		}
	}
	// Output:
	// generate_content gemini-2.5-flash DEFAULT first token recorded: true
	// tokens 24 in, 397 out (thoughts included), 421 total
}
