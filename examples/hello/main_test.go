package main

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttracetest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// The quickstart, configured by the environment as a user runs it, delivers
// its trace with a tool call and a generation before run returns.
func TestRun(t *testing.T) {
	srv := agenttracetest.NewServer()
	defer srv.Close()
	t.Setenv("AGENTTRACE_API_URL", srv.URL)
	t.Setenv("AGENTTRACE_API_KEY", srv.APIKey)

	require.NoError(t, run(context.Background()))

	traces := srv.Snapshot().Traces
	require.Len(t, traces, 1)
	tr := traces[0]
	assert.Equal(t, "order-question", tr.Name)
	assert.Equal(t, "customer-4711", tr.UserID)
	assert.JSONEq(t, `"Your order shipped and arrives tomorrow."`, tr.Output)

	var tree strings.Builder
	require.NoError(t, srv.RenderTrace(&tree, tr.ID))
	got := tree.String()
	assert.Contains(t, got, "TOOL lookup-order")
	assert.Contains(t, got, "model=gpt-4.1-mini tokens=31/9/40")
	obs := srv.Observations(tr.ID)
	require.Len(t, obs, 3, got)
	for _, o := range obs {
		if o.Name == "lookup-order" {
			assert.JSONEq(t, `"shipped, arrives tomorrow"`, o.Output, got)
		}
	}
}
