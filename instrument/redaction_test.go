package instrument_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/agenttrace/agenttrace-otel-go/connection"

	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttracetest"
	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/internal/attestctl"
	"github.com/agenttrace/agenttrace-otel-go/internal/textcut"
	"github.com/agenttrace/agenttrace-otel-go/semconv"
)

// diffPreview records the creation of a file holding content with a
// client of opts and returns the diff preview recorded and whether it says
// it was truncated.
func diffPreview(t *testing.T, content string, opts ...instrument.Option) (string, bool) {
	t.Helper()
	c, rec := newClient(t, opts...)
	ctx, tr := c.Trace(context.Background(), "edit")
	if err := tr.FileOp(ctx, instrument.FileOp{Operation: instrument.FileCreate, Path: "f.txt", After: []byte(content)}); err != nil {
		t.Fatal(err)
	}
	tr.End()
	s := spans(t, rec)["create f.txt"]
	if s == nil {
		t.Fatal("no file operation span")
	}
	preview, ok := value(s, semconv.FileDiffPreviewKey)
	cut, ok2 := value(s, semconv.FileDiffPreviewTruncatedKey)
	if !ok || !ok2 {
		t.Fatalf("file operation without a preview or its truncated flag: %v", attrs(s))
	}
	return preview.AsString(), cut.AsBool()
}

// A diff preview that redaction shortened is cut only when the redacted
// text is over the budget, and the marker counts the bytes left out of
// the redacted text.
func TestDiffPreviewRedactedSize(t *testing.T) {
	const budget = 1024
	const token = "ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8" // 40 bytes, redacted to 10
	lines := func(n int, secret string) string {
		return strings.Repeat("use "+secret+"\n", n)
	}
	tests := []struct {
		name string
		n    int
		cut  bool
	}{
		{"small", 1, false},
		{"over the budget until redacted", 40, false},
		{"over the budget redacted", 100, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// What the preview is cut from: the diff of the redacted
			// content, whole under the default budget.
			full, cut := diffPreview(t, lines(tt.n, "[REDACTED]"))
			if cut {
				t.Fatalf("the redacted diff (%d bytes) is cut under the default budget", len(full))
			}
			if (len(full) > budget) != tt.cut {
				t.Fatalf("bad test: the redacted diff has %d bytes, budget %d", len(full), budget)
			}

			got, cut := diffPreview(t, lines(tt.n, token), instrument.WithMaxOutputBytes(budget))
			if strings.Contains(got, token) {
				t.Fatalf("the preview holds the token: %q", got)
			}
			if !tt.cut {
				if cut || got != full {
					t.Errorf("preview (%d bytes, truncated %v):\n%s\nwant (%d bytes, not truncated):\n%s", len(got), cut, got, len(full), full)
				}
				return
			}
			if !cut || len(got) > budget {
				t.Errorf("preview of %d bytes, truncated %v; want truncated within %d bytes", len(got), cut, budget)
			}
			head, _, found := strings.Cut(got, "\n[agenttrace: ")
			if !found {
				t.Fatalf("no truncation marker in %q", got)
			}
			if !strings.HasPrefix(full, head) {
				t.Fatalf("the preview does not begin the redacted diff: %q", head)
			}
			if want := head + textcut.Marker(int64(len(full)-len(head))); got != want {
				t.Errorf("preview ends %q, want %q (the redacted diff has %d bytes)", got[len(head):], want[len(head):], len(full))
			}
		})
	}
}

// Redaction that shortens the text before the end of the cleaned part of
// a long diff does not bring a secret cut in part at that end into the
// preview.
func TestDiffPreviewSecretAtCut(t *testing.T) {
	// A part of a secret does not match.
	secret := regexp.MustCompile(`<X+>`)
	content := strings.Repeat("<"+strings.Repeat("X", 1000)+">\n", 10)
	full, _ := diffPreview(t, strings.Repeat("[REDACTED]\n", 10))
	got, cut := diffPreview(t, content, instrument.WithMaxOutputBytes(256), instrument.WithRedactionPatterns(secret))
	if strings.Contains(got, "XXXXXXXX") {
		t.Errorf("the preview holds part of a secret: %q", got)
	}
	if cut || got != full {
		t.Errorf("preview %q, truncated %v; want %q, not truncated", got, cut, full)
	}
}

// hideKey returns s with key replaced, for failure messages, which must
// never show the key.
func hideKey(s, key string) string {
	return strings.ReplaceAll(s, key, "<the API key>")
}

// The client's own API key is redacted from command output, arguments and
// diff previews whatever its shape, with the built-in rules on or off, and
// whether it came from an option or the environment.
func TestRedactAPIKey(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh:", err)
	}
	const ownKey = "at-local-3f9a" // no built-in rule knows this shape
	tests := []struct {
		name    string
		key     string // "": the test server's own key
		fromEnv bool
		opts    []instrument.Option
	}{
		{"own shape", ownKey, false, nil},
		{"own shape, built-in rules off", ownKey, false, []instrument.Option{instrument.WithRedaction(false)}},
		{"own shape from the environment", ownKey, true, nil},
		{"test server key, built-in rules off", "", false, []instrument.Option{instrument.WithRedaction(false)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := agenttracetest.NewServer(agenttracetest.WithoutRateLimit(), attestctl.WithAPIKeys(tt.key))
			t.Cleanup(srv.Close)
			key := tt.key
			if key == "" {
				key = srv.APIKey
			}
			opts := []instrument.Option{instrument.WithConnection(connection.Config{APIURL: srv.URL})}
			if tt.fromEnv {
				t.Setenv("AGENTTRACE_API_KEY", key)
			} else {
				opts = append(opts, instrument.WithConnection(connection.Config{APIKey: key}))
			}
			c, err := instrument.New(context.Background(), append(opts, tt.opts...)...)
			if err != nil {
				t.Fatal(hideKey(err.Error(), key))
			}
			t.Cleanup(func() {
				if err := c.Shutdown(context.Background()); err != nil {
					t.Errorf("Shutdown: %s", hideKey(err.Error(), key))
				}
			})

			ctx, tr := c.Trace(context.Background(), "leaky")
			cmd := exec.Command("sh", "-c", `echo "using `+key+` now"; echo "$1" >&2`, "sh", key)
			cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HELPER_VALUE=v=" + key}
			if err := tr.RunCommand(ctx, cmd); err != nil {
				t.Fatal(err)
			}
			err = tr.FileOp(ctx, instrument.FileOp{Operation: instrument.FileUpdate, Path: "config.txt", Before: []byte("endpoint: local\n"), After: []byte("endpoint: local\nkey: " + key + "\n")})
			if err != nil {
				t.Fatal(err)
			}
			tr.End()
			if err := c.Flush(context.Background()); err != nil {
				t.Fatalf("Flush: %s", hideKey(err.Error(), key))
			}

			cmds, files := srv.Snapshot().TerminalCommands, srv.Snapshot().FileOperations
			if len(cmds) != 1 || len(files) != 1 {
				t.Fatalf("%d terminal commands and %d file operations stored, want 1 and 1", len(cmds), len(files))
			}
			run := cmds[0]
			if run.Stdout != "using [REDACTED] now\n" || run.Stderr != "[REDACTED]\n" {
				t.Errorf("stdout %q, stderr %q", hideKey(run.Stdout, key), hideKey(run.Stderr, key))
			}
			if args := strings.Join(run.Args, " "); strings.Contains(args, key) || !strings.Contains(args, "using [REDACTED] now") {
				t.Errorf("arguments %q", hideKey(args, key))
			}
			var env map[string]string
			if err := json.Unmarshal([]byte(run.EnvVars), &env); err != nil || env["HELPER_VALUE"] != "v=[REDACTED]" {
				t.Errorf("environment: HELPER_VALUE %q (%v)", hideKey(env["HELPER_VALUE"], key), err)
			}
			if d := files[0].DiffPreview; !strings.Contains(d, "\n+key: [REDACTED]\n") || strings.Contains(d, key) {
				t.Errorf("diff preview %q", hideKey(d, key))
			}
			for _, r := range srv.Snapshot().Requests {
				if strings.Contains(string(r.Body), key) {
					t.Errorf("%s %s carries the key in its body", r.Method, r.Path)
				}
			}
		})
	}
}
