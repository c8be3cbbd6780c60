package instrument_test

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/agenttrace/agenttrace-otel-go/connection"

	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttracetest"
	"github.com/agenttrace/agenttrace-otel-go/instrument"
)

// agentServer returns a test server and a client of it. In production the
// client comes from instrument.New(ctx) with AGENTTRACE_API_KEY set.
func agentServer(ctx context.Context) (*agenttracetest.Server, *instrument.Client) {
	srv := agenttracetest.NewServer()
	client, err := instrument.New(ctx, instrument.WithConnection(connection.Config{APIURL: srv.URL, APIKey: srv.APIKey}))
	if err != nil {
		log.Fatal(err)
	}
	return srv, client
}

// Agent Features / Checkpoints: snapshots of the files an agent works on,
// before and after an edit. The second checkpoint lists what changed.
func ExampleObservation_Checkpoint() {
	ctx := context.Background()
	srv, client := agentServer(ctx)
	defer srv.Close()
	defer client.Shutdown(ctx)
	dir, _ := os.MkdirTemp("", "checkpoint")
	defer os.RemoveAll(dir)
	mainPy, utilsPy := filepath.Join(dir, "main.py"), filepath.Join(dir, "utils.py")
	os.WriteFile(mainPy, []byte("print('hi')\n"), 0o644)
	os.WriteFile(utilsPy, []byte("X = 1\n"), 0o644)

	ctx, tr := client.Trace(ctx, "edit-task")
	err := tr.Checkpoint(ctx, instrument.Checkpoint{Name: "before-edit", Files: []string{mainPy, utilsPy}, Description: "State before code modification"})
	if err != nil {
		log.Fatal(err)
	}
	os.WriteFile(utilsPy, []byte("X = 2\n"), 0o644) // the edit
	err = tr.Checkpoint(ctx, instrument.Checkpoint{Name: "after-edit", Files: []string{mainPy, utilsPy}, Description: "State after code modification"})
	if err != nil {
		log.Fatal(err)
	}
	tr.End()

	if err := client.Flush(ctx); err != nil {
		log.Fatal(err)
	}
	for _, cp := range srv.Snapshot().Checkpoints {
		var changed []string
		for _, f := range cp.FilesChanged {
			changed = append(changed, filepath.Base(f))
		}
		fmt.Printf("%s: %d files, %d bytes, changed %v\n", cp.Name, cp.TotalFiles, cp.TotalSizeBytes, changed)
	}
	// Output:
	// before-edit: 2 files, 18 bytes, changed []
	// after-edit: 2 files, 18 bytes, changed [utils.py]
}

// Agent Features / Git Linking, given by hand (without options GitLink
// reads HEAD of the repository in the working directory).
func ExampleClient_GitLink() {
	ctx := context.Background()
	srv, client := agentServer(ctx)
	defer srv.Close()
	defer client.Shutdown(ctx)

	ctx, tr := client.Trace(ctx, "fix-bug")
	err := client.GitLink(ctx, tr.TraceID(), instrument.GitLink{Commit: "abc123", Branch: "main", RepoURL: "https://github.com/org/repo"})
	if err != nil {
		log.Fatal(err)
	}
	tr.End()

	if err := client.Flush(ctx); err != nil {
		log.Fatal(err)
	}
	for _, l := range srv.Snapshot().GitLinks {
		fmt.Println(l.CommitSha, l.Branch, l.RepoURL, l.LinkType)
	}
	// Output:
	// abc123 main https://github.com/org/repo current
}

// Agent Features / File Operations: the Python seed's "edit" is recorded as
// an update, with the hashes, line counts and a diff preview.
func ExampleObservation_FileOp() {
	ctx := context.Background()
	srv, client := agentServer(ctx)
	defer srv.Close()
	defer client.Shutdown(ctx)

	ctx, tr := client.Trace(ctx, "refactor")
	err := tr.FileOp(ctx, instrument.FileOp{Operation: instrument.FileEdit, Path: "src/main.py", Before: []byte("old content\n"), After: []byte("new content\n")})
	if err != nil {
		log.Fatal(err)
	}
	tr.End()

	if err := client.Flush(ctx); err != nil {
		log.Fatal(err)
	}
	for _, f := range srv.Snapshot().FileOperations {
		fmt.Printf("%s %s +%d -%d\n%s", f.Operation, f.FilePath, f.LinesAdded, f.LinesRemoved, f.DiffPreview)
	}
	// Output:
	// update src/main.py +1 -1
	// --- a/src/main.py
	// +++ b/src/main.py
	// @@ -1 +1 @@
	// -old content
	// +new content
}

// Agent Features / Terminal Commands, recorded after the fact.
func ExampleObservation_TerminalCmd() {
	ctx := context.Background()
	srv, client := agentServer(ctx)
	defer srv.Close()
	defer client.Shutdown(ctx)

	ctx, tr := client.Trace(ctx, "build")
	err := tr.TerminalCmd(ctx, instrument.TerminalCmd{Command: "npm test", Stdout: "All tests passed", Stderr: ""})
	if err != nil {
		log.Fatal(err)
	}
	tr.End()

	if err := client.Flush(ctx); err != nil {
		log.Fatal(err)
	}
	for _, c := range srv.Snapshot().TerminalCommands {
		fmt.Printf("%s: exit %d, success %v, stdout %q\n", c.Command, c.ExitCode, c.Success, c.Stdout)
	}
	// Output:
	// npm test: exit 0, success true, stdout "All tests passed"
}

// RunCommand runs a command and records it; the caller still gets its
// output, and secrets in it are redacted in the record only.
func ExampleObservation_RunCommand() {
	ctx := context.Background()
	srv, client := agentServer(ctx)
	defer srv.Close()
	defer client.Shutdown(ctx)

	ctx, tr := client.Trace(ctx, "deploy")
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, "sh", "-c", "echo deploying; echo GITHUB_TOKEN=abc123")
	cmd.Stdout = &out
	if err := tr.RunCommand(ctx, cmd, instrument.WithReason("ship the fix")); err != nil {
		log.Fatal(err)
	}
	tr.End()

	if err := client.Flush(ctx); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("the caller got: %q\n", out.String())
	for _, c := range srv.Snapshot().TerminalCommands {
		fmt.Printf("recorded %s %s: exit %d, stdout %q\n", c.Command, strings.Join(c.Args, " "), c.ExitCode, c.Stdout)
	}
	// Output:
	// the caller got: "deploying\nGITHUB_TOKEN=abc123\n"
	// recorded sh -c echo deploying; echo GITHUB_TOKEN=[REDACTED]: exit 0, stdout "deploying\nGITHUB_TOKEN=[REDACTED]\n"
}

// WriteFile and EditFile do the work and record it: a create, then an
// update with its diff.
func ExampleObservation_WriteFile() {
	ctx := context.Background()
	srv, client := agentServer(ctx)
	defer srv.Close()
	defer client.Shutdown(ctx)
	dir, _ := os.MkdirTemp("", "write")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "greet.go")

	ctx, tr := client.Trace(ctx, "write-code")
	if err := tr.WriteFile(ctx, path, []byte("package greet\n\nconst Hello = \"hi\"\n"), 0o644); err != nil {
		log.Fatal(err)
	}
	err := tr.EditFile(ctx, path, func(src []byte) ([]byte, error) {
		return bytes.ReplaceAll(src, []byte(`"hi"`), []byte(`"hello"`)), nil
	}, instrument.WithReason("friendlier"))
	if err != nil {
		log.Fatal(err)
	}
	tr.End()

	if err := client.Flush(ctx); err != nil {
		log.Fatal(err)
	}
	for _, f := range srv.Snapshot().FileOperations {
		fmt.Printf("%s %s: +%d -%d %q\n", f.Operation, filepath.Base(f.FilePath), f.LinesAdded, f.LinesRemoved, f.Reason)
	}
	// Output:
	// create greet.go: +3 -0 ""
	// update greet.go: +1 -1 "friendlier"
}
