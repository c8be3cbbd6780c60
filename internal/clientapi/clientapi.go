package clientapi

import (
	"net/url"

	"github.com/agenttrace/agenttrace-otel-go/connection"
	"github.com/agenttrace/agenttrace-otel-go/internal/httpapi"
	"github.com/agenttrace/agenttrace-otel-go/internal/pace"
)

// connectionOf is set by package instrument: the resolved connection of an
// *instrument.Client and the pacer of its exporter, and false when the
// client has no server to call (nil, disabled, or offline with a file://
// API URL). It takes any because this package cannot import instrument.
var connectionOf func(client any) (connection.Config, *pace.Pacer, bool)

// SetInstrument is called by package instrument with its hook.
func SetInstrument(f func(client any) (connection.Config, *pace.Pacer, bool)) { connectionOf = f }

// API returns an HTTP client of the AgentTrace API on the connection of
// client, an *instrument.Client, paced with its exporter to the server's
// request budget, or nil when it has no server to call.
func API(client any) *httpapi.Client {
	if connectionOf == nil {
		return nil
	}
	conn, p, ok := connectionOf(client)
	if !ok {
		return nil
	}
	c := New(conn)
	c.Pacer = p
	return c
}

// New returns an HTTP client of the AgentTrace API on conn, a resolved
// connection (connection.Config.Resolve) whose URL is http:// or https://:
// its key, project, HTTP client, per-attempt timeout and retry budget.
func New(conn connection.Config) *httpapi.Client {
	base, _ := url.Parse(conn.APIURL) // checked by Resolve
	retry := httpapi.DefaultRetry
	retry.Budget = conn.RetryBudget
	return &httpapi.Client{
		BaseURL:    base,
		APIKey:     conn.APIKey,
		ProjectID:  conn.ProjectID,
		HTTPClient: conn.HTTPClient,
		Timeout:    conn.Timeout,
		Retry:      retry,
	}
}
