package agenttracetest

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/agenttrace/agenttrace-otel-go/internal/attestctl/emu"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// exampleBatch is exporter/PROTOCOL.md §4.6.
const exampleBatch = `{
  "batch": [
    { "id": "b7f1c2a0-0001", "type": "trace-create", "timestamp": "2025-03-01T12:00:00.000Z",
      "body": { "id": "5c0ffee0d15ea5e5a1b2c3d4e5f60718", "name": "fix-flaky-test",
                "userId": "dev-7", "sessionId": "sess-2025-03-01", "tags": ["agent", "ci"],
                "metadata": { "repo": "acme/api" }, "release": "1.4.0",
                "startTime": "2025-03-01T12:00:00.000Z" } },
    { "id": "b7f1c2a0-0002", "type": "span-create", "timestamp": "2025-03-01T12:00:00.010Z",
      "body": { "id": "a1b2c3d4e5f60718", "traceId": "5c0ffee0d15ea5e5a1b2c3d4e5f60718",
                "name": "read-files", "level": "DEFAULT", "input": { "paths": ["a.go"] },
                "startTime": "2025-03-01T12:00:00.010Z" } },
    { "id": "b7f1c2a0-0003", "type": "generation-create", "timestamp": "2025-03-01T12:00:01.000Z",
      "body": { "id": "0f1e2d3c4b5a6978", "traceId": "5c0ffee0d15ea5e5a1b2c3d4e5f60718",
                "parentObservationId": "a1b2c3d4e5f60718", "name": "plan",
                "model": "claude-sonnet", "modelParameters": { "temperature": 0.2, "max_tokens": 1024 },
                "input": [{ "role": "user", "content": "Why does the test flake?" }],
                "output": { "role": "assistant", "content": "A race in setup." },
                "startTime": "2025-03-01T12:00:01.000Z",
                "completionStartTime": "2025-03-01T12:00:01.350Z",
                "endTime": "2025-03-01T12:00:03.200Z",
                "usage": { "inputTokens": 812, "outputTokens": 96, "totalTokens": 908 },
                "promptName": "triage", "promptVersion": 3 } },
    { "id": "b7f1c2a0-0004", "type": "score-create", "timestamp": "2025-03-01T12:00:04.000Z",
      "body": { "traceId": "5c0ffee0d15ea5e5a1b2c3d4e5f60718", "name": "tests-pass",
                "dataType": "BOOLEAN", "value": 1, "comment": "green on rerun" } }
  ]
}`

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestIngestionExampleBatch(t *testing.T) {
	tt := newTester(t)
	for _, path := range []string{"/api/public/ingestion", "/api/public/v1/traces"} {
		t.Run(path, func(t *testing.T) {
			tt.srv.Reset()
			resp := tt.post(path, exampleBatch)
			require.Equal(t, 200, resp.Status)
			assert.JSONEq(t, `{"successes":["b7f1c2a0-0001","b7f1c2a0-0002","b7f1c2a0-0003","b7f1c2a0-0004"],"errors":[]}`, resp.Body)

			tr, ok := tt.srv.Trace(traceID)
			require.True(t, ok)
			assert.Equal(t, Trace{
				ID: traceID, ProjectID: tt.srv.ProjectID, Name: "fix-flaky-test", UserID: "dev-7",
				SessionID: "sess-2025-03-01", Release: "1.4.0", Tags: []string{"agent", "ci"},
				Metadata: `{"repo":"acme/api"}`, StartTime: ts("2025-03-01T12:00:00Z"),
				CreatedAt: t0, UpdatedAt: t0,
			}, tr)

			obs := tt.srv.Observations(traceID)
			require.Len(t, obs, 2)
			assert.Equal(t, Observation{
				ID: spanID, TraceID: traceID, ProjectID: tt.srv.ProjectID, Type: "SPAN", Name: "read-files",
				Level: "DEFAULT", Input: `{"paths":["a.go"]}`, StartTime: ts("2025-03-01T12:00:00.010Z"),
				CreatedAt: t0, UpdatedAt: t0,
			}, obs[0])
			assert.Equal(t, Observation{
				ID: genID, TraceID: traceID, ParentObservationID: spanID, ProjectID: tt.srv.ProjectID,
				Type: "GENERATION", Name: "plan", Level: "DEFAULT",
				Input:               `[{"role":"user","content":"Why does the test flake?"}]`,
				Output:              `{"role":"assistant","content":"A race in setup."}`,
				StartTime:           ts("2025-03-01T12:00:01Z"),
				EndTime:             ptr(ts("2025-03-01T12:00:03.2Z")),
				CompletionStartTime: ptr(ts("2025-03-01T12:00:01.35Z")),
				Model:               "claude-sonnet", ModelParameters: `{"temperature":0.2,"max_tokens":1024}`,
				Usage:      &Usage{InputTokens: 812, OutputTokens: 96, TotalTokens: 908},
				UsageJSON:  `{"inputTokens":812,"outputTokens":96,"totalTokens":908}`,
				PromptName: "triage", PromptVersion: 3, CreatedAt: t0, UpdatedAt: t0,
			}, obs[1])
			assert.Equal(t, 2200*time.Millisecond, obs[1].Duration())

			scores := tt.srv.Snapshot().Scores
			require.Len(t, scores, 1)
			_, err := uuid.Parse(scores[0].ID)
			require.NoError(t, err)
			scores[0].ID = ""
			assert.Equal(t, Score{
				ProjectID: tt.srv.ProjectID, TraceID: traceID, Name: "tests-pass", Source: "API",
				DataType: "BOOLEAN", Value: ptr(1.0), Comment: "green on rerun", CreatedAt: t0, UpdatedAt: t0,
			}, scores[0])
		})
	}
}

func TestIngestionEnvelope(t *testing.T) {
	tests := []struct {
		name   string
		body   string
		status int
		// want is the exact response for whole-request failures, or a
		// function checking the per-item results.
		want  string
		check func(t *testing.T, res ingestionResponse)
	}{
		{name: "missing batch", body: `{}`, status: 400, want: `{"error":"Bad Request","message":"Batch is empty"}`},
		{name: "null batch", body: `{"batch":null}`, status: 400, want: `{"error":"Bad Request","message":"Batch is empty"}`},
		{name: "empty batch", body: `{"batch":[]}`, status: 400, want: `{"error":"Bad Request","message":"Batch is empty"}`},
		{name: "batch not an array", body: `{"batch":{}}`, status: 400},
		{name: "metadata not an object", body: `{"batch":[{"type":"sdk-log"}],"metadata":"x"}`, status: 400},
		{name: "not JSON", body: `{"batch":`, status: 400, want: `{"error":"Bad Request","message":"Invalid request body: unexpected end of JSON input"}`},
		{name: "trailing data", body: minimalBatch + `x`, status: 400},
		{name: "metadata object ignored", body: `{"batch":[{"id":"a","type":"sdk-log"}],"metadata":{"sdk":"x"}}`, status: 200,
			check: func(t *testing.T, res ingestionResponse) { assert.Equal(t, []string{"a"}, res.Successes) }},
		{name: "event id of the wrong type", body: `{"batch":[{"id":7,"type":"sdk-log"}]}`, status: 200,
			check: func(t *testing.T, res ingestionResponse) {
				require.Len(t, res.Errors, 1)
				assert.Equal(t, "unknown", res.Errors[0].ID)
				assert.Equal(t, 400, res.Errors[0].Status)
				assert.True(t, strings.HasPrefix(res.Errors[0].Message, "Invalid JSON: json: cannot unmarshal number"), res.Errors[0].Message)
			}},
		{name: "timestamp of the wrong type", body: `{"batch":[{"id":"a","type":"sdk-log","timestamp":1}]}`, status: 200,
			check: func(t *testing.T, res ingestionResponse) {
				require.Len(t, res.Errors, 1)
				assert.Equal(t, "unknown", res.Errors[0].ID)
			}},
		{name: "timestamp not parsed", body: `{"batch":[{"id":"a","type":"sdk-log","timestamp":"yesterday"}]}`, status: 200,
			check: func(t *testing.T, res ingestionResponse) { assert.Equal(t, []string{"a"}, res.Successes) }},
		{name: "event not an object", body: `{"batch":["x"]}`, status: 200,
			check: func(t *testing.T, res ingestionResponse) {
				require.Len(t, res.Errors, 1)
				assert.Equal(t, "unknown", res.Errors[0].ID)
			}},
		{name: "missing id is generated", body: `{"batch":[{"type":"sdk-log"},{"id":"","type":"nope"}]}`, status: 200,
			check: func(t *testing.T, res ingestionResponse) {
				require.Len(t, res.Successes, 1)
				_, err := uuid.Parse(res.Successes[0])
				assert.NoError(t, err)
				require.Len(t, res.Errors, 1)
				_, err = uuid.Parse(res.Errors[0].ID)
				assert.NoError(t, err)
			}},
		{name: "duplicate ids are not deduplicated", body: `{"batch":[{"id":"a","type":"sdk-log"},{"id":"a","type":"sdk-log"}]}`, status: 200,
			check: func(t *testing.T, res ingestionResponse) { assert.Equal(t, []string{"a", "a"}, res.Successes) }},
		{name: "all items failing is still 200", body: `{"batch":[{"id":"a","type":"x"},{"id":"b","type":"y"}]}`, status: 200,
			check: func(t *testing.T, res ingestionResponse) {
				assert.Equal(t, []string{}, res.Successes)
				assert.Len(t, res.Errors, 2)
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tt := newTester(t)
			resp := tt.post("/api/public/ingestion", tc.body)
			require.Equal(t, tc.status, resp.Status, resp.Body)
			if tc.status != 200 {
				e := resp.handlerErr(t)
				assert.Equal(t, "Bad Request", e.Error)
				if tc.want != "" {
					assert.JSONEq(t, tc.want, resp.Body)
				}
				return
			}
			assert.Contains(t, resp.Body, `"successes":[`, "never null")
			assert.Contains(t, resp.Body, `"errors":[`, "never null")
			var res ingestionResponse
			resp.decode(t, &res)
			tc.check(t, res)
		})
	}
}

func TestIngestionEventTypes(t *testing.T) {
	accepted := map[string]string{
		"trace-create":      `{"id":"` + traceID + `"}`,
		"span-create":       `{"id":"` + spanID + `","traceId":"` + traceID + `"}`,
		"generation-create": `{"id":"` + genID + `","traceId":"` + traceID + `"}`,
		"event-create":      `{"id":"e0e0e0e0e0e0e0e0","traceId":"` + traceID + `"}`,
		"score-create":      `{"traceId":"` + traceID + `","name":"n","value":1}`,
		"sdk-log":           `{"anything":["goes"]}`,
	}
	tt := newTester(t)
	// The trace first, so that the score finds it.
	for _, typ := range []string{"trace-create", "span-create", "generation-create", "event-create", "score-create", "sdk-log"} {
		t.Run(typ, func(t *testing.T) {
			res := tt.ingest(event("e-"+typ, typ, accepted[typ]))
			assert.Equal(t, []string{"e-" + typ}, res.Successes)
			assert.Empty(t, res.Errors)
		})
	}
	types := map[string]string{}
	for _, o := range tt.srv.Observations(traceID) {
		types[o.ID] = o.Type
	}
	assert.Equal(t, map[string]string{spanID: "SPAN", genID: "GENERATION", "e0e0e0e0e0e0e0e0": "EVENT"}, types)

	for _, typ := range []string{
		"trace-update", "span-update", "generation-update", "event-update", "observation-create",
		"observation-update", "checkpoint-create", "git-link-create", "file-operation-create",
		"terminal-command-create", "TRACE-CREATE", "",
	} {
		t.Run("rejects "+typ, func(t *testing.T) {
			res := tt.ingest(event("x", typ, `{}`))
			assert.Empty(t, res.Successes)
			assert.Equal(t, []ingestionError{{ID: "x", Status: 400, Message: "Unknown event type: " + typ}}, res.Errors)
		})
	}
}

func TestObservationBody(t *testing.T) {
	long := func(n int) string { return strings.Repeat("a", n) }
	tests := []struct {
		name string
		body string
		// status is the per-item status; 0 means success.
		status int
		prefix string
		check  func(t *testing.T, o Observation)
	}{
		{name: "level defaults to DEFAULT", body: `{"id":"` + spanID + `"}`, check: func(t *testing.T, o Observation) { assert.Equal(t, "DEFAULT", o.Level) }},
		{name: "level DEBUG", body: `{"level":"DEBUG"}`, check: func(t *testing.T, o Observation) { assert.Equal(t, "DEBUG", o.Level) }},
		{name: "level WARNING", body: `{"level":"WARNING"}`},
		{name: "level ERROR with status message", body: `{"level":"ERROR","statusMessage":"boom"}`, check: func(t *testing.T, o Observation) {
			assert.Equal(t, "ERROR", o.Level)
			assert.Equal(t, "boom", o.StatusMessage)
		}},
		{name: "level INFO is invalid", body: `{"level":"INFO"}`, status: 500, prefix: "failed to insert observation: code: 36, message: Unknown element 'INFO'"},
		{name: "level is case-sensitive", body: `{"level":"error"}`, status: 500},
		{name: "id of 16 bytes", body: `{"id":"` + long(16) + `"}`},
		{name: "id of 17 bytes", body: `{"id":"` + long(17) + `"}`, status: 500, prefix: "failed to insert observation: code: 131, message: Too large value for FixedString(16)"},
		{name: "UUID id does not fit", body: `{"id":"` + uuid.NewString() + `"}`, status: 500},
		{name: "traceId of 32 bytes", body: `{"traceId":"` + long(32) + `"}`},
		{name: "traceId of 33 bytes", body: `{"traceId":"` + long(33) + `"}`, status: 500, prefix: "failed to insert observation: code: 131, message: Too large value for FixedString(32)"},
		{name: "parent of 17 bytes", body: `{"parentObservationId":"` + long(17) + `"}`, status: 500},
		{name: "empty parent kept", body: `{"parentObservationId":""}`, check: func(t *testing.T, o Observation) { assert.Empty(t, o.ParentObservationID) }},
		{name: "id generated", body: `{}`, check: func(t *testing.T, o Observation) { assert.Regexp(t, `^[0-9a-f]{16}$`, o.ID) }},
		{name: "startTime defaults to receive time", body: `{}`, check: func(t *testing.T, o Observation) { assert.Equal(t, t0, o.StartTime) }},
		{name: "type in body overwritten", body: `{"type":"GENERATION"}`, check: func(t *testing.T, o Observation) { assert.Equal(t, "SPAN", o.Type) }},
		{name: "keys are case-insensitive", body: `{"ID":"` + spanID + `","TraceID":"` + traceID + `","NAME":"n","statusmessage":"m"}`, check: func(t *testing.T, o Observation) {
			assert.Equal(t, spanID, o.ID)
			assert.Equal(t, traceID, o.TraceID)
			assert.Equal(t, "n", o.Name)
			assert.Equal(t, "m", o.StatusMessage)
		}},
		{name: "snake_case keys are ignored", body: `{"trace_id":"` + traceID + `","start_time":"2025-01-01T00:00:00Z"}`, check: func(t *testing.T, o Observation) {
			assert.Empty(t, o.TraceID)
			assert.Equal(t, t0, o.StartTime)
		}},
		{name: "null is omitted", body: `{"name":null,"metadata":null,"endTime":null,"level":null}`, check: func(t *testing.T, o Observation) {
			assert.Empty(t, o.Metadata)
			assert.Nil(t, o.EndTime)
			assert.Equal(t, "DEFAULT", o.Level)
		}},
		{name: "duplicate keys: last wins", body: `{"name":"a","name":"b"}`, check: func(t *testing.T, o Observation) { assert.Equal(t, "b", o.Name) }},
		{name: "any JSON in input, output, metadata", body: `{"input":"text","output":42,"metadata":[1, 2]}`, check: func(t *testing.T, o Observation) {
			assert.Equal(t, `"text"`, o.Input)
			assert.Equal(t, `42`, o.Output)
			assert.Equal(t, `[1,2]`, o.Metadata)
		}},
		{name: "timestamps at millisecond precision in UTC", body: `{"startTime":"2025-03-01T13:00:00.123456789+01:00"}`, check: func(t *testing.T, o Observation) {
			assert.Equal(t, ts("2025-03-01T12:00:00.123Z"), o.StartTime)
		}},
		{name: "timestamp without zone", body: `{"startTime":"2025-03-01T12:00:00.123"}`, status: 400, prefix: `Invalid observation input: parsing time "2025-03-01T12:00:00.123"`},
		{name: "completionStartTime must be valid", body: `{"completionStartTime":"soon"}`, status: 400, prefix: "Invalid observation input: "},
		{name: "promptVersion as string", body: `{"promptVersion":"3"}`, status: 400, prefix: "Invalid observation input: json: cannot unmarshal string"},
		{name: "promptVersion as float", body: `{"promptVersion":1.5}`, status: 400},
		{name: "promptId must be a string", body: `{"promptId":7}`, status: 400},
		{name: "name must be a string", body: `{"name":{}}`, status: 400},
		{name: "usage in any shape", body: `{"usage":"lots"}`, check: func(t *testing.T, o Observation) {
			assert.Nil(t, o.Usage)
			assert.Equal(t, `"lots"`, o.UsageJSON)
		}},
		{name: "body not an object", body: `[]`, status: 400, prefix: "Invalid observation input: json: cannot unmarshal array"},
		{name: "null body", body: `null`, check: func(t *testing.T, o Observation) { assert.Regexp(t, `^[0-9a-f]{16}$`, o.ID) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tt := newTester(t)
			res := tt.ingest(event("e1", "span-create", tc.body))
			if tc.status != 0 {
				require.Len(t, res.Errors, 1, "%+v", res)
				assert.Equal(t, tc.status, res.Errors[0].Status)
				assert.True(t, strings.HasPrefix(res.Errors[0].Message, tc.prefix), res.Errors[0].Message)
				assert.Empty(t, tt.srv.Snapshot().Observations)
				return
			}
			require.Empty(t, res.Errors)
			obs := tt.srv.Snapshot().Observations
			require.Len(t, obs, 1)
			if tc.check != nil {
				tc.check(t, obs[0])
			}
		})
	}
}

func TestTraceBody(t *testing.T) {
	tests := []struct {
		name   string
		body   string
		status int
		prefix string
		check  func(t *testing.T, tr Trace)
	}{
		{name: "all fields", body: `{"id":"` + traceID + `","name":"n","userId":"u","sessionId":"s","release":"r","version":"v","tags":["a"],
			"metadata":{"k":"v"},"public":true,"startTime":"2025-03-01T12:00:00Z","endTime":"2025-03-01T12:00:05.5Z",
			"gitCommitSha":"abc","gitBranch":"main","gitRepoUrl":"https://example.com/r.git","input":{"q":1},"output":"done",
			"level":"INFO","statusMessage":"ok"}`,
			check: func(t *testing.T, tr Trace) {
				assert.Equal(t, Trace{
					ID: traceID, ProjectID: tr.ProjectID, Name: "n", UserID: "u", SessionID: "s", Release: "r", Version: "v",
					Tags: []string{"a"}, Metadata: `{"k":"v"}`, Public: true, StartTime: ts("2025-03-01T12:00:00Z"),
					EndTime: ptr(ts("2025-03-01T12:00:05.5Z")), GitCommitSha: "abc", GitBranch: "main",
					GitRepoURL: "https://example.com/r.git", Input: `{"q":1}`, Output: `"done"`, Level: "INFO",
					StatusMessage: "ok", CreatedAt: t0, UpdatedAt: t0,
				}, tr)
				assert.Equal(t, 5500*time.Millisecond, tr.Duration())
			}},
		{name: "timestamp is the start when startTime is absent", body: `{"timestamp":"2025-03-01T11:00:00Z"}`, check: func(t *testing.T, tr Trace) {
			assert.Equal(t, ts("2025-03-01T11:00:00Z"), tr.StartTime)
		}},
		{name: "startTime wins over timestamp", body: `{"timestamp":"2025-03-01T11:00:00Z","startTime":"2025-03-01T10:00:00Z"}`, check: func(t *testing.T, tr Trace) {
			assert.Equal(t, ts("2025-03-01T10:00:00Z"), tr.StartTime)
		}},
		{name: "receive time without either", body: `{}`, check: func(t *testing.T, tr Trace) {
			assert.Equal(t, t0, tr.StartTime)
			assert.Regexp(t, `^[0-9a-f]{32}$`, tr.ID)
			assert.Nil(t, tr.Tags)
		}},
		{name: "id of 33 bytes", body: `{"id":"` + strings.Repeat("a", 33) + `"}`, status: 500, prefix: "failed to insert trace: code: 131, message: Too large value for FixedString(32)"},
		{name: "UUID id fits", body: `{"id":"` + strings.ReplaceAll(uuid.NewString(), "-", "") + `"}`},
		{name: "dashed UUID does not fit", body: `{"id":"` + uuid.NewString() + `"}`, status: 500},
		{name: "public as string", body: `{"public":"true"}`, status: 400, prefix: "Invalid trace input: json: cannot unmarshal string into Go struct field"},
		{name: "tags as string", body: `{"tags":"a"}`, status: 400, prefix: "Invalid trace input: "},
		{name: "endTime without zone", body: `{"endTime":"2025-03-01T12:00:00"}`, status: 400, prefix: "Invalid trace input: parsing time"},
		{name: "lowercase t rejected", body: `{"startTime":"2025-03-01t12:00:00Z"}`, status: 400},
		{name: "offset without colon rejected", body: `{"startTime":"2025-03-01T12:00:00+0000"}`, status: 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tt := newTester(t)
			res := tt.ingest(event("e1", "trace-create", tc.body))
			if tc.status != 0 {
				require.Len(t, res.Errors, 1)
				assert.Equal(t, tc.status, res.Errors[0].Status)
				assert.True(t, strings.HasPrefix(res.Errors[0].Message, tc.prefix), res.Errors[0].Message)
				assert.Empty(t, tt.srv.Snapshot().Traces)
				return
			}
			require.Empty(t, res.Errors)
			traces := tt.srv.Snapshot().Traces
			require.Len(t, traces, 1)
			if tc.check != nil {
				tc.check(t, traces[0])
			}
		})
	}
}

func TestUpserts(t *testing.T) {
	trace := func(start, extra string) string {
		body := `{"id":"` + traceID + `"` + extra
		if start != "" {
			body += `,"startTime":"` + start + `"`
		}
		return event("e", "trace-create", body+`}`)
	}
	t.Run("same id and start replaces the whole row", func(t *testing.T) {
		tt := newTester(t)
		tt.ingest(trace("2025-03-01T12:00:00.000Z", `,"name":"first","userId":"u","tags":["a"]`))
		tt.ingest(trace("2025-03-01T12:00:00.000Z", `,"name":"second","endTime":"2025-03-01T12:00:01Z"`))
		traces := tt.srv.Snapshot().Traces
		require.Len(t, traces, 1)
		assert.Equal(t, "second", traces[0].Name)
		assert.Empty(t, traces[0].UserID, "fields omitted from the re-send are gone")
		assert.Nil(t, traces[0].Tags)
		assert.NotNil(t, traces[0].EndTime)
	})
	t.Run("same start at millisecond precision", func(t *testing.T) {
		tt := newTester(t)
		tt.ingest(trace("2025-03-01T12:00:00.000100Z", `,"name":"first"`))
		tt.ingest(trace("2025-03-01T12:00:00.000900Z", `,"name":"second"`))
		require.Len(t, tt.srv.Snapshot().Traces, 1)
	})
	t.Run("same start in another zone", func(t *testing.T) {
		tt := newTester(t)
		tt.ingest(trace("2025-03-01T12:00:00Z", ``))
		tt.ingest(trace("2025-03-01T13:00:00+01:00", ``))
		require.Len(t, tt.srv.Snapshot().Traces, 1)
	})
	t.Run("another start makes a second row", func(t *testing.T) {
		tt := newTester(t)
		tt.ingest(trace("2025-03-01T12:00:00.000Z", `,"name":"first"`))
		tt.ingest(trace("2025-03-01T12:00:00.001Z", `,"name":"second"`))
		rows := tt.srv.Snapshot().TraceRows(traceID)
		require.Len(t, rows, 2)
		last, ok := tt.srv.Trace(traceID)
		require.True(t, ok)
		assert.Equal(t, "second", last.Name, "Trace returns the last written row")
	})
	t.Run("omitted start makes a second row", func(t *testing.T) {
		tt := newTester(t)
		tt.ingest(trace("2025-03-01T12:00:00.000Z", ``))
		tt.ingest(trace("", ``))
		require.Len(t, tt.srv.Snapshot().Traces, 2)
		tt.clock.Add(time.Millisecond)
		tt.ingest(trace("", ``))
		require.Len(t, tt.srv.Snapshot().Traces, 3, "each re-send without a start is a new row")
	})
	t.Run("a replaced row moves to the end", func(t *testing.T) {
		tt := newTester(t)
		tt.ingest(trace("2025-03-01T12:00:00Z", `,"name":"a"`))
		tt.ingest(event("e", "trace-create", `{"id":"other","startTime":"2025-03-01T12:00:00Z"}`))
		tt.ingest(trace("2025-03-01T12:00:00Z", `,"name":"b"`))
		traces := tt.srv.Snapshot().Traces
		require.Len(t, traces, 2)
		assert.Equal(t, []string{"other", traceID}, []string{traces[0].ID, traces[1].ID})
	})
	obs := func(trace, start, name string) string {
		return event("e", "span-create", `{"id":"`+spanID+`","traceId":"`+trace+`","startTime":"`+start+`","name":"`+name+`"}`)
	}
	t.Run("observation: same trace, start and id replaces", func(t *testing.T) {
		tt := newTester(t)
		tt.ingest(obs(traceID, "2025-03-01T12:00:00Z", "a"))
		tt.ingest(obs(traceID, "2025-03-01T12:00:00Z", "b"))
		o := tt.srv.Observations(traceID)
		require.Len(t, o, 1)
		assert.Equal(t, "b", o[0].Name)
	})
	t.Run("observation: another start duplicates", func(t *testing.T) {
		tt := newTester(t)
		tt.ingest(obs(traceID, "2025-03-01T12:00:00Z", "a"))
		tt.ingest(obs(traceID, "2025-03-01T12:00:01Z", "a"))
		require.Len(t, tt.srv.Observations(traceID), 2)
	})
	t.Run("observation: another trace duplicates", func(t *testing.T) {
		tt := newTester(t)
		tt.ingest(obs(traceID, "2025-03-01T12:00:00Z", "a"))
		tt.ingest(obs("other", "2025-03-01T12:00:00Z", "a"))
		assert.Len(t, tt.srv.Snapshot().Observations, 2)
	})
	t.Run("events are processed in order, independently", func(t *testing.T) {
		tt := newTester(t)
		res := tt.ingest(
			obs(traceID, "2025-03-01T12:00:00Z", "a"),
			event("bad", "span-create", `{"level":"INFO"}`),
			obs(traceID, "2025-03-01T12:00:00Z", "b"),
		)
		assert.Len(t, res.Successes, 2)
		assert.Len(t, res.Errors, 1)
		o := tt.srv.Observations(traceID)
		require.Len(t, o, 1)
		assert.Equal(t, "b", o[0].Name)
	})
}

func TestCheck(t *testing.T) {
	trace := func(id, start, name string) string {
		return event("e", "trace-create", `{"id":"`+id+`","name":"`+name+`","startTime":"`+start+`"}`)
	}
	tt := newTester(t)
	require.NoError(t, tt.srv.Check(), "nothing received")
	tt.ingest(trace(traceID, "2025-03-01T12:00:00Z", "order-agent"), trace("other", "2025-03-01T12:00:00Z", "o"))
	tt.ingest(trace(traceID, "2025-03-01T12:00:00Z", "order-agent"))
	tt.createSpan(traceID, spanID)
	require.NoError(t, tt.srv.Check(), "one row per trace; a re-sent row with the same start replaces it")

	// A second process that took itself for the owner writes its own row.
	tt.ingest(trace(traceID, "2025-03-01T12:00:00.250Z", "weather-tool"))
	err := tt.srv.Check()
	require.Error(t, err)
	assert.Equal(t, "agenttracetest: trace "+traceID+` has 2 rows, one per start time `+
		`(2025-03-01T12:00:00.000Z "order-agent", 2025-03-01T12:00:00.250Z "weather-tool"): the real server would list it 2 times`, err.Error())

	tt.ingest(trace("other", "2025-03-01T12:00:01Z", "o"))
	err = tt.srv.Check()
	require.Error(t, err)
	assert.Len(t, strings.Split(err.Error(), "\n"), 2, "one finding per trace")
	assert.Contains(t, err.Error(), "trace other has 2 rows")
	tt.srv.Reset()
	assert.NoError(t, tt.srv.Check())
}

func TestUsage(t *testing.T) {
	tests := []struct {
		usage string
		want  *Usage
	}{
		{`{"inputTokens":10,"outputTokens":5,"totalTokens":15,"cacheReadTokens":3,"cacheCreationTokens":2}`,
			&Usage{InputTokens: 10, OutputTokens: 5, TotalTokens: 15, CacheReadTokens: 3, CacheCreationTokens: 2}},
		{`{"inputTokens":10,"outputTokens":5}`, &Usage{InputTokens: 10, OutputTokens: 5, TotalTokens: 15}},
		{`{"promptTokens":7,"completionTokens":3}`, &Usage{InputTokens: 7, OutputTokens: 3, TotalTokens: 10}},
		{`{"inputTokens":1,"promptTokens":7}`, &Usage{InputTokens: 1, TotalTokens: 1}},
		{`{"input_tokens":10,"output_tokens":5}`, &Usage{}},
		{`{"input":10,"output":5,"total":15,"unit":"TOKENS"}`, &Usage{}},
		{`{"inputTokens":1.5,"outputTokens":"3"}`, &Usage{}},
		{`{"InputTokens":10}`, &Usage{}},
		{`[1,2]`, nil},
		{`null`, nil},
	}
	for _, tc := range tests {
		t.Run(tc.usage, func(t *testing.T) {
			tt := newTester(t)
			res := tt.ingest(event("e", "generation-create", `{"usage":`+tc.usage+`}`))
			require.Empty(t, res.Errors)
			o := tt.srv.Snapshot().Observations
			require.Len(t, o, 1)
			assert.Equal(t, tc.want, o[0].Usage)
		})
	}
}

func TestSingleEntityRoutes(t *testing.T) {
	tt := newTester(t)
	t.Run("POST /traces", func(t *testing.T) {
		resp := tt.post("/api/public/traces", `{"id":"`+traceID+`","name":"n","metadata":{"a":1},"startTime":"2025-03-01T12:00:00Z"}`)
		require.Equal(t, 201, resp.Status, resp.Body)
		assert.JSONEq(t, `{"id":"`+traceID+`","projectId":"`+tt.srv.ProjectID+`","name":"n","tags":null,
			"metadata":"{\"a\":1}","public":false,"startTime":"2025-03-01T12:00:00Z","level":"",
			"createdAt":"2025-03-01T12:00:10Z","updatedAt":"2025-03-01T12:00:10Z"}`, resp.Body)
		require.Len(t, tt.srv.Snapshot().Traces, 1)
	})
	for _, tc := range []struct{ path, typ string }{
		{"/api/public/spans", "SPAN"}, {"/api/public/generations", "GENERATION"}, {"/api/public/events", "EVENT"},
	} {
		t.Run("POST "+tc.path, func(t *testing.T) {
			resp := tt.post(tc.path, `{"traceId":"`+traceID+`","name":"x","input":{"q":"?"},"model":"m"}`)
			require.Equal(t, 201, resp.Status, resp.Body)
			var o Observation
			resp.decode(t, &o)
			assert.Equal(t, tc.typ, o.Type)
			assert.Equal(t, `{"q":"?"}`, o.Input)
			assert.Contains(t, resp.Body, `"input":"{\"q\":\"?\"}"`, "JSON fields are strings on the wire")

			resp = tt.post(tc.path, `{"level":"INFO"}`)
			require.Equal(t, 500, resp.Status)
			assert.Equal(t, handlerError{Error: "Internal Server Error", Message: "Failed to create " + tc.typ}, resp.handlerErr(t))

			resp = tt.post(tc.path, `{"promptVersion":"3"}`)
			require.Equal(t, 400, resp.Status)
			assert.True(t, strings.HasPrefix(resp.handlerErr(t).Message, "Invalid request body: json: cannot unmarshal"))
		})
	}
	t.Run("POST /traces failures", func(t *testing.T) {
		resp := tt.post("/api/public/traces", `{"id":"`+strings.Repeat("a", 33)+`"}`)
		require.Equal(t, 500, resp.Status)
		assert.Equal(t, handlerError{Error: "Internal Server Error", Message: "Failed to create trace"}, resp.handlerErr(t))
		resp = tt.post("/api/public/traces", `{"public":"yes"}`)
		require.Equal(t, 400, resp.Status)
		resp = tt.post("/api/public/traces", `{}`, header("Content-Type", "text/plain"))
		require.Equal(t, 400, resp.Status)
	})
}

func TestV1TracesIsNotOTLP(t *testing.T) {
	tt := newTester(t)
	resp := tt.post("/api/public/v1/traces", `{"resourceSpans":[{"scopeSpans":[]}]}`)
	require.Equal(t, 400, resp.Status)
	assert.Equal(t, "Batch is empty", resp.handlerErr(t).Message)
	resp = tt.post("/api/public/v1/traces", "\x0a\x00", header("Content-Type", "application/x-protobuf"))
	require.Equal(t, 400, resp.Status)
	assert.Equal(t, "Invalid request body: Unprocessable Entity", resp.handlerErr(t).Message)
}

func TestHEADDefects(t *testing.T) {
	t.Run("drop generation fields", func(t *testing.T) {
		tt := newTester(t, with(emu.WithHEADDefects(emu.DefectDropGenerationFields)))
		require.Equal(t, 200, tt.post("/api/public/ingestion", exampleBatch).Status)
		obs := tt.srv.Observations(traceID)
		require.Len(t, obs, 2)
		g := obs[1]
		assert.Empty(t, g.Model)
		assert.Empty(t, g.ModelParameters)
		assert.Nil(t, g.Usage)
		assert.Nil(t, g.CompletionStartTime)
		assert.Empty(t, g.PromptName)
		assert.Zero(t, g.PromptVersion)
		assert.NotEmpty(t, g.Output, "other fields are kept")
		res := tt.ingest(event("e", "generation-create", `{"promptVersion":"3"}`))
		assert.Equal(t, 400, res.Errors[0].Status, "still parsed")
	})
	t.Run("drop trace fields", func(t *testing.T) {
		tt := newTester(t, with(emu.WithHEADDefects(emu.DefectDropTraceFields)))
		tt.ingest(event("e", "trace-create", `{"id":"`+traceID+`","input":1,"output":2,"level":"ERROR","statusMessage":"x","name":"n"}`))
		tr, ok := tt.srv.Trace(traceID)
		require.True(t, ok)
		assert.Equal(t, "n", tr.Name)
		assert.Empty(t, tr.Input+tr.Output+tr.Level+tr.StatusMessage)
	})
	t.Run("fail trace inserts", func(t *testing.T) {
		tt := newTester(t, with(emu.WithHEADDefects(emu.DefectFailTraceInsert)))
		resp := tt.post("/api/public/ingestion", exampleBatch)
		var res ingestionResponse
		resp.decode(t, &res)
		assert.Equal(t, []string{"b7f1c2a0-0002", "b7f1c2a0-0003"}, res.Successes)
		require.Len(t, res.Errors, 2)
		assert.Equal(t, ingestionError{ID: "b7f1c2a0-0001", Status: 500,
			Message: "failed to insert trace: code: 36, message: Unknown element '' for type Enum8('DEBUG', 'DEFAULT', 'WARNING', 'ERROR')"}, res.Errors[0])
		assert.Equal(t, ingestionError{ID: "b7f1c2a0-0004", Status: 500, Message: "failed to get trace: sql: no rows in result set"}, res.Errors[1])
		assert.Equal(t, 500, tt.post("/api/public/traces", `{}`).Status)
		assert.Equal(t, 500, tt.post("/api/public/checkpoints", `{"traceId":"`+traceID+`","name":"c"}`).Status)
		assert.Empty(t, tt.srv.Snapshot().Traces)
	})
}

func TestIngestionMessagesUseDecoderText(t *testing.T) {
	tt := newTester(t)
	res := tt.ingest(event("e", "score-create", `{"value":true}`))
	require.Len(t, res.Errors, 1)
	assert.Equal(t, http.StatusBadRequest, res.Errors[0].Status)
	assert.True(t, strings.HasPrefix(res.Errors[0].Message, "Invalid score input: json: cannot unmarshal bool"), res.Errors[0].Message)
}
