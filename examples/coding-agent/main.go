// Command coding-agent runs a coding agent's work through the AgentTrace
// SDK's agent features, in a throwaway git repository, and prints what the
// server received.
//
// The agent fixes an off-by-one bug in a small Go module: it checkpoints the
// files, edits two of them (recorded as file operations with their diffs),
// runs go test (recorded as a terminal command with its output), commits
// the fix, links the commit to the trace and checkpoints again. Everything
// belongs to one trace.
//
// Without AGENTTRACE_API_URL it starts an AgentTrace-compatible server
// in-process on loopback (package agenttracetest) and prints the trace, its
// checkpoints, file operations, terminal commands and git links as that
// server stored them. With AGENTTRACE_API_URL and AGENTTRACE_API_KEY set it
// sends to that server instead and prints the trace id. It exits non-zero
// when anything could not be delivered. It needs git and go on the PATH.
//
//	go run ./examples/coding-agent
package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/agenttrace/agenttrace-otel-go/connection"

	"go.opentelemetry.io/otel/trace"

	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttracetest"
	"github.com/agenttrace/agenttrace-otel-go/instrument"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "coding-agent:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer) error {
	var srv *agenttracetest.Server
	var opts []instrument.Option
	if os.Getenv("AGENTTRACE_API_URL") == "" {
		srv = agenttracetest.NewServer()
		defer srv.Close()
		opts = append(opts, instrument.WithConnection(connection.Config{APIURL: srv.URL, APIKey: srv.APIKey}))
		fmt.Fprintf(out, "AgentTrace-compatible server started in-process at %s\n\n", srv.URL)
	}

	// The client reads AGENTTRACE_* from the environment; options win.
	client, err := instrument.New(ctx, opts...)
	if err != nil {
		return err
	}

	repo, err := os.MkdirTemp("", "coding-agent-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(repo)
	if err := createRepo(ctx, repo); err != nil {
		return err
	}

	traceID, agentErr := fixBug(ctx, client, repo)

	// Shutdown sends what is pending and says what could not be delivered.
	flushCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := client.Shutdown(flushCtx); err != nil {
		return fmt.Errorf("not everything was delivered: %w", err)
	}
	if agentErr != nil {
		return agentErr
	}
	if srv == nil {
		fmt.Fprintf(out, "trace %s sent to %s\n", traceID, os.Getenv("AGENTTRACE_API_URL"))
		return nil
	}
	return report(out, srv, traceID.String())
}

// fixBug is the agent: one trace for the task, every step of it recorded.
func fixBug(ctx context.Context, client *instrument.Client, repo string) (trace.TraceID, error) {
	ctx, tr := client.Trace(ctx, "fix-off-by-one",
		instrument.WithInput("Sum(n) should add 1..n; it stops at n-1."))
	defer tr.End()

	sumGo := filepath.Join(repo, "sum.go")
	sumTest := filepath.Join(repo, "sum_test.go")
	files := []string{sumGo, sumTest}

	// 1. A checkpoint of the files the agent is about to change, with the
	//    repository's commit and branch.
	err := tr.Checkpoint(ctx, "before-edit", files,
		instrument.WithDescription("State before the fix"),
		instrument.WithCheckpointType(instrument.CheckpointPreEdit),
		instrument.WithGitDir(repo))
	if err != nil {
		return tr.TraceID(), err
	}

	// 2. Two edits, each done and recorded by a helper: the hashes, the
	//    lines added and removed and a diff preview go to AgentTrace.
	err = tr.EditFile(ctx, sumGo, func(src []byte) ([]byte, error) {
		return bytes.Replace(src, []byte("i < n"), []byte("i <= n"), 1), nil
	}, instrument.WithToolName("edit_file"), instrument.WithReason("include n in the sum"))
	if err != nil {
		return tr.TraceID(), err
	}
	err = tr.WriteFile(ctx, sumTest, []byte(sumTestFixed), 0o644,
		instrument.WithToolName("write_file"), instrument.WithReason("test the edge case n=1"))
	if err != nil {
		return tr.TraceID(), err
	}

	// 3. The tests, run and recorded: exit code, duration, output (the
	//    caller gets it too), CPU time and peak memory.
	var testOutput bytes.Buffer
	goTest := exec.CommandContext(ctx, "go", "test", "./...")
	goTest.Dir = repo
	goTest.Stdout, goTest.Stderr = &testOutput, &testOutput
	err = tr.RunCommand(ctx, goTest, instrument.WithToolName("bash"), instrument.WithReason("check the fix"))
	if err != nil {
		return tr.TraceID(), fmt.Errorf("go test: %w\n%s", err, testOutput.String())
	}

	// 4. The fix committed, with git recorded like any command.
	for _, args := range [][]string{
		{"add", "-A"},
		{"-c", "commit.gpgsign=false", "commit", "-q", "-m", "Fix off-by-one in Sum\n\nSum(n) now includes n."},
	} {
		git := exec.CommandContext(ctx, "git", args...)
		git.Dir = repo
		if err := tr.RunCommand(ctx, git, instrument.WithToolName("bash")); err != nil {
			return tr.TraceID(), err
		}
	}

	// 5. The commit linked to the trace: SHA, parent, branch, message,
	//    author and the files and lines it changed, read from git.
	err = tr.GitLink(ctx, instrument.WithGitDir(repo), instrument.WithGitLinkType(instrument.GitLinkEnd))
	if err != nil {
		return tr.TraceID(), err
	}

	// 6. A checkpoint after the work: it lists the files that changed.
	err = tr.Checkpoint(ctx, "after-edit", files,
		instrument.WithDescription("State after the fix"),
		instrument.WithCheckpointType(instrument.CheckpointPostEdit),
		instrument.WithGitDir(repo))
	if err != nil {
		return tr.TraceID(), err
	}
	tr.SetOutput("fixed, tests pass, committed")
	return tr.TraceID(), nil
}

// report prints the trace and the agent records the server stored.
func report(out io.Writer, srv *agenttracetest.Server, traceID string) error {
	fmt.Fprintln(out, "What the server received:")
	fmt.Fprintln(out)
	if err := srv.RenderTrace(out, traceID); err != nil {
		return err
	}
	sn := srv.Snapshot()

	fmt.Fprintln(out, "\ncheckpoints:")
	for _, cp := range sn.Checkpoints {
		fmt.Fprintf(out, "  %-12s %-9s %d files, %d bytes, commit %s on %s, changed: %s\n",
			cp.Name, cp.Type, cp.TotalFiles, cp.TotalSizeBytes, short(cp.GitCommitSha), cp.GitBranch, baseNames(cp.FilesChanged))
	}
	fmt.Fprintln(out, "\nfile operations:")
	for _, f := range sn.FileOperations {
		fmt.Fprintf(out, "  %-7s %-12s +%d -%d  by %s: %s\n", f.Operation, filepath.Base(f.FilePath), f.LinesAdded, f.LinesRemoved, f.ToolName, f.Reason)
		fmt.Fprint(out, indent(f.DiffPreview, "      "))
	}
	fmt.Fprintln(out, "\nterminal commands:")
	for _, c := range sn.TerminalCommands {
		fmt.Fprintf(out, "  $ %s  (exit %d, %d ms, cpu %d ms)\n", commandLine(c.Command, c.Args), c.ExitCode, c.DurationMs, c.CPUTimeMs)
		fmt.Fprint(out, indent(c.Stdout, "      "))
	}
	fmt.Fprintln(out, "\ngit links:")
	for _, l := range sn.GitLinks {
		fmt.Fprintf(out, "  %s %s on %s by %s: %q\n", l.LinkType, short(l.CommitSha), l.Branch, l.CommitAuthor, firstLine(l.CommitMessage))
		fmt.Fprintf(out, "      parent %s, modified %s, +%d -%d\n", short(l.ParentSha), baseNames(l.FilesModified), l.Additions, l.Deletions)
	}
	return nil
}

// createRepo makes dir a git repository holding a Go module with the bug,
// committed. It is the setup, not the agent's work: nothing is recorded.
func createRepo(ctx context.Context, dir string) error {
	files := map[string]string{
		"go.mod":      "module example.com/sum\n\ngo 1.21\n",
		"sum.go":      sumBuggy,
		"sum_test.go": sumTestBuggy,
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			return err
		}
	}
	for _, args := range [][]string{
		{"init", "-q", "-b", "main"},
		{"config", "user.name", "Coding Agent"},
		{"config", "user.email", "agent@example.com"},
		{"add", "-A"},
		{"-c", "commit.gpgsign=false", "commit", "-q", "-m", "Sum of 1..n"},
	} {
		cmd := exec.CommandContext(ctx, "git", args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("git %s: %w\n%s", strings.Join(args, " "), err, out)
		}
	}
	return nil
}

const sumBuggy = `package sum

// Sum returns 1 + 2 + ... + n.
func Sum(n int) int {
	total := 0
	for i := 1; i < n; i++ {
		total += i
	}
	return total
}
`

const sumTestBuggy = `package sum

import "testing"

func TestSum(t *testing.T) {
	if got := Sum(0); got != 0 {
		t.Errorf("Sum(0) = %d, want 0", got)
	}
}
`

const sumTestFixed = `package sum

import "testing"

func TestSum(t *testing.T) {
	for n, want := range map[int]int{0: 0, 1: 1, 4: 10} {
		if got := Sum(n); got != want {
			t.Errorf("Sum(%d) = %d, want %d", n, got, want)
		}
	}
}
`

func short(sha string) string { return sha[:min(len(sha), 7)] }

func baseNames(paths []string) string {
	if len(paths) == 0 {
		return "-"
	}
	names := make([]string, len(paths))
	for i, p := range paths {
		names[i] = filepath.Base(p)
	}
	return strings.Join(names, ", ")
}

// commandLine returns a command as a shell would take it.
func commandLine(command string, args []string) string {
	line := command
	for _, a := range args {
		if strings.ContainsAny(a, " \t\n'\"$") {
			a = strconv.Quote(a)
		}
		line += " " + a
	}
	return line
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func indent(s, prefix string) string {
	if s == "" {
		return ""
	}
	return prefix + strings.ReplaceAll(strings.TrimSuffix(s, "\n"), "\n", "\n"+prefix) + "\n"
}
