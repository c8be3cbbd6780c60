package mcptrace_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/agenttrace/agenttrace-otel-go/connection"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttracetest"
	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/instrument/mcptrace"
)

// TestTwoProcessesOneTrace runs the tool server (internal/cmd/weatherserver)
// as a child process over the stdio transport, each process with its own
// instrument client sending to one agenttracetest server: the server's
// observations are under the agent's tool observation, in one trace with
// one trace row (PROTOCOL.md A17).
func TestTwoProcessesOneTrace(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a program")
	}
	dir := t.TempDir()
	build := exec.CommandContext(t.Context(), "go", "build", "-o", dir+string(filepath.Separator), "./internal/cmd/weatherserver")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "go build: %s", out)

	srv := agenttracetest.NewServer(agenttracetest.WithoutRateLimit())
	t.Cleanup(srv.Close)
	at, err := instrument.New(context.Background(), instrument.WithConnection(connection.Config{APIURL: srv.URL, APIKey: srv.APIKey}))
	require.NoError(t, err)

	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.Command(filepath.Join(dir, "weatherserver"))
	cmd.Env = append(childEnv(), "AGENTTRACE_API_URL="+srv.URL, "AGENTTRACE_API_KEY="+srv.APIKey)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	client := mcp.NewClient(&mcp.Implementation{Name: "agent", Version: "1.0.0"}, nil)
	client.AddSendingMiddleware(mcptrace.ClientMiddleware(at, mcptrace.WithNetworkTransport("pipe")))
	// The server flushes its observations after its input closes: Close
	// waits for it to exit (well within a minute) before it would signal it.
	cs, err := client.Connect(ctx, &mcp.CommandTransport{Command: cmd, TerminateDuration: time.Minute}, nil)
	require.NoError(t, err)

	tctx, tr := at.Trace(ctx, "agent-run")
	res, err := cs.CallTool(tctx, &mcp.CallToolParams{Name: "get_weather", Arguments: map[string]any{"city": "Lyon"}})
	require.NoError(t, err)
	tr.End()
	assert.False(t, res.IsError)
	assert.NoError(t, cs.Close(), "the server exits cleanly; stderr:\n%s", &stderr)
	require.NoError(t, at.Shutdown(context.Background()))

	id := tr.TraceID().String()
	sn := srv.Snapshot()
	require.Len(t, sn.TraceRows(id), 1, "one trace row")
	assert.Equal(t, "agent-run", sn.TraceRows(id)[0].Name, "the row is the agent's")
	assert.Len(t, sn.Traces, 1, "no other trace")
	assert.NoError(t, srv.Check())

	byID := map[string]agenttracetest.Observation{}
	for _, o := range sn.ObservationsOf(id) {
		byID[o.ID] = o
	}
	// name > parent's name; the client's and the server's observations of
	// the call share their name, so the chain is followed from the leaf.
	var lookup agenttracetest.Observation
	for _, o := range byID {
		if o.Name == "lookup" {
			lookup = o
		}
	}
	require.NotEmpty(t, lookup.ID, "the server's handler observation arrived")
	var chain []string
	for o, ok := lookup, true; ok; o, ok = byID[o.ParentObservationID] {
		chain = append(chain, o.Name)
	}
	assert.Equal(t, []string{"lookup", "tools/call get_weather", "tools/call get_weather", "agent-run"}, chain,
		"the server's observations are under the agent's tool observation")
	assert.Len(t, byID, 4)
	assert.Contains(t, lookup.Output, "sunny in Lyon")
	if t.Failed() {
		var b strings.Builder
		_ = sn.RenderTrace(&b, id)
		t.Logf("stored:\n%s\nserver stderr:\n%s", b.String(), &stderr)
	}
}

// childEnv is this process's environment without AGENTTRACE_*, OTEL_* and
// trace context variables.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "AGENTTRACE_") || strings.HasPrefix(name, "OTEL_") || name == "TRACEPARENT" || name == "TRACESTATE" {
			continue
		}
		env = append(env, kv)
	}
	return env
}
