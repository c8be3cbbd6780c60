package mcptrace_test

import (
	"context"
	"fmt"
	"log"
	"os/exec"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/instrument/mcptrace"
)

// The agent: every tool call made through the session is a tool
// observation under the agent's trace, and carries the trace to the server.
func ExampleClientMiddleware() {
	ctx := context.Background()
	at, err := instrument.New(ctx) // AGENTTRACE_API_KEY from the environment
	if err != nil {
		log.Fatal(err)
	}
	defer at.Shutdown(context.Background())

	client := mcp.NewClient(&mcp.Implementation{Name: "agent", Version: "1.0.0"}, nil)
	client.AddSendingMiddleware(mcptrace.ClientMiddleware(at, mcptrace.WithNetworkTransport("pipe")))
	session, err := client.Connect(ctx, &mcp.CommandTransport{Command: exec.Command("weather-server")}, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer session.Close()

	ctx, tr := at.Trace(ctx, "trip-planner")
	defer tr.End()
	res, err := session.CallTool(ctx, &mcp.CallToolParams{Name: "get_weather", Arguments: map[string]any{"city": "Lyon"}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.StructuredContent)
}

// The tool server, another process with its own instrument client: its
// handlers run in the agent's trace, under the agent's tool observation.
func ExampleServerMiddleware() {
	ctx := context.Background()
	at, err := instrument.New(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer at.Shutdown(context.Background())

	server := mcp.NewServer(&mcp.Implementation{Name: "weather-server", Version: "1.0.0"}, nil)
	server.AddReceivingMiddleware(mcptrace.ServerMiddleware(at, mcptrace.WithNetworkTransport("pipe")))
	type in struct {
		City string `json:"city"`
	}
	mcp.AddTool(server, &mcp.Tool{Name: "get_weather"}, func(ctx context.Context, _ *mcp.CallToolRequest, in in) (*mcp.CallToolResult, map[string]string, error) {
		// A child of the server's observation, in the agent's trace.
		forecast, err := instrument.Observe(ctx, nil, "forecast-lookup", func(context.Context) (string, error) {
			return "sunny", nil
		})
		return nil, map[string]string{"forecast": forecast}, err
	})
	if err := server.Run(ctx, &mcp.StdioTransport{}); err != nil {
		log.Fatal(err)
	}
}
