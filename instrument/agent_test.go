package instrument_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttracetest"
	"github.com/agenttrace/agenttrace-otel-go/instrument"
)

// Tests of the agent features (checkpoints, git links, file operations,
// terminal commands) end to end: through the real exporter to the
// in-process AgentTrace server, asserting the REST bodies that arrived and
// what the server stored.

// testRepo is a git repository in a temporary directory, made with the git
// installed on the machine, untouched by the user's git configuration.
type testRepo struct {
	t   *testing.T
	dir string
}

func newTestRepo(t *testing.T) *testRepo {
	t.Helper()
	t.Setenv("GIT_CONFIG_GLOBAL", os.DevNull)
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	r := &testRepo{t: t, dir: t.TempDir()}
	r.git("init", "-q", "-b", "main")
	r.git("config", "user.name", "Ann Agent")
	r.git("config", "user.email", "ann@example.com")
	return r
}

func (r *testRepo) git(args ...string) string {
	r.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = r.dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		r.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func (r *testRepo) path(name string) string { return filepath.Join(r.dir, name) }

func (r *testRepo) write(name, content string) {
	r.t.Helper()
	if err := os.WriteFile(r.path(name), []byte(content), 0o644); err != nil {
		r.t.Fatal(err)
	}
}

func (r *testRepo) commit(msg string) string {
	r.t.Helper()
	r.git("add", "-A")
	r.git("commit", "-q", "-m", msg)
	return r.git("rev-parse", "HEAD")
}

// recordBodies returns the JSON objects the server received at path, the
// items of a batch body (under key) one by one.
func recordBodies(t *testing.T, srv *agenttracetest.Server, path, key string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, r := range srv.Snapshot().Requests {
		if r.Path != path {
			continue
		}
		var body map[string]any
		if err := json.Unmarshal(r.Body, &body); err != nil {
			t.Fatalf("%s: body %q: %v", path, r.Body, err)
		}
		if key == "" {
			out = append(out, body)
			continue
		}
		items, _ := body[key].([]any)
		for _, it := range items {
			out = append(out, it.(map[string]any))
		}
	}
	return out
}

// assertKeys checks that body has exactly the keys of want.
func assertKeys(t *testing.T, what string, body map[string]any, want ...string) {
	t.Helper()
	var got []string
	for k := range body {
		got = append(got, k)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("%s keys = %q, want %q", what, got, want)
	}
}

// traceCreatedBefore checks that a trace-create of traceID was accepted by
// the server before the first request to path.
func traceCreatedBefore(t *testing.T, srv *agenttracetest.Server, traceID, path string) {
	t.Helper()
	for _, r := range srv.Snapshot().Requests {
		if r.Path == path {
			t.Errorf("%s requested before the trace %s was created", path, traceID)
			return
		}
		if r.Path != "/api/public/ingestion" || r.Status != 200 {
			continue
		}
		var env struct {
			Batch []struct {
				Type string `json:"type"`
				Body struct {
					ID string `json:"id"`
				} `json:"body"`
			} `json:"batch"`
		}
		if err := json.Unmarshal(r.Body, &env); err != nil {
			t.Fatal(err)
		}
		for _, ev := range env.Batch {
			if ev.Type == "trace-create" && ev.Body.ID == traceID {
				return
			}
		}
	}
	t.Errorf("no trace-create of %s, nor a request to %s", traceID, path)
}

func TestCheckpointE2E(t *testing.T) {
	repo := newTestRepo(t)
	repo.write("main.go", "package main\n")
	repo.write("util.go", "package main\n\nfunc util() {}\n")
	sha := repo.commit("initial")
	repo.git("remote", "add", "origin", "https://ann:ghp_0123456789abcdefghijABCDEFGHIJ012345@github.com/acme/app.git")

	c, srv := newServerClient(t)
	ctx, tr := c.Trace(context.Background(), "edit-task")
	files := []string{repo.path("main.go"), repo.path("util.go")}
	err := tr.Checkpoint(ctx, instrument.Checkpoint{Name: "before-edit", Files: files, Description: "State before code modification", Type: instrument.CheckpointPreEdit, GitDir: repo.dir})
	if err != nil {
		t.Fatal(err)
	}
	// The checkpoint is sent while the trace runs: after a provisional
	// trace row with the trace's start time.
	flush(t, c)
	if n := len(srv.Snapshot().Checkpoints); n != 1 {
		t.Fatalf("%d checkpoints stored while the trace runs, want 1", n)
	}

	repo.write("util.go", "package main\n\nfunc util() int { return 1 }\n")
	repo.write("new.go", "package main\n")
	files = append(files, repo.path("new.go"), repo.path("missing.go"))
	err = tr.Checkpoint(ctx, instrument.Checkpoint{Name: "after-edit", Files: files, GitDir: repo.dir})
	if !errorsIsNotExist(err) || !strings.Contains(err.Error(), "1 of 4 files unreadable") {
		t.Errorf("checkpoint with a missing file: %v", err)
	}
	tr.End()
	flush(t, c)

	id := tr.TraceID().String()
	traceCreatedBefore(t, srv, id, "/api/public/checkpoints")
	if rows := srv.Snapshot().TraceRows(id); len(rows) != 1 {
		t.Errorf("%d rows of the trace, want 1 (one start time)", len(rows))
	}

	bodies := recordBodies(t, srv, "/api/public/checkpoints", "")
	if len(bodies) != 2 {
		t.Fatalf("%d checkpoint requests, want 2", len(bodies))
	}
	assertKeys(t, "first checkpoint", bodies[0], "traceId", "observationId", "name", "description", "type",
		"gitCommitSha", "gitBranch", "gitRepoUrl", "filesSnapshot", "totalFiles", "totalSizeBytes")
	assertKeys(t, "second checkpoint", bodies[1], "traceId", "observationId", "name", "type",
		"gitCommitSha", "gitBranch", "gitRepoUrl", "filesSnapshot", "filesChanged", "totalFiles", "totalSizeBytes")
	if s, ok := bodies[0]["filesSnapshot"].(string); !ok {
		t.Errorf("filesSnapshot is %T, want a string of JSON", bodies[0]["filesSnapshot"])
	} else {
		jsonEqual(t, "filesSnapshot", s, `{
			"`+repo.path("main.go")+`": {"size": 13, "hash": "`+sha256Of("package main\n")+`"},
			"`+repo.path("util.go")+`": {"size": 29, "hash": "`+sha256Of("package main\n\nfunc util() {}\n")+`"}
		}`)
	}

	cps := srv.Snapshot().Checkpoints
	first, second := cps[0], cps[1]
	if first.TraceID != id || first.Name != "before-edit" || first.Type != "pre_edit" ||
		first.Description != "State before code modification" || first.TotalFiles != 2 || first.TotalSizeBytes != 13+29 ||
		first.GitCommitSha != sha || first.GitBranch != "main" || first.GitRepoURL != "https://github.com/acme/app.git" ||
		len(first.FilesChanged) != 0 {
		t.Errorf("first checkpoint %+v", first)
	}
	wantChanged := []string{repo.path("util.go"), repo.path("new.go")}
	if second.Type != "manual" || second.TotalFiles != 3 || !slices.Equal(second.FilesChanged, wantChanged) {
		t.Errorf("second checkpoint: type %q, %d files, changed %q; want manual, 3, %q", second.Type, second.TotalFiles, second.FilesChanged, wantChanged)
	}
	obs := byName(t, srv, id)
	if o := obs["after-edit"]; o.Level != "ERROR" || !strings.Contains(o.StatusMessage, "missing.go") {
		t.Errorf("checkpoint with a missing file: level %q, status %q", o.Level, o.StatusMessage)
	}
	if o := obs["before-edit"]; o.ID != first.ObservationID || o.ParentObservationID != tr.ID().String() {
		t.Errorf("checkpoint observation %+v, record observation id %s", o, first.ObservationID)
	}
}

func errorsIsNotExist(err error) bool { return err != nil && errors.Is(err, fs.ErrNotExist) }

func sha256Of(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// Checkpoints outside a repository, with git given by hand, and invalid
// ones.
func TestCheckpointOptions(t *testing.T) {
	c, srv := newServerClient(t)
	ctx, tr := c.Trace(context.Background(), "t")
	dir := t.TempDir()
	f := filepath.Join(dir, "a.txt")
	if err := os.WriteFile(f, []byte("a"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir) // not a repository

	if err := tr.Checkpoint(ctx, instrument.Checkpoint{Name: "no-git", Files: []string{f, f, "./a.txt"}}); err != nil {
		t.Errorf("outside a repository, without WithGitDir: %v", err)
	}
	err := tr.Checkpoint(ctx, instrument.Checkpoint{Name: "asked-git", Files: []string{f}, GitDir: dir})
	if !errors.Is(err, instrument.ErrNotRepository) {
		t.Errorf("WithGitDir of a directory outside a repository: %v, want ErrNotRepository", err)
	}
	err = tr.Checkpoint(ctx, instrument.Checkpoint{Name: "manual-git", GitCommit: "3f1c2a9", GitBranch: "feature", GitRepoURL: "https://u:p@example.com/r.git", Type: instrument.CheckpointRollback})
	if err != nil {
		t.Error(err)
	}
	for _, bad := range []instrument.Checkpoint{{}, {Name: "bad-type", Type: "snapshot"}} {
		if err := tr.Checkpoint(ctx, bad); err == nil {
			t.Errorf("checkpoint %+v: no error", bad)
		}
	}
	tr.End()
	flush(t, c)

	cps := srv.Snapshot().Checkpoints
	if len(cps) != 3 {
		t.Fatalf("%d checkpoints, want 3", len(cps))
	}
	// Duplicate paths count once, by their cleaned form ("./a.txt" is
	// a.txt, a relative path of the working directory).
	if cp := cps[0]; cp.TotalFiles != 2 || cp.GitCommitSha != "" || cp.GitBranch != "" || cp.GitRepoURL != "" {
		t.Errorf("outside a repository: %+v", cp)
	}
	if cp := cps[1]; cp.Name != "asked-git" || cp.TotalFiles != 1 || cp.GitCommitSha != "" {
		t.Errorf("checkpoint whose git state failed: %+v", cp)
	}
	if cp := cps[2]; cp.GitCommitSha != "3f1c2a9" || cp.GitBranch != "feature" || cp.GitRepoURL != "https://example.com/r.git" || cp.Type != "rollback" || cp.TotalFiles != 0 {
		t.Errorf("git by hand: %+v", cp)
	}
}

func TestGitLinkE2E(t *testing.T) {
	repo := newTestRepo(t)
	repo.write("keep.go", "package main\n\nfunc a() {}\n")
	repo.write("gone.go", "package main\n")
	first := repo.commit("first")
	repo.write("keep.go", "package main\n\nfunc a() int { return 1 }\n\nfunc b() {}\n")
	repo.write("new.go", "package main\n")
	if err := os.Remove(repo.path("gone.go")); err != nil {
		t.Fatal(err)
	}
	second := repo.commit("Fix a\n\nAnd add b.")
	repo.git("tag", "v0.2.0")
	repo.git("remote", "add", "origin", "https://x-access-token:ghs_0123456789abcdefghijABCDEFGHIJ0123@github.com/acme/app.git")
	t.Chdir(repo.dir)

	c, srv := newServerClient(t)
	ctx, tr := c.Trace(context.Background(), "coding-task")
	// Auto-detected from the working directory, from the handle.
	if err := tr.GitLink(ctx, instrument.GitLink{}); err != nil {
		t.Fatal(err)
	}
	// From the client, with the trace in ctx: an older commit of the
	// repository, as the start of the trace.
	err := c.GitLink(ctx, tr.TraceID(), instrument.GitLink{Dir: repo.dir, Commit: first, Type: instrument.GitLinkStart})
	if err != nil {
		t.Fatal(err)
	}
	// By hand: nothing is read from git.
	err = c.GitLink(ctx, tr.TraceID(), instrument.GitLink{Commit: "abc123", Branch: "main", RepoURL: "https://user:token@github.com/org/repo", Parent: "abc000", Tag: "v1", Message: "by hand", Author: "Bob", AuthorEmail: "bob@example.com", CommitTime: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), FilesAdded: []string{"a"}, FilesModified: []string{"b", "c"}, FilesDeleted: nil, Additions: 7, Deletions: 2, Type: instrument.GitLinkReferenced})
	if err != nil {
		t.Fatal(err)
	}
	// Sent while the trace runs.
	flush(t, c)
	if n := len(srv.Snapshot().GitLinks); n != 3 {
		t.Fatalf("%d git links stored while the trace runs, want 3", n)
	}
	tr.End()
	flush(t, c)

	id := tr.TraceID().String()
	traceCreatedBefore(t, srv, id, "/api/public/git-links")
	bodies := recordBodies(t, srv, "/api/public/git-links", "")
	if len(bodies) != 3 {
		t.Fatalf("%d git link requests, want 3", len(bodies))
	}
	assertKeys(t, "git link", bodies[0], "traceId", "commitSha", "parentSha", "branch", "tag", "repoUrl",
		"commitMessage", "commitAuthor", "commitAuthorEmail", "commitTimestamp", "filesAdded", "filesModified",
		"filesDeleted", "additions", "deletions", "linkType")

	links := srv.Snapshot().GitLinks
	l := links[0]
	if l.TraceID != id || l.CommitSha != second || l.ParentSha != first || l.Branch != "main" || l.Tag != "v0.2.0" ||
		l.RepoURL != "https://github.com/acme/app.git" || l.CommitMessage != "Fix a\n\nAnd add b." ||
		l.CommitAuthor != "Ann Agent" || l.CommitAuthorEmail != "ann@example.com" || l.LinkType != "current" ||
		!slices.Equal(l.FilesAdded, []string{"new.go"}) || !slices.Equal(l.FilesModified, []string{"keep.go"}) ||
		!slices.Equal(l.FilesDeleted, []string{"gone.go"}) || l.FilesChangedCount != 3 || l.Additions != 4 || l.Deletions != 2 {
		t.Errorf("detected git link %+v", l)
	}
	if l := links[1]; l.CommitSha != first || l.ParentSha != "" || l.LinkType != "start" || len(l.FilesAdded) != 2 || l.Tag != "" {
		t.Errorf("git link of the first commit %+v", l)
	}
	want := agenttracetest.GitLink{
		TraceID: id, CommitSha: "abc123", ParentSha: "abc000", Branch: "main", Tag: "v1",
		RepoURL: "https://github.com/org/repo", CommitMessage: "by hand", CommitAuthor: "Bob",
		CommitAuthorEmail: "bob@example.com", CommitTimestamp: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		FilesAdded: []string{"a"}, FilesModified: []string{"b", "c"}, FilesChangedCount: 3,
		Additions: 7, Deletions: 2, LinkType: "referenced",
	}
	got := links[2]
	got.ID, got.ProjectID, got.CreatedAt = "", "", time.Time{}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("git link by hand\n got %+v\nwant %+v", got, want)
	}
}

// A directory that is not a repository, git missing from the PATH and
// invalid links are errors, and send nothing.
func TestGitLinkErrors(t *testing.T) {
	c, srv := newServerClient(t)
	ctx, tr := c.Trace(context.Background(), "t")
	notRepo := t.TempDir()
	repo := newTestRepo(t)
	repo.write("a", "a")
	repo.commit("a")

	tests := []struct {
		name string
		link func() error
		is   error
	}{
		{"not a repository", func() error { return tr.GitLink(ctx, instrument.GitLink{Dir: notRepo}) }, instrument.ErrNotRepository},
		{"missing directory", func() error { return tr.GitLink(ctx, instrument.GitLink{Dir: filepath.Join(notRepo, "x")}) }, fs.ErrNotExist},
		{"unknown commit", func() error {
			return tr.GitLink(ctx, instrument.GitLink{Dir: repo.dir, Commit: "no-such-ref"})
		}, nil},
		{"invalid link type", func() error { return tr.GitLink(ctx, instrument.GitLink{Type: "merge"}) }, nil},
		{"invalid trace id", func() error { return c.GitLink(ctx, trace.TraceID{}, instrument.GitLink{}) }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.link()
			if err == nil || tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v, want one wrapping %v", err, tt.is)
			}
		})
	}
	t.Run("git missing", func(t *testing.T) {
		t.Setenv("PATH", t.TempDir())
		err := tr.GitLink(ctx, instrument.GitLink{Dir: repo.dir})
		if !errors.Is(err, instrument.ErrGitNotFound) || !errors.Is(err, exec.ErrNotFound) {
			t.Errorf("without git: %v", err)
		}
		// A checkpoint outside WithGitDir does without git.
		if err := tr.Checkpoint(ctx, instrument.Checkpoint{Name: "no-git"}); err != nil {
			t.Errorf("checkpoint without git: %v", err)
		}
	})
	tr.End()
	flush(t, c)
	if n := len(srv.Snapshot().GitLinks); n != 0 {
		t.Errorf("%d git links sent", n)
	}
	if n := len(srv.Snapshot().Checkpoints); n != 1 {
		t.Errorf("%d checkpoints, want 1", n)
	}
}

func TestFileOpE2E(t *testing.T) {
	c, srv := newServerClient(t)
	ctx, tr := c.Trace(context.Background(), "refactor")
	before := []byte("package main\n\nfunc main() {\n\tprintln(1)\n}\n")
	after := []byte("package main\n\nfunc main() {\n\tprintln(2)\n\tprintln(3)\n}\n")

	// The Python seed's edit, with a reason and a tool.
	err := tr.FileOp(ctx, instrument.FileOp{Operation: instrument.FileEdit, Path: "src/main.go", Before: before, After: after, Mode: 0o644, MIMEType: "text/x-go", Reason: "print more", ToolName: "edit_file"})
	if err != nil {
		t.Fatal(err)
	}
	ops := []instrument.FileOp{
		{Operation: instrument.FileCreate, Path: "new.txt", After: []byte("a\nb\n")},
		{Operation: instrument.FileRead, Path: "README.md", After: []byte("# hi\n")},
		{Operation: instrument.FileDelete, Path: "old.txt", Before: []byte("x\ny\nz\n")},
		{Operation: instrument.FileRename, Path: "a.go", NewPath: "b.go", Size: 42},
		{Operation: instrument.FileMove, Path: "b.go", NewPath: "pkg/b.go"},
		{Operation: instrument.FileCopy, Path: "pkg/b.go", NewPath: "pkg/c.go"},
		{Operation: instrument.FileUpdate, Path: "locked.txt", Err: fs.ErrPermission},
		{Operation: instrument.FileRead, Path: "logo.png", After: []byte("\x89PNG\x00\x01")},
	}
	for _, o := range ops {
		if err := tr.FileOp(ctx, o); err != nil {
			t.Errorf("%s %s: %v", o.Operation, o.Path, err)
		}
	}
	for _, bad := range []instrument.FileOp{
		{Operation: "chmod", Path: "a.go"},
		{Operation: "write", Path: "a.go"},
		{Operation: "", Path: "a.go"},
		{Operation: instrument.FileRename, Path: "a.go"},
		{Operation: instrument.FileCopy, Path: "a.go"},
	} {
		if err := tr.FileOp(ctx, bad); err == nil || !strings.Contains(err.Error(), "agenttrace: file operation") {
			t.Errorf("%q of %s: %v, want an error", bad.Operation, bad.Path, err)
		}
	}
	if err := tr.FileOp(ctx, instrument.FileOp{Operation: instrument.FileRead, Path: ""}); err == nil {
		t.Error("file operation without a path: no error")
	}
	tr.End()
	flush(t, c)

	id := tr.TraceID().String()
	traceCreatedBefore(t, srv, id, "/api/public/file-operations/batch")
	bodies := recordBodies(t, srv, "/api/public/file-operations/batch", "operations")
	if len(bodies) != 9 {
		t.Fatalf("%d file operations sent, want 9", len(bodies))
	}
	assertKeys(t, "file operation", bodies[0], "traceId", "observationId", "operation", "filePath", "fileSize",
		"fileMode", "contentHash", "mimeType", "linesAdded", "linesRemoved", "diffPreview", "contentBeforeHash",
		"contentAfterHash", "toolName", "reason", "startedAt", "completedAt", "success")

	stored := srv.Snapshot().FileOperations
	edit := stored[0]
	wantDiff := "--- a/src/main.go\n+++ b/src/main.go\n@@ -1,5 +1,6 @@\n package main\n \n func main() {\n-\tprintln(1)\n+\tprintln(2)\n+\tprintln(3)\n }\n"
	if edit.Operation != "update" || edit.FilePath != "src/main.go" || edit.FileSize != uint64(len(after)) ||
		edit.FileMode != "0644" || edit.MimeType != "text/x-go" ||
		edit.ContentBeforeHash != sha256Of(string(before)) || edit.ContentAfterHash != sha256Of(string(after)) ||
		edit.ContentHash != edit.ContentAfterHash || edit.LinesAdded != 2 || edit.LinesRemoved != 1 ||
		edit.DiffPreview != wantDiff || edit.Reason != "print more" || edit.ToolName != "edit_file" || !edit.Success {
		t.Errorf("edit %+v", edit)
	}
	for i, want := range []struct {
		op, path, newPath string
		size              uint64
		added, removed    uint32
		diff, hash        bool
		success           bool
		errorMessage      string
	}{
		{"create", "new.txt", "", 4, 2, 0, true, true, true, ""},
		{"read", "README.md", "", 5, 0, 0, false, true, true, ""},
		{"delete", "old.txt", "", 0, 0, 3, true, false, true, ""},
		{"rename", "a.go", "b.go", 42, 0, 0, false, false, true, ""},
		{"move", "b.go", "pkg/b.go", 0, 0, 0, false, false, true, ""},
		{"copy", "pkg/b.go", "pkg/c.go", 0, 0, 0, false, false, true, ""},
		{"update", "locked.txt", "", 0, 0, 0, false, false, false, "permission denied"},
		{"read", "logo.png", "", 6, 0, 0, false, true, true, ""},
	} {
		f := stored[i+1]
		if f.Operation != want.op || f.FilePath != want.path || f.NewPath != want.newPath || f.FileSize != want.size ||
			f.LinesAdded != want.added || f.LinesRemoved != want.removed || (f.DiffPreview != "") != want.diff ||
			(f.ContentHash != "") != want.hash || f.Success != want.success || f.ErrorMessage != want.errorMessage {
			t.Errorf("%s %s: %+v", want.op, want.path, f)
		}
	}
	if o := byName(t, srv, id)["update locked.txt"]; o.Level != "ERROR" {
		t.Errorf("failed file operation: level %q", o.Level)
	}
}

// 150 file operations go out in two batch requests, as the server takes at
// most 100 per request.
func TestFileOpBatches(t *testing.T) {
	c, srv := newServerClient(t)
	ctx, tr := c.Trace(context.Background(), "many-edits")
	for i := range 150 {
		if err := tr.FileOp(ctx, instrument.FileOp{Operation: instrument.FileCreate, Path: fmt.Sprintf("f%03d.txt", i)}); err != nil {
			t.Fatal(err)
		}
	}
	tr.End()
	flush(t, c)

	var sizes []int
	for _, r := range srv.Snapshot().Requests {
		if r.Path == "/api/public/file-operations/batch" {
			var body struct{ Operations []json.RawMessage }
			if err := json.Unmarshal(r.Body, &body); err != nil {
				t.Fatal(err)
			}
			sizes = append(sizes, len(body.Operations))
		}
	}
	slices.Sort(sizes)
	if !slices.Equal(sizes, []int{50, 100}) {
		t.Errorf("batch sizes %v, want [50 100]", sizes)
	}
	if n := len(srv.Snapshot().FileOperations); n != 150 {
		t.Errorf("%d file operations stored, want 150", n)
	}
}

func TestTerminalCmdE2E(t *testing.T) {
	c, srv := newServerClient(t)
	ctx, tr := c.Trace(context.Background(), "build")
	err := tr.TerminalCmd(ctx, instrument.TerminalCmd{Command: "go", ExitCode: 1, Args: []string{"test", "./..."}, WorkDir: "/src/acme", Shell: "bash", Env: map[string]string{"CGO_ENABLED": "0"}, Stdout: "FAIL ./store\n", Stderr: "exit status 1\n", Duration: 1500 * time.Millisecond, CPUTime: 900 * time.Millisecond, MaxMemoryBytes: 64 << 20, ToolName: "bash", Reason: "reproduce failure"})
	if err != nil {
		t.Fatal(err)
	}
	// The Python reference's sample: a command line, its exit code and
	// output.
	if err := tr.TerminalCmd(ctx, instrument.TerminalCmd{Command: "npm test", Stdout: "All tests passed", Stderr: ""}); err != nil {
		t.Fatal(err)
	}
	if err := tr.TerminalCmd(ctx, instrument.TerminalCmd{Command: "sleep 100", ExitCode: -1, TimedOut: true, Killed: true}); err != nil {
		t.Fatal(err)
	}
	if err := tr.TerminalCmd(ctx, instrument.TerminalCmd{Command: ""}); err == nil {
		t.Error("empty command: no error")
	}
	tr.End()
	flush(t, c)

	id := tr.TraceID().String()
	traceCreatedBefore(t, srv, id, "/api/public/terminal-commands/batch")
	bodies := recordBodies(t, srv, "/api/public/terminal-commands/batch", "commands")
	if len(bodies) != 3 {
		t.Fatalf("%d terminal commands sent, want 3", len(bodies))
	}
	assertKeys(t, "terminal command", bodies[0], "traceId", "observationId", "command", "args", "workingDirectory",
		"shell", "envVars", "startedAt", "completedAt", "durationMs", "exitCode", "stdout", "stderr",
		"stdoutTruncated", "stderrTruncated", "success", "timedOut", "killed", "maxMemoryBytes", "cpuTimeMs",
		"toolName", "reason")
	if env, ok := bodies[0]["envVars"].(string); !ok || env != `{"CGO_ENABLED":"0"}` {
		t.Errorf("envVars = %#v, want the string {\"CGO_ENABLED\":\"0\"}", bodies[0]["envVars"])
	}

	cmds := srv.Snapshot().TerminalCommands
	g := cmds[0]
	if g.Command != "go" || !slices.Equal(g.Args, []string{"test", "./..."}) || g.WorkingDirectory != "/src/acme" ||
		g.Shell != "bash" || g.ExitCode != 1 || g.Success || g.Stdout != "FAIL ./store\n" || g.Stderr != "exit status 1\n" ||
		g.DurationMs != 1500 || g.CPUTimeMs != 900 || g.MaxMemoryBytes != 64<<20 || g.ToolName != "bash" || g.Reason != "reproduce failure" {
		t.Errorf("go test %+v", g)
	}
	if n := cmds[1]; n.Command != "npm test" || len(n.Args) != 0 || !n.Success || n.Stdout != "All tests passed" || n.Shell != "" {
		t.Errorf("npm test %+v", n)
	}
	if s := cmds[2]; !s.TimedOut || !s.Killed || s.Success || s.ExitCode != -1 {
		t.Errorf("timed-out command %+v", s)
	}
	obs := byName(t, srv, id)
	if o := obs["go test ./..."]; o.Level != "ERROR" || o.StatusMessage != "exit status 1" {
		t.Errorf("failed command: level %q, status %q", o.Level, o.StatusMessage)
	}
	if o := obs["npm test"]; o.Level != "DEFAULT" {
		t.Errorf("successful command: level %q", o.Level)
	}
}

func TestRunCommand(t *testing.T) {
	c, srv := newServerClient(t)
	ctx, tr := c.Trace(context.Background(), "run")
	dir := t.TempDir()

	// The caller's writers still get everything, and cmd's own error comes
	// back unchanged.
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "sh", "-c", `echo "to stdout"; echo "to stderr" >&2; echo "$GREETING"; exit 3`)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GREETING=hello", "GITHUB_TOKEN=ghp_0123456789abcdefghijABCDEFGHIJ012345")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := tr.RunCommand(ctx, cmd, instrument.WithReason("try it"), instrument.WithToolName("shell"))
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) || exitErr.ExitCode() != 3 {
		t.Errorf("RunCommand error %v, want the command's exit error", err)
	}
	if stdout.String() != "to stdout\nhello\n" || stderr.String() != "to stderr\n" {
		t.Errorf("caller got stdout %q, stderr %q", stdout.String(), stderr.String())
	}
	if cmd.Stdout != &stdout || cmd.Stderr != &stderr {
		t.Error("cmd's writers were not restored")
	}

	// One writer for both streams (exec.Cmd writes it from one goroutine;
	// the race detector would see otherwise), under the current
	// observation of a ctx.
	var both bytes.Buffer
	sctx, step := tr.Span(ctx, "step")
	cmd = exec.Command("sh", "-c", `echo a; echo b >&2; echo c`)
	cmd.Stdout, cmd.Stderr = &both, &both
	if err := instrument.FromContext(sctx).RunCommand(sctx, cmd); err != nil {
		t.Fatal(err)
	}
	step.End()

	// A file other than os.Stdout keeps the output; nothing is captured.
	f, err := os.Create(filepath.Join(dir, "out.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd = exec.Command("echo", "into the file")
	cmd.Stdout = f
	if err := tr.RunCommand(ctx, cmd); err != nil {
		t.Fatal(err)
	}

	// A program that does not exist.
	cmd = exec.Command(filepath.Join(dir, "no-such-program"))
	if err := tr.RunCommand(ctx, cmd); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing program: %v", err)
	}

	// A context that ends kills the command.
	cctx, cancel := context.WithCancel(ctx)
	cmd = exec.CommandContext(cctx, "sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := cmd.Wait(); err == nil {
		t.Fatal("canceled sleep: no error")
	}
	cmd = exec.CommandContext(cctx, "sleep", "60")
	if err := tr.RunCommand(cctx, cmd); err == nil {
		t.Error("command of a canceled context: no error")
	}
	tr.End()
	flush(t, c)

	cmds := srv.Snapshot().TerminalCommands
	if len(cmds) != 5 {
		t.Fatalf("%d terminal commands, want 5", len(cmds))
	}
	sh := cmds[0]
	if sh.Command != "sh" || len(sh.Args) != 2 || sh.Args[0] != "-c" || sh.Shell != "sh" || sh.ExitCode != 3 || sh.Success ||
		sh.WorkingDirectory != dir || sh.Stdout != "to stdout\nhello\n" || sh.Stderr != "to stderr\n" || sh.Killed || sh.TimedOut ||
		sh.Reason != "try it" || sh.ToolName != "shell" {
		t.Errorf("sh command %+v", sh)
	}
	if runtime.GOOS == "linux" && sh.MaxMemoryBytes == 0 {
		t.Error("no peak memory on Linux")
	}
	var env map[string]string
	if err := json.Unmarshal([]byte(sh.EnvVars), &env); err != nil {
		t.Fatalf("envVars %q: %v", sh.EnvVars, err)
	}
	if env["GREETING"] != "hello" || env["GITHUB_TOKEN"] != "[REDACTED]" {
		t.Errorf("environment: GREETING=%q GITHUB_TOKEN=%q", env["GREETING"], env["GITHUB_TOKEN"])
	}
	wd, _ := os.Getwd()
	if both := cmds[1]; both.Stdout != "a\nb\nc\n" || both.Stderr != "" || both.WorkingDirectory != wd || both.EnvVars != "" {
		t.Errorf("command with one writer for both streams %+v", both)
	}
	if o := byName(t, srv, tr.TraceID().String())["sh -c echo a; echo b >&2; echo c"]; o.ParentObservationID != step.ID().String() {
		t.Errorf("command run with the step's ctx: parent %s, want the step %s", o.ParentObservationID, step.ID())
	}
	if file := cmds[2]; file.Stdout != "" || !file.Success {
		t.Errorf("command writing to a file %+v", file)
	}
	if missing := cmds[3]; missing.ExitCode != -1 || missing.Success {
		t.Errorf("missing program %+v", missing)
	}
	if killed := cmds[4]; killed.Success || killed.TimedOut {
		t.Errorf("canceled command %+v", killed)
	}
}

// A command stopped by its context's deadline timed out and was killed.
func TestRunCommandTimeout(t *testing.T) {
	c, srv := newServerClient(t)
	ctx, tr := c.Trace(context.Background(), "slow")
	tctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	cmd := exec.CommandContext(tctx, "sleep", "60")
	if err := tr.RunCommand(tctx, cmd); err == nil {
		t.Fatal("no error")
	}
	tr.End()
	flush(t, c)
	if cmds := srv.Snapshot().TerminalCommands; len(cmds) != 1 || !cmds[0].TimedOut || !cmds[0].Killed || cmds[0].Success || cmds[0].ExitCode != -1 {
		t.Errorf("timed-out command %+v", cmds)
	}
}

// Output and diff previews over the budget are cut when they are captured,
// keep their beginning (and the output its end), and say so.
func TestTruncation(t *testing.T) {
	const budget = 1024
	c, srv := newServerClient(t, instrument.WithMaxOutputBytes(budget))
	ctx, tr := c.Trace(context.Background(), "big")

	var got bytes.Buffer
	cmd := exec.Command("sh", "-c", `echo FIRST; yes 0123456789 | head -n 20000; echo LAST; echo short >&2`)
	cmd.Stdout = &got
	if err := tr.RunCommand(ctx, cmd); err != nil {
		t.Fatal(err)
	}
	if got.Len() != 6+20000*11+5 {
		t.Errorf("the caller got %d bytes of stdout, want all %d", got.Len(), 6+20000*11+5)
	}
	long := strings.Repeat("x", 5000)
	if err := tr.TerminalCmd(ctx, instrument.TerminalCmd{Command: "echo", Stdout: "A" + long + "Z", Stderr: "fits"}); err != nil {
		t.Fatal(err)
	}
	var before, after strings.Builder
	for i := range 500 {
		fmt.Fprintf(&before, "line %d\n", i)
		fmt.Fprintf(&after, "LINE %d\n", i)
	}
	if err := tr.FileOp(ctx, instrument.FileOp{Operation: instrument.FileUpdate, Path: "big.txt", Before: []byte(before.String()), After: []byte(after.String())}); err != nil {
		t.Fatal(err)
	}
	tr.End()
	flush(t, c)

	cmds := srv.Snapshot().TerminalCommands
	run, echo := cmds[0], cmds[1]
	if !run.StdoutTruncated || len(run.Stdout) > budget || !strings.HasPrefix(run.Stdout, "FIRST\n") ||
		!strings.HasSuffix(run.Stdout, "LAST\n") || !strings.Contains(run.Stdout, " bytes truncated]") {
		t.Errorf("captured stdout (%d bytes, truncated %v): %q", len(run.Stdout), run.StdoutTruncated, run.Stdout)
	}
	if run.StderrTruncated || run.Stderr != "short\n" {
		t.Errorf("captured stderr %q, truncated %v", run.Stderr, run.StderrTruncated)
	}
	if !echo.StdoutTruncated || len(echo.Stdout) > budget || !strings.HasPrefix(echo.Stdout, "Axxx") || !strings.HasSuffix(echo.Stdout, "xxxZ") {
		t.Errorf("given stdout (%d bytes, truncated %v)", len(echo.Stdout), echo.StdoutTruncated)
	}
	if echo.StderrTruncated || echo.Stderr != "fits" {
		t.Errorf("given stderr %q, truncated %v", echo.Stderr, echo.StderrTruncated)
	}
	f := srv.Snapshot().FileOperations[0]
	if len(f.DiffPreview) > budget || !strings.HasPrefix(f.DiffPreview, "--- a/big.txt\n+++ b/big.txt\n") ||
		!strings.HasSuffix(f.DiffPreview, " bytes truncated]\n") || f.LinesAdded != 500 || f.LinesRemoved != 500 {
		t.Errorf("diff preview (%d bytes): %q; lines +%d -%d", len(f.DiffPreview), f.DiffPreview, f.LinesAdded, f.LinesRemoved)
	}
}

// Secrets in output, arguments, environment values, diff previews and
// commit messages never reach the server; a client can add patterns, turn
// the built-in rules off, and mask.
func TestRedaction(t *testing.T) {
	secrets := []string{
		"sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z",
		"sk-ant-api03-Zx9_Yw8-Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0FeDcBa-AAAA",
		"ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8",
		"AKIAIOSFODNN7EXAMPLE",
		"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
		"xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx",
		"MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun",
		"hunter2-is-my-password",
		"mF_9.B5f-4.1JqM+abc/defGHI",
		"TICKET-4711",
	}
	repo := newTestRepo(t)
	repo.write("a", "a")
	repo.commit("deploy with AWS_SECRET_ACCESS_KEY=" + secrets[4])
	repo.git("remote", "add", "origin", "https://deploy:"+secrets[7]+"@git.example.com/app.git")

	c, srv := newServerClient(t, instrument.WithRedactionPatterns(regexp.MustCompile(`TICKET-\d+`)))
	ctx, tr := c.Trace(context.Background(), "leaky")
	script := `echo "OPENAI_API_KEY=` + secrets[0] + `"; echo "key: ` + secrets[1] + `" >&2; ` +
		`printf -- '-----BEGIN RSA PRIVATE KEY-----\n` + secrets[6] + `\n-----END RSA PRIVATE KEY-----\n'; echo ` + secrets[9]
	cmd := exec.Command("sh", "-c", script, "--token", secrets[2])
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID="+secrets[3], "SLACK_HOOK="+secrets[5], "DB_PASSWORD="+secrets[7])
	if err := tr.RunCommand(ctx, cmd); err != nil {
		t.Fatal(err)
	}
	err := tr.TerminalCmd(ctx, instrument.TerminalCmd{Command: "curl", Args: []string{"-H", "Authorization: Bearer " + secrets[8], "https://api.example.com"}, Env: map[string]string{"GITHUB_TOKEN": secrets[2]}})
	if err != nil {
		t.Fatal(err)
	}
	err = tr.FileOp(ctx, instrument.FileOp{Operation: instrument.FileUpdate, Path: ".env", Before: []byte("ANTHROPIC_API_KEY=\n"), After: []byte("ANTHROPIC_API_KEY=" + secrets[1] + "\n")})
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.GitLink(ctx, instrument.GitLink{Dir: repo.dir}); err != nil {
		t.Fatal(err)
	}
	tr.End()
	flush(t, c)

	if len(srv.Snapshot().TerminalCommands) != 2 || len(srv.Snapshot().FileOperations) != 1 || len(srv.Snapshot().GitLinks) != 1 {
		t.Fatalf("records missing: %d commands, %d file operations, %d git links",
			len(srv.Snapshot().TerminalCommands), len(srv.Snapshot().FileOperations), len(srv.Snapshot().GitLinks))
	}
	for _, r := range srv.Snapshot().Requests {
		for _, s := range secrets {
			if bytes.Contains(r.Body, []byte(s)) {
				t.Errorf("%s %s carries the secret %q:\n%s", r.Method, r.Path, s, r.Body)
			}
		}
	}
	run := srv.Snapshot().TerminalCommands[0]
	for _, want := range []string{"OPENAI_API_KEY=[REDACTED]", "[REDACTED PRIVATE KEY]"} {
		if !strings.Contains(run.Stdout, want) {
			t.Errorf("stdout %q does not say %q", run.Stdout, want)
		}
	}
	if l := srv.Snapshot().GitLinks[0]; l.RepoURL != "https://git.example.com/app.git" || l.CommitMessage != "deploy with AWS_SECRET_ACCESS_KEY=[REDACTED]" {
		t.Errorf("git link repo URL %q, message %q", l.RepoURL, l.CommitMessage)
	}
}

func TestRedactionOptions(t *testing.T) {
	const key = "sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z"
	tests := []struct {
		name string
		opts []instrument.Option
		want string
	}{
		{"default", nil, "key [REDACTED] TICKET-1"},
		{"off", []instrument.Option{instrument.WithRedaction(false)}, "key " + key + " TICKET-1"},
		{"off with a pattern", []instrument.Option{instrument.WithRedaction(false), instrument.WithRedactionPatterns(regexp.MustCompile(`TICKET-\d`))}, "key " + key + " [REDACTED]"},
		{"masked", []instrument.Option{instrument.WithMask(func(v any) any {
			if s, ok := v.(string); ok {
				return strings.ToLower(s)
			}
			return v
		})}, "key [redacted] ticket-1"},
		{"mask returning something else", []instrument.Option{instrument.WithMask(func(any) any { return map[string]int{"n": 1} })}, `{"n":1}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, srv := newServerClient(t, tt.opts...)
			ctx, tr := c.Trace(context.Background(), "t")
			if err := tr.TerminalCmd(ctx, instrument.TerminalCmd{Command: "echo", Stdout: "key " + key + " TICKET-1"}); err != nil {
				t.Fatal(err)
			}
			tr.End()
			flush(t, c)
			if got := srv.Snapshot().TerminalCommands[0].Stdout; got != tt.want {
				t.Errorf("stdout %q, want %q", got, tt.want)
			}
		})
	}
}

// A sampled-out trace and a disabled client send no record, read no file,
// and the helpers still do their work.
func TestAgentNoops(t *testing.T) {
	repo := newTestRepo(t)
	repo.write("a.txt", "a\n")
	repo.commit("a")
	tests := []struct {
		name string
		opts []instrument.Option
	}{
		{"sampled out", []instrument.Option{instrument.WithSampleRate(0)}},
		{"disabled", []instrument.Option{instrument.WithEnabled(false)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, srv := newServerClient(t, tt.opts...)
			ctx, tr := c.Trace(context.Background(), "t")
			if tr.IsRecording() {
				t.Fatal("trace records")
			}
			// Not read: a missing file is no error.
			if err := tr.Checkpoint(ctx, instrument.Checkpoint{Name: "cp", Files: []string{repo.path("missing")}, GitDir: repo.dir}); err != nil {
				t.Errorf("Checkpoint: %v", err)
			}
			if err := tr.FileOp(ctx, instrument.FileOp{Operation: instrument.FileEdit, Path: "a.txt", Before: nil, After: []byte("x")}); err != nil {
				t.Errorf("FileOp: %v", err)
			}
			if err := tr.TerminalCmd(ctx, instrument.TerminalCmd{Command: "ls"}); err != nil {
				t.Errorf("TerminalCmd: %v", err)
			}
			if err := tr.GitLink(ctx, instrument.GitLink{Dir: repo.dir}); err != nil {
				t.Errorf("GitLink: %v", err)
			}
			if err := c.GitLink(ctx, instrument.TraceIDFromSeed("t"), instrument.GitLink{Dir: repo.dir}); err != nil {
				t.Errorf("Client.GitLink: %v", err)
			}
			// Invalid calls are errors all the same.
			if err := tr.FileOp(ctx, instrument.FileOp{Operation: "chmod", Path: "a.txt"}); err == nil {
				t.Errorf("FileOp chmod: %v", err)
			}
			if err := tr.Checkpoint(ctx, instrument.Checkpoint{Name: ""}); err == nil {
				t.Error("Checkpoint without a name: no error")
			}

			var out bytes.Buffer
			cmd := exec.Command("echo", "still runs")
			cmd.Stdout = &out
			if err := tr.RunCommand(ctx, cmd); err != nil || out.String() != "still runs\n" {
				t.Errorf("RunCommand: %v, output %q", err, out.String())
			}
			p := repo.path("b.txt")
			if err := tr.WriteFile(ctx, p, []byte("b\n"), 0o644); err != nil {
				t.Error(err)
			}
			if err := tr.EditFile(ctx, p, func(b []byte) ([]byte, error) { return append(b, "c\n"...), nil }); err != nil {
				t.Error(err)
			}
			if data, err := tr.ReadFile(ctx, p); err != nil || string(data) != "b\nc\n" {
				t.Errorf("ReadFile: %q, %v", data, err)
			}
			tr.End()
			flush(t, c)

			for _, r := range srv.Snapshot().Requests {
				t.Errorf("request %s %s", r.Method, r.Path)
			}
		})
	}
}

// The file helpers do the work and record it.
func TestFileHelpers(t *testing.T) {
	c, srv := newServerClient(t)
	ctx, tr := c.Trace(context.Background(), "edit")
	dir := t.TempDir()
	p := filepath.Join(dir, "main.go")

	if err := tr.WriteFile(ctx, p, []byte("package main\n"), 0o600, instrument.WithToolName("write_file")); err != nil {
		t.Fatal(err)
	}
	if err := tr.WriteFile(ctx, p, []byte("package main\n\nfunc main() {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := tr.EditFile(ctx, p, func(src []byte) ([]byte, error) {
		return bytes.Replace(src, []byte("func main() {}"), []byte("func main() { run() }"), 1), nil
	}, instrument.WithReason("call run"))
	if err != nil {
		t.Fatal(err)
	}
	data, err := tr.ReadFile(ctx, p)
	if err != nil || string(data) != "package main\n\nfunc main() { run() }\n" {
		t.Fatalf("ReadFile: %q, %v", data, err)
	}
	editErr := errors.New("no match")
	if err := tr.EditFile(ctx, p, func([]byte) ([]byte, error) { return nil, editErr }); err != editErr {
		t.Errorf("EditFile with a failing edit: %v, want the edit's error", err)
	}
	missing := filepath.Join(dir, "no", "such.go")
	if err := tr.WriteFile(ctx, missing, []byte("x"), 0o644); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("WriteFile into a missing directory: %v", err)
	}
	if _, err := tr.ReadFile(ctx, missing); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadFile of a missing file: %v", err)
	}
	if err := tr.EditFile(ctx, missing, func(b []byte) ([]byte, error) { return b, nil }); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("EditFile of a missing file: %v", err)
	}
	tr.End()
	flush(t, c)

	ops := srv.Snapshot().FileOperations
	if len(ops) != 7 {
		t.Fatalf("%d file operations, want 7", len(ops))
	}
	want := []struct {
		op             string
		mode           string
		added, removed uint32
		success        bool
	}{
		{"create", "0600", 1, 0, true},
		{"update", "0600", 2, 0, true}, // an existing file keeps its mode
		{"update", "0600", 1, 1, true},
		{"read", "", 0, 0, true},
		{"create", "", 0, 0, false},
		{"read", "", 0, 0, false},
		{"update", "", 0, 0, false},
	}
	for i, w := range want {
		f := ops[i]
		if f.Operation != w.op || f.FileMode != w.mode || f.LinesAdded != w.added || f.LinesRemoved != w.removed || f.Success != w.success {
			t.Errorf("operation %d: %+v, want %+v", i, f, w)
		}
		if !w.success && !strings.Contains(f.ErrorMessage, "no such file") {
			t.Errorf("operation %d: error message %q", i, f.ErrorMessage)
		}
	}
	if ops[0].ToolName != "write_file" || ops[2].Reason != "call run" || ops[3].ContentHash != sha256Of(string(data)) {
		t.Errorf("tool %q, reason %q, read hash %q", ops[0].ToolName, ops[2].Reason, ops[3].ContentHash)
	}
	if ops[2].DiffPreview != "--- "+p+"\n+++ "+p+"\n@@ -1,3 +1,3 @@\n package main\n \n-func main() {}\n+func main() { run() }\n" {
		t.Errorf("diff preview %q", ops[2].DiffPreview)
	}
}
