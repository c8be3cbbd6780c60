// Command anthropicv2-agent runs a small agent on the Anthropic Messages API
// through anthropic-sdk-go/v2, traced with package anthropicv2trace, and
// prints the trace that arrived.
//
// It is not a copy of examples/anthropic-agent (the v1 client's tool loop,
// streamed and not): the tracing of both majors is one code
// (instrument/llmtrace/anthropicapi), so this one shows what v2 adds to
// that example's story, in one trace whose root is the agent: a tool use
// (the model asks for check_availability, the program runs it as a tool
// observation and sends the result back), then a streamed call with
// extended thinking, whose thinking tokens are recorded as reasoning. The
// two majors' Go types differ, so their examples share no Go code.
//
// Without ANTHROPIC_API_KEY the model's answers come from recorded exchanges
// replayed by a local server (package internal/llmreplay); with it, the real
// API answers (ANTHROPIC_MODEL chooses the model, default
// claude-sonnet-4-5). Without AGENTTRACE_API_URL the trace goes to an
// AgentTrace-compatible server started in-process (package agenttracetest)
// and its tree is printed. From the repository root:
//
//	cd examples/anthropicv2-agent && go run .
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/instrument/anthropicv2trace"
	"github.com/agenttrace/agenttrace-otel-go/internal/examplekit"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "anthropicv2-agent:", err)
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
	model := anthropic.Model(os.Getenv("ANTHROPIC_MODEL"))
	if model == "" {
		model = "claude-sonnet-4-5"
	}
	opts := []option.RequestOption{anthropicv2trace.Option(at)}
	if os.Getenv("ANTHROPIC_API_KEY") == "" {
		llm := examplekit.Replay(w, "ANTHROPIC_API_KEY is not set",
			"anthropic_messages_tool_use", "anthropic_messages_tool_result_answer", "anthropic_messages_stream_thinking")
		defer llm.Close()
		opts = append(opts, option.WithBaseURL(llm.URL), option.WithAPIKey("replay"))
	}
	client := anthropic.NewClient(opts...)

	ctx, tr := at.Trace(ctx, "library-assistant", instrument.WithType(instrument.TypeAgent))
	err = assist(ctx, client, model, w)
	if err != nil {
		tr.SetError(err)
	}
	tr.End()
	// Shutdown flushes what is still buffered; give it a deadline.
	flushCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	shutdownErr := at.Shutdown(flushCtx)
	if err != nil {
		return err
	}
	return backend.Report(w, shutdownErr, tr.TraceID().String())
}

var checkAvailability = anthropic.ToolParam{
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
}

// assist answers two questions: the first with a tool, the second streamed
// with extended thinking.
func assist(ctx context.Context, client anthropic.Client, model anthropic.Model, w io.Writer) error {
	question := "Is Piranesi by Susanna Clarke on the shelf at the Riverside branch?"
	fmt.Fprintln(w, "[question]", question)
	messages := []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock(question))}
	tools := []anthropic.ToolUnionParam{{OfTool: &checkAvailability}}
	for range 3 { // at most three model calls
		msg, err := client.Messages.New(ctx, anthropic.MessageNewParams{Model: model, MaxTokens: 512, Messages: messages, Tools: tools})
		if err != nil {
			return err
		}
		messages = append(messages, msg.ToParam())
		var results []anthropic.ContentBlockParamUnion
		for _, b := range msg.Content {
			switch b.Type {
			case "text":
				fmt.Fprintln(w, "[answer]", b.Text)
			case "tool_use":
				result := runTool(ctx, b.Name, b.Input)
				fmt.Fprintf(w, "[tool] %s -> %s\n", b.Name, result)
				results = append(results, anthropic.NewToolResultBlock(b.ID, result, false))
			}
		}
		if len(results) == 0 {
			break
		}
		messages = append(messages, anthropic.NewUserMessage(results...))
	}

	question = "How long is an interlibrary loan, and can I renew it online?"
	fmt.Fprintln(w, "[question]", question)
	stream := client.Messages.NewStreaming(ctx, anthropic.MessageNewParams{
		Model: model, MaxTokens: 2048,
		Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock(question))},
		Thinking: anthropic.ThinkingConfigParamOfEnabled(1024),
	})
	defer stream.Close()
	var msg anthropic.Message
	for stream.Next() {
		if err := msg.Accumulate(stream.Current()); err != nil {
			return err
		}
	}
	if err := stream.Err(); err != nil {
		return err
	}
	for _, b := range msg.Content {
		if b.Type == "text" {
			fmt.Fprintln(w, "[answer]", b.Text)
		}
	}
	fmt.Fprintf(w, "[thinking tokens] %d of %d output tokens\n", msg.Usage.OutputTokensDetails.ThinkingTokens, msg.Usage.OutputTokens)
	return nil
}

// runTool runs check_availability as a tool observation and returns its
// result as JSON text.
func runTool(ctx context.Context, name string, input json.RawMessage) string {
	_, sp := instrument.FromContext(ctx).Span(ctx, name, instrument.WithType(instrument.TypeTool))
	defer sp.End()
	var in map[string]any
	if err := json.Unmarshal(input, &in); err != nil {
		sp.SetError(fmt.Errorf("input is not a JSON object: %w", err))
		return `{"error":"input is not a JSON object"}`
	}
	sp.SetInput(in)
	result := map[string]any{"title": in["title"], "branch": in["branch"], "on_shelf": 1, "section": "fiction"}
	sp.SetOutput(result)
	b, _ := json.Marshal(result) // a map of strings and numbers always encodes
	return string(b)
}
