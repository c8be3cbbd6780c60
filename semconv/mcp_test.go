package semconv_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	otelsemconv "go.opentelemetry.io/otel/semconv/v1.41.0"

	"github.com/agenttrace/agenttrace-otel-go/semconv"
)

// TestMCPKeysAreOTel fails when an MCP key of mcp.go differs from the key of
// go.opentelemetry.io/otel/semconv/v1.41.0 it copies.
func TestMCPKeysAreOTel(t *testing.T) {
	assert.Equal(t, otelsemconv.McpMethodNameKey, semconv.MCPMethodNameKey)
	assert.Equal(t, otelsemconv.McpSessionIDKey, semconv.MCPSessionIDKey)
	assert.Equal(t, otelsemconv.McpProtocolVersionKey, semconv.MCPProtocolVersionKey)
	assert.Equal(t, otelsemconv.McpResourceURIKey, semconv.MCPResourceURIKey)
	assert.Equal(t, otelsemconv.JSONRPCRequestIDKey, semconv.JSONRPCRequestIDKey)
	assert.Equal(t, otelsemconv.RPCResponseStatusCodeKey, semconv.RPCResponseStatusCodeKey)
	assert.Equal(t, otelsemconv.NetworkTransportKey, semconv.NetworkTransportKey)
	assert.Equal(t, otelsemconv.ErrorTypeKey, semconv.ErrorTypeKey)
}
