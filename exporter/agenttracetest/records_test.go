package agenttracetest

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recordCase is a create request of an agent record and its outcome.
type recordCase struct {
	name    string
	body    string
	status  int
	message string
}

func runRecordCases(t *testing.T, path string, cases []recordCase, stored func(*Server) int) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tt := newTester(t)
			tt.createTrace(traceID)
			resp := tt.post(path, tc.body)
			require.Equal(t, tc.status, resp.Status, resp.Body)
			if tc.status == 201 {
				assert.Equal(t, 1, stored(tt.srv))
				return
			}
			assert.Zero(t, stored(tt.srv))
			if tc.message != "" {
				assert.True(t, strings.HasPrefix(resp.handlerErr(t).Message, tc.message), resp.Body)
			}
		})
	}
}

const tid = `"traceId":"` + traceID + `"`

func TestCheckpointCreate(t *testing.T) {
	runRecordCases(t, "/api/public/checkpoints", []recordCase{
		{"minimal", `{` + tid + `,"name":"c"}`, 201, ""},
		{"every type", `{` + tid + `,"name":"c","type":"post_edit"}`, 201, ""},
		{"missing traceId", `{"name":"c"}`, 400, "traceId is required"},
		{"missing name", `{` + tid + `}`, 400, "name is required"},
		{"filesSnapshot as object", `{` + tid + `,"name":"c","filesSnapshot":{"a.go":{"size":1}}}`, 400, "Invalid request body: json: cannot unmarshal object"},
		{"totalFiles negative", `{` + tid + `,"name":"c","totalFiles":-1}`, 400, "Invalid request body: "},
		{"invalid type", `{` + tid + `,"name":"c","type":"milestone"}`, 500, "Failed to create checkpoint"},
		{"unknown trace", `{"traceId":"nope","name":"c"}`, 500, "Failed to create checkpoint"},
		{"observation id too long", `{` + tid + `,"name":"c","observationId":"` + uuid.NewString() + `"}`, 500, "Failed to create checkpoint"},
		{"form body", `name=c`, 400, "Invalid request body: invalid character"},
	}, func(s *Server) int { return len(s.Snapshot().Checkpoints) })
}

func TestCheckpointFields(t *testing.T) {
	tt := newTester(t)
	tt.createTrace(traceID)
	resp := tt.post("/api/public/checkpoints", `{`+tid+`,"observationId":"`+spanID+`","name":"before edit",
		"description":"d","type":"pre_edit","gitCommitSha":"abc","gitBranch":"main","gitRepoUrl":"https://x/r.git",
		"filesSnapshot":"{\"a.go\":{\"size\":12,\"hash\":\"ff\"}}","filesChanged":["a.go"],"totalFiles":1,"totalSizeBytes":12,
		"id":"ignored"}`)
	require.Equal(t, 201, resp.Status, resp.Body)
	cps := tt.srv.Snapshot().Checkpoints
	require.Len(t, cps, 1)
	cp := cps[0]
	_, err := uuid.Parse(cp.ID)
	require.NoError(t, err)
	assert.Equal(t, Checkpoint{
		ID: cp.ID, ProjectID: tt.srv.ProjectID, TraceID: traceID, ObservationID: spanID, Name: "before edit",
		Description: "d", Type: "pre_edit", GitCommitSha: "abc", GitBranch: "main", GitRepoURL: "https://x/r.git",
		FilesSnapshot: `{"a.go":{"size":12,"hash":"ff"}}`, FilesChanged: []string{"a.go"}, TotalFiles: 1,
		TotalSizeBytes: 12, CreatedAt: t0,
	}, cp)
	assert.JSONEq(t, `{"id":"`+cp.ID+`","projectId":"`+tt.srv.ProjectID+`",`+tid+`,"observationId":"`+spanID+`",
		"name":"before edit","description":"d","type":"pre_edit","gitCommitSha":"abc","gitBranch":"main",
		"gitRepoUrl":"https://x/r.git","filesSnapshot":"{\"a.go\":{\"size\":12,\"hash\":\"ff\"}}","filesChanged":["a.go"],
		"totalFiles":1,"totalSizeBytes":12,"createdAt":"2025-03-01T12:00:10Z"}`, resp.Body)

	resp = tt.post("/api/public/checkpoints", `{`+tid+`,"name":"default"}`)
	require.Equal(t, 201, resp.Status)
	assert.Equal(t, "manual", tt.srv.Snapshot().Checkpoints[1].Type)
}

func TestCheckpointRestoreAndReads(t *testing.T) {
	tt := newTester(t)
	tt.createTrace(traceID)
	tt.createTrace("other")
	tt.post("/api/public/checkpoints", `{`+tid+`,"name":"a","type":"auto","gitBranch":"main","filesSnapshot":"{}","totalFiles":3}`)
	tt.clock.Add(time.Second)
	tt.post("/api/public/checkpoints", `{"traceId":"other","name":"b","gitBranch":"dev"}`)
	orig := tt.srv.Snapshot().Checkpoints[0]

	t.Run("restore", func(t *testing.T) {
		tt.clock.Add(time.Second)
		resp := tt.post("/api/public/checkpoints/"+orig.ID+"/restore", `{}`)
		require.Equal(t, 201, resp.Status, resp.Body)
		var cp Checkpoint
		resp.decode(t, &cp)
		assert.Equal(t, "rollback", cp.Type)
		assert.Equal(t, "Rollback from a", cp.Name)
		assert.Equal(t, orig.ID, cp.RestoredFrom)
		assert.Equal(t, t0.Add(2*time.Second), *cp.RestoredAt)
		assert.Equal(t, traceID, cp.TraceID)
		assert.Equal(t, "main", cp.GitBranch)
		assert.Equal(t, "{}", cp.FilesSnapshot)
		assert.Equal(t, uint32(3), cp.TotalFiles)
		assert.NotEqual(t, orig.ID, cp.ID)

		resp = tt.post("/api/public/checkpoints/"+orig.ID+"/restore", `{"traceId":"other"}`)
		require.Equal(t, 201, resp.Status)
		resp.decode(t, &cp)
		assert.Equal(t, "other", cp.TraceID)

		assert.Equal(t, handlerError{"Bad Request", "Invalid checkpoint ID format"}, tt.post("/api/public/checkpoints/nope/restore", `{}`).handlerErr(t))
		assert.Equal(t, 500, tt.post("/api/public/checkpoints/"+uuid.NewString()+"/restore", `{}`).Status)
	})
	t.Run("by id", func(t *testing.T) {
		resp := tt.get("/api/public/checkpoints/" + orig.ID)
		require.Equal(t, 200, resp.Status)
		var cp Checkpoint
		resp.decode(t, &cp)
		assert.Equal(t, orig, cp)
		assert.Equal(t, handlerError{"Bad Request", "Invalid checkpoint ID format"}, tt.get("/api/public/checkpoints/nope").handlerErr(t))
		assert.Equal(t, 500, tt.get("/api/public/checkpoints/"+uuid.NewString()).Status, "not 404, as on the server")
	})
	type list struct {
		Data       []Checkpoint
		TotalCount int
		HasMore    bool
	}
	names := func(cps []Checkpoint) []string {
		out := []string{}
		for _, cp := range cps {
			out = append(out, cp.Name)
		}
		return out
	}
	tests := []struct {
		query   string
		names   []string
		hasMore bool
	}{
		{"", []string{"a", "b", "Rollback from a", "Rollback from a"}, false},
		{"?traceId=other", []string{"b", "Rollback from a"}, false},
		{"?type=rollback", []string{"Rollback from a", "Rollback from a"}, false},
		{"?gitBranch=dev", []string{"b"}, false},
		{"?fromTimestamp=2025-03-01T12:00:11Z&toTimestamp=2025-03-01T12:00:11Z", []string{"b"}, false},
		{"?limit=1", []string{"a"}, true},
		{"?limit=1&offset=3", []string{"Rollback from a"}, false},
	}
	for _, tc := range tests {
		t.Run("list "+tc.query, func(t *testing.T) {
			var l list
			tt.get("/api/public/checkpoints"+tc.query).decode(t, &l)
			assert.Equal(t, tc.names, names(l.Data))
			assert.Equal(t, tc.hasMore, l.HasMore)
		})
	}
	t.Run("of a trace", func(t *testing.T) {
		var l list
		tt.get("/api/public/traces/"+traceID+"/checkpoints").decode(t, &l)
		assert.Equal(t, []string{"a", "Rollback from a"}, names(l.Data))
		assert.JSONEq(t, `{"data":[]}`, tt.get("/api/public/traces/none/checkpoints").Body)
	})
}

func TestGitLinks(t *testing.T) {
	runRecordCases(t, "/api/public/git-links", []recordCase{
		{"minimal", `{` + tid + `,"commitSha":"abc"}`, 201, ""},
		{"missing traceId", `{"commitSha":"abc"}`, 400, "traceId is required"},
		{"missing commitSha", `{` + tid + `}`, 400, "commitSha is required"},
		{"invalid link type", `{` + tid + `,"commitSha":"abc","linkType":"commit"}`, 500, "Failed to create git link"},
		{"unknown trace", `{"traceId":"nope","commitSha":"abc"}`, 500, "Failed to create git link"},
		{"additions negative", `{` + tid + `,"commitSha":"abc","additions":-1}`, 400, ""},
		{"commitTimestamp without zone", `{` + tid + `,"commitSha":"abc","commitTimestamp":"2025-03-01T12:00:00"}`, 400, ""},
	}, func(s *Server) int { return len(s.Snapshot().GitLinks) })

	tt := newTester(t)
	tt.createTrace(traceID)
	ciRun := uuid.NewString()
	resp := tt.post("/api/public/git-links", `{`+tid+`,"commitSha":"abc","parentSha":"p","branch":"main","tag":"v1",
		"repoUrl":"https://x/r.git","commitMessage":"fix","commitAuthor":"dev","commitAuthorEmail":"dev@x",
		"commitTimestamp":"2025-03-01T11:00:00Z","filesAdded":["a"],"filesModified":["b","c"],"filesDeleted":["d"],
		"additions":10,"deletions":2,"linkType":"end","ciRunId":"`+ciRun+`","authorName":"ignored","observationId":"ignored"}`)
	require.Equal(t, 201, resp.Status, resp.Body)
	gl := tt.srv.Snapshot().GitLinks[0]
	assert.Equal(t, GitLink{
		ID: gl.ID, ProjectID: tt.srv.ProjectID, TraceID: traceID, CommitSha: "abc", ParentSha: "p", Branch: "main",
		Tag: "v1", RepoURL: "https://x/r.git", CommitMessage: "fix", CommitAuthor: "dev", CommitAuthorEmail: "dev@x",
		CommitTimestamp: ts("2025-03-01T11:00:00Z"), FilesAdded: []string{"a"}, FilesModified: []string{"b", "c"},
		FilesDeleted: []string{"d"}, FilesChangedCount: 4, Additions: 10, Deletions: 2, LinkType: "end",
		CIRunID: ciRun, CreatedAt: t0,
	}, gl)

	resp = tt.post("/api/public/git-links", `{`+tid+`,"commitSha":"def","ciRunId":"run-7"}`)
	require.Equal(t, 201, resp.Status)
	gl2 := tt.srv.Snapshot().GitLinks[1]
	assert.Equal(t, "current", gl2.LinkType)
	assert.Equal(t, t0, gl2.CommitTimestamp, "defaults to now")
	assert.Empty(t, gl2.CIRunID, "not a UUID: ignored")

	type list struct {
		Data       []GitLink
		TotalCount int
	}
	var l list
	tt.get("/api/public/git-links?commitSha=def").decode(t, &l)
	require.Len(t, l.Data, 1)
	assert.Equal(t, gl2.ID, l.Data[0].ID)
	tt.get("/api/public/git-links?linkType=end&branch=main").decode(t, &l)
	assert.Equal(t, 1, l.TotalCount)
	tt.get("/api/public/traces/"+traceID+"/git-links").decode(t, &l)
	assert.Len(t, l.Data, 2)
	var one GitLink
	tt.get("/api/public/git-links/"+gl.ID).decode(t, &one)
	assert.Equal(t, gl, one)
	assert.Equal(t, 400, tt.get("/api/public/git-links/x").Status)
	assert.Equal(t, 501, tt.get("/api/public/git-links/timeline").Status)
}

func TestFileOperationCreate(t *testing.T) {
	runRecordCases(t, "/api/public/file-operations", []recordCase{
		{"minimal", `{` + tid + `,"operation":"update","filePath":"a.go"}`, 201, ""},
		{"missing traceId", `{"operation":"update","filePath":"a.go"}`, 400, "traceId is required"},
		{"missing filePath", `{` + tid + `,"operation":"update"}`, 400, "filePath is required"},
		{"path is not filePath", `{` + tid + `,"operation":"update","path":"a.go"}`, 400, "filePath is required"},
		{"missing operation", `{` + tid + `,"filePath":"a.go"}`, 400, "operation is required"},
		{"chmod is not an operation", `{` + tid + `,"operation":"chmod","filePath":"a.go"}`, 500, "Failed to create file operation"},
		{"unknown trace", `{"traceId":"nope","operation":"read","filePath":"a.go"}`, 500, "Failed to create file operation"},
		{"fileSize as string", `{` + tid + `,"operation":"read","filePath":"a.go","fileSize":"12"}`, 400, ""},
	}, func(s *Server) int { return len(s.Snapshot().FileOperations) })

	tt := newTester(t)
	tt.createTrace(traceID)
	resp := tt.post("/api/public/file-operations", `{`+tid+`,"observationId":"`+spanID+`","operation":"rename","filePath":"a.go",
		"newPath":"b.go","fileSize":12,"fileMode":"644","contentHash":"h","mimeType":"text/x-go","linesAdded":3,"linesRemoved":1,
		"diffPreview":"@@","contentBeforeHash":"b","contentAfterHash":"a","toolName":"edit","reason":"r",
		"startedAt":"2025-03-01T12:00:00Z","completedAt":"2025-03-01T12:00:01.5Z","durationMs":99999,"success":false,"errorMessage":"e"}`)
	require.Equal(t, 201, resp.Status, resp.Body)
	op := tt.srv.Snapshot().FileOperations[0]
	assert.Equal(t, FileOperation{
		ID: op.ID, ProjectID: tt.srv.ProjectID, TraceID: traceID, ObservationID: spanID, Operation: "rename",
		FilePath: "a.go", NewPath: "b.go", FileSize: 12, FileMode: "644", ContentHash: "h", MimeType: "text/x-go",
		LinesAdded: 3, LinesRemoved: 1, DiffPreview: "@@", ContentBeforeHash: "b", ContentAfterHash: "a",
		ToolName: "edit", Reason: "r", StartedAt: ts("2025-03-01T12:00:00Z"), CompletedAt: ts("2025-03-01T12:00:01.5Z"),
		DurationMs: 1500, Success: false, ErrorMessage: "e", CreatedAt: t0,
	}, op)

	resp = tt.post("/api/public/file-operations", `{`+tid+`,"operation":"read","filePath":"c.go","completedAt":"2025-03-01T12:00:09Z"}`)
	require.Equal(t, 201, resp.Status)
	op = tt.srv.Snapshot().FileOperations[1]
	assert.True(t, op.Success, "success defaults to true")
	assert.Equal(t, t0, op.StartedAt, "startedAt defaults to now")
	assert.Equal(t, uint32(1<<32-1000), op.DurationMs, "a negative duration wraps")
}

func TestFileOperationBatch(t *testing.T) {
	op := func(trace, operation string) string {
		return `{"traceId":"` + trace + `","operation":"` + operation + `","filePath":"f"}`
	}
	many := func(n int) string {
		items := make([]string, n)
		for i := range items {
			items[i] = op(traceID, "read")
		}
		return `{"operations":[` + strings.Join(items, ",") + `]}`
	}
	tests := []struct {
		name    string
		body    string
		status  int
		message string
		stored  int
	}{
		{"two", `{"operations":[` + op(traceID, "create") + `,` + op(traceID, "delete") + `]}`, 201, "", 2},
		{"a hundred", many(100), 201, "", 100},
		{"none", `{"operations":[]}`, 400, "At least one operation required", 0},
		{"too many", many(101), 400, "Maximum 100 operations per batch", 0},
		{"only the first trace is looked up", `{"operations":[` + op(traceID, "read") + `,` + op("nope", "read") + `]}`, 201, "", 2},
		{"first trace unknown", `{"operations":[` + op("nope", "read") + `,` + op(traceID, "read") + `]}`, 500, "Failed to create file operations", 0},
		{"required fields not checked per item", `{"operations":[` + op(traceID, "read") + `,{"operation":"read"}]}`, 201, "", 2},
		{"all or nothing", `{"operations":[` + op(traceID, "read") + `,` + op(traceID, "chmod") + `]}`, 500, "Failed to create file operations", 0},
		{"missing operation fails at insert", `{"operations":[{` + tid + `,"filePath":"f"}]}`, 500, "Failed to create file operations", 0},
		{"decode error", `{"operations":[{"fileSize":-1}]}`, 400, "Invalid request body: ", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tt := newTester(t)
			tt.createTrace(traceID)
			resp := tt.post("/api/public/file-operations/batch", tc.body)
			require.Equal(t, tc.status, resp.Status, resp.Body)
			assert.Len(t, tt.srv.Snapshot().FileOperations, tc.stored)
			if tc.status == 201 {
				var out struct{ Data []FileOperation }
				resp.decode(t, &out)
				assert.Len(t, out.Data, tc.stored)
				ids := map[string]bool{}
				for _, o := range out.Data {
					ids[o.ID] = true
				}
				assert.Len(t, ids, tc.stored, "each gets its own id")
				return
			}
			assert.True(t, strings.HasPrefix(resp.handlerErr(t).Message, tc.message), resp.Body)
		})
	}
	t.Run("reads", func(t *testing.T) {
		tt := newTester(t)
		tt.createTrace(traceID)
		tt.post("/api/public/file-operations/batch", `{"operations":[`+op(traceID, "create")+`,`+op("other", "delete")+`]}`)
		var l struct {
			Data       []FileOperation
			TotalCount int
		}
		tt.get("/api/public/file-operations?operation=delete").decode(t, &l)
		require.Len(t, l.Data, 1)
		assert.Equal(t, "other", l.Data[0].TraceID)
		tt.get("/api/public/traces/"+traceID+"/file-operations").decode(t, &l)
		require.Len(t, l.Data, 1)
		assert.Equal(t, "create", l.Data[0].Operation)
	})
}

func TestTerminalCommandCreate(t *testing.T) {
	runRecordCases(t, "/api/public/terminal-commands", []recordCase{
		{"minimal", `{` + tid + `,"command":"go"}`, 201, ""},
		{"missing traceId", `{"command":"go"}`, 400, "traceId is required"},
		{"missing command", `{` + tid + `}`, 400, "command is required"},
		{"envVars as object", `{` + tid + `,"command":"go","envVars":{"A":"1"}}`, 400, "Invalid request body: json: cannot unmarshal object"},
		{"exitCode as float", `{` + tid + `,"command":"go","exitCode":1.5}`, 400, ""},
		{"unknown trace", `{"traceId":"nope","command":"go"}`, 500, "Failed to create terminal command"},
		{"observation id too long", `{` + tid + `,"command":"go","observationId":"` + strings.Repeat("a", 17) + `"}`, 500, ""},
	}, func(s *Server) int { return len(s.Snapshot().TerminalCommands) })

	tt := newTester(t)
	tt.createTrace(traceID)
	// exporter/PROTOCOL.md §7.4's example.
	resp := tt.post("/api/public/terminal-commands", `{ "traceId": "5c0ffee0d15ea5e5a1b2c3d4e5f60718", "observationId": "a1b2c3d4e5f60718",
  "command": "go", "args": ["test", "./..."], "workingDirectory": "/src/acme",
  "shell": "bash", "envVars": "{\"CGO_ENABLED\":\"0\"}",
  "startedAt": "2025-03-01T12:00:05.000Z", "completedAt": "2025-03-01T12:00:17.250Z",
  "exitCode": 1, "stdout": "FAIL ./store\n", "stderr": "", "stdoutTruncated": false,
  "success": false, "toolName": "bash", "reason": "reproduce failure" }`)
	require.Equal(t, 201, resp.Status, resp.Body)
	tc := tt.srv.Snapshot().TerminalCommands[0]
	assert.Equal(t, TerminalCommand{
		ID: tc.ID, ProjectID: tt.srv.ProjectID, TraceID: traceID, ObservationID: spanID, Command: "go",
		Args: []string{"test", "./..."}, WorkingDirectory: "/src/acme", Shell: "bash", EnvVars: `{"CGO_ENABLED":"0"}`,
		StartedAt: ts("2025-03-01T12:00:05Z"), CompletedAt: ts("2025-03-01T12:00:17.25Z"), DurationMs: 12250,
		ExitCode: 1, Stdout: "FAIL ./store\n", ToolName: "bash", Reason: "reproduce failure", CreatedAt: t0,
	}, tc)

	for i, c := range []struct {
		body    string
		success bool
	}{
		{`"exitCode":0`, true},
		{`"exitCode":2`, false},
		{`"exitCode":2,"success":true`, true},
	} {
		t.Run("success "+c.body, func(t *testing.T) {
			require.Equal(t, 201, tt.post("/api/public/terminal-commands", `{`+tid+`,"command":"x",`+c.body+`}`).Status)
			got := tt.srv.Snapshot().TerminalCommands[i+1]
			assert.Equal(t, c.success, got.Success)
			assert.Empty(t, got.Shell, "no bash default")
			assert.Empty(t, got.WorkingDirectory)
		})
	}
}

func TestTerminalCommandBatch(t *testing.T) {
	cmd := func(trace string) string { return `{"traceId":"` + trace + `","command":"ls"}` }
	many := func(n int) string {
		items := make([]string, n)
		for i := range items {
			items[i] = cmd(traceID)
		}
		return `{"commands":[` + strings.Join(items, ",") + `]}`
	}
	tests := []struct {
		body    string
		status  int
		message string
		stored  int
	}{
		{many(1), 201, "", 1},
		{many(100), 201, "", 100},
		{`{"commands":[]}`, 400, "At least one command required", 0},
		{many(101), 400, "Maximum 100 commands per batch", 0},
		{`{"commands":[` + cmd("nope") + `]}`, 500, "Failed to create terminal commands", 0},
		{`{"commands":[` + cmd(traceID) + `,` + cmd("nope") + `,{}]}`, 201, "", 3},
		{`{"commands":[` + cmd(traceID) + `,{"observationId":"` + uuid.NewString() + `"}]}`, 500, "Failed to create terminal commands", 0},
		{`{"commands":[{"envVars":{}}]}`, 400, "Invalid request body: ", 0},
	}
	for i, tc := range tests {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			tt := newTester(t)
			tt.createTrace(traceID)
			resp := tt.post("/api/public/terminal-commands/batch", tc.body)
			require.Equal(t, tc.status, resp.Status, resp.Body)
			assert.Len(t, tt.srv.Snapshot().TerminalCommands, tc.stored)
			if tc.status != 201 {
				assert.True(t, strings.HasPrefix(resp.handlerErr(t).Message, tc.message), resp.Body)
			}
		})
	}
	t.Run("reads", func(t *testing.T) {
		tt := newTester(t)
		tt.createTrace(traceID)
		tt.post("/api/public/terminal-commands/batch", `{"commands":[`+cmd(traceID)+`,{`+tid+`,"command":"go"}]}`)
		var l struct {
			Data       []TerminalCommand
			TotalCount int
			HasMore    bool
		}
		tt.get("/api/public/terminal-commands?command=go").decode(t, &l)
		require.Len(t, l.Data, 1)
		assert.Equal(t, 1, l.TotalCount)
		tt.get("/api/public/traces/"+traceID+"/terminal-commands").decode(t, &l)
		assert.Len(t, l.Data, 2)
	})
}
