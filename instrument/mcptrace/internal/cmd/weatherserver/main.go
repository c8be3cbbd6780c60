// Command weatherserver is the MCP tool server of mcptrace's two-process
// test: an MCP server over stdio, traced with mcptrace.ServerMiddleware and
// its own instrument client (AGENTTRACE_* from the environment). Its tool
// get_weather records an observation of its own ("lookup"). It serves until
// its standard input closes, then flushes and exits.
package main

import (
	"context"
	"log"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/instrument/mcptrace"
)

type weatherIn struct {
	City string `json:"city"`
}

type weatherOut struct {
	Forecast string `json:"forecast"`
}

func main() {
	ctx := context.Background()
	at, err := instrument.New(ctx)
	if err != nil {
		log.Fatal(err)
	}
	server := mcp.NewServer(&mcp.Implementation{Name: "weather", Version: "1.0.0"}, nil)
	server.AddReceivingMiddleware(mcptrace.ServerMiddleware(at, mcptrace.WithNetworkTransport("pipe")))
	mcp.AddTool(server, &mcp.Tool{Name: "get_weather", Description: "The forecast of a city"},
		func(ctx context.Context, _ *mcp.CallToolRequest, in weatherIn) (*mcp.CallToolResult, weatherOut, error) {
			forecast, err := instrument.Observe(ctx, nil, "lookup", func(context.Context) (string, error) {
				return "sunny in " + in.City, nil
			})
			return nil, weatherOut{Forecast: forecast}, err
		})
	runErr := server.Run(ctx, &mcp.StdioTransport{})
	if err := at.Shutdown(ctx); err != nil {
		log.Fatal(err)
	}
	if runErr != nil {
		log.Fatal(runErr)
	}
}
