package mcptrace_test

import (
	"context"
	"errors"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttracetest"
	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/instrument/mcptrace"
	"github.com/agenttrace/agenttrace-otel-go/internal/llmtest"
	"github.com/agenttrace/agenttrace-otel-go/semconv"
	"github.com/agenttrace/agenttrace-otel-go/semconv/semconvtest"
)

type weatherIn struct {
	City string `json:"city"`
}

type weatherOut struct {
	Forecast string `json:"forecast"`
}

// newServer returns the test's tool server: get_weather (which records an
// observation of its own, and fails for Atlantis), echo_meta (which answers
// the traceparent it received), a prompt and a resource.
func newServer(at *instrument.Client, settings ...mcptrace.Setting) *mcp.Server {
	server := mcp.NewServer(&mcp.Implementation{Name: "weather", Version: "1.0.0"}, nil)
	if at != nil {
		server.AddReceivingMiddleware(mcptrace.ServerMiddleware(at, settings...))
	}
	mcp.AddTool(server, &mcp.Tool{Name: "get_weather", Description: "The forecast of a city"},
		func(ctx context.Context, _ *mcp.CallToolRequest, in weatherIn) (*mcp.CallToolResult, weatherOut, error) {
			forecast, err := instrument.Observe(ctx, nil, "lookup", func(context.Context) (string, error) {
				if in.City == "Atlantis" {
					return "", errors.New("no such city: Atlantis")
				}
				return "sunny", nil
			})
			if err != nil {
				return nil, weatherOut{}, err // the go-sdk answers a result with isError
			}
			return nil, weatherOut{Forecast: forecast}, nil
		})
	server.AddTool(&mcp.Tool{Name: "echo_meta", InputSchema: map[string]any{"type": "object"}},
		func(_ context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			tp, _ := req.Params.Meta["traceparent"].(string)
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: tp}}}, nil
		})
	server.AddPrompt(&mcp.Prompt{Name: "summarize", Arguments: []*mcp.PromptArgument{{Name: "topic"}}},
		func(_ context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
			return &mcp.GetPromptResult{Messages: []*mcp.PromptMessage{{
				Role: "user", Content: &mcp.TextContent{Text: "Summarize " + req.Params.Arguments["topic"]},
			}}}, nil
		})
	server.AddResource(&mcp.Resource{URI: "file:///forecast.txt", Name: "forecast", MIMEType: "text/plain"},
		func(_ context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
			return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: req.Params.URI, Text: "rain"}}}, nil
		})
	return server
}

// connect connects a client whose sending middleware is mw (none when nil)
// to server over the in-memory transport; both are closed when the test
// ends.
func connect(t testing.TB, server *mcp.Server, mw mcp.Middleware) *mcp.ClientSession {
	t.Helper()
	ct, st := mcp.NewInMemoryTransports()
	ss, err := server.Connect(context.Background(), st, nil)
	require.NoError(t, err)
	client := mcp.NewClient(&mcp.Implementation{Name: "agent", Version: "1.0.0"}, nil)
	if mw != nil {
		client.AddSendingMiddleware(mw)
	}
	cs, err := client.Connect(context.Background(), ct, nil)
	require.NoError(t, err)
	t.Cleanup(func() {
		assert.NoError(t, cs.Close())
		_ = ss.Wait()
	})
	return cs
}

// spansByType returns the ended spans of the trace named name, keyed by
// observation type ("tool" for the client's, "span" for the server's).
func spansByType(t *testing.T, env *llmtest.Env, traceID, name string) map[string]tracetest.SpanStub {
	t.Helper()
	out := map[string]tracetest.SpanStub{}
	for _, s := range env.SpansOf(traceID) {
		if s.Name != name {
			continue
		}
		typ, _ := llmtest.Attr(s, semconv.ObservationTypeKey)
		_, dup := out[typ.AsString()]
		require.False(t, dup, "two %s spans named %q", typ.AsString(), name)
		out[typ.AsString()] = s
	}
	return out
}

// observations returns the stored observations of the trace by id, and
// fails when any has a parent that is not stored.
func observations(t *testing.T, env *llmtest.Env, traceID string) map[string]agenttracetest.Observation {
	t.Helper()
	byID := map[string]agenttracetest.Observation{}
	for _, o := range env.Observations(t, traceID) {
		byID[o.ID] = o
	}
	for _, o := range byID {
		if o.ParentObservationID != "" {
			assert.Contains(t, byID, o.ParentObservationID, "observation %q is an orphan", o.Name)
		}
	}
	return byID
}

func TestToolCallOneTraceAcrossClientAndServer(t *testing.T) {
	env := llmtest.New(t)
	cs := connect(t, newServer(env.Client), mcptrace.ClientMiddleware(env.Client, mcptrace.WithNetworkTransport("pipe")))

	params := &mcp.CallToolParams{Name: "get_weather", Arguments: map[string]any{"city": "Paris"}}
	var res *mcp.CallToolResult
	id := env.Traced(func(ctx context.Context) {
		var err error
		res, err = cs.CallTool(ctx, params)
		require.NoError(t, err)
	})
	require.False(t, res.IsError)
	assert.Equal(t, map[string]any{"forecast": "sunny"}, res.StructuredContent)
	assert.NotContains(t, params.Meta, "traceparent", "the caller's params are not changed (the go-sdk adds its own keys)")

	spans := spansByType(t, env, id, "tools/call get_weather")
	require.Len(t, spans, 2, "the client's tool span and the server's span")
	cli, srv := spans["tool"], spans["span"]
	assert.Equal(t, cli.SpanContext.SpanID(), srv.Parent.SpanID(), "the server span's parent is the client's tool span")
	assert.True(t, srv.Parent.IsRemote(), "through the request's _meta")
	for _, s := range []tracetest.SpanStub{cli, srv} {
		assert.Equal(t, "tools/call", llmtest.Value(s, semconv.MCPMethodNameKey))
		assert.Equal(t, "execute_tool", llmtest.Value(s, semconv.GenAIOperationNameKey))
		assert.Equal(t, "get_weather", llmtest.Value(s, semconv.GenAIToolNameKey))
		assert.NotEmpty(t, llmtest.Value(s, semconv.MCPProtocolVersionKey))
		assert.Nil(t, llmtest.Value(s, semconv.ErrorTypeKey))
	}
	assert.Equal(t, "pipe", llmtest.Value(cli, semconv.NetworkTransportKey))
	semconvtest.AssertConformant(t, env.Spans.GetSpans().Snapshots())

	obs := observations(t, env, id)
	require.Len(t, obs, 4, "test > tool > server span > lookup")
	tool, handled := obs[cli.SpanContext.SpanID().String()], obs[srv.SpanContext.SpanID().String()]
	assert.Equal(t, "test", obs[tool.ParentObservationID].Name)
	assert.Equal(t, tool.ID, handled.ParentObservationID)
	assert.JSONEq(t, `{"city":"Paris"}`, tool.Input)
	assert.Contains(t, tool.Output, `"structuredContent":{"forecast":"sunny"}`)
	assert.JSONEq(t, `{"city":"Paris"}`, handled.Input)
	assert.Equal(t, "DEFAULT", tool.Level)
	var lookup agenttracetest.Observation
	for _, o := range obs {
		if o.Name == "lookup" {
			lookup = o
		}
	}
	assert.Equal(t, handled.ID, lookup.ParentObservationID, "the handler's observation is under the server span")
	assert.Len(t, env.AT.Snapshot().TraceRows(id), 1, "one trace row: the server side joined, it does not own")
	assert.NoError(t, env.AT.Check())
}

func TestPropagationInMeta(t *testing.T) {
	env := llmtest.New(t)
	cs := connect(t, newServer(nil), mcptrace.ClientMiddleware(env.Client))
	var got string
	var toolSpan string
	id := env.Traced(func(ctx context.Context) {
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "echo_meta"})
		require.NoError(t, err)
		got = res.Content[0].(*mcp.TextContent).Text
	})
	for _, s := range env.SpansOf(id) {
		if s.Name == "tools/call echo_meta" {
			toolSpan = s.SpanContext.SpanID().String()
		}
	}
	assert.Equal(t, "00-"+id+"-"+toolSpan+"-01", got, "traceparent names the client's tool span")

	t.Run("untraced", func(t *testing.T) {
		cs := connect(t, newServer(nil), mcptrace.ClientMiddleware(nil))
		res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "echo_meta"})
		require.NoError(t, err)
		assert.Empty(t, res.Content[0].(*mcp.TextContent).Text, "no trace, no traceparent")
	})
}

func TestToolErrors(t *testing.T) {
	env := llmtest.New(t)
	cs := connect(t, newServer(env.Client), mcptrace.ClientMiddleware(env.Client))

	var res *mcp.CallToolResult
	var callErr error
	id := env.Traced(func(ctx context.Context) {
		var err error
		res, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: "get_weather", Arguments: map[string]any{"city": "Atlantis"}})
		require.NoError(t, err)
		_, callErr = cs.CallTool(ctx, &mcp.CallToolParams{Name: "no_such_tool"})
	})
	require.True(t, res.IsError, "a tool error is a result with isError")
	require.Error(t, callErr, "an unknown tool is a JSON-RPC error")

	obs := observations(t, env, id)
	result := spansByType(t, env, id, "tools/call get_weather")
	for typ, s := range result {
		assert.Equal(t, "tool_error", llmtest.Value(s, semconv.ErrorTypeKey), typ)
		o := obs[s.SpanContext.SpanID().String()]
		assert.Equal(t, "ERROR", o.Level, typ)
		assert.Contains(t, o.Output, "no such city: Atlantis", typ)
	}
	unknown := spansByType(t, env, id, "tools/call no_such_tool")
	require.Len(t, unknown, 2)
	cli := unknown["tool"]
	assert.Equal(t, "-32602", llmtest.Value(cli, semconv.RPCResponseStatusCodeKey))
	assert.Equal(t, "-32602", llmtest.Value(cli, semconv.ErrorTypeKey))
	o := obs[cli.SpanContext.SpanID().String()]
	assert.Equal(t, "ERROR", o.Level)
	assert.Contains(t, o.StatusMessage, "no_such_tool")
	assert.Empty(t, o.Output)
	semconvtest.AssertConformant(t, env.Spans.GetSpans().Snapshots())
	assert.NoError(t, env.AT.Check())
}

func TestPromptsAndResources(t *testing.T) {
	env := llmtest.New(t)
	cs := connect(t, newServer(env.Client), mcptrace.ClientMiddleware(env.Client))
	id := env.Traced(func(ctx context.Context) {
		_, err := cs.GetPrompt(ctx, &mcp.GetPromptParams{Name: "summarize", Arguments: map[string]string{"topic": "tides"}})
		require.NoError(t, err)
		_, err = cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: "file:///forecast.txt"})
		require.NoError(t, err)
		_, err = cs.ListTools(ctx, nil) // not traced
		require.NoError(t, err)
	})
	obs := observations(t, env, id)

	prompt := spansByType(t, env, id, "prompts/get summarize")
	require.Len(t, prompt, 2)
	assert.Equal(t, prompt["tool"].SpanContext.SpanID(), prompt["span"].Parent.SpanID())
	assert.Equal(t, "summarize", llmtest.Value(prompt["tool"], semconv.GenAIPromptNameKey))
	assert.Equal(t, "prompts/get", llmtest.Value(prompt["tool"], semconv.MCPMethodNameKey))
	assert.JSONEq(t, `{"topic":"tides"}`, obs[prompt["tool"].SpanContext.SpanID().String()].Input)
	assert.Contains(t, obs[prompt["tool"].SpanContext.SpanID().String()].Output, "Summarize tides")

	res := spansByType(t, env, id, "resources/read")
	require.Len(t, res, 2)
	assert.Equal(t, res["tool"].SpanContext.SpanID(), res["span"].Parent.SpanID())
	assert.Equal(t, "file:///forecast.txt", llmtest.Value(res["tool"], semconv.MCPResourceURIKey))
	assert.Contains(t, obs[res["tool"].SpanContext.SpanID().String()].Output, `"text":"rain"`)

	assert.Len(t, obs, 5, "test, and a client and a server observation for each of the two requests")
}

func TestCaptureContentOffAndMask(t *testing.T) {
	env := llmtest.New(t, instrument.WithMask(func(v any) any { return "masked" }))
	cs := connect(t, newServer(env.Client, mcptrace.WithCaptureContent(false)), mcptrace.ClientMiddleware(env.Client))
	id := env.Traced(func(ctx context.Context) {
		_, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "get_weather", Arguments: map[string]any{"city": "Paris"}})
		require.NoError(t, err)
	})
	obs := observations(t, env, id)
	spans := spansByType(t, env, id, "tools/call get_weather")
	cli, srv := obs[spans["tool"].SpanContext.SpanID().String()], obs[spans["span"].SpanContext.SpanID().String()]
	assert.Equal(t, `"masked"`, cli.Input, "the client's content goes through the mask")
	assert.Equal(t, `"masked"`, cli.Output)
	assert.Empty(t, srv.Input, "the server captures no content")
	assert.Empty(t, srv.Output)
}

func TestNewTraceWithoutObservation(t *testing.T) {
	env := llmtest.New(t)
	cs := connect(t, newServer(env.Client), mcptrace.ClientMiddleware(env.Client))
	_, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "get_weather", Arguments: map[string]any{"city": "Oslo"}})
	require.NoError(t, err)
	require.NoError(t, env.Client.Flush(context.Background()))
	sn := env.AT.Snapshot()
	require.Len(t, sn.Traces, 1, "one trace, whose root is the tool call")
	assert.Equal(t, "tools/call get_weather", sn.Traces[0].Name)
	assert.Len(t, sn.ObservationsOf(sn.Traces[0].ID), 3, "tool, server span, lookup")
	assert.NoError(t, env.AT.Check())
}

func TestPropagatorSetting(t *testing.T) {
	env := llmtest.New(t)
	// Baggage only: no traceparent reaches the server.
	cs := connect(t, newServer(nil), mcptrace.ClientMiddleware(env.Client, mcptrace.WithPropagator(propagation.Baggage{})))
	env.Traced(func(ctx context.Context) {
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "echo_meta"})
		require.NoError(t, err)
		assert.Empty(t, res.Content[0].(*mcp.TextContent).Text)
	})
}
