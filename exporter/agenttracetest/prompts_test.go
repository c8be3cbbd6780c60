package agenttracetest

import (
	"encoding/json"
	"net/url"
	"testing"

	"github.com/agenttrace/agenttrace-otel-go/internal/attestctl/emu"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// seedPrompts creates "triage" with versions 1 (staging), 2 (production)
// and 3, "plain" with versions 1 and 2 and no labels, and "empty" without
// versions.
func seedPrompts(t *testing.T, srv *Server) {
	t.Helper()
	for i, labels := range [][]string{{"staging"}, {"production"}, nil} {
		v, err := srv.AddPromptVersion("triage", PromptVersion{
			Content: "You are triaging {{repo}}. Focus on {{area}}. v" + string(rune('1'+i)),
			Config:  `{"temperature":0.1}`, Labels: labels, CommitMessage: "c",
		})
		require.NoError(t, err)
		require.Equal(t, i+1, v)
	}
	for range 2 {
		_, err := srv.AddPromptVersion("plain", PromptVersion{Content: "hello"})
		require.NoError(t, err)
	}
	require.NoError(t, controls{srv}.CreatePrompt("empty", "", "no versions", []string{"agent"}))
}

type promptResp struct {
	Name          string
	Type          string
	LatestVersion *struct {
		Version   int
		Content   string
		Config    string
		Labels    []string
		Variables []string
	}
}

func TestGetPrompt(t *testing.T) {
	tt := newTester(t)
	seedPrompts(t, tt.srv)
	tests := []struct {
		name    string
		path    string
		status  int
		version int // 0: no latestVersion
	}{
		{"default is production", "/api/public/prompts/triage", 200, 2},
		{"default falls back to the highest version", "/api/public/prompts/plain", 200, 2},
		{"version", "/api/public/prompts/triage?version=3", 200, 3},
		{"label", "/api/public/prompts/triage?label=staging", 200, 1},
		{"version wins over label", "/api/public/prompts/triage?version=3&label=staging", 200, 3},
		{"non-numeric version ignored", "/api/public/prompts/triage?version=abc", 200, 2},
		{"zero version ignored", "/api/public/prompts/triage?version=0&label=staging", 200, 1},
		{"negative version ignored", "/api/public/prompts/triage?version=-1", 200, 2},
		{"unknown version", "/api/public/prompts/triage?version=9", 404, 0},
		{"unknown label", "/api/public/prompts/triage?label=nope", 404, 0},
		{"unknown prompt", "/api/public/prompts/nope", 404, 0},
		{"names are case-sensitive", "/api/public/prompts/Triage", 404, 0},
		{"no versions: 200 without latestVersion", "/api/public/prompts/empty", 200, 0},
		{"no versions with a label", "/api/public/prompts/empty?label=production", 404, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := tt.get(tc.path)
			require.Equal(t, tc.status, resp.Status, resp.Body)
			if tc.status == 404 {
				assert.JSONEq(t, `{"error":"Not Found","message":"Prompt not found"}`, resp.Body)
				return
			}
			var p promptResp
			resp.decode(t, &p)
			if tc.version == 0 {
				assert.Nil(t, p.LatestVersion)
				assert.NotContains(t, resp.Body, "latestVersion")
				return
			}
			require.NotNil(t, p.LatestVersion)
			assert.Equal(t, tc.version, p.LatestVersion.Version)
		})
	}
}

func TestPromptShape(t *testing.T) {
	tt := newTester(t)
	seedPrompts(t, tt.srv)
	resp := tt.get("/api/public/prompts/triage")
	var raw map[string]any
	resp.decode(t, &raw)
	lv := raw["latestVersion"].(map[string]any)
	assert.Equal(t, map[string]any{
		"id": lv["id"], "promptId": raw["id"], "version": 2.0,
		"content":   "You are triaging {{repo}}. Focus on {{area}}. v2",
		"config":    `{"temperature":0.1}`,
		"labels":    []any{"production"},
		"variables": []any{"repo", "area"}, "commitMessage": "c",
		"createdAt": "2025-03-01T12:00:10Z",
	}, lv)
	assert.Equal(t, "text", raw["type"])
	assert.Equal(t, tt.srv.ProjectID, raw["projectId"])
	assert.Equal(t, []any{}, raw["tags"])

	t.Run("chat", func(t *testing.T) {
		_, err := tt.srv.AddPromptVersion("team/chat", PromptVersion{
			Messages: []ChatMessage{{Role: "system", Content: "You review {{lang}}."}, {Role: "user", Content: "{{diff}}"}},
		})
		require.NoError(t, err)
		var p promptResp
		tt.get("/api/public/prompts/"+url.PathEscape("team/chat")).decode(t, &p)
		assert.Equal(t, "chat", p.Type)
		assert.JSONEq(t, `[{"role":"system","content":"You review {{lang}}."},{"role":"user","content":"{{diff}}"}]`, p.LatestVersion.Content)
		assert.Equal(t, []string{"lang", "diff"}, p.LatestVersion.Variables)
		assert.Empty(t, p.LatestVersion.Config)
	})
	t.Run("double-encoded config is served as given", func(t *testing.T) {
		_, err := tt.srv.AddPromptVersion("double", PromptVersion{Content: "x", Config: `"{\"temperature\":0.1}"`})
		require.NoError(t, err)
		var p promptResp
		tt.get("/api/public/prompts/double").decode(t, &p)
		var inner string
		require.NoError(t, json.Unmarshal([]byte(p.LatestVersion.Config), &inner))
		assert.Equal(t, `{"temperature":0.1}`, inner)
	})
	t.Run("variables", func(t *testing.T) {
		assert.Equal(t, []string{"a", "b_2", "_c"}, promptVariables("{{a}} {{ b }} {{b_2}} {{a}} {{_c}} {{2x}} {{a-b}}"))
		assert.Nil(t, promptVariables("none"))
	})
}

func TestPromptSeeding(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	_, err := srv.AddPromptVersion("p", PromptVersion{Content: "x", Messages: []ChatMessage{{Role: "user"}}})
	assert.Error(t, err, "content and messages")
	_, err = srv.AddPromptVersion("p", PromptVersion{Content: "x", Config: "{"})
	assert.Error(t, err, "config not JSON")
	_, err = srv.AddPromptVersion("", PromptVersion{Content: "x"})
	assert.Error(t, err, "no name")
	_, err = srv.AddPromptVersion("p", PromptVersion{Content: "x"})
	require.NoError(t, err)
	_, err = srv.AddPromptVersion("p", PromptVersion{Messages: []ChatMessage{{Role: "user", Content: "x"}}})
	assert.Error(t, err, "a text prompt gets no chat version")
	assert.Error(t, controls{srv}.CreatePrompt("p", "", "", nil), "exists")
	assert.Error(t, controls{srv}.CreatePrompt("q", "TEXT", "", nil), "types are lowercase")
	assert.Error(t, controls{srv}.CreatePrompt("", "", "", nil), "no name")
	require.NoError(t, controls{srv}.CreatePrompt("c", "chat", "", nil))
	_, err = srv.AddPromptVersion("c", PromptVersion{Content: "text"})
	assert.Error(t, err, "a chat prompt gets no text version")

	_, err = srv.AddPromptVersion("p", PromptVersion{Content: "y", Labels: []string{"production", "latest"}})
	require.NoError(t, err)
	require.NoError(t, controls{srv}.SetPromptLabel("p", "production", 1))
	assert.Error(t, controls{srv}.SetPromptLabel("p", "production", 3))
	assert.Error(t, controls{srv}.SetPromptLabel("nope", "production", 1))
	srv.mu.Lock()
	p := srv.data.prompts["p"]
	assert.Equal(t, []string{"production"}, p.versions[0].labels, "a label lives on one version")
	assert.Equal(t, []string{"latest"}, p.versions[1].labels)
	srv.mu.Unlock()
}

func TestListPrompts(t *testing.T) {
	tt := newTester(t)
	type list struct {
		Prompts    []map[string]any
		TotalCount int
		HasMore    bool
	}
	resp := tt.get("/api/public/prompts")
	require.Equal(t, 200, resp.Status)
	assert.JSONEq(t, `{"prompts":null,"totalCount":0,"hasMore":false}`, resp.Body)

	seedPrompts(t, tt.srv)
	tests := []struct {
		query   string
		names   []string
		total   int
		hasMore bool
	}{
		{"", []string{"empty", "plain", "triage"}, 3, false},
		{"?name=TRI", []string{"triage"}, 1, false},
		{"?name=a", []string{"plain", "triage"}, 2, false},
		{"?tags=agent", []string{"empty"}, 1, false},
		{"?limit=2", []string{"empty", "plain"}, 3, true},
		{"?limit=2&offset=2", []string{"triage"}, 3, false},
		{"?label=production", []string{"empty", "plain", "triage"}, 3, false},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			var l list
			tt.get("/api/public/prompts"+tc.query).decode(t, &l)
			var names []string
			for _, p := range l.Prompts {
				names = append(names, p["name"].(string))
				assert.NotContains(t, p, "latestVersion", "no version content in lists")
			}
			assert.Equal(t, tc.names, names)
			assert.Equal(t, tc.total, l.TotalCount)
			assert.Equal(t, tc.hasMore, l.HasMore)
		})
	}
}

func TestCompilePrompt(t *testing.T) {
	tt := newTester(t)
	seedPrompts(t, tt.srv)
	tests := []struct {
		name     string
		prompt   string
		body     string
		status   int
		compiled string
		message  string
	}{
		{"latest version, not production", "triage", `{"variables":{"repo":"acme/api","area":"tests"}}`, 200, "You are triaging acme/api. Focus on tests. v3", ""},
		{"version", "triage", `{"variables":{"repo":"r","area":"a"},"version":1}`, 200, "You are triaging r. Focus on a. v1", ""},
		{"label", "triage", `{"variables":{"repo":"r","area":"a"},"label":"production"}`, 200, "You are triaging r. Focus on a. v2", ""},
		{"version wins over label", "triage", `{"variables":{"repo":"r","area":"a"},"version":1,"label":"production"}`, 200, "You are triaging r. Focus on a. v1", ""},
		{"extra variables are harmless", "triage", `{"variables":{"repo":"r","area":"a","x":"y"}}`, 200, "You are triaging r. Focus on a. v3", ""},
		{"values are not escaped", "triage", `{"variables":{"repo":"\"q\"","area":"{{repo}}"}}`, 200, `You are triaging "q". Focus on "q". v3`, ""},
		{"missing variable", "triage", `{"variables":{"repo":"r"}}`, 400, "", "Failed to compile prompt: VALIDATION_ERROR: missing variables: [area]"},
		{"missing variables", "triage", `{}`, 400, "", "Failed to compile prompt: VALIDATION_ERROR: missing variables: [repo area]"},
		{"number variable", "triage", `{"variables":{"repo":1}}`, 400, "", "Invalid request body: json: cannot unmarshal number into Go struct field .variables of type string"},
		{"unknown prompt", "nope", `{}`, 404, "", "Prompt not found"},
		{"unknown version", "triage", `{"version":7}`, 404, "", "Prompt not found"},
		{"no versions", "empty", `{}`, 404, "", "Prompt not found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := tt.post("/api/public/prompts/"+tc.prompt+"/compile", tc.body)
			require.Equal(t, tc.status, resp.Status, resp.Body)
			if tc.status != 200 {
				assert.Equal(t, tc.message, resp.handlerErr(t).Message)
				return
			}
			var out struct {
				Prompt    promptResp
				Version   int
				Compiled  string
				Variables map[string]string
			}
			resp.decode(t, &out)
			assert.Equal(t, tc.compiled, out.Compiled)
			assert.Equal(t, out.Version, out.Prompt.LatestVersion.Version)
			assert.NotEmpty(t, out.Variables)
		})
	}
}

func TestPromptRoutingDefect(t *testing.T) {
	defective := newTester(t, with(emu.WithHEADDefects(emu.DefectPromptRouting)))
	intended := newTester(t)
	seedPrompts(t, defective.srv)
	seedPrompts(t, intended.srv)
	tests := []struct {
		method, path string
		defect       string
		intended     int
	}{
		{"GET", "/api/public/prompts/triage", "Prompt name required", 200},
		{"GET", "/api/public/prompts/triage/versions", "Prompt name required", 501},
		{"POST", "/api/public/prompts/triage/labels", "Prompt name required", 501},
		{"DELETE", "/api/public/prompts/triage/labels/production", "Prompt name required", 501},
		{"POST", "/api/public/prompts/triage/compile", "Prompt name required", 400},
		{"PUT", "/api/public/prompts/triage", "Prompt ID required", 501},
		{"DELETE", "/api/public/prompts/triage", "Prompt ID required", 501},
	}
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			body := ""
			if tc.method != "GET" {
				body = `{}`
			}
			resp := defective.do(tc.method, tc.path, body)
			require.Equal(t, 400, resp.Status)
			assert.Equal(t, handlerError{Error: "Bad Request", Message: tc.defect}, resp.handlerErr(t))
			assert.Equal(t, tc.intended, intended.do(tc.method, tc.path, body).Status)
		})
	}
	t.Run("the list still works", func(t *testing.T) {
		assert.Equal(t, 200, defective.get("/api/public/prompts?name=triage").Status)
	})
}
