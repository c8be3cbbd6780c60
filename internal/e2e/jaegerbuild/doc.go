// Package jaegerbuild pins the Jaeger version that the end-to-end tests run.
//
// Its go.mod holds Jaeger (github.com/jaegertracing/jaeger/cmd/jaeger) as a
// tool with the dependency versions Jaeger was released with. It is a module
// of its own, apart from internal/e2e, because Jaeger v1.76.0 is built on
// OpenTelemetry Collector v0.140 and the experimental otel/log v0.14 API,
// while otel v1.47.0 (the version of this repository) imports the stable
// otel/log v1.47 API, which removed types Jaeger uses: one build cannot hold
// both. Package ../jaeger builds the binary with `go tool -n jaeger` in this
// directory; the go build cache keeps it.
//
// To move to another Jaeger version: `go get -tool
// github.com/jaegertracing/jaeger/cmd/jaeger@VERSION && go mod tidy` here.
package jaegerbuild
