package prompts

import (
	"github.com/agenttrace/agenttrace-otel-go/internal/clientapi"
	"github.com/agenttrace/agenttrace-otel-go/internal/httpapi"
)

// The experiments package calls dataset routes with the connection of the
// instrument client's prompt client (internal/clientapi).
func init() {
	clientapi.SetPrompts(func(v any) *httpapi.Client {
		if c, ok := v.(*Client); ok && c != nil {
			return c.api
		}
		return nil
	})
}
