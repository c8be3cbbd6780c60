package llmtrace

import (
	"net/http"

	"go.opentelemetry.io/otel/attribute"
)

// ServerAttributes returns the attributes of the HTTP request req that the
// spans of a call's attempts carry: http.request.method, server.address,
// server.port and url.path. It is for integrations that record attempts
// themselves (the AWS SDK's middleware stack, say).
func ServerAttributes(req *http.Request) []attribute.KeyValue {
	return serverAttrs(req)
}
