// Command mcp-agent runs an agent that calls the tools of an MCP server in
// another process, traced with package mcptrace on both sides, and prints
// the trace that arrived: one trace across the two processes, with the
// server's work under the agent's tool calls.
//
// The program is both processes: it starts itself again as the tool server
// (MCP_AGENT_ROLE=server), over the stdio transport (mcp.CommandTransport),
// each process with its own instrument client. The agent's trace
// "trip-planner" calls get_weather for two cities (the second fails: an
// error result) and reads a resource; the server records its handling and a
// lookup of its own under each call. No model is called, so no key is
// needed: the plan is fixed.
//
// Without AGENTTRACE_API_URL the traces go to an AgentTrace-compatible
// server started in-process (package agenttracetest) and the tree is
// printed; with AGENTTRACE_API_URL and AGENTTRACE_API_KEY they go there (the
// server process inherits them). It exits non-zero when a call fails
// unexpectedly or anything could not be delivered.
//
// Like mcptrace, it is a module of its own (the SDK's module does not
// require the MCP SDK); from the repository root:
//
//	cd examples/mcp-agent && go run .
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"time"

	"github.com/agenttrace/agenttrace-otel-go/connection"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttracetest"
	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/instrument/mcptrace"
)

// roleEnv names the variable that makes the program the tool server.
const roleEnv = "MCP_AGENT_ROLE"

func main() {
	var err error
	if os.Getenv(roleEnv) == "server" {
		err = serve(context.Background(), os.Stdin, os.Stdout)
	} else {
		err = run(context.Background(), os.Stdout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "mcp-agent:", err)
		os.Exit(1)
	}
}

// run is the agent.
func run(ctx context.Context, w io.Writer) error {
	var srv *agenttracetest.Server
	var atOpts []instrument.Option
	self, err := os.Executable()
	if err != nil {
		return err
	}
	server := exec.Command(self)
	server.Env = append(os.Environ(), roleEnv+"=server")
	server.Stderr = os.Stderr
	if os.Getenv("AGENTTRACE_API_URL") == "" {
		srv = agenttracetest.NewServer()
		defer srv.Close()
		atOpts = append(atOpts, instrument.WithConnection(connection.Config{APIURL: srv.URL, APIKey: srv.APIKey}))
		server.Env = append(server.Env, "AGENTTRACE_API_URL="+srv.URL, "AGENTTRACE_API_KEY="+srv.APIKey)
	}
	at, err := instrument.New(ctx, atOpts...)
	if err != nil {
		return err
	}

	client := mcp.NewClient(&mcp.Implementation{Name: "trip-planner", Version: "1.0.0"}, nil)
	client.AddSendingMiddleware(mcptrace.ClientMiddleware(at, mcptrace.WithNetworkTransport("pipe")))
	// Close waits for the server to exit (it flushes its observations
	// first) before it would signal it.
	session, err := client.Connect(ctx, &mcp.CommandTransport{Command: server, TerminateDuration: time.Minute}, nil)
	if err != nil {
		_ = at.Shutdown(ctx)
		return err
	}
	id, planErr := plan(ctx, at, session, w)
	closeErr := session.Close()

	flushCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := errors.Join(planErr, closeErr, at.Shutdown(flushCtx)); err != nil {
		return err
	}
	if srv != nil {
		fmt.Fprintln(w)
		return srv.RenderTrace(w, id)
	}
	return nil
}

// plan is the agent's fixed plan, in one trace; it returns the trace's id.
func plan(ctx context.Context, at *instrument.Client, session *mcp.ClientSession, w io.Writer) (string, error) {
	ctx, tr := at.Trace(ctx, "trip-planner", instrument.WithUserID("u-42"))
	defer tr.End()
	for _, city := range []string{"Lyon", "Atlantis"} {
		res, err := session.CallTool(ctx, &mcp.CallToolParams{Name: "get_weather", Arguments: map[string]any{"city": city}})
		if err != nil {
			return "", err
		}
		text := res.Content[0].(*mcp.TextContent).Text
		if res.IsError {
			fmt.Fprintf(w, "%s: the tool failed: %s\n", city, text)
			continue
		}
		fmt.Fprintf(w, "%s: %s\n", city, text)
	}
	res, err := session.ReadResource(ctx, &mcp.ReadResourceParams{URI: "file:///advisories.txt"})
	if err != nil {
		return "", err
	}
	fmt.Fprintf(w, "advisories: %s\n", res.Contents[0].Text)
	return tr.TraceID().String(), nil
}

type weatherIn struct {
	City string `json:"city"`
}

type weatherOut struct {
	Forecast string `json:"forecast"`
}

// serve is the tool server: an MCP server on in and out, traced with its
// own instrument client, until in closes.
func serve(ctx context.Context, in io.ReadCloser, out io.WriteCloser) error {
	at, err := instrument.New(ctx)
	if err != nil {
		return err
	}
	server := mcp.NewServer(&mcp.Implementation{Name: "weather", Version: "1.0.0"}, nil)
	server.AddReceivingMiddleware(mcptrace.ServerMiddleware(at, mcptrace.WithNetworkTransport("pipe")))
	mcp.AddTool(server, &mcp.Tool{Name: "get_weather", Description: "The forecast of a city"},
		func(ctx context.Context, _ *mcp.CallToolRequest, in weatherIn) (*mcp.CallToolResult, weatherOut, error) {
			forecast, err := instrument.Observe(ctx, nil, "forecast-lookup", func(context.Context) (string, error) {
				if in.City == "Atlantis" {
					return "", fmt.Errorf("no station in %s", in.City)
				}
				return "sunny, 24°C", nil
			})
			return nil, weatherOut{Forecast: forecast}, err
		})
	server.AddResource(&mcp.Resource{URI: "file:///advisories.txt", Name: "advisories", MIMEType: "text/plain"},
		func(_ context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
			return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: req.Params.URI, Text: "none"}}}, nil
		})
	runErr := server.Run(ctx, &mcp.IOTransport{Reader: in, Writer: out})
	return errors.Join(runErr, at.Shutdown(ctx))
}
