package jaeger

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	// readyTimeout bounds the wait for a started Jaeger to answer.
	readyTimeout = time.Minute
	// pollInterval is how often readiness and traces are polled.
	pollInterval = 50 * time.Millisecond
	// stopTimeout is how long Jaeger gets to exit after SIGINT before it is
	// killed.
	stopTimeout = 10 * time.Second
	// startAttempts is how often Start tries when a chosen port was taken
	// by another process between choosing and binding it.
	startAttempts = 3
)

// Instance is a Jaeger process started by [Start]. It is stopped when the
// test that started it ends.
type Instance struct {
	// OTLPEndpoint is the host:port of the OTLP/HTTP receiver, for
	// otlptracehttp.WithEndpoint together with otlptracehttp.WithInsecure
	// (or use [Instance.OTLPTracesURL]).
	OTLPEndpoint string
	// QueryURL is the base URL of the query service: the HTTP API under
	// /api and the UI, such as http://127.0.0.1:41234.
	QueryURL string

	client *http.Client
	output *lockedBuffer
}

// OTLPTracesURL returns the URL of the OTLP/HTTP traces endpoint, for
// otlptracehttp.WithEndpointURL or the OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
// variable.
func (in *Instance) OTLPTracesURL() string {
	return "http://" + in.OTLPEndpoint + "/v1/traces"
}

// Output returns what Jaeger has logged so far. Start logs it through the
// test when the test fails.
func (in *Instance) Output() string {
	return in.output.String()
}

// Start builds Jaeger if needed (see [Binary]), starts the all-in-one
// binary with in-memory storage, an OTLP/HTTP receiver and the query
// service on free loopback ports, waits until both answer and registers
// t.Cleanup to stop it.
//
// It skips the test in -short mode. Any failure to build or start Jaeger
// fails the test.
func Start(t testing.TB) *Instance {
	t.Helper()
	if testing.Short() {
		t.Skip("jaeger: skipping end-to-end test in -short mode: it builds and runs a real Jaeger")
	}
	bin, err := Binary()
	if err != nil {
		t.Fatal(err)
	}
	for attempt := 1; ; attempt++ {
		in, err := start(t, bin)
		if err == nil {
			return in
		}
		if !errors.Is(err, errPortTaken) || attempt == startAttempts {
			t.Fatal(err)
		}
		t.Logf("jaeger: attempt %d: %v; retrying on other ports", attempt, err)
	}
}

// errPortTaken reports that Jaeger could not bind a port chosen for it.
var errPortTaken = errors.New("a chosen port was taken")

// config is the Jaeger configuration: an OpenTelemetry Collector
// configuration using Jaeger's storage and query extensions. Its own
// telemetry (metrics port, traces) is off so that it binds only the ports
// chosen for it and stores only the spans a test sends.
const config = `service:
  extensions: [jaeger_storage, jaeger_query]
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      level: none
    logs:
      level: info

extensions:
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: 10000
  jaeger_query:
    storage:
      traces: memstore
    enable_tracing: false
    http:
      endpoint: %s
    grpc:
      endpoint: %s

receivers:
  otlp:
    protocols:
      http:
        endpoint: %s

exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
`

// start runs one attempt of starting Jaeger and waiting for it.
func start(t testing.TB, bin string) (*Instance, error) {
	addrs, err := freeAddrs(3)
	if err != nil {
		return nil, err
	}
	queryHTTP, queryGRPC, otlpHTTP := addrs[0], addrs[1], addrs[2]
	cfg := filepath.Join(t.TempDir(), "jaeger.yaml")
	if err := os.WriteFile(cfg, fmt.Appendf(nil, config, queryHTTP, queryGRPC, otlpHTTP), 0o600); err != nil {
		return nil, fmt.Errorf("jaeger: writing config: %w", err)
	}

	in := &Instance{
		OTLPEndpoint: otlpHTTP,
		QueryURL:     "http://" + queryHTTP,
		client:       &http.Client{Transport: &http.Transport{}},
		output:       &lockedBuffer{},
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "--config", cfg)
	cmd.Stdout, cmd.Stderr = in.output, in.output
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = stopTimeout
	if err := cmd.Start(); err != nil {
		cancel()
		return nil, fmt.Errorf("jaeger: starting %s: %w", bin, err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() {
		waitErr = cmd.Wait()
		close(exited)
	}()
	// stop interrupts Jaeger, waits for it to exit and returns why it
	// exited when that was not the interrupt.
	stop := func() error {
		cancel()
		<-exited
		in.client.CloseIdleConnections()
		if errors.Is(waitErr, context.Canceled) {
			return nil
		}
		return waitErr
	}

	readyCtx, cancelReady := context.WithTimeout(ctx, readyTimeout)
	err = in.waitReady(readyCtx, exited)
	cancelReady()
	if err != nil {
		stopErr := stop()
		if strings.Contains(in.Output(), "address already in use") {
			return nil, fmt.Errorf("jaeger: %w: %v", errPortTaken, err)
		}
		return nil, fmt.Errorf("jaeger: not ready: %w\n(exit: %v)\n--- jaeger output ---\n%s", err, stopErr, in.Output())
	}
	t.Logf("jaeger: OTLP/HTTP on %s, query on %s", in.OTLPEndpoint, in.QueryURL)
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("jaeger: exited with %v\n--- jaeger output ---\n%s", err, in.Output())
		} else if t.Failed() {
			t.Logf("--- jaeger output ---\n%s", in.Output())
		}
	})
	return in, nil
}

// waitReady polls until the query API lists services and the OTLP receiver
// answers HTTP, Jaeger exits, or ctx is done.
func (in *Instance) waitReady(ctx context.Context, exited <-chan struct{}) error {
	probes := []struct {
		url  string
		want func(status int) bool
	}{
		{in.QueryURL + "/api/services", func(s int) bool { return s == http.StatusOK }},
		// The receiver only accepts POST; any HTTP answer means it listens.
		{in.OTLPTracesURL(), func(int) bool { return true }},
	}
	ticker := time.NewTicker(pollInterval)
	defer ticker.Stop()
	var last error
	for {
		last = nil
		for _, p := range probes {
			if err := in.probe(ctx, p.url, p.want); err != nil {
				last = err
				break
			}
		}
		if last == nil {
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("jaeger exited before it was ready (last probe: %v)", last)
		case <-ctx.Done():
			return fmt.Errorf("%w (last probe: %v)", ctx.Err(), last)
		case <-ticker.C:
		}
	}
}

func (in *Instance) probe(ctx context.Context, url string, want func(int) bool) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := in.client.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if !want(resp.StatusCode) {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return nil
}

// freeAddrs returns n distinct loopback addresses with ports that were free
// a moment ago.
func freeAddrs(n int) ([]string, error) {
	addrs := make([]string, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("jaeger: choosing a free port: %w", err)
		}
		// Keep the listener open until all are chosen so that the ports
		// differ.
		defer l.Close()
		addrs = append(addrs, l.Addr().String())
	}
	return addrs, nil
}

// lockedBuffer collects Jaeger's output, written by exec's copying
// goroutines and read by the test.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
