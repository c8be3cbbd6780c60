// Command anthropic-agent runs a small tool-using agent on the Anthropic
// Messages API, traced with package anthropictrace, and prints the traces
// that arrived.
//
// It runs two tasks, each a trace whose root observation is the agent: a
// library assistant (non-streaming) and a harbour assistant (streaming). In
// each, the model asks for a tool, the program runs it (a tool observation),
// sends the result back and the model answers. Every model call is one
// generation, with its usage, parameters, tool uses and, for the streamed
// ones, time to first token.
//
// Without ANTHROPIC_API_KEY the model's answers come from recorded exchanges
// replayed by a local server (package internal/llmreplay); with it, the real
// API answers (ANTHROPIC_MODEL chooses the model, default
// claude-sonnet-4-5). Without AGENTTRACE_API_URL the traces go to an
// AgentTrace-compatible server started in-process (package agenttracetest)
// and their trees are printed; with AGENTTRACE_API_URL and AGENTTRACE_API_KEY
// they go there. It exits non-zero when a call fails or anything could not be
// delivered.
//
// Like anthropictrace, it is a module of its own (the SDK's module does not
// require the LLM client); from the repository root:
//
//	cd examples/anthropic-agent && go run .
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/anthropics/anthropic-sdk-go"
	"github.com/anthropics/anthropic-sdk-go/option"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/instrument/anthropictrace"
	"github.com/agenttrace/agenttrace-otel-go/internal/examplekit"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "anthropic-agent:", err)
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

	model := os.Getenv("ANTHROPIC_MODEL")
	if model == "" {
		model = "claude-sonnet-4-5"
	}
	opts := []option.RequestOption{anthropictrace.Option(at)}
	if os.Getenv("ANTHROPIC_API_KEY") == "" {
		llm := examplekit.Replay(w, "ANTHROPIC_API_KEY is not set",
			"anthropic_messages_tool_use", "anthropic_messages_tool_result_answer",
			"anthropic_messages_stream_tool_use", "anthropic_messages_stream_tool_result_answer",
		)
		defer llm.Close()
		opts = append(opts, option.WithBaseURL(llm.URL), option.WithAPIKey("replay"))
	}
	a := agent{client: anthropic.NewClient(opts...), at: at, model: model, out: w}

	var traces []string
	for _, task := range []task{libraryTask, tideTask} {
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

// task is one job for the agent: a question and the tool it may use.
type task struct {
	name, system, question string
	stream                 bool
	tool                   anthropic.ToolParam
	run                    func(input map[string]any) any
}

var libraryTask = task{
	name:     "library-assistant",
	system:   "You are the assistant of Harbourview Public Library. Check the catalogue before answering.",
	question: "Is Piranesi by Susanna Clarke on the shelf at the Riverside branch?",
	tool: anthropic.ToolParam{
		Name:        "check_availability",
		Description: anthropic.String("Check whether a title is on the shelf at a Harbourview library branch."),
		InputSchema: anthropic.ToolInputSchemaParam{
			Properties: map[string]any{
				"title":  map[string]any{"type": "string"},
				"author": map[string]any{"type": "string"},
				"branch": map[string]any{"type": "string", "enum": []string{"Central", "Riverside", "Northgate", "Harbour Road", "Elm Park"}},
			},
			Required: []string{"title", "branch"},
		},
	},
	run: func(in map[string]any) any {
		return map[string]any{"title": in["title"], "branch": in["branch"], "on_shelf": 1, "section": "fiction"}
	},
}

var tideTask = task{
	name:     "harbour-assistant",
	system:   "You answer questions about tides. Use the tool for tide times.",
	question: "When is high tide in Porto on 26 November 2026?",
	stream:   true,
	tool: anthropic.ToolParam{
		Name:        "get_tide_times",
		Description: anthropic.String("High and low tide times for a harbour on a given date."),
		InputSchema: anthropic.ToolInputSchemaParam{
			Properties: map[string]any{
				"harbour": map[string]any{"type": "string"},
				"date":    map[string]any{"type": "string", "format": "date"},
			},
			Required: []string{"harbour", "date"},
		},
	},
	run: func(in map[string]any) any {
		return map[string]any{"harbour": in["harbour"], "date": in["date"], "high": []string{"05:12 (3.4 m)", "17:38 (3.2 m)"}, "low": []string{"11:20 (0.9 m)", "23:41 (1.0 m)"}}
	},
}

// agent runs tasks with one client.
type agent struct {
	client anthropic.Client
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

	messages := []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock(t.question))}
	for range maxTurns {
		msg, err := a.turn(ctx, messages, t)
		if err != nil {
			tr.SetError(err)
			return tr.TraceID().String(), err
		}
		messages = append(messages, msg.ToParam())
		var results []anthropic.ContentBlockParamUnion
		var text string
		for _, block := range msg.Content {
			switch block.Type {
			case "text":
				text += block.Text
			case "tool_use":
				result := runTool(ctx, block.Name, block.Input, t.run)
				var input bytes.Buffer
				_ = json.Compact(&input, block.Input)
				fmt.Fprintf(a.out, "[%s] tool %s(%s) -> %s\n", t.name, block.Name, input.String(), result)
				results = append(results, anthropic.NewToolResultBlock(block.ID, result, false))
			}
		}
		if len(results) == 0 {
			fmt.Fprintf(a.out, "[%s] answer: %s\n", t.name, text)
			tr.SetOutput(text)
			return tr.TraceID().String(), nil
		}
		messages = append(messages, anthropic.NewUserMessage(results...))
	}
	err := fmt.Errorf("%s: no answer after %d model calls", t.name, maxTurns)
	tr.SetError(err)
	return tr.TraceID().String(), err
}

// turn asks the model for its next message, streamed or not.
func (a *agent) turn(ctx context.Context, messages []anthropic.MessageParam, t task) (anthropic.Message, error) {
	params := anthropic.MessageNewParams{
		Model:       anthropic.Model(a.model),
		MaxTokens:   1024,
		System:      []anthropic.TextBlockParam{{Text: t.system}},
		Messages:    messages,
		Tools:       []anthropic.ToolUnionParam{{OfTool: &t.tool}},
		Temperature: anthropic.Float(0.2),
	}
	if !t.stream {
		msg, err := a.client.Messages.New(ctx, params)
		if err != nil {
			return anthropic.Message{}, err
		}
		return *msg, nil
	}
	stream := a.client.Messages.NewStreaming(ctx, params)
	defer stream.Close()
	var msg anthropic.Message
	for stream.Next() {
		ev := stream.Current()
		if err := msg.Accumulate(ev); err != nil {
			return anthropic.Message{}, err
		}
		if ev.Type == "content_block_delta" && ev.Delta.Type == "text_delta" {
			fmt.Fprint(a.out, ev.Delta.Text)
		}
	}
	if err := stream.Err(); err != nil {
		return anthropic.Message{}, err
	}
	fmt.Fprintln(a.out)
	return msg, nil
}

// runTool runs a tool use as a tool observation and returns its result as
// JSON text.
func runTool(ctx context.Context, name string, input json.RawMessage, run func(map[string]any) any) string {
	var in map[string]any
	_, sp := instrument.FromContext(ctx).Span(ctx, name, instrument.WithType(instrument.TypeTool))
	defer sp.End()
	if err := json.Unmarshal(input, &in); err != nil {
		sp.SetInput(string(input))
		sp.SetError(fmt.Errorf("input is not a JSON object: %w", err))
		return `{"error":"input is not a JSON object"}`
	}
	sp.SetInput(in)
	result := run(in)
	sp.SetOutput(result)
	b, err := json.Marshal(result)
	if err != nil {
		sp.SetError(err)
		return `{"error":"the tool failed"}`
	}
	return string(b)
}
