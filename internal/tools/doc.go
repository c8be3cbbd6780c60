// Package tools pins the development tools of the AgentTrace Go SDK in a
// module of their own, so that SDK users never pay for them: staticcheck is
// a `tool` of this module (`make lint` runs the binary that `go -C
// internal/tools tool -n staticcheck` builds), and cmd/benchtable turns
// `go test -bench` output into the comparison table that `make bench`
// prints.
//
// Nothing here is imported by the SDK. Tests of this module only cover the
// tools themselves.
package tools
