// Command genai-agent runs a small tool-using agent on Google's Gemini API
// with google.golang.org/genai, traced with package genaitrace, and prints
// the traces that arrived.
//
// It runs two tasks, each a trace whose root observation is the agent: a
// library assistant (non-streaming) whose model calls a function, which the
// program runs (a tool observation) before sending the result back for the
// answer, and a reading advisor whose answer is streamed. Every model call
// is one generation, with its usage (thinking tokens included in the
// output), parameters, function calls and, for the streamed one, time to
// first token.
//
// Without GEMINI_API_KEY (or GOOGLE_API_KEY) the model's answers come from
// recorded exchanges replayed by a local server (package
// internal/llmreplay); with it, the real API answers (GEMINI_MODEL chooses
// the model, default gemini-2.5-flash). Without AGENTTRACE_API_URL the
// traces go to an AgentTrace-compatible server started in-process (package
// agenttracetest) and their trees are printed; with AGENTTRACE_API_URL and
// AGENTTRACE_API_KEY they go there. It exits non-zero when a call fails or
// anything could not be delivered.
//
// Like genaitrace, it is a module of its own (the SDK's module does not
// require the LLM client); from the repository root:
//
//	cd examples/genai-agent && go run .
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"google.golang.org/genai"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/instrument/genaitrace"
	"github.com/agenttrace/agenttrace-otel-go/internal/examplekit"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "genai-agent:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, w io.Writer) error {
	// The traces go to AGENTTRACE_API_URL or to a server started in-process.
	backend := examplekit.NewBackend()
	defer backend.Close()
	at, err := instrument.New(ctx, backend.Options()...)
	if err != nil {
		return err
	}

	model := os.Getenv("GEMINI_MODEL")
	if model == "" {
		model = "gemini-2.5-flash"
	}
	cc := &genai.ClientConfig{Backend: genai.BackendGeminiAPI, HTTPClient: genaitrace.HTTPClient(at)}
	if os.Getenv("GEMINI_API_KEY") == "" && os.Getenv("GOOGLE_API_KEY") == "" {
		llm := examplekit.Replay(w, "GEMINI_API_KEY is not set",
			"genai_generate_function_call", "genai_generate_tool_result_answer", "genai_generate_stream")
		defer llm.Close()
		cc.APIKey, cc.HTTPOptions.BaseURL = "replay", llm.URL
	}
	client, err := genai.NewClient(ctx, cc)
	if err != nil {
		return err
	}
	a := agent{client: client, at: at, model: model, out: w}

	var traces []string
	for _, task := range []task{libraryTask, adviceTask} {
		id, err := a.run(ctx, task)
		traces = append(traces, id)
		if err != nil {
			_ = at.Shutdown(ctx)
			return err
		}
	}

	// Shutdown flushes what is still buffered; give it a deadline.
	flushCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return backend.Report(w, at.Shutdown(flushCtx), traces...)
}

// task is one job for the agent: a conversation start, its settings and the
// functions the model may call.
type task struct {
	name, system, question string
	stream                 bool
	config                 genai.GenerateContentConfig
	tools                  []*genai.Tool
	run                    func(args map[string]any) map[string]any
}

var libraryTask = task{
	name:     "library-assistant",
	system:   "You help readers find books at the library's branches.",
	question: "Is Piranesi by Susanna Clarke on the shelf at the Riverside branch?",
	tools: []*genai.Tool{{FunctionDeclarations: []*genai.FunctionDeclaration{{
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
	}}}},
	run: func(args map[string]any) map[string]any {
		if args["title"] == "Piranesi" && args["branch"] == "Riverside" {
			return map[string]any{"available": true, "copies": 2, "shelf": "F CLA"}
		}
		return map[string]any{"available": false}
	},
}

var adviceTask = task{
	name:     "reading-advisor",
	system:   "You are a reader's advisory assistant for a public library.",
	question: "Suggest two novels about memory, one line each.",
	stream:   true,
	config:   genai.GenerateContentConfig{Temperature: genai.Ptr[float32](0.5), MaxOutputTokens: 400},
}

// agent runs tasks with one client.
type agent struct {
	client *genai.Client
	at     *instrument.Client
	model  string
	out    io.Writer
}

// maxTurns bounds the model calls of one task.
const maxTurns = 5

// run runs one task in its own trace and returns the trace's id.
func (a *agent) run(ctx context.Context, t task) (string, error) {
	ctx, tr := a.at.Trace(ctx, t.name, instrument.WithType(instrument.TypeAgent), instrument.WithInput(t.question))
	defer tr.End()
	fmt.Fprintf(a.out, "[%s] %s\n", t.name, t.question)

	config := t.config
	config.SystemInstruction = &genai.Content{Parts: []*genai.Part{{Text: t.system}}}
	config.Tools = t.tools
	contents := genai.Text(t.question)
	for range maxTurns {
		content, err := a.turn(ctx, contents, &config, t)
		if err != nil {
			tr.SetError(err)
			return tr.TraceID().String(), err
		}
		var calls []*genai.FunctionCall
		var text string
		for _, p := range content.Parts {
			switch {
			case p.FunctionCall != nil:
				calls = append(calls, p.FunctionCall)
			case !p.Thought:
				text += p.Text
			}
		}
		if len(calls) == 0 {
			fmt.Fprintf(a.out, "[%s] answer: %s\n", t.name, text)
			tr.SetOutput(text)
			return tr.TraceID().String(), nil
		}
		// The model's content goes back as it came: its function calls
		// carry thought signatures that Gemini needs.
		results := &genai.Content{Role: genai.RoleUser}
		for _, call := range calls {
			result := runTool(ctx, call, t.run)
			fmt.Fprintf(a.out, "[%s] tool %s(%v) -> %v\n", t.name, call.Name, call.Args, result)
			results.Parts = append(results.Parts, &genai.Part{FunctionResponse: &genai.FunctionResponse{ID: call.ID, Name: call.Name, Response: result}})
		}
		contents = append(contents, content, results)
	}
	err := fmt.Errorf("%s: no answer after %d model calls", t.name, maxTurns)
	tr.SetError(err)
	return tr.TraceID().String(), err
}

// turn asks the model for its next content, streamed or not.
func (a *agent) turn(ctx context.Context, contents []*genai.Content, config *genai.GenerateContentConfig, t task) (*genai.Content, error) {
	if !t.stream {
		resp, err := a.client.Models.GenerateContent(ctx, a.model, contents, config)
		if err != nil {
			return nil, err
		}
		if len(resp.Candidates) == 0 || resp.Candidates[0].Content == nil {
			return nil, fmt.Errorf("%s: an answer without content", t.name)
		}
		return resp.Candidates[0].Content, nil
	}
	acc := &genai.Content{Role: genai.RoleModel}
	for resp, err := range a.client.Models.GenerateContentStream(ctx, a.model, contents, config) {
		if err != nil {
			return nil, err
		}
		if len(resp.Candidates) == 0 || resp.Candidates[0].Content == nil {
			continue
		}
		for _, p := range resp.Candidates[0].Content.Parts {
			if p.Text != "" && !p.Thought {
				fmt.Fprint(a.out, p.Text)
			}
			acc.Parts = append(acc.Parts, p)
		}
	}
	fmt.Fprintln(a.out)
	return acc, nil
}

// runTool runs a function call as a tool observation and returns its
// result.
func runTool(ctx context.Context, call *genai.FunctionCall, run func(map[string]any) map[string]any) map[string]any {
	_, sp := instrument.FromContext(ctx).Span(ctx, call.Name, instrument.WithType(instrument.TypeTool), instrument.WithInput(call.Args))
	defer sp.End()
	result := run(call.Args)
	if _, err := json.Marshal(result); err != nil {
		sp.SetError(err)
		return map[string]any{"error": "the tool failed"}
	}
	sp.SetOutput(result)
	return result
}
