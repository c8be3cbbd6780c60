// Package e2e holds the end-to-end tests of the AgentTrace Go SDK: they
// export through real exporters to a real Jaeger (package jaeger starts one)
// and read back what arrived.
//
// It is a module of its own so that the SDK's go.mod never carries test
// infrastructure; it uses the SDK from this repository through a replace
// directive (a test that starts importing another SDK package may need `go
// mod tidy` here). Jaeger itself is pinned in the module ./jaegerbuild. The
// tests run in `make test` and `make e2e`; `go test -short` skips them.
package e2e
