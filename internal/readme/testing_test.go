package readme_test

import (
	"context"
	"strings"
	"testing"

	"github.com/agenttrace/agenttrace-otel-go/connection"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/trace"

	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttracetest"
	"github.com/agenttrace/agenttrace-otel-go/instrument"
)

// orderAgent stands for the code under test of the README's example.
func orderAgent(ctx context.Context, client *instrument.Client, question string) (trace.TraceID, error) {
	ctx, tr := client.Trace(ctx, "order-agent", instrument.WithInput(question))
	defer tr.End()
	_, err := instrument.Observe(ctx, client, "lookup-order", func(context.Context) (string, error) {
		return "shipped", nil
	}, instrument.WithType(instrument.TypeTool))
	_, gen := tr.Generation(ctx, "answer", instrument.WithModel("gpt-4.1-mini"))
	gen.SetUsage(instrument.Usage{InputTokens: 40, OutputTokens: 12})
	gen.End()
	return tr.TraceID(), err
}

// README: testing
func TestOrderAgent(t *testing.T) {
	srv := agenttracetest.NewServer()
	defer srv.Close()
	client, err := instrument.New(t.Context(), instrument.WithConnection(connection.Config{APIURL: srv.URL, APIKey: srv.APIKey}))
	require.NoError(t, err)
	defer client.Shutdown(context.Background())

	traceID, err := orderAgent(t.Context(), client, "Where is order #8812?") // the code under test
	require.NoError(t, err)
	require.NoError(t, client.Flush(t.Context())) // deliver before asserting

	tr, ok := srv.Trace(traceID.String())
	require.True(t, ok)
	assert.Equal(t, "order-agent", tr.Name)
	var tree strings.Builder
	require.NoError(t, srv.RenderTrace(&tree, traceID.String()))
	assert.Contains(t, tree.String(), "TOOL lookup-order")
	assert.Contains(t, tree.String(), "GENERATION answer")
	for _, o := range srv.Observations(traceID.String()) {
		if o.Type == "GENERATION" {
			assert.Equal(t, int64(52), o.Usage.TotalTokens)
		}
	}
	t.Log("\n" + tree.String()) // go test -v prints the trace tree
}

// README end
