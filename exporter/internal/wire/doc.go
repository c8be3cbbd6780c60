// Package wire encodes the request bodies of the AgentTrace public API
// (exporter/PROTOCOL.md Part A) by appending JSON to byte slices: no reflection, so
// encoding an event costs little more than copying its fields.
package wire
