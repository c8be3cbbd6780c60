package llm_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttracetest"
	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/instrument/mcptrace"
	"github.com/agenttrace/agenttrace-otel-go/internal/llmtest"
)

// planTrip is the README's MCP agent: transport is a CommandTransport
// there, the in-memory transport here.
func planTrip(ctx context.Context, at *instrument.Client, transport mcp.Transport) error {
	// README: mcp-client
	client := mcp.NewClient(&mcp.Implementation{Name: "trip-planner", Version: "1.0.0"}, nil)
	client.AddSendingMiddleware(mcptrace.ClientMiddleware(at))
	session, err := client.Connect(ctx, transport, nil) // &mcp.CommandTransport{Command: exec.Command("weather-server")}
	if err != nil {
		return err
	}
	defer session.Close()

	ctx, tr := at.Trace(ctx, "trip-planner")
	defer tr.End()
	res, err := session.CallTool(ctx, &mcp.CallToolParams{Name: "get_weather", Arguments: map[string]any{"city": "Lyon"}})
	if err != nil {
		return err
	}
	fmt.Println(res.StructuredContent)
	// README end
	return nil
}

type weatherIn struct {
	City string `json:"city"`
}

// getWeather is the README's tool handler: its observation joins the
// agent's trace.
func getWeather(ctx context.Context, _ *mcp.CallToolRequest, in weatherIn) (*mcp.CallToolResult, map[string]string, error) {
	forecast, err := instrument.Observe(ctx, nil, "forecast-lookup", func(context.Context) (string, error) {
		return "sunny in " + in.City, nil
	})
	return nil, map[string]string{"forecast": forecast}, err
}

// serveWeather is the README's MCP tool server: transport is a
// StdioTransport there, the in-memory transport here.
func serveWeather(ctx context.Context, at *instrument.Client, transport mcp.Transport) error {
	// README: mcp-server
	server := mcp.NewServer(&mcp.Implementation{Name: "weather-server", Version: "1.0.0"}, nil)
	server.AddReceivingMiddleware(mcptrace.ServerMiddleware(at))
	mcp.AddTool(server, &mcp.Tool{Name: "get_weather"}, getWeather) // its observations join the agent's trace
	return server.Run(ctx, transport)                               // &mcp.StdioTransport{}
	// README end
}

func TestMCPSnippets(t *testing.T) {
	e := llmtest.New(t)
	ct, st := mcp.NewInMemoryTransports()
	served := make(chan error, 1)
	go func() { served <- serveWeather(context.Background(), e.Client, st) }()
	require.NoError(t, planTrip(t.Context(), e.Client, ct))
	require.NoError(t, <-served, "the server ends when the client closes the session")

	id := onlyTrace(t, e)
	byID := map[string]agenttracetest.Observation{}
	var lookup agenttracetest.Observation
	for _, o := range e.Observations(t, id) {
		byID[o.ID] = o
		if o.Name == "forecast-lookup" {
			lookup = o
		}
	}
	var chain []string
	for o, ok := lookup, lookup.ID != ""; ok; o, ok = byID[o.ParentObservationID] {
		chain = append(chain, o.Name)
	}
	assert.Equal(t, []string{"forecast-lookup", "tools/call get_weather", "tools/call get_weather", "trip-planner"}, chain)
	assert.NoError(t, e.AT.Check())
}
