package instrument

import (
	"github.com/agenttrace/agenttrace-otel-go/connection"
	"github.com/agenttrace/agenttrace-otel-go/internal/clientapi"
)

// The experiments package calls dataset routes with the client's
// connection (internal/clientapi).
func init() {
	clientapi.SetInstrument(func(v any) (connection.Config, bool) {
		c, ok := v.(*Client)
		if !ok || !c.enabled() || c.conn.Offline() {
			return connection.Config{}, false
		}
		return c.conn, true
	})
}
