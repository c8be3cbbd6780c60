// Command dual-export sends one agent run to two backends at once: to
// Jaeger (or any OTLP/HTTP endpoint: a Collector, Tempo...) as plain
// OpenTelemetry spans, and to AgentTrace as a trace with its observations.
// The same span ids are the Jaeger spans and the AgentTrace observations,
// and the trace id is the same in both.
//
// Start a Jaeger with its OTLP receiver on localhost:4318 and its UI on
// localhost:16686, for example:
//
//	docker run --rm -p 4318:4318 -p 16686:16686 jaegertracing/jaeger:latest
//
// then run:
//
//	go run ./examples/dual-export
//
// Without AGENTTRACE_API_URL the AgentTrace side is an AgentTrace-compatible
// server started in-process (package agenttracetest), whose trace tree is
// printed; with AGENTTRACE_API_URL and AGENTTRACE_API_KEY it is that server.
// The program prints the trace id and the trace's URL in the Jaeger UI.
// When nothing listens on the OTLP endpoint, AgentTrace still gets the
// trace: the program prints it, then exits non-zero with the OTLP export's
// failure ("OTLP export: 4 spans not exported: ... connection refused").
//
// Flags: -otlp sets the OTLP/HTTP endpoint (default http://localhost:4318, or
// OTEL_EXPORTER_OTLP_ENDPOINT), -jaeger-ui the UI's base URL (default
// http://localhost:16686).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/agenttrace/agenttrace-otel-go/connection"

	"go.opentelemetry.io/otel/trace"

	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttracetest"
	"github.com/agenttrace/agenttrace-otel-go/instrument"
)

// config is what the flags and the environment choose.
type config struct {
	// otlp is the OTLP/HTTP endpoint (Jaeger's).
	otlp string
	// jaegerUI is the base URL of the Jaeger UI.
	jaegerUI string
	// agentTraceURL is the AgentTrace API; "" starts one in-process.
	agentTraceURL string
}

func main() {
	otlpDefault := os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT")
	if otlpDefault == "" {
		otlpDefault = "http://localhost:4318"
	}
	var cfg config
	flag.StringVar(&cfg.otlp, "otlp", otlpDefault, "OTLP/HTTP endpoint of Jaeger (or a Collector)")
	flag.StringVar(&cfg.jaegerUI, "jaeger-ui", "http://localhost:16686", "base URL of the Jaeger UI")
	flag.Parse()
	cfg.agentTraceURL = os.Getenv("AGENTTRACE_API_URL")
	if err := run(context.Background(), cfg, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "dual-export:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, cfg config, w io.Writer) error {
	opts := []instrument.Option{instrument.WithOTLPEndpoint(cfg.otlp)}
	var srv *agenttracetest.Server
	if cfg.agentTraceURL == "" {
		srv = agenttracetest.NewServer()
		defer srv.Close()
		opts = append(opts, instrument.WithConnection(connection.Config{APIURL: srv.URL, APIKey: srv.APIKey}))
	}
	// The client reads AGENTTRACE_* from the environment; options win.
	client, err := instrument.New(ctx, opts...)
	if err != nil {
		return err
	}
	traceID := agentRun(ctx, client)

	// Shutdown flushes both exports and says what either could not deliver.
	flushCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	shutdownErr := client.Shutdown(flushCtx)

	fmt.Fprintf(w, "trace id:  %s\n", traceID)
	fmt.Fprintf(w, "Jaeger:    %s/trace/%s\n", strings.TrimSuffix(cfg.jaegerUI, "/"), traceID)
	if srv == nil {
		fmt.Fprintf(w, "AgentTrace: sent to %s\n", cfg.agentTraceURL)
	} else {
		fmt.Fprintf(w, "AgentTrace (in-process at %s):\n", srv.URL)
		if err := srv.RenderTrace(w, traceID.String()); err != nil {
			return err
		}
	}
	if shutdownErr != nil {
		return fmt.Errorf("not everything was delivered: %w", shutdownErr)
	}
	return nil
}

// agentRun records a small agent run: a trace, a planning step holding a
// tool call, and a generation, and returns its trace id.
func agentRun(ctx context.Context, client *instrument.Client) trace.TraceID {
	ctx, tr := client.Trace(ctx, "order-status", instrument.WithUserID("customer-8812"),
		instrument.WithInput("Where is my order #8812?"))
	defer tr.End()

	planCtx, plan := tr.Span(ctx, "plan", instrument.WithType(instrument.TypeChain))
	_, tool := plan.Span(planCtx, "lookup-order", instrument.WithType(instrument.TypeTool),
		instrument.WithInput(map[string]string{"order": "8812"}))
	tool.SetOutput(map[string]string{"status": "shipped", "eta": "tomorrow"})
	tool.End()
	plan.End()

	_, gen := tr.Generation(ctx, "answer", instrument.WithModel("gpt-4o-mini"), instrument.WithProvider("openai"),
		instrument.WithModelParameters(map[string]any{"temperature": 0.2}),
		instrument.WithInput([]map[string]string{{"role": "user", "content": "Where is my order #8812?"}}))
	answer := "Your order shipped and arrives tomorrow."
	gen.SetOutput(map[string]string{"role": "assistant", "content": answer})
	gen.SetUsage(instrument.Usage{InputTokens: 48, OutputTokens: 11})
	gen.End()

	tr.SetOutput(answer)
	return tr.TraceID()
}
