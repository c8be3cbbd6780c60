package bedrocktrace_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/document"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/aws/smithy-go"

	"github.com/agenttrace/agenttrace-otel-go/internal/llmreplay"
)

// update rewrites the Bedrock fixtures of internal/llmreplay from the
// definitions below: go test -run TestFixtures -update.
var update = flag.Bool("update", false, "rewrite the Bedrock fixtures of internal/llmreplay/testdata")

const (
	model        = "us.anthropic.claude-sonnet-4-20250514-v1:0"
	conversePath = "/model/" + model + "/converse"
	streamPath   = "/model/" + model + "/converse-stream"
	invokePath   = "/model/" + model + "/invoke"
	testdata     = "../../internal/llmreplay/testdata"
)

// event is one message of a ConverseStream answer: an event, or an
// exception when exception is set.
type event struct {
	typ       string
	exception bool
	payload   string
}

// fixture is the definition of one recorded exchange; the fixture file is
// written from it, its stream frames with the AWS SDK's own encoder.
type fixture struct {
	name, description string
	path              string
	request           string
	status            int
	headers           map[string]string
	body              string
	events            []event
	// call makes the request of the fixture through the real client,
	// reading a stream to its end, and returns what the client decoded.
	call func(ctx context.Context, c *bedrockruntime.Client) (string, error)
}

var jsonHeaders = map[string]string{"content-type": "application/json", "x-amzn-requestid": "5f0c1b1e-8a44-4f6e-9d3b-2c7a0e1d9b10"}

func streamHeaders(id string) map[string]string {
	return map[string]string{"content-type": "application/vnd.amazon.eventstream", "x-amzn-requestid": id}
}

func errorHeaders(errType, id string) map[string]string {
	return map[string]string{
		"content-type":     "application/json",
		"x-amzn-errortype": errType + ":http://internal.amazon.com/coral/com.amazon.bedrock/",
		"x-amzn-requestid": id,
	}
}

const systemPrompt = "You are a reader's advisory assistant."

const basicRequest = `{
	"messages": [{"role": "user", "content": [{"text": "Suggest two novels."}]}],
	"system": [{"text": "You are a reader's advisory assistant."}],
	"inferenceConfig": {"maxTokens": 400, "temperature": 0.5}
}`

func basicInput() *bedrockruntime.ConverseInput {
	return &bedrockruntime.ConverseInput{
		ModelId:         aws.String(model),
		System:          []types.SystemContentBlock{&types.SystemContentBlockMemberText{Value: systemPrompt}},
		Messages:        []types.Message{userText("Suggest two novels.")},
		InferenceConfig: &types.InferenceConfiguration{MaxTokens: aws.Int32(400), Temperature: aws.Float32(0.5)},
	}
}

func userText(s string) types.Message {
	return types.Message{Role: types.ConversationRoleUser, Content: []types.ContentBlock{&types.ContentBlockMemberText{Value: s}}}
}

const toolRequest = `{
	"messages": [{"role": "user", "content": [{"text": "Is Piranesi by Susanna Clarke on the shelf at Riverside?"}]}],
	"system": [{"text": "You are a reader's advisory assistant."}],
	"inferenceConfig": {"maxTokens": 400},
	"toolConfig": {"tools": [{"toolSpec": {
		"name": "check_availability",
		"description": "Whether a title is on the shelf at a branch.",
		"inputSchema": {"json": {"type": "object", "properties": {"title": {"type": "string"}, "author": {"type": "string"}, "branch": {"type": "string"}}, "required": ["title", "branch"]}}
	}}]}
}`

// availabilityTool is the tool of the tool-use fixtures.
func availabilityTool() *types.ToolConfiguration {
	return &types.ToolConfiguration{Tools: []types.Tool{&types.ToolMemberToolSpec{Value: types.ToolSpecification{
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
}

const toolQuestion = "Is Piranesi by Susanna Clarke on the shelf at Riverside?"

func toolInput() *bedrockruntime.ConverseInput {
	return &bedrockruntime.ConverseInput{
		ModelId:         aws.String(model),
		System:          []types.SystemContentBlock{&types.SystemContentBlockMemberText{Value: systemPrompt}},
		Messages:        []types.Message{userText(toolQuestion)},
		InferenceConfig: &types.InferenceConfiguration{MaxTokens: aws.Int32(400)},
		ToolConfig:      availabilityTool(),
	}
}

// toolUseTurn is the assistant's turn of the tool-use fixture, as the
// second request sends it back.
func toolUseTurn() types.Message {
	return types.Message{Role: types.ConversationRoleAssistant, Content: []types.ContentBlock{
		&types.ContentBlockMemberText{Value: "I'll check the Riverside branch."},
		&types.ContentBlockMemberToolUse{Value: types.ToolUseBlock{
			ToolUseId: aws.String("tooluse_kZJMlvQmRJ6eAyJE5GIl7Q"),
			Name:      aws.String("check_availability"),
			Input:     document.NewLazyDocument(map[string]any{"title": "Piranesi", "author": "Susanna Clarke", "branch": "Riverside"}),
		}},
	}}
}

func toolResultTurn() types.Message {
	return types.Message{Role: types.ConversationRoleUser, Content: []types.ContentBlock{
		&types.ContentBlockMemberToolResult{Value: types.ToolResultBlock{
			ToolUseId: aws.String("tooluse_kZJMlvQmRJ6eAyJE5GIl7Q"),
			Content:   []types.ToolResultContentBlock{&types.ToolResultContentBlockMemberJson{Value: document.NewLazyDocument(map[string]any{"available": true, "copies": 2})}},
		}},
	}}
}

const toolResultRequest = `{
	"messages": [
		{"role": "user", "content": [{"text": "Is Piranesi by Susanna Clarke on the shelf at Riverside?"}]},
		{"role": "assistant", "content": [
			{"text": "I'll check the Riverside branch."},
			{"toolUse": {"toolUseId": "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q", "name": "check_availability", "input": {"title": "Piranesi", "author": "Susanna Clarke", "branch": "Riverside"}}}
		]},
		{"role": "user", "content": [{"toolResult": {"toolUseId": "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q", "content": [{"json": {"available": true, "copies": 2}}]}}]}
	],
	"system": [{"text": "You are a reader's advisory assistant."}],
	"inferenceConfig": {"maxTokens": 400},
	"toolConfig": {"tools": [{"toolSpec": {
		"name": "check_availability",
		"description": "Whether a title is on the shelf at a branch.",
		"inputSchema": {"json": {"type": "object", "properties": {"title": {"type": "string"}, "author": {"type": "string"}, "branch": {"type": "string"}}, "required": ["title", "branch"]}}
	}}]}
}`

func toolResultInput() *bedrockruntime.ConverseInput {
	in := toolInput()
	in.Messages = append(in.Messages, toolUseTurn(), toolResultTurn())
	return in
}

// longSystem is the system prompt of the cache fixture: long enough to be
// cached (the text is shortened; the token counts are the recording's).
const longSystem = "You are the catalogue assistant of the Riverside library. The catalogue rules follow."

const cacheRequest = `{
	"messages": [{"role": "user", "content": [{"text": "Which rule covers large-print editions?"}]}],
	"system": [{"text": "You are the catalogue assistant of the Riverside library. The catalogue rules follow."}, {"cachePoint": {"type": "default"}}],
	"inferenceConfig": {"maxTokens": 400}
}`

func cacheInput() *bedrockruntime.ConverseInput {
	return &bedrockruntime.ConverseInput{
		ModelId: aws.String(model),
		System: []types.SystemContentBlock{
			&types.SystemContentBlockMemberText{Value: longSystem},
			&types.SystemContentBlockMemberCachePoint{Value: types.CachePointBlock{Type: types.CachePointTypeDefault}},
		},
		Messages:        []types.Message{userText("Which rule covers large-print editions?")},
		InferenceConfig: &types.InferenceConfiguration{MaxTokens: aws.Int32(400)},
	}
}

const invokeRequest = `{
	"anthropic_version": "bedrock-2023-05-31",
	"max_tokens": 400,
	"temperature": 0.5,
	"system": [{"type": "text", "text": "You are the catalogue assistant of the Riverside library. The catalogue rules follow.", "cache_control": {"type": "ephemeral"}}],
	"messages": [{"role": "user", "content": "Which rule covers large-print editions?"}]
}`

// invoke calls InvokeModel with body and describes what came back.
func invoke(body string) func(context.Context, *bedrockruntime.Client) (string, error) {
	return func(ctx context.Context, c *bedrockruntime.Client) (string, error) {
		out, err := c.InvokeModel(ctx, invokeInput(body))
		if err != nil {
			return "", err
		}
		return string(out.Body), nil
	}
}

func invokeInput(body string) *bedrockruntime.InvokeModelInput {
	return &bedrockruntime.InvokeModelInput{
		ModelId:     aws.String(model),
		ContentType: aws.String("application/json"),
		Accept:      aws.String("application/json"),
		Body:        []byte(body),
	}
}

func streamInput(in *bedrockruntime.ConverseInput) *bedrockruntime.ConverseStreamInput {
	return &bedrockruntime.ConverseStreamInput{
		ModelId:         in.ModelId,
		System:          in.System,
		Messages:        in.Messages,
		InferenceConfig: in.InferenceConfig,
		ToolConfig:      in.ToolConfig,
	}
}

// converse calls Converse and describes what came back.
func converse(in func() *bedrockruntime.ConverseInput) func(context.Context, *bedrockruntime.Client) (string, error) {
	return func(ctx context.Context, c *bedrockruntime.Client) (string, error) {
		out, err := c.Converse(ctx, in())
		if err != nil {
			return "", err
		}
		return describeMessage(out.Output.(*types.ConverseOutputMemberMessage).Value.Content, string(out.StopReason), out.Usage), nil
	}
}

// converseStream calls ConverseStream, reads the stream to its end and
// describes what came back.
func converseStream(in func() *bedrockruntime.ConverseInput) func(context.Context, *bedrockruntime.Client) (string, error) {
	return func(ctx context.Context, c *bedrockruntime.Client) (string, error) {
		out, err := c.ConverseStream(ctx, streamInput(in()))
		if err != nil {
			return "", err
		}
		s := out.GetStream()
		defer s.Close()
		var b strings.Builder
		for ev := range s.Events() {
			switch v := ev.(type) {
			case *types.ConverseStreamOutputMemberContentBlockStart:
				if tu, ok := v.Value.Start.(*types.ContentBlockStartMemberToolUse); ok {
					fmt.Fprintf(&b, "[toolUse %s %s]", *tu.Value.Name, *tu.Value.ToolUseId)
				}
			case *types.ConverseStreamOutputMemberContentBlockDelta:
				switch d := v.Value.Delta.(type) {
				case *types.ContentBlockDeltaMemberText:
					b.WriteString(d.Value)
				case *types.ContentBlockDeltaMemberToolUse:
					b.WriteString(*d.Value.Input)
				}
			case *types.ConverseStreamOutputMemberMessageStop:
				fmt.Fprintf(&b, " stop=%s", v.Value.StopReason)
			case *types.ConverseStreamOutputMemberMetadata:
				fmt.Fprintf(&b, " %s", describeUsage(v.Value.Usage))
			}
		}
		return b.String(), s.Err()
	}
}

func describeMessage(content []types.ContentBlock, stop string, u *types.TokenUsage) string {
	var b strings.Builder
	for _, c := range content {
		switch v := c.(type) {
		case *types.ContentBlockMemberText:
			b.WriteString(v.Value)
		case *types.ContentBlockMemberToolUse:
			input, _ := v.Value.Input.MarshalSmithyDocument()
			fmt.Fprintf(&b, "[toolUse %s %s %s]", *v.Value.Name, *v.Value.ToolUseId, input)
		}
	}
	return fmt.Sprintf("%s stop=%s %s", b.String(), stop, describeUsage(u))
}

func describeUsage(u *types.TokenUsage) string {
	if u == nil {
		return "no usage"
	}
	return fmt.Sprintf("usage=%d+%d=%d cache=%d/%d", aws.ToInt32(u.InputTokens), aws.ToInt32(u.OutputTokens),
		aws.ToInt32(u.TotalTokens), aws.ToInt32(u.CacheReadInputTokens), aws.ToInt32(u.CacheWriteInputTokens))
}

// textDeltas are the contentBlockDelta events of a text block.
func textDeltas(index int, parts ...string) []event {
	evs := make([]event, len(parts))
	for i, p := range parts {
		text, _ := json.Marshal(p)
		evs[i] = event{"contentBlockDelta", false, fmt.Sprintf(`{"contentBlockIndex":%d,"delta":{"text":%s},"p":"abcdefghijklmnopqrstu"}`, index, text)}
	}
	return evs
}

func toolDeltas(index int, parts ...string) []event {
	evs := make([]event, len(parts))
	for i, p := range parts {
		input, _ := json.Marshal(p)
		evs[i] = event{"contentBlockDelta", false, fmt.Sprintf(`{"contentBlockIndex":%d,"delta":{"toolUse":{"input":%s}},"p":"abcdefghij"}`, index, input)}
	}
	return evs
}

func concat(parts ...[]event) []event {
	var out []event
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

var fixtures = []fixture{
	{
		name:        "bedrock_converse_basic",
		description: "Converse, plain text answer: a system prompt and one user message, inferenceConfig maxTokens 400 and temperature 0.5; stopReason end_turn, usage 31 + 58 = 89, no cache counters.",
		path:        conversePath, request: basicRequest, status: 200, headers: jsonHeaders,
		body: `{"metrics":{"latencyMs":1412},"output":{"message":{"content":[{"text":"Try Never Let Me Go by Kazuo Ishiguro, a quiet novel about memory and loss, and Piranesi by Susanna Clarke, a strange and luminous puzzle of a house."}],"role":"assistant"}},"stopReason":"end_turn","usage":{"inputTokens":31,"outputTokens":58,"totalTokens":89}}`,
		call: converse(basicInput),
	},
	{
		name:        "bedrock_converse_tool_use",
		description: "Converse with one tool (check_availability): a text block, then a toolUse block with its input object; stopReason tool_use, usage 412 + 96 = 508.",
		path:        conversePath, request: toolRequest, status: 200, headers: jsonHeaders,
		body: `{"metrics":{"latencyMs":1875},"output":{"message":{"content":[{"text":"I'll check the Riverside branch."},{"toolUse":{"input":{"author":"Susanna Clarke","branch":"Riverside","title":"Piranesi"},"name":"check_availability","toolUseId":"tooluse_kZJMlvQmRJ6eAyJE5GIl7Q"}}],"role":"assistant"}},"stopReason":"tool_use","usage":{"inputTokens":412,"outputTokens":96,"totalTokens":508}}`,
		call: converse(toolInput),
	},
	{
		name:        "bedrock_converse_tool_result_answer",
		description: "Second turn of bedrock_converse_tool_use after the toolResult (a json block): text answer, stopReason end_turn, usage 547 + 41 = 588. Written for the example's agent loop.",
		path:        conversePath, request: toolResultRequest, status: 200, headers: jsonHeaders,
		body: `{"metrics":{"latencyMs":1033},"output":{"message":{"content":[{"text":"Yes: Riverside has two copies of Piranesi on the shelf."}],"role":"assistant"}},"stopReason":"end_turn","usage":{"inputTokens":547,"outputTokens":41,"totalTokens":588}}`,
		call: converse(toolResultInput),
	},
	{
		name:        "bedrock_converse_cache_read",
		description: "Converse with a cachePoint after the system prompt, a later call: cacheReadInputTokens 1391, cacheWriteInputTokens 0; inputTokens 14 counts only the tokens outside the cache (totalTokens 14 + 1391 + 40 = 1445).",
		path:        conversePath, request: cacheRequest, status: 200, headers: jsonHeaders,
		body: `{"metrics":{"latencyMs":968},"output":{"message":{"content":[{"text":"Rule 7.3: large-print editions are catalogued as separate items."}],"role":"assistant"}},"stopReason":"end_turn","usage":{"cacheReadInputTokens":1391,"cacheWriteInputTokens":0,"inputTokens":14,"outputTokens":40,"totalTokens":1445}}`,
		call: converse(cacheInput),
	},
	{
		name:        "bedrock_converse_stream",
		description: "ConverseStream of a text answer: messageStart, 6 contentBlockDelta (text), contentBlockStop, messageStop (end_turn), metadata (usage 31 + 44 = 75, latencyMs); event payloads carry AWS's \"p\" padding member.",
		path:        streamPath, request: basicRequest, status: 200, headers: streamHeaders("b7a4d2e0-3c1f-4a8e-9f6d-1e2b3c4d5e6f"),
		events: concat(
			[]event{{"messageStart", false, `{"p":"abcdefghijklmnopqrstuvwxyzABCDEF","role":"assistant"}`}},
			textDeltas(0, "Try ", "Never Let Me Go", " by Kazuo Ishiguro", ", and ", "Piranesi", " by Susanna Clarke."),
			[]event{
				{"contentBlockStop", false, `{"contentBlockIndex":0,"p":"abcdefghijklmnopqrstuvwxyzABCDEFGHIJK"}`},
				{"messageStop", false, `{"p":"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNO","stopReason":"end_turn"}`},
				{"metadata", false, `{"metrics":{"latencyMs":1304},"p":"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN","usage":{"inputTokens":31,"outputTokens":44,"totalTokens":75}}`},
			},
		),
		call: converseStream(basicInput),
	},
	{
		name:        "bedrock_converse_stream_tool_use",
		description: "ConverseStream with a tool: a text block (index 0), then contentBlockStart of a toolUse block (index 1, toolUseId and name) whose input arrives as 4 JSON fragments; messageStop tool_use, metadata usage 412 + 88 = 500.",
		path:        streamPath, request: toolRequest, status: 200, headers: streamHeaders("0d9e8f7a-6b5c-4d3e-8f1a-2b3c4d5e6f70"),
		events: concat(
			[]event{{"messageStart", false, `{"p":"abcdefghijklmnopqrstuvwxyzABCDEF","role":"assistant"}`}},
			textDeltas(0, "I'll check", " the Riverside branch."),
			[]event{
				{"contentBlockStop", false, `{"contentBlockIndex":0,"p":"abcdefghijklmnopqrstuvwxyzABCDEFGHIJK"}`},
				{"contentBlockStart", false, `{"contentBlockIndex":1,"p":"abcdefghijklmnopqrstuvwx","start":{"toolUse":{"name":"check_availability","toolUseId":"tooluse_kZJMlvQmRJ6eAyJE5GIl7Q"}}}`},
			},
			toolDeltas(1, `{"title": "Pir`, `anesi", "author": "Susanna`, ` Clarke", "branch"`, `: "Riverside"}`),
			[]event{
				{"contentBlockStop", false, `{"contentBlockIndex":1,"p":"abcdefghijklmnopqrstuvwxyzABCDEFGHIJK"}`},
				{"messageStop", false, `{"p":"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNO","stopReason":"tool_use"}`},
				{"metadata", false, `{"metrics":{"latencyMs":1650},"p":"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN","usage":{"inputTokens":412,"outputTokens":88,"totalTokens":500}}`},
			},
		),
		call: converseStream(toolInput),
	},
	{
		name:        "bedrock_converse_stream_tool_result_answer",
		description: "Streamed second turn of bedrock_converse_stream_tool_use after the toolResult: 5 text deltas, messageStop end_turn, metadata usage 539 + 19 = 558. Written for the example's agent loop.",
		path:        streamPath, request: toolResultRequest, status: 200, headers: streamHeaders("e4f5a6b7-c8d9-4e0f-a1b2-c3d4e5f6a7b8"),
		events: concat(
			[]event{{"messageStart", false, `{"p":"abcdefghijklmnopqrstuvwxyzABCDEF","role":"assistant"}`}},
			textDeltas(0, "Yes: Riverside", " has two copies", " of Piranesi", " on the", " shelf."),
			[]event{
				{"contentBlockStop", false, `{"contentBlockIndex":0,"p":"abcdefghijklmnopqrstuvwxyzABCDEFGHIJK"}`},
				{"messageStop", false, `{"p":"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNO","stopReason":"end_turn"}`},
				{"metadata", false, `{"metrics":{"latencyMs":902},"p":"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN","usage":{"inputTokens":539,"outputTokens":19,"totalTokens":558}}`},
			},
		),
		call: converseStream(toolResultInput),
	},
	{
		name:        "bedrock_converse_stream_exception",
		description: "ConverseStream cut by the service: messageStart, 2 text deltas, then an exception message (:message-type exception, :exception-type modelStreamErrorException) with its message; no messageStop, no metadata.",
		path:        streamPath, request: basicRequest, status: 200, headers: streamHeaders("c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f"),
		events: concat(
			[]event{{"messageStart", false, `{"p":"abcdefghijklmnopqrstuvwxyzABCDEF","role":"assistant"}`}},
			textDeltas(0, "Try ", "Never Let Me Go"),
			[]event{{"modelStreamErrorException", true, `{"message":"The model encountered an error while streaming the response.","originalMessage":"overloaded","originalStatusCode":529}`}},
		),
		call: converseStream(basicInput),
	},
	{
		name:        "bedrock_invoke_model_anthropic",
		description: "InvokeModel with an Anthropic Messages body (anthropic_version bedrock-2023-05-31, a cache_control breakpoint on the system block); the answer is Anthropic's message, and the x-amzn-bedrock-*-token-count headers carry the usage: input 12 (outside the cache), cache read 1391, cache write 0, output 52.",
		path:        invokePath, request: invokeRequest, status: 200,
		headers: map[string]string{
			"content-type":                                 "application/json",
			"x-amzn-requestid":                             "7b6a5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d",
			"x-amzn-bedrock-invocation-latency":            "1187",
			"x-amzn-bedrock-input-token-count":             "12",
			"x-amzn-bedrock-output-token-count":            "52",
			"x-amzn-bedrock-cache-read-input-token-count":  "1391",
			"x-amzn-bedrock-cache-write-input-token-count": "0",
		},
		body: `{"id":"msg_bdrk_01HkzQ8v3JmV6bN2pXwYt9aR","type":"message","role":"assistant","model":"claude-sonnet-4-20250514","content":[{"type":"text","text":"Rule 7.3: large-print editions are catalogued as separate items, with their own shelf mark."}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":12,"cache_creation_input_tokens":0,"cache_read_input_tokens":1391,"output_tokens":52}}`,
		call: invoke(invokeRequest),
	},
	{
		name:        "bedrock_error_429_throttling",
		description: "429 ThrottlingException (x-amzn-errortype header, {\"message\"} body); the SDK's standard retryer retries it.",
		path:        conversePath, request: basicRequest, status: 429, headers: errorHeaders("ThrottlingException", "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"),
		body: `{"message":"Too many requests, please wait before trying again."}`,
		call: converse(basicInput),
	},
	{
		name:        "bedrock_error_503_unavailable",
		description: "503 ServiceUnavailableException; the SDK's standard retryer retries it.",
		path:        conversePath, request: basicRequest, status: 503, headers: errorHeaders("ServiceUnavailableException", "1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9"),
		body: `{"message":"Bedrock is unable to process your request."}`,
		call: converse(basicInput),
	},
	{
		name:        "bedrock_error_400_validation",
		description: "400 ValidationException for a maxTokens above the model's limit; not retried.",
		path:        conversePath, request: basicRequest, status: 400, headers: errorHeaders("ValidationException", "2a3b4c5d-6e7f-4081-92a3-b4c5d6e7f809"),
		body: `{"message":"The maximum tokens you requested exceeds the model limit of 64000. Try again with a maximum tokens value that is lower than 64000."}`,
		call: converse(basicInput),
	},
}

// requestHeaders are the request headers the fixtures record: the
// others are the SDK's signature, dates, invocation id and user agent.
var requestHeaders = map[string]string{"content-type": "application/json"}

// exchange builds the exchange of f, its frames with the AWS SDK's encoder.
func (f fixture) exchange(t testing.TB) llmreplay.Exchange {
	t.Helper()
	ex := llmreplay.Exchange{
		Description: f.description,
		Request:     llmreplay.Request{Method: http.MethodPost, Path: f.path, Headers: requestHeaders, Body: compact(t, f.request)},
		Response:    llmreplay.Response{Status: f.status, Headers: f.headers},
	}
	if f.body != "" {
		ex.Response.Body = compact(t, f.body)
	}
	enc := eventstream.NewEncoder()
	for _, ev := range f.events {
		var h eventstream.Headers
		if ev.exception {
			h.Set(":exception-type", eventstream.StringValue(ev.typ))
			h.Set(":content-type", eventstream.StringValue("application/json"))
			h.Set(":message-type", eventstream.StringValue("exception"))
		} else {
			h.Set(":event-type", eventstream.StringValue(ev.typ))
			h.Set(":content-type", eventstream.StringValue("application/json"))
			h.Set(":message-type", eventstream.StringValue("event"))
		}
		var b bytes.Buffer
		if err := enc.Encode(&b, eventstream.Message{Headers: h, Payload: compact(t, ev.payload)}); err != nil {
			t.Fatal(err)
		}
		ex.Response.Frames = append(ex.Response.Frames, b.Bytes())
	}
	return ex
}

func compact(t testing.TB, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(s)); err != nil {
		t.Fatalf("invalid JSON: %v\n%s", err, s)
	}
	return b.Bytes()
}

// TestFixtures checks that the fixture files are what the definitions
// give, frames encoded by the AWS SDK, and replays each through the real
// client: the request it sends equals the recorded one, and it decodes the
// answer (the error answers as the API's typed errors).
func TestFixtures(t *testing.T) {
	for _, f := range fixtures {
		t.Run(f.name, func(t *testing.T) {
			want, err := json.MarshalIndent(f.exchange(t), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, '\n')
			file := filepath.Join(testdata, f.name+".json")
			if *update {
				if err := os.WriteFile(file, want, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%s differs from its definition (go test -run TestFixtures -update rewrites it)", file)
			}

			ex, err := llmreplay.Load(f.name)
			if err != nil {
				t.Fatal(err)
			}
			srv := llmreplay.NewServer()
			defer srv.Close()
			srv.Enqueue(ex.Answer())
			desc, err := f.call(context.Background(), newBedrock(srv.URL, 1))
			if f.status >= 400 {
				var apiErr smithy.APIError
				if !errors.As(err, &apiErr) {
					t.Fatalf("got %v, want the API's typed error", err)
				}
				if want := strings.TrimSuffix(f.headers["x-amzn-errortype"], ":http://internal.amazon.com/coral/com.amazon.bedrock/"); apiErr.ErrorCode() != want {
					t.Errorf("error code %q, want %q", apiErr.ErrorCode(), want)
				}
			} else if f.events != nil && f.events[len(f.events)-1].exception {
				var apiErr smithy.APIError
				if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "ModelStreamErrorException" {
					t.Fatalf("got %v, want the stream's ModelStreamErrorException", err)
				}
			} else if err != nil {
				t.Fatalf("the client failed to decode the answer: %v", err)
			}
			t.Logf("decoded: %s", desc)

			reqs := srv.Requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want 1", len(reqs))
			}
			r := reqs[0]
			if r.Method != ex.Request.Method || r.Path != ex.Request.Path {
				t.Errorf("request %s %s, want %s %s", r.Method, r.Path, ex.Request.Method, ex.Request.Path)
			}
			for k, v := range ex.Request.Headers {
				if r.Headers[k] != v {
					t.Errorf("request header %s: %q, want %q", k, r.Headers[k], v)
				}
			}
			assertJSONEqual(t, ex.Request.Body, r.Body)
		})
	}
}

func assertJSONEqual(t *testing.T, want, got []byte) {
	t.Helper()
	var w, g any
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("request body is not JSON: %v\n%s", err, got)
	}
	wb, _ := json.Marshal(w)
	gb, _ := json.Marshal(g)
	if !bytes.Equal(wb, gb) {
		t.Errorf("request body differs from the recording:\n got %s\nwant %s", gb, wb)
	}
}
