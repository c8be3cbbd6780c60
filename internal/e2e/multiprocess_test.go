package e2e_test

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttracetest"
)

// The tests of one trace across processes (PROTOCOL.md A17, A18) run the
// programs of internal/cmd as separate OS processes, each with its own
// client and exporter, all sending to one agenttracetest server of the
// test process.

// programs are the paths of the built test programs.
type programs struct {
	agentproc, plainotel string
}

// buildPrograms builds the test programs into a temporary directory (the
// build cache makes this quick after the first time).
func buildPrograms(t *testing.T) programs {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs programs")
	}
	dir := t.TempDir()
	cmd := exec.CommandContext(t.Context(), "go", "build", "-o", dir+string(filepath.Separator),
		"./internal/cmd/agentproc", "./internal/cmd/plainotel")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	return programs{agentproc: filepath.Join(dir, "agentproc"), plainotel: filepath.Join(dir, "plainotel")}
}

// processEnv is the environment of a test program: this process's without
// AGENTTRACE_*, OTEL_* and trace context variables, and srv's URL and key.
func processEnv(srv *agenttracetest.Server) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "AGENTTRACE_") || strings.HasPrefix(name, "OTEL_") || name == "TRACEPARENT" || name == "TRACESTATE" {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "AGENTTRACE_API_URL="+srv.URL, "AGENTTRACE_API_KEY="+srv.APIKey)
}

// runProgram runs a program to its end and returns its standard output,
// trimmed; it fails the test when the program fails, with its standard
// error.
func runProgram(t *testing.T, ctx context.Context, env []string, path string, args ...string) string {
	t.Helper()
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = env
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if stderr.Len() > 0 {
		t.Logf("%s %s: stderr:\n%s", filepath.Base(path), strings.Join(args, " "), stderr.String())
	}
	require.NoError(t, err, "%s %s", filepath.Base(path), strings.Join(args, " "))
	return strings.TrimSpace(string(out))
}

// startService starts "agentproc service" and returns its URL once it
// listens, and a function that stops it: it closes its standard input and
// waits until it has shut its client down and exited.
func startService(t *testing.T, ctx context.Context, env []string, p programs) (url string, stop func()) {
	t.Helper()
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, p.agentproc, "service")
	cmd.Env = env
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		require.NoError(t, stdin.Close())
		err := cmd.Wait()
		if stderr.Len() > 0 {
			t.Logf("service: stderr:\n%s", stderr.String())
		}
		require.NoError(t, err, "service")
	}
	t.Cleanup(stop)
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err, "service did not say where it listens")
	return strings.TrimSpace(line), stop
}

// node is what a test expects of an observation: its parent's name, ""
// for a root observation of the trace.
type node = string

// assertOneTrace checks that the server holds exactly the trace id:
// exactly one row of it, named rowName; the observations of want (by name,
// with their parents' names) and no others, none of them an orphan; and
// the scores named scoreNames, all attached to it.
func assertOneTrace(t *testing.T, srv *agenttracetest.Server, id, rowName string, want map[string]node, scoreNames ...string) agenttracetest.Snapshot {
	t.Helper()
	sn := srv.Snapshot()

	// One trace id, one row (the server keys rows by id and start time, so
	// a second writer would show as a second row).
	ids := map[string]int{}
	for _, r := range sn.Traces {
		ids[r.ID]++
	}
	assert.Equal(t, map[string]int{id: 1}, ids, "trace rows by trace id")
	assert.NoError(t, srv.Check(), "no trace id with two rows")
	if rows := sn.TraceRows(id); len(rows) == 1 {
		assert.Equal(t, rowName, rows[0].Name, "the row is the owner's")
	}

	// Every observation is of the trace, under its right parent; every
	// parent exists.
	byID := map[string]agenttracetest.Observation{}
	for _, o := range sn.Observations {
		assert.Equal(t, id, o.TraceID, "observation %q is of another trace", o.Name)
		byID[o.ID] = o
	}
	got := map[string]node{}
	for _, o := range sn.ObservationsOf(id) {
		_, dup := got[o.Name]
		assert.False(t, dup, "two observations named %q", o.Name)
		parent := ""
		if o.ParentObservationID != "" {
			p, ok := byID[o.ParentObservationID]
			if assert.True(t, ok, "observation %q: orphan, parent %s not stored", o.Name, o.ParentObservationID) {
				parent = p.Name
			}
		}
		got[o.Name] = parent
	}
	assert.Equal(t, want, got, "observations by name, with their parents' names")
	wantRoots := 0
	for _, parent := range want {
		if parent == "" {
			wantRoots++
		}
	}
	assert.Len(t, srv.Snapshot().ObservationTree(id), wantRoots, "root observations")

	var names []string
	for _, s := range sn.Scores {
		assert.Equal(t, id, s.TraceID, "score %q is of another trace", s.Name)
		names = append(names, s.Name)
	}
	sort.Strings(names)
	sort.Strings(scoreNames)
	assert.Equal(t, scoreNames, names, "scores")
	if t.Failed() {
		var out strings.Builder
		_ = sn.RenderTrace(&out, id)
		t.Logf("stored:\n%s", out.String())
	}
	return sn
}

func newMultiProcessServer(t *testing.T) (*agenttracetest.Server, context.Context) {
	t.Helper()
	srv := agenttracetest.NewServer(agenttracetest.WithoutRateLimit())
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	t.Cleanup(cancel)
	return srv, ctx
}

// TestServicesOneTrace: service A (instrumented) starts a trace and calls
// service B (instrumented, another process) over HTTP with otelhttp; B's
// handler records a trace of its own name, a generation and a score. The
// server holds one trace, with A's row only, and B's observations in it.
func TestServicesOneTrace(t *testing.T) {
	p := buildPrograms(t)
	srv, ctx := newMultiProcessServer(t)
	env := processEnv(srv)

	url, stop := startService(t, ctx, env, p)
	id := runProgram(t, ctx, env, p.agentproc, "caller", url)
	stop()

	// B's trace hangs under call-weather: its OTel parents, B's HTTP
	// server span and, across the wire, A's HTTP client span, are left out
	// by the default span filter in both processes; the tracestate entry
	// names the nearest observation above them.
	assertOneTrace(t, srv, id, "order", map[string]node{
		"order":        "",
		"call-weather": "order",
		"plan":         "order",
		"weather-tool": "call-weather",
		"forecast":     "weather-tool",
	}, "order-ok", "tool-ok")
}

// TestSubAgentProcessOneTrace: an agent runs a sub-agent program through
// RunCommand; the sub-agent's client, started from context.Background(),
// joins the agent's trace through TRACEPARENT, under the command.
func TestSubAgentProcessOneTrace(t *testing.T) {
	p := buildPrograms(t)
	srv, ctx := newMultiProcessServer(t)

	dir := t.TempDir()
	id := runProgram(t, ctx, processEnv(srv), p.agentproc, "agent", dir)

	command := p.agentproc + " subagent " + dir
	sn := assertOneTrace(t, srv, id, "agent", map[string]node{
		"agent":     "",
		"plan":      "agent",
		command:     "agent",
		"sub-agent": command,
		"sub-plan":  "sub-agent",
		"create " + filepath.Join(dir, "notes.txt"): "sub-agent",
	}, "agent-ok", "sub-ok")
	require.Len(t, sn.FileOperations, 1)
	assert.Equal(t, id, sn.FileOperations[0].TraceID)
	require.Len(t, sn.TerminalCommands, 1)
	assert.Equal(t, id, sn.TerminalCommands[0].TraceID)
}

// TestPlainOTelUpstreamOneTrace: a process with only the OpenTelemetry SDK
// (no AgentTrace SDK, exporting nowhere) calls instrumented service B: B
// is the first process of ours on the path and writes the trace's one row.
func TestPlainOTelUpstreamOneTrace(t *testing.T) {
	p := buildPrograms(t)
	srv, ctx := newMultiProcessServer(t)
	env := processEnv(srv)

	url, stop := startService(t, ctx, env, p)
	id := runProgram(t, ctx, env, p.plainotel, url)
	stop()

	assertOneTrace(t, srv, id, "weather-tool", map[string]node{
		"weather-tool": "",
		"forecast":     "weather-tool",
	}, "tool-ok")
}
