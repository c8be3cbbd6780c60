package instrument

import "github.com/agenttrace/agenttrace-otel-go/internal/clientapi"

// The experiments package calls dataset routes with the client's
// connection, which the prompt client holds (internal/clientapi).
func init() {
	clientapi.SetInstrument(func(v any) any {
		if c, ok := v.(*Client); ok && c.enabled() && c.promptClient != nil {
			return c.promptClient
		}
		return nil
	})
}
