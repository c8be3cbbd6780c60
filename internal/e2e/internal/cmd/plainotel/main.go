// Command plainotel is a process with only the OpenTelemetry SDK and
// otelhttp, no AgentTrace SDK and no exporter: a plain-OTel gateway in
// front of an instrumented service, for the multi-process tests of
// package e2e. It starts a trace, calls the URL of its argument with W3C
// Trace Context headers, prints the trace id and exits.
package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "plainotel:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("want a URL")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	tp := sdktrace.NewTracerProvider()
	defer tp.Shutdown(ctx)
	hc := &http.Client{Transport: otelhttp.NewTransport(http.DefaultTransport,
		otelhttp.WithTracerProvider(tp), otelhttp.WithPropagators(propagation.TraceContext{}))}

	ctx, span := tp.Tracer("gateway").Start(ctx, "gateway")
	defer span.End()
	fmt.Println(span.SpanContext().TraceID())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, args[0], nil)
	if err != nil {
		return err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s", resp.Status)
	}
	return nil
}
