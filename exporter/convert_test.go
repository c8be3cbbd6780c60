package exporter

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/agenttrace/agenttrace-otel-go/semconv"
)

var (
	testTraceID = trace.TraceID{0x5c, 0x0f, 0xfe, 0xe0, 0xd1, 0x5e, 0xa5, 0xe5, 0xa1, 0xb2, 0xc3, 0xd4, 0xe5, 0xf6, 0x07, 0x18}
	testSpanID  = trace.SpanID{0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69, 0x78}
	testParent  = trace.SpanID{0xa1, 0xb2, 0xc3, 0xd4, 0xe5, 0xf6, 0x07, 0x18}
	testStart   = time.Date(2025, 3, 1, 12, 0, 1, 123456789, time.UTC)
)

// stub returns a span of the test trace with the given attributes.
func stub(name string, parent trace.SpanID, attrs ...attribute.KeyValue) tracetest.SpanStub {
	s := tracetest.SpanStub{
		Name: name,
		SpanContext: trace.NewSpanContext(trace.SpanContextConfig{
			TraceID: testTraceID, SpanID: testSpanID, TraceFlags: trace.FlagsSampled,
		}),
		StartTime:            testStart,
		EndTime:              testStart.Add(2200 * time.Millisecond),
		Attributes:           attrs,
		InstrumentationScope: instrumentation.Scope{Name: "test"},
	}
	if parent.IsValid() {
		s.Parent = trace.NewSpanContext(trace.SpanContextConfig{TraceID: testTraceID, SpanID: parent})
	}
	return s
}

// body decodes the observation body of a converted span.
func body(t *testing.T, c span) map[string]any {
	t.Helper()
	b := c.obs.AppendJSON(nil)
	require.True(t, json.Valid(b), "invalid JSON: %s", b)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}

func TestConvertObservations(t *testing.T) {
	tests := []struct {
		name      string
		span      tracetest.SpanStub
		eventType string
		want      map[string]any // members of the body, compared by JSON value
		absent    []string
	}{
		{
			name: "generation of the instrument API",
			span: stub("plan", testParent,
				semconv.ObservationTypeGeneration,
				semconv.ObservationInputKey.String(`[{"role":"user","content":"Why does the test flake?"}]`),
				semconv.ObservationOutputKey.String(`{"role":"assistant","content":"A race in setup."}`),
				semconv.GenAIRequestModelKey.String("claude-sonnet"),
				semconv.GenAIProviderNameKey.String("anthropic"),
				semconv.GenerationModelParametersKey.String(`{"temperature":0.2,"max_tokens":1024}`),
				semconv.GenAIUsageInputTokensKey.Int(812),
				semconv.GenAIUsageOutputTokensKey.Int(96),
				semconv.GenAIUsageCacheReadInputTokensKey.Int(500),
				semconv.GenerationCompletionStartTimeKey.Int64(testStart.Add(350*time.Millisecond).UnixNano()),
				semconv.GenAIPromptNameKey.String("triage"),
				semconv.GenerationPromptVersionKey.Int(3),
			),
			eventType: "generation-create",
			want: map[string]any{
				"id": "0f1e2d3c4b5a6978", "traceId": "5c0ffee0d15ea5e5a1b2c3d4e5f60718",
				"parentObservationId": "a1b2c3d4e5f60718", "name": "plan", "level": "DEFAULT",
				"startTime": "2025-03-01T12:00:01.123Z", "endTime": "2025-03-01T12:00:03.323Z",
				"completionStartTime": "2025-03-01T12:00:01.473Z",
				"model":               "claude-sonnet",
				"modelParameters":     map[string]any{"temperature": 0.2, "max_tokens": 1024.0},
				"input":               []any{map[string]any{"role": "user", "content": "Why does the test flake?"}},
				"output":              map[string]any{"role": "assistant", "content": "A race in setup."},
				"usage":               map[string]any{"inputTokens": 812.0, "outputTokens": 96.0, "totalTokens": 908.0, "cacheReadTokens": 500.0},
				"promptName":          "triage", "promptVersion": 3.0,
				"metadata": map[string]any{"provider": "anthropic"},
			},
		},
		{
			name: "deprecated GenAI names",
			span: stub("chat gpt-4", testParent,
				semconv.GenAISystemKey.String("openai"),
				semconv.GenAIRequestModelKey.String("gpt-4"),
				semconv.GenAIResponseModelKey.String("gpt-4-0613"),
				semconv.GenAIUsagePromptTokensKey.Int(10),
				semconv.GenAIUsageCompletionTokensKey.Int(5),
				semconv.GenAIRequestTemperatureKey.Float64(0.7),
				semconv.GenAIRequestMaxTokensKey.Int(100),
				semconv.GenAIResponseFinishReasonsKey.StringSlice([]string{"stop"}),
			),
			eventType: "generation-create",
			want: map[string]any{
				"model":           "gpt-4",
				"usage":           map[string]any{"inputTokens": 10.0, "outputTokens": 5.0, "totalTokens": 15.0},
				"modelParameters": map[string]any{"temperature": 0.7, "max_tokens": 100.0},
				"metadata":        map[string]any{"provider": "openai", "responseModel": "gpt-4-0613", "finishReasons": []any{"stop"}},
			},
		},
		{
			name: "current usage names win over deprecated ones in any order",
			span: stub("chat", testParent,
				semconv.GenAIUsageInputTokensKey.Int(7),
				semconv.GenAIUsagePromptTokensKey.Int(99),
			),
			eventType: "generation-create",
			want:      map[string]any{"usage": map[string]any{"inputTokens": 7.0, "outputTokens": 0.0, "totalTokens": 7.0}},
		},
		{
			name: "OpenInference LLM span",
			span: stub("llm", testParent,
				semconv.OpenInferenceSpanKindKey.String("LLM"),
				semconv.LLMModelNameKey.String("gpt-4o"),
				semconv.LLMTokenCountPromptKey.Int(20),
				semconv.LLMTokenCountCompletionKey.Int(4),
				semconv.LLMTokenCountTotalKey.Int(24),
				semconv.LLMInvocationParametersKey.String(`{"temperature":0}`),
				semconv.InputValueKey.String(`{"messages":[{"role":"user","content":"hi"}]}`),
				semconv.InputMimeTypeKey.String("application/json"),
				semconv.OutputValueKey.String("hello there"),
			),
			eventType: "generation-create",
			want: map[string]any{
				"model":           "gpt-4o",
				"usage":           map[string]any{"inputTokens": 20.0, "outputTokens": 4.0, "totalTokens": 24.0},
				"modelParameters": map[string]any{"temperature": 0.0},
				"input":           map[string]any{"messages": []any{map[string]any{"role": "user", "content": "hi"}}},
				"output":          "hello there",
			},
		},
		{
			name: "extended type keeps its type in metadata",
			span: stub("search", testParent,
				semconv.ObservationTypeTool,
				semconv.ObservationMetadataKey.String(`{"k":"v"}`),
			),
			eventType: "span-create",
			want:      map[string]any{"metadata": map[string]any{"k": "v", "observationType": "tool"}},
		},
		{
			name:      "embedding is a generation with its type in metadata",
			span:      stub("embed", testParent, semconv.GenAIOperationNameKey.String("embeddings"), semconv.GenAIRequestModelKey.String("text-embedding-3-small")),
			eventType: "generation-create",
			want:      map[string]any{"model": "text-embedding-3-small", "metadata": map[string]any{"observationType": "embedding"}},
		},
		{
			name:      "event has no end time",
			span:      stub("checkpoint-reached", testParent, semconv.ObservationTypeEvent, semconv.ObservationInputKey.String(`{"step":1}`)),
			eventType: "event-create",
			want:      map[string]any{"input": map[string]any{"step": 1.0}},
			absent:    []string{"endTime"},
		},
		{
			name:      "invalid level maps to DEFAULT",
			span:      stub("s", testParent, semconv.ObservationTypeSpan, semconv.ObservationLevelKey.String("INFO")),
			eventType: "span-create",
			want:      map[string]any{"level": "DEFAULT"},
		},
		{
			name: "text that is not JSON becomes a JSON string",
			span: stub("s", testParent, semconv.ObservationTypeSpan,
				semconv.ObservationInputKey.String(`{"unterminated`),
				semconv.ObservationOutputKey.String("plain text"),
			),
			eventType: "span-create",
			want:      map[string]any{"input": `{"unterminated`, "output": "plain text"},
		},
		{
			name: "other attributes go to metadata, non-finite floats as strings",
			span: stub("GET /x", trace.SpanID{},
				attribute.String("http.request.method", "GET"),
				attribute.Float64("ratio", math.NaN()),
				attribute.Int64Slice("ports", []int64{80, 443}),
			),
			eventType: "span-create",
			want: map[string]any{"metadata": map[string]any{"attributes": map[string]any{
				"http.request.method": "GET", "ratio": "NaN", "ports": []any{80.0, 443.0}}}},
			absent: []string{"parentObservationId"},
		},
		{
			name: "metadata that is not an object is kept under value",
			span: stub("s", testParent, semconv.ObservationTypeAgent,
				semconv.ObservationMetadataKey.String(`[1,2]`)),
			eventType: "span-create",
			want:      map[string]any{"metadata": map[string]any{"value": []any{1.0, 2.0}, "observationType": "agent"}},
		},
		{
			name: "explicit AgentTrace parent wins over the OTel parent",
			span: stub("s", testParent, semconv.ObservationTypeSpan,
				semconv.ObservationParentIDKey.String("1111111111111111")),
			eventType: "span-create",
			want:      map[string]any{"parentObservationId": "1111111111111111"},
		},
		{
			name: "usage unavailable is said, not sent as zeros",
			span: stub("stream", testParent, semconv.ObservationTypeGeneration,
				semconv.GenAIRequestModelKey.String("gpt-4.1-mini"),
				semconv.GenAIUsageInputTokensKey.Int(0),
				semconv.GenerationUsageUnavailableKey.String("stream without include_usage")),
			eventType: "generation-create",
			want:      map[string]any{"metadata": map[string]any{"usageUnavailable": "stream without include_usage"}},
			absent:    []string{"usage"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := convert(tt.span.Snapshot(), defaultMaxRecordTextBytes)
			assert.Equal(t, tt.eventType, c.eventType)
			m := body(t, c)
			for k, v := range tt.want {
				assert.Equal(t, v, m[k], "member %q", k)
			}
			for _, k := range tt.absent {
				assert.NotContains(t, m, k)
			}
		})
	}
}

func TestConvertDroppedAttributes(t *testing.T) {
	s := stub("busy", testParent, semconv.ObservationTypeSpan)
	s.DroppedAttributes = 3
	m := body(t, convert(s.Snapshot(), defaultMaxRecordTextBytes))
	assert.Equal(t, map[string]any{"droppedAttributes": 3.0}, m["metadata"])
}

func TestConvertErrorStatus(t *testing.T) {
	s := stub("risky", testParent, semconv.ObservationTypeSpan)
	s.Status = sdktrace.Status{Code: codes.Error, Description: "boom"}
	m := body(t, convert(s.Snapshot(), defaultMaxRecordTextBytes))
	assert.Equal(t, "ERROR", m["level"])
	assert.Equal(t, "boom", m["statusMessage"])

	// An explicit status message wins over the OTel description.
	s.Attributes = append(s.Attributes, semconv.ObservationStatusMessageKey.String("mine"))
	m = body(t, convert(s.Snapshot(), defaultMaxRecordTextBytes))
	assert.Equal(t, "mine", m["statusMessage"])
}

func TestConvertTraceFields(t *testing.T) {
	s := stub("task", trace.SpanID{},
		semconv.TraceNameKey.String("fix-flaky-test"),
		semconv.TraceUserIDKey.String("dev-7"),
		semconv.SessionIDKey.String("ignored-when-ours-set"),
		semconv.TraceSessionIDKey.String("sess-1"),
		semconv.TraceTagsKey.StringSlice([]string{"agent", "ci"}),
		semconv.TraceMetadataKey.String(`{"repo":"acme/api"}`),
		semconv.TracePublicKey.Bool(true),
		semconv.TraceReleaseKey.String("1.4.0"),
		semconv.TraceVersionKey.String("v2"),
	)
	c := convert(s.Snapshot(), defaultMaxRecordTextBytes)
	assert.True(t, c.localRoot)
	assert.True(t, c.relevant)
	assert.Equal(t, traceFields{
		name: "fix-flaky-test", userID: "dev-7", sessionID: "sess-1", tags: []string{"agent", "ci"},
		metadata: `{"repo":"acme/api"}`, public: true, publicSet: true, release: "1.4.0", version: "v2",
	}, c.trace)
}

func TestConvertRecords(t *testing.T) {
	long := make([]byte, 300)
	for i := range long {
		long[i] = 'x'
	}
	tests := []struct {
		name    string
		span    tracetest.SpanStub
		kind    string
		want    map[string]any
		invalid string
	}{
		{
			name: "checkpoint",
			span: stub("before-edit", testParent, semconv.ObservationTypeCheckpoint,
				semconv.CheckpointNameKey.String("before-edit"),
				semconv.CheckpointTypeKey.String("pre_edit"),
				semconv.CheckpointFilesSnapshotKey.String(`{"main.go":{"size":12,"hash":"ab"}}`),
				semconv.CheckpointFilesChangedKey.StringSlice([]string{"main.go"}),
				semconv.CheckpointTotalFilesKey.Int(1),
				semconv.CheckpointTotalSizeBytesKey.Int(12),
				semconv.VCSRefHeadRevisionKey.String("abc123"),
				semconv.VCSRefHeadNameKey.String("main"),
			),
			kind: KindCheckpoint,
			want: map[string]any{
				"traceId": "5c0ffee0d15ea5e5a1b2c3d4e5f60718", "observationId": "0f1e2d3c4b5a6978",
				"name": "before-edit", "type": "pre_edit", "gitCommitSha": "abc123", "gitBranch": "main",
				"filesSnapshot": `{"main.go":{"size":12,"hash":"ab"}}`, "filesChanged": []any{"main.go"},
				"totalFiles": 1.0, "totalSizeBytes": 12.0,
			},
		},
		{
			name: "file operation: edit maps to update, diff cut with a marker",
			span: stub("edit", testParent, semconv.ObservationTypeFileOperation,
				semconv.FileOperationKey.String("edit"),
				semconv.FilePathKey.String("src/main.go"),
				semconv.FileLinesAddedKey.Int(3),
				semconv.FileDiffPreviewKey.String(string(long)),
			),
			kind: KindFileOperation,
			want: map[string]any{"operation": "update", "filePath": "src/main.go", "linesAdded": 3.0, "success": true,
				"startedAt": "2025-03-01T12:00:01.123Z", "completedAt": "2025-03-01T12:00:03.323Z", "durationMs": 2200.0},
		},
		{
			name:    "file operation with an invalid operation",
			span:    stub("chmod", testParent, semconv.ObservationTypeFileOperation, semconv.FileOperationKey.String("chmod"), semconv.FilePathKey.String("a")),
			kind:    KindFileOperation,
			invalid: `invalid file operation "chmod"`,
		},
		{
			name: "terminal command",
			span: stub("go test", testParent, semconv.ObservationTypeTerminalCommand,
				semconv.ProcessCommandKey.String("go"),
				semconv.ProcessCommandArgsKey.StringSlice([]string{"go", "test", "./..."}),
				semconv.ProcessExitCodeKey.Int(1),
				semconv.ProcessWorkingDirectoryKey.String("/src/acme"),
				semconv.TerminalEnvVarsKey.String(`{"CGO_ENABLED":"0"}`),
				semconv.TerminalStdoutKey.String(string(long)),
				semconv.TerminalStderrKey.String(""),
			),
			kind: KindTerminalCommand,
			want: map[string]any{"command": "go", "args": []any{"test", "./..."}, "exitCode": 1.0, "success": false,
				"workingDirectory": "/src/acme", "envVars": `{"CGO_ENABLED":"0"}`, "stdoutTruncated": true,
				"stderrTruncated": false, "stderr": ""},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := convert(tt.span.Snapshot(), 256)
			require.NotNil(t, c.record)
			assert.Equal(t, tt.kind, c.record.kind)
			assert.Equal(t, tt.invalid, c.record.invalid)
			if tt.invalid != "" {
				return
			}
			var m map[string]any
			require.NoError(t, json.Unmarshal(c.record.body, &m), "%s", c.record.body)
			for k, v := range tt.want {
				assert.Equal(t, v, m[k], "member %q", k)
			}
			for _, k := range []string{"stdout", "diffPreview"} {
				if s, ok := m[k].(string); ok {
					assert.LessOrEqual(t, len(s), 256, "%s is cut to the budget", k)
				}
			}
		})
	}
}

// FuzzConvert feeds spans with arbitrary attribute keys and values to the
// conversion: it must never panic, and every body it produces must be valid
// JSON.
func FuzzConvert(f *testing.F) {
	f.Add("agenttrace.observation.input", `{"a":1}`, int64(3), 1.5, "generation")
	f.Add("gen_ai.usage.input_tokens", "\xff\x00\"", int64(-1), math.Inf(1), "checkpoint")
	f.Add("input.value", "[1,", int64(1<<62), math.NaN(), "terminal_command")
	f.Fuzz(func(t *testing.T, key, value string, n int64, x float64, typ string) {
		s := stub("fuzz\u2028"+value, testParent,
			semconv.ObservationTypeKey.String(typ),
			attribute.String(key, value),
			attribute.Int64(key+".n", n),
			attribute.Float64(key+".x", x),
			attribute.String("agenttrace.observation.metadata", value),
			attribute.String("agenttrace.observation.output", value),
			attribute.String("agenttrace.trace.metadata", value),
			attribute.Float64("gen_ai.request.temperature", x),
			attribute.String("process.command", value),
			attribute.String("file.path", value),
			attribute.String("agenttrace.file.operation", value),
		)
		c := convert(s.Snapshot(), 256)
		if b := c.obs.AppendJSON(nil); !json.Valid(b) {
			t.Fatalf("invalid observation JSON: %s", b)
		}
		if c.record != nil && !json.Valid(c.record.body) {
			t.Fatalf("invalid record JSON: %s", c.record.body)
		}
		for _, raw := range []string{c.trace.metadata, c.trace.input, c.trace.output} {
			if raw != "" && !json.Valid([]byte(raw)) {
				t.Fatalf("invalid trace field JSON: %s", raw)
			}
		}
	})
}
