// Package mcptrace traces the Model Context Protocol clients and servers of
// the official Go SDK (github.com/modelcontextprotocol/go-sdk) with
// AgentTrace, and carries the trace from the agent to the tool server: one
// trace across the two processes.
//
//	// The agent.
//	client := mcp.NewClient(&mcp.Implementation{Name: "agent"}, nil)
//	client.AddSendingMiddleware(mcptrace.ClientMiddleware(at))
//
//	// The tool server (another process, with its own instrument client).
//	server := mcp.NewServer(&mcp.Implementation{Name: "tools"}, nil)
//	server.AddReceivingMiddleware(mcptrace.ServerMiddleware(at))
//
// # Why middleware
//
// The go-sdk's middleware ([mcp.Client.AddSendingMiddleware],
// [mcp.Server.AddReceivingMiddleware]) is its documented extension point:
// a client's sending middleware sees every request it sends, with the
// call's context and its typed params before they are encoded, and a
// server's receiving middleware every request before its handler, with the
// params decoded, _meta included, and the context the handler will run in.
// That is all the tracing needs: one call per side, for every transport
// (stdio, command, in-memory, streamable HTTP, SSE), without wrapping the
// transports, the sessions or each tool handler. Middleware are
// mcp.Middleware values, so they compose with the application's own.
//
// # The client side
//
// Every tools/call, resources/read and prompts/get request is an
// observation of type tool, under the current AgentTrace observation of the
// call's context (or the root of a new trace of the instrument client given
// to [ClientMiddleware], when the context carries none; with a nil client,
// such calls are not traced). It is named as the OpenTelemetry conventions
// for MCP name the span ("tools/call get_weather", "prompts/get summarize",
// "resources/read") and records:
//
//   - mcp.method.name; for tools, gen_ai.operation.name "execute_tool" and
//     gen_ai.tool.name; for prompts, gen_ai.prompt.name; for resources,
//     mcp.resource.uri; mcp.session.id when the transport has a session
//     (streamable HTTP), mcp.protocol.version, and network.transport when
//     [WithNetworkTransport] says it;
//   - the input (the tool's or the prompt's arguments, the resource's URI)
//     and the output (the result: content, structured content, isError),
//     unless [WithCaptureContent] is off. They go through the instrument
//     client's mask and content budget;
//   - errors: a JSON-RPC error answer sets level ERROR, the span status
//     Error, rpc.response.status_code and error.type (the error code); a
//     tool result whose isError is true does the same with error.type
//     "tool_error" (its text is in the output, where the mask applies). The
//     application still gets the SDK's result and error unchanged.
//
// # Propagation
//
// The OpenTelemetry conventions for MCP carry the trace context in the
// request's params._meta, as W3C traceparent and tracestate entries. The
// client middleware writes them for the request's span (the tool
// observation), into a copy of the params: the caller's params are not
// changed. The default propagator is W3C Trace Context itself, not the
// global one: OpenTelemetry's global propagator does nothing until the
// application sets one, and a trace that silently stops at the server is
// what this package is for. [WithPropagator] replaces it (for baggage, say).
// tracestate carries AgentTrace's mark (agenttrace=o..., see the README's
// "One trace across processes"), so the server's process knows the trace
// is owned upstream and writes no trace row of its own (PROTOCOL.md A17).
//
// # The server side
//
// [ServerMiddleware] reads the trace context from params._meta and records
// the handling of the request as an observation of type span (a child of
// the client's tool observation; it is not a second tool, so a tool call
// counts once) with the same attributes, input and output. The handler
// runs in its context: what the handler records with this SDK nests under
// it, in the agent's trace. The server's instrument client sends its
// observations to the same AgentTrace project; its TracerProvider (the
// client's own, or one with exporter.TraceOwnerSampler) sees the upstream
// mark and writes no second trace row.
//
// # Limits
//
// The go-sdk assigns JSON-RPC request ids inside its connection and does
// not show them to middleware, so jsonrpc.request.id is not recorded. The
// go-sdk does not tell a middleware which transport a session runs on:
// network.transport is what [WithNetworkTransport] says. A server whose
// connection context already carries an AgentTrace observation (an
// in-process server connected inside a trace) records its handling as a
// new trace linked to that observation, as [instrument.Client.Trace] does.
// The go-sdk records no OpenTelemetry spans of its own (v1.8.0), so there
// is nothing to deduplicate.
package mcptrace
