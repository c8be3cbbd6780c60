package agenttraceexporter

import (
	"context"
	"errors"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer/consumererror"
	collexporter "go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/agenttrace/agenttrace-otel-go/exporter"
)

// tracesExporter hands the Collector's traces to the SDK's exporter, which
// it creates at start and shuts down at shutdown.
type tracesExporter struct {
	cfg *Config
	set collexporter.Settings
	sdk *exporter.Exporter
	// abort, cancelled when the Collector's shutdown deadline passes, ends
	// the exports in flight and those the sending queue still holds.
	abort       context.Context
	cancelAbort context.CancelFunc
}

func newTracesExporter(cfg *Config, set collexporter.Settings) *tracesExporter {
	te := &tracesExporter{cfg: cfg, set: set}
	te.abort, te.cancelAbort = context.WithCancel(context.Background())
	return te
}

// tracesComponent is the exporterhelper's exporter with a Shutdown that
// keeps its deadline. The exporterhelper's Shutdown drains the sending
// queue first, waiting for every export however long it takes (against a
// dead backend, up to the SDK's retry budget per request), and calls
// tracesExporter.shutdown only then. So when ctx ends, the exports still
// running are cancelled: the SDK keeps what they could not send, and its
// Shutdown, run with the ended ctx, reports it as not delivered.
type tracesComponent struct {
	collexporter.Traces
	te *tracesExporter
}

// Shutdown shuts the exporter down within ctx.
func (c *tracesComponent) Shutdown(ctx context.Context) error {
	stop := context.AfterFunc(ctx, c.te.cancelAbort)
	defer stop()
	return c.Traces.Shutdown(ctx)
}

// errNotStarted is returned by push before start.
var errNotStarted = errors.New("agenttrace exporter: not started")

func (te *tracesExporter) start(ctx context.Context, _ component.Host) error {
	opts := append(te.cfg.options(), exporter.WithMeterProvider(te.set.MeterProvider))
	sdk, err := exporter.New(opts...)
	if err != nil {
		return err
	}
	te.sdk = sdk
	return nil
}

// shutdown flushes what the SDK's exporter still holds within ctx. It is
// called even when start was not, or failed.
func (te *tracesExporter) shutdown(ctx context.Context) error {
	if te.sdk == nil {
		return nil
	}
	return te.sdk.Shutdown(ctx)
}

// push exports one batch of traces, until it is done, ctx ends or the
// shutdown deadline passes.
func (te *tracesExporter) push(ctx context.Context, td ptrace.Traces) error {
	if te.sdk == nil {
		return consumererror.NewPermanent(errNotStarted)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(te.abort, cancel)()
	return exportError(te.sdk.ExportSpans(ctx, ReadOnlySpans(td)))
}

// exportError maps an error of the SDK exporter's ExportSpans to the
// Collector's error model: what the SDK gave up (a *exporter.DeliveryError:
// rejected by the server with a 4xx, too large, retry queue full) and a
// shut-down exporter are permanent, so the exporterhelper does not retry
// them; anything else (the context ended) is left retryable.
func exportError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, exporter.ErrNotDelivered), errors.Is(err, exporter.ErrShutdown):
		return consumererror.NewPermanent(err)
	}
	return err
}
