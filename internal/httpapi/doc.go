// Package httpapi is the HTTP client of the AgentTrace public API shared by
// the exporter and the prompt client: authentication headers, request ids,
// gzip, per-attempt timeouts, and retries of what can succeed later
// (exporter/PROTOCOL.md A2, A10, A11).
package httpapi
