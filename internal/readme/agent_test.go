package readme_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
)

// fixBug is a coding agent's run: it edits a file, tests and commits the
// fix, and records each step.
func fixBug(ctx context.Context, client *instrument.Client) error {
	// README: agent
	ctx, tr := client.Trace(ctx, "fix-off-by-one")
	defer tr.End()
	files := []string{"sum.go", "sum_test.go"}
	err := tr.Checkpoint(ctx, instrument.Checkpoint{Name: "before-edit", Files: files, Type: instrument.CheckpointPreEdit})
	if err != nil {
		return err
	}

	// Each helper does the work and records it: the edit's hashes, line
	// counts and diff; the command line, exit code, output and duration.
	err = tr.EditFile(ctx, "sum.go", func(src []byte) ([]byte, error) {
		return bytes.ReplaceAll(src, []byte("i < n"), []byte("i <= n")), nil
	}, instrument.WithReason("include n in the sum"), instrument.WithToolName("edit_file"))
	if err != nil {
		return err
	}
	if err := tr.RunCommand(ctx, exec.CommandContext(ctx, "go", "test", "./...")); err != nil {
		return err
	}
	if err := tr.RunCommand(ctx, exec.CommandContext(ctx, "git", "commit", "-qam", "Fix off-by-one in Sum")); err != nil {
		return err
	}

	err = tr.Checkpoint(ctx, instrument.Checkpoint{Name: "after-edit", Files: files, Type: instrument.CheckpointPostEdit})
	if err != nil {
		return err
	}
	// The commit made: HEAD of the repository in the working directory.
	return tr.GitLink(ctx, instrument.GitLink{Type: instrument.GitLinkEnd})
	// README end
}

// recordWork records what an agent did by other means, with the values the
// Python SDK's file_op and terminal_cmd take.
func recordWork(ctx context.Context, tr *instrument.Trace, before, after []byte) error {
	// README: agent-records
	err := tr.FileOp(ctx, instrument.FileOp{Operation: instrument.FileEdit, Path: "src/main.py", Before: before, After: after})
	if err != nil {
		return err
	}
	return tr.TerminalCmd(ctx, instrument.TerminalCmd{Command: "npm test", Stdout: "All tests passed"})
	// README end
}

// gitRepo makes a repository with a buggy Go module in a new directory and
// makes it the working directory.
func gitRepo(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("GIT_CONFIG_GLOBAL", os.DevNull)
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	t.Setenv("GIT_AUTHOR_NAME", "Coding Agent")
	t.Setenv("GIT_AUTHOR_EMAIL", "agent@example.com")
	t.Setenv("GIT_COMMITTER_NAME", "Coding Agent")
	t.Setenv("GIT_COMMITTER_EMAIL", "agent@example.com")
	for name, src := range map[string]string{
		"go.mod":      "module example.com/sum\n\ngo 1.26\n",
		"sum.go":      "package sum\n\n// Sum returns 1 + 2 + ... + n.\nfunc Sum(n int) int {\n\ttotal := 0\n\tfor i := 1; i < n; i++ {\n\t\ttotal += i\n\t}\n\treturn total\n}\n",
		"sum_test.go": "package sum\n\nimport \"testing\"\n\nfunc TestSum(t *testing.T) {\n\tif got := Sum(4); got != 10 {\n\t\tt.Errorf(\"Sum(4) = %d, want 10\", got)\n\t}\n}\n",
	} {
		require.NoError(t, os.WriteFile(name, []byte(src), 0o644))
	}
	for _, args := range [][]string{{"init", "-q", "-b", "main"}, {"add", "."}, {"commit", "-qm", "Sum"}} {
		out, err := exec.Command("git", args...).CombinedOutput()
		require.NoError(t, err, "git %v: %s", args, out)
	}
}

func TestAgentFeatures(t *testing.T) {
	srv, client := newClient(t)
	gitRepo(t)

	require.NoError(t, fixBug(t.Context(), client))
	ctx, tr := client.Trace(t.Context(), "python-style")
	require.NoError(t, recordWork(ctx, tr, []byte("a\n"), []byte("b\n")))
	tr.End()
	require.NoError(t, client.Flush(t.Context()))

	snap := srv.Snapshot()
	require.Len(t, snap.Checkpoints, 2)
	assert.Equal(t, []string{"sum.go"}, snap.Checkpoints[1].FilesChanged)
	ops := map[string]string{}
	for _, op := range snap.FileOperations {
		ops[op.FilePath] = op.Operation + " " + op.ToolName
	}
	assert.Equal(t, map[string]string{"sum.go": "update edit_file", "src/main.py": "update "}, ops)
	commands := map[string]bool{}
	for _, c := range snap.TerminalCommands {
		commands[c.Command] = c.Success
	}
	assert.Equal(t, map[string]bool{"go": true, "git": true, "npm test": true}, commands)
	require.Len(t, snap.GitLinks, 1)
	assert.Equal(t, "Fix off-by-one in Sum", snap.GitLinks[0].CommitMessage)
	assert.Equal(t, []string{"sum.go"}, snap.GitLinks[0].FilesModified)
}
