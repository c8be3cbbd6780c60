package instrument

import (
	"github.com/agenttrace/agenttrace-otel-go/connection"
	"github.com/agenttrace/agenttrace-otel-go/internal/clientapi"
	"github.com/agenttrace/agenttrace-otel-go/internal/pace"
)

// The experiments package calls dataset routes with the client's
// connection, paced with its exporter (internal/clientapi).
func init() {
	clientapi.SetInstrument(func(v any) (connection.Config, *pace.Pacer, bool) {
		c, ok := v.(*Client)
		if !ok || !c.enabled() || c.conn.Offline() {
			return connection.Config{}, nil, false
		}
		return c.conn, c.records.Pacer(), true
	})
}
