package readme_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttracetest"
	"github.com/agenttrace/agenttrace-otel-go/instrument"
)

// newServer starts an in-process AgentTrace server and points the
// AGENTTRACE_* environment of the test at it, so that the snippets'
// instrument.New(ctx) finds it as a user's program finds AgentTrace.
func newServer(t *testing.T) *agenttracetest.Server {
	t.Helper()
	srv := agenttracetest.NewServer()
	t.Cleanup(srv.Close)
	t.Setenv("AGENTTRACE_API_URL", srv.URL)
	t.Setenv("AGENTTRACE_API_KEY", srv.APIKey)
	return srv
}

// newClient returns a client of a new in-process server, shut down when the
// test ends.
func newClient(t *testing.T) (*agenttracetest.Server, *instrument.Client) {
	t.Helper()
	srv := newServer(t)
	client, err := instrument.New(t.Context())
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		assert.NoError(t, client.Shutdown(ctx))
	})
	return srv, client
}

// observation returns the observation of the trace called name.
func observation(t *testing.T, srv *agenttracetest.Server, traceID, name string) agenttracetest.Observation {
	t.Helper()
	for _, o := range srv.Observations(traceID) {
		if o.Name == name {
			return o
		}
	}
	t.Fatalf("trace %s has no observation %q", traceID, name)
	return agenttracetest.Observation{}
}
