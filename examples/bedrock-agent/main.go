// Command bedrock-agent runs a small tool-using agent on the Amazon Bedrock
// Converse API, traced with package bedrocktrace, and prints the traces
// that arrived.
//
// It runs two tasks, each a trace whose root observation is the agent: the
// same library question asked with Converse and with ConverseStream. In
// each, the model asks for a tool, the program runs it (a tool
// observation), sends the result back and the model answers. Every model
// call is one generation, with its usage, parameters, tool uses and, for
// the streamed ones, time to first token.
//
// Without AWS credentials in the environment (AWS_ACCESS_KEY_ID or
// AWS_PROFILE) the model's answers come from recorded exchanges replayed by
// a local server (package internal/llmreplay; ConverseStream answers are AWS
// event-stream frames); with them, Amazon Bedrock answers (AWS_REGION
// chooses the region, BEDROCK_MODEL_ID the model, default
// us.anthropic.claude-sonnet-4-20250514-v1:0). Without AGENTTRACE_API_URL
// the traces go to an AgentTrace-compatible server started in-process
// (package agenttracetest) and their trees are printed; with
// AGENTTRACE_API_URL and AGENTTRACE_API_KEY they go there. It exits
// non-zero when a call fails or anything could not be delivered.
//
// Like bedrocktrace, it is a module of its own (the SDK's module does not
// require the AWS SDK); from the repository root:
//
//	cd examples/bedrock-agent && go run .
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/document"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/instrument/bedrocktrace"
	"github.com/agenttrace/agenttrace-otel-go/internal/examplekit"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bedrock-agent:", err)
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

	model := os.Getenv("BEDROCK_MODEL_ID")
	if model == "" {
		model = "us.anthropic.claude-sonnet-4-20250514-v1:0"
	}
	var cfg aws.Config
	if os.Getenv("AWS_ACCESS_KEY_ID") == "" && os.Getenv("AWS_PROFILE") == "" {
		llm := examplekit.Replay(w, "No AWS credentials are set",
			"bedrock_converse_tool_use", "bedrock_converse_tool_result_answer",
			"bedrock_converse_stream_tool_use", "bedrock_converse_stream_tool_result_answer",
		)
		defer llm.Close()
		cfg = aws.Config{
			Region: "us-east-1",
			Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
				return aws.Credentials{AccessKeyID: "replay", SecretAccessKey: "replay"}, nil
			}),
			BaseEndpoint: aws.String(llm.URL),
		}
	} else if cfg, err = config.LoadDefaultConfig(ctx); err != nil {
		return err
	}
	client := bedrockruntime.NewFromConfig(cfg, func(o *bedrockruntime.Options) {
		bedrocktrace.AppendMiddlewares(&o.APIOptions, at)
	})
	a := agent{client: client, at: at, model: model, out: w}

	var traces []string
	for _, stream := range []bool{false, true} {
		id, err := a.run(ctx, stream)
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

const (
	system   = "You are a reader's advisory assistant."
	question = "Is Piranesi by Susanna Clarke on the shelf at Riverside?"
)

// tools are the tools the model may use.
var tools = &types.ToolConfiguration{Tools: []types.Tool{&types.ToolMemberToolSpec{Value: types.ToolSpecification{
	Name:        aws.String("check_availability"),
	Description: aws.String("Whether a title is on the shelf at a branch."),
	InputSchema: &types.ToolInputSchemaMemberJson{Value: document.NewLazyDocument(map[string]any{
		"type": "object",
		"properties": map[string]any{
			"title":  map[string]any{"type": "string"},
			"author": map[string]any{"type": "string"},
			"branch": map[string]any{"type": "string"},
		},
		"required": []string{"title", "branch"},
	})},
}}}}

// checkAvailability is the tool: the shelves of the Riverside branch.
func checkAvailability(args map[string]any) map[string]any {
	if args["branch"] == "Riverside" && args["title"] == "Piranesi" {
		return map[string]any{"available": true, "copies": 2}
	}
	return map[string]any{"available": false}
}

// agent runs tasks with one client.
type agent struct {
	client *bedrockruntime.Client
	at     *instrument.Client
	model  string
	out    io.Writer
}

// maxTurns bounds the model calls of one task.
const maxTurns = 5

// run answers the question in its own trace, streamed or not, and returns
// the trace's id.
func (a *agent) run(ctx context.Context, stream bool) (string, error) {
	name := "library-assistant"
	if stream {
		name += "-stream"
	}
	ctx, tr := a.at.Trace(ctx, name, instrument.WithType(instrument.TypeAgent), instrument.WithInput(question))
	defer tr.End()
	fmt.Fprintf(a.out, "[%s] %s\n", name, question)

	messages := []types.Message{{Role: types.ConversationRoleUser, Content: []types.ContentBlock{&types.ContentBlockMemberText{Value: question}}}}
	for range maxTurns {
		msg, err := a.turn(ctx, messages, stream)
		if err != nil {
			tr.SetError(err)
			return tr.TraceID().String(), err
		}
		messages = append(messages, msg)
		var results []types.ContentBlock
		var text strings.Builder
		for _, b := range msg.Content {
			switch b := b.(type) {
			case *types.ContentBlockMemberText:
				text.WriteString(b.Value)
			case *types.ContentBlockMemberToolUse:
				results = append(results, runTool(ctx, b.Value))
			}
		}
		if len(results) == 0 {
			fmt.Fprintf(a.out, "[%s] answer: %s\n", name, text.String())
			tr.SetOutput(text.String())
			return tr.TraceID().String(), nil
		}
		messages = append(messages, types.Message{Role: types.ConversationRoleUser, Content: results})
	}
	err := fmt.Errorf("%s: no answer after %d model calls", name, maxTurns)
	tr.SetError(err)
	return tr.TraceID().String(), err
}

// turn asks the model for its next message, streamed or not.
func (a *agent) turn(ctx context.Context, messages []types.Message, stream bool) (types.Message, error) {
	systemBlocks := []types.SystemContentBlock{&types.SystemContentBlockMemberText{Value: system}}
	inference := &types.InferenceConfiguration{MaxTokens: aws.Int32(400)}
	if !stream {
		out, err := a.client.Converse(ctx, &bedrockruntime.ConverseInput{
			ModelId: aws.String(a.model), System: systemBlocks, Messages: messages, InferenceConfig: inference, ToolConfig: tools,
		})
		if err != nil {
			return types.Message{}, err
		}
		msg, ok := out.Output.(*types.ConverseOutputMemberMessage)
		if !ok {
			return types.Message{}, fmt.Errorf("an answer without a message: %T", out.Output)
		}
		return msg.Value, nil
	}
	out, err := a.client.ConverseStream(ctx, &bedrockruntime.ConverseStreamInput{
		ModelId: aws.String(a.model), System: systemBlocks, Messages: messages, InferenceConfig: inference, ToolConfig: tools,
	})
	if err != nil {
		return types.Message{}, err
	}
	s := out.GetStream()
	msg, err := accumulate(s.Events(), a.out)
	if cerr := s.Close(); err == nil {
		err = cerr
	}
	return msg, err
}

// accumulate builds the message that a stream's events carry, printing its
// text as it arrives.
func accumulate(events <-chan types.ConverseStreamOutput, w io.Writer) (types.Message, error) {
	type block struct {
		text, input strings.Builder
		toolUse     *types.ToolUseBlock
	}
	var blocks []*block
	at := func(i *int32) *block {
		for int(aws.ToInt32(i)) >= len(blocks) {
			blocks = append(blocks, &block{})
		}
		return blocks[aws.ToInt32(i)]
	}
	printed := false
	for ev := range events {
		switch ev := ev.(type) {
		case *types.ConverseStreamOutputMemberContentBlockStart:
			if tu, ok := ev.Value.Start.(*types.ContentBlockStartMemberToolUse); ok {
				at(ev.Value.ContentBlockIndex).toolUse = &types.ToolUseBlock{ToolUseId: tu.Value.ToolUseId, Name: tu.Value.Name}
			}
		case *types.ConverseStreamOutputMemberContentBlockDelta:
			b := at(ev.Value.ContentBlockIndex)
			switch d := ev.Value.Delta.(type) {
			case *types.ContentBlockDeltaMemberText:
				b.text.WriteString(d.Value)
				fmt.Fprint(w, d.Value)
				printed = true
			case *types.ContentBlockDeltaMemberToolUse:
				b.input.WriteString(aws.ToString(d.Value.Input))
			}
		}
	}
	if printed {
		fmt.Fprintln(w)
	}
	msg := types.Message{Role: types.ConversationRoleAssistant}
	for _, b := range blocks {
		if b.text.Len() > 0 {
			msg.Content = append(msg.Content, &types.ContentBlockMemberText{Value: b.text.String()})
		}
		if b.toolUse != nil {
			var input map[string]any
			if err := json.Unmarshal([]byte(b.input.String()), &input); err != nil {
				return msg, fmt.Errorf("the input of tool use %s: %w", aws.ToString(b.toolUse.ToolUseId), err)
			}
			tu := *b.toolUse
			tu.Input = document.NewLazyDocument(input)
			msg.Content = append(msg.Content, &types.ContentBlockMemberToolUse{Value: tu})
		}
	}
	return msg, nil
}

// runTool runs a tool use as a tool observation and returns its result
// block.
func runTool(ctx context.Context, use types.ToolUseBlock) types.ContentBlock {
	_, sp := instrument.FromContext(ctx).Span(ctx, aws.ToString(use.Name), instrument.WithType(instrument.TypeTool))
	defer sp.End()
	result := types.ToolResultBlock{ToolUseId: use.ToolUseId}
	var args map[string]any
	raw, err := use.Input.MarshalSmithyDocument()
	if err == nil {
		err = json.Unmarshal(raw, &args)
	}
	if err != nil {
		sp.SetError(fmt.Errorf("the input is not a JSON object: %w", err))
		result.Status = types.ToolResultStatusError
		result.Content = []types.ToolResultContentBlock{&types.ToolResultContentBlockMemberText{Value: "the input is not a JSON object"}}
		return &types.ContentBlockMemberToolResult{Value: result}
	}
	sp.SetInput(args)
	out := checkAvailability(args)
	sp.SetOutput(out)
	result.Content = []types.ToolResultContentBlock{&types.ToolResultContentBlockMemberJson{Value: document.NewLazyDocument(out)}}
	return &types.ContentBlockMemberToolResult{Value: result}
}
