package semconv

import "go.opentelemetry.io/otel/attribute"

// Keys of the OpenTelemetry semantic conventions for the Model Context
// Protocol (MCP) and of the JSON-RPC and network keys they use, as
// instrument/mcptrace writes them on the spans of MCP requests. They are the
// keys of go.opentelemetry.io/otel/semconv/v1.41.0 (where MCP's keys are
// still in the main conventions; a test keeps them equal). An MCP tools/call
// span also carries gen_ai.operation.name "execute_tool" and
// gen_ai.tool.name, a prompts/get span gen_ai.prompt.name.
const (
	// MCPMethodNameKey is the attribute Key "mcp.method.name", the name of
	// the MCP request or notification method.
	//
	// Type: string ("tools/call", "resources/read", "prompts/get", ...)
	MCPMethodNameKey = attribute.Key("mcp.method.name")

	// MCPSessionIDKey is the attribute Key "mcp.session.id", the MCP session
	// the request belongs to, when the transport has one (streamable HTTP).
	//
	// Type: string
	MCPSessionIDKey = attribute.Key("mcp.session.id")

	// MCPProtocolVersionKey is the attribute Key "mcp.protocol.version", the
	// version of the Model Context Protocol the session negotiated.
	//
	// Type: string ("2025-06-18")
	MCPProtocolVersionKey = attribute.Key("mcp.protocol.version")

	// MCPResourceURIKey is the attribute Key "mcp.resource.uri", the URI of
	// the resource a resources/read request reads.
	//
	// Type: string
	MCPResourceURIKey = attribute.Key("mcp.resource.uri")

	// JSONRPCRequestIDKey is the attribute Key "jsonrpc.request.id", the id
	// of the JSON-RPC request as a string.
	//
	// Type: string
	JSONRPCRequestIDKey = attribute.Key("jsonrpc.request.id")

	// RPCResponseStatusCodeKey is the attribute Key
	// "rpc.response.status_code", the code of a JSON-RPC error answer, as a
	// string ("-32602").
	//
	// Type: string
	RPCResponseStatusCodeKey = attribute.Key("rpc.response.status_code")

	// NetworkTransportKey is the attribute Key "network.transport", how the
	// MCP messages travel: "pipe" for the stdio transport, "tcp" for
	// streamable HTTP.
	//
	// Type: string
	NetworkTransportKey = attribute.Key("network.transport")

	// ErrorTypeKey is the attribute Key "error.type", the class of error a
	// request ended with: the JSON-RPC error code, or "tool_error" for a
	// tool result whose isError is true.
	//
	// Type: string
	ErrorTypeKey = attribute.Key("error.type")
)
