// Command agentproc is a process instrumented with the AgentTrace SDK, run
// by the multi-process tests of package e2e (one trace across processes,
// PROTOCOL.md A17 and A18). Its client is configured by the environment
// (AGENTTRACE_API_URL, AGENTTRACE_API_KEY). Its first argument is its role:
//
//	agentproc service         serve HTTP on a loopback port; print
//	                          "http://<addr>" on stdout, serve until stdin
//	                          closes; each request records a "weather-tool"
//	                          trace with a generation and a score
//	agentproc caller <url>    start an "order" trace that calls url over
//	                          HTTP; print the trace id
//	agentproc agent <dir>     start an "agent" trace that runs
//	                          "agentproc subagent <dir>" through RunCommand;
//	                          print the trace id
//	agentproc subagent <dir>  record a "sub-agent" trace with a generation,
//	                          a score and a file operation (dir/notes.txt)
//
// Every role shuts its client down before it exits, and exits non-zero
// when anything fails.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/scores"
)

func main() {
	// What the SDK reports to otel.Handle goes to stderr, which the
	// test logs.
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) { fmt.Fprintln(os.Stderr, "otel:", err) }))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "agentproc:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) (err error) {
	if len(args) == 0 {
		return errors.New("no role")
	}
	client, err := instrument.New(ctx)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, client.Shutdown(ctx)) }()
	switch args[0] {
	case "service":
		return service(ctx, client)
	case "caller":
		if len(args) != 2 {
			return errors.New("caller: want a URL")
		}
		return caller(ctx, client, args[1])
	case "agent", "subagent":
		if len(args) != 2 {
			return fmt.Errorf("%s: want a directory", args[0])
		}
		if args[0] == "agent" {
			return agent(ctx, client, args[1])
		}
		return subagent(client, args[1])
	}
	return fmt.Errorf("unknown role %q", args[0])
}

// propagators is W3C Trace Context, for otelhttp.
var propagators = otelhttp.WithPropagators(propagation.TraceContext{})

func service(ctx context.Context, client *instrument.Client) error {
	h := otelhttp.NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, tr := client.Trace(r.Context(), "weather-tool")
		defer tr.End()
		_, g := tr.Generation(ctx, "forecast", instrument.WithModel("gpt-4o-mini"))
		g.SetUsage(instrument.Usage{InputTokens: 3, OutputTokens: 4})
		g.End()
		if err := tr.Score(ctx, "tool-ok", scores.Boolean(true)); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		_, _ = io.WriteString(w, "sunny")
	}), "weather", otelhttp.WithTracerProvider(client.TracerProvider()), propagators)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Printf("http://%s\n", ln.Addr())
	// Serve until the test closes stdin.
	_, _ = io.Copy(io.Discard, os.Stdin)
	err = srv.Shutdown(ctx)
	if serr := <-served; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return err
}

func caller(ctx context.Context, client *instrument.Client, url string) error {
	hc := &http.Client{Transport: otelhttp.NewTransport(http.DefaultTransport,
		otelhttp.WithTracerProvider(client.TracerProvider()), propagators)}
	ctx, tr := client.Trace(ctx, "order")
	defer tr.End()
	fmt.Println(tr.TraceID())
	callCtx, call := tr.Span(ctx, "call-weather", instrument.WithType(instrument.TypeTool))
	err := get(callCtx, hc, url)
	call.SetError(err)
	call.End()
	if err != nil {
		return err
	}
	_, g := tr.Generation(ctx, "plan", instrument.WithModel("gpt-4o"))
	g.End()
	return tr.Score(ctx, "order-ok", scores.Numeric(0.9))
}

func get(ctx context.Context, hc *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("%s: %s", resp.Status, body)
	}
	return err
}

func agent(ctx context.Context, client *instrument.Client, dir string) error {
	ctx, tr := client.Trace(ctx, "agent")
	defer tr.End()
	fmt.Println(tr.TraceID())
	_, g := tr.Generation(ctx, "plan", instrument.WithModel("gpt-4o"))
	g.End()
	if err := tr.Score(ctx, "agent-ok", scores.Boolean(true)); err != nil {
		return err
	}
	// RunCommand sends the trace's row ahead of the sub-agent, whose score
	// and file operation need it on the server (A12) before the trace
	// ends.
	self, err := os.Executable()
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, self, "subagent", dir)
	cmd.Stderr = os.Stderr
	if err := tr.RunCommand(ctx, cmd); err != nil {
		return fmt.Errorf("sub-agent: %w", err)
	}
	return nil
}

func subagent(client *instrument.Client, dir string) error {
	// A client whose context holds no span: it joins the trace of
	// TRACEPARENT.
	ctx, tr := client.Trace(context.Background(), "sub-agent")
	defer tr.End()
	_, g := tr.Generation(ctx, "sub-plan", instrument.WithModel("gpt-4o-mini"))
	g.End()
	if err := tr.WriteFile(ctx, filepath.Join(dir, "notes.txt"), []byte("done\n"), 0o600); err != nil {
		return err
	}
	return tr.Score(ctx, "sub-ok", scores.Boolean(true))
}
