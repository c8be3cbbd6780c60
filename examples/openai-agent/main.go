// Command openai-agent runs a small tool-using agent on the OpenAI Chat
// Completions API, traced with package openaitrace, and prints the traces
// that arrived.
//
// It runs two tasks, each a trace whose root observation is the agent: an
// order assistant (non-streaming) and a travel assistant (streaming). In
// each, the model asks for a tool, the program runs it (a tool observation),
// sends the result back and the model answers. Every model call is one
// generation, with its usage, parameters, tool calls and, for the streamed
// ones, time to first token.
//
// Without OPENAI_API_KEY the model's answers come from recorded exchanges
// replayed by a local server (package internal/llmreplay); with it, the real
// API answers (OPENAI_MODEL chooses the model, default gpt-4.1-mini). Without
// AGENTTRACE_API_URL the traces go to an AgentTrace-compatible server started
// in-process (package agenttracetest) and their trees are printed; with
// AGENTTRACE_API_URL and AGENTTRACE_API_KEY they go there. It exits non-zero
// when a call fails or anything could not be delivered.
//
// Like openaitrace, it is a module of its own (the SDK's module does not
// require the LLM client); from the repository root:
//
//	cd examples/openai-agent && go run .
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/instrument/openaitrace"
	"github.com/agenttrace/agenttrace-otel-go/internal/examplekit"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "openai-agent:", err)
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

	model := os.Getenv("OPENAI_MODEL")
	if model == "" {
		model = "gpt-4.1-mini"
	}
	// WithStreamUsage: streamed answers carry their token usage too.
	opts := []option.RequestOption{openaitrace.Option(at, openaitrace.WithStreamUsage(true))}
	if os.Getenv("OPENAI_API_KEY") == "" {
		llm := examplekit.Replay(w, "OPENAI_API_KEY is not set",
			"openai_chat_tool_calls", "openai_chat_tool_result_answer",
			"openai_chat_stream_tool_call", "openai_chat_stream_tool_result_answer",
		)
		defer llm.Close()
		opts = append(opts, option.WithBaseURL(llm.URL+"/v1/"), option.WithAPIKey("replay"))
	}
	a := agent{client: openai.NewClient(opts...), at: at, model: model, out: w}

	var traces []string
	for _, task := range []task{orderTask, travelTask} {
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

// task is one job for the agent: a conversation start and the tools it may
// use.
type task struct {
	name, system, question string
	stream                 bool
	tools                  []openai.ChatCompletionToolUnionParam
	run                    func(args map[string]any) any
}

var orderTask = task{
	name:     "order-assistant",
	system:   "You are Spoke & Sprocket's order assistant. Use the tools to look up orders and never guess a status.",
	question: "Can you check where my orders SS-20418 and SS-20433 are?",
	tools: []openai.ChatCompletionToolUnionParam{openai.ChatCompletionFunctionTool(openai.FunctionDefinitionParam{
		Name:        "get_order_status",
		Description: openai.String("Look up the fulfilment status of a Spoke & Sprocket web order."),
		Parameters: openai.FunctionParameters{
			"type":                 "object",
			"properties":           map[string]any{"order_id": map[string]any{"type": "string", "description": "Order number, e.g. SS-20418"}},
			"required":             []string{"order_id"},
			"additionalProperties": false,
		},
		Strict: openai.Bool(true),
	})},
	run: func(args map[string]any) any {
		orders := map[string]any{
			"SS-20418": map[string]any{"order_id": "SS-20418", "status": "shipped", "carrier": "CTT", "eta": "2026-11-25"},
			"SS-20433": map[string]any{"order_id": "SS-20433", "status": "packing", "eta": "2026-11-27"},
		}
		if o, ok := orders[fmt.Sprint(args["order_id"])]; ok {
			return o
		}
		return map[string]any{"error": "no such order"}
	},
}

var travelTask = task{
	name:     "travel-assistant",
	system:   "You book travel for staff. Today is 2026-11-23.",
	question: "Find me an economy flight from Lisbon to Tokyo Haneda on 3 December.",
	stream:   true,
	tools: []openai.ChatCompletionToolUnionParam{openai.ChatCompletionFunctionTool(openai.FunctionDefinitionParam{
		Name:        "search_flights",
		Description: openai.String("Search scheduled flights between two airports on a date."),
		Parameters: openai.FunctionParameters{
			"type": "object",
			"properties": map[string]any{
				"origin":      map[string]any{"type": "string", "description": "IATA airport code"},
				"destination": map[string]any{"type": "string", "description": "IATA airport code"},
				"date":        map[string]any{"type": "string", "description": "Departure date, YYYY-MM-DD"},
				"cabin":       map[string]any{"type": "string", "enum": []string{"economy", "premium_economy", "business"}},
			},
			"required":             []string{"origin", "destination", "date", "cabin"},
			"additionalProperties": false,
		},
		Strict: openai.Bool(true),
	})},
	run: func(map[string]any) any {
		return []any{map[string]any{
			"flight": "TP 1351", "departs": "2026-12-03T10:40 LIS", "arrives": "2026-12-04T08:15 HND",
			"stops": 1, "cabin": "economy", "price_eur": 912,
		}}
	},
}

// agent runs tasks with one client.
type agent struct {
	client openai.Client
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

	messages := []openai.ChatCompletionMessageParamUnion{openai.SystemMessage(t.system), openai.UserMessage(t.question)}
	for range maxTurns {
		msg, err := a.turn(ctx, messages, t)
		if err != nil {
			tr.SetError(err)
			return tr.TraceID().String(), err
		}
		if len(msg.ToolCalls) == 0 {
			fmt.Fprintf(a.out, "[%s] answer: %s\n", t.name, msg.Content)
			tr.SetOutput(msg.Content)
			return tr.TraceID().String(), nil
		}
		messages = append(messages, msg.ToParam())
		for _, call := range msg.ToolCalls {
			result := runTool(ctx, call.Function.Name, call.Function.Arguments, t.run)
			fmt.Fprintf(a.out, "[%s] tool %s(%s) -> %s\n", t.name, call.Function.Name, call.Function.Arguments, result)
			messages = append(messages, openai.ToolMessage(result, call.ID))
		}
	}
	err := fmt.Errorf("%s: no answer after %d model calls", t.name, maxTurns)
	tr.SetError(err)
	return tr.TraceID().String(), err
}

// turn asks the model for its next message, streamed or not.
func (a *agent) turn(ctx context.Context, messages []openai.ChatCompletionMessageParamUnion, t task) (openai.ChatCompletionMessage, error) {
	params := openai.ChatCompletionNewParams{
		Model:               a.model,
		Messages:            messages,
		Tools:               t.tools,
		Temperature:         openai.Float(0.2),
		MaxCompletionTokens: openai.Int(400),
	}
	if !t.stream {
		completion, err := a.client.Chat.Completions.New(ctx, params)
		if err != nil {
			return openai.ChatCompletionMessage{}, err
		}
		if len(completion.Choices) == 0 {
			return openai.ChatCompletionMessage{}, fmt.Errorf("%s: an answer without choices", t.name)
		}
		return completion.Choices[0].Message, nil
	}
	stream := a.client.Chat.Completions.NewStreaming(ctx, params)
	defer stream.Close()
	var acc openai.ChatCompletionAccumulator
	for stream.Next() {
		chunk := stream.Current()
		acc.AddChunk(chunk)
		// The usage chunk that WithStreamUsage asks for has no choices.
		if len(chunk.Choices) > 0 && chunk.Choices[0].Delta.Content != "" {
			fmt.Fprint(a.out, chunk.Choices[0].Delta.Content)
		}
	}
	if err := stream.Err(); err != nil {
		return openai.ChatCompletionMessage{}, err
	}
	if len(acc.Choices) == 0 {
		return openai.ChatCompletionMessage{}, fmt.Errorf("%s: a stream without choices", t.name)
	}
	if acc.Choices[0].Message.Content != "" {
		fmt.Fprintln(a.out)
	}
	return acc.Choices[0].Message, nil
}

// runTool runs a tool call as a tool observation and returns its result as
// JSON text.
func runTool(ctx context.Context, name, arguments string, run func(map[string]any) any) string {
	var args map[string]any
	_, sp := instrument.FromContext(ctx).Span(ctx, name, instrument.WithType(instrument.TypeTool))
	defer sp.End()
	if err := json.Unmarshal([]byte(arguments), &args); err != nil {
		sp.SetInput(arguments)
		sp.SetError(fmt.Errorf("arguments are not a JSON object: %w", err))
		return `{"error":"arguments are not a JSON object"}`
	}
	sp.SetInput(args)
	result := run(args)
	sp.SetOutput(result)
	b, err := json.Marshal(result)
	if err != nil {
		sp.SetError(err)
		return `{"error":"the tool failed"}`
	}
	return string(b)
}
