package experiments_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/agenttrace/agenttrace-otel-go/connection"
	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttracetest"
	"github.com/agenttrace/agenttrace-otel-go/instrument"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// newClient returns a client of a new in-process server, shut down when
// the test ends.
func newClient(t *testing.T, opts ...agenttracetest.Option) (*agenttracetest.Server, *instrument.Client) {
	t.Helper()
	srv := agenttracetest.NewServer(opts...)
	t.Cleanup(srv.Close)
	client, err := instrument.New(t.Context(), instrument.WithConnection(connection.Config{APIURL: srv.URL, APIKey: srv.APIKey}))
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		assert.NoError(t, client.Shutdown(ctx))
	})
	return srv, client
}
