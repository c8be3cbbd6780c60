package e2e_test

import (
	"context"
	"fmt"
	"net"
	"sort"
	"testing"
	"time"

	"github.com/agenttrace/agenttrace-otel-go/connection"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/provider/yamlprovider"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/otelcol"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/batchprocessor"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/otlpreceiver"
	"go.opentelemetry.io/collector/service/telemetry/otelconftelemetry"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttraceexporter"
	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttracetest"
	"github.com/agenttrace/agenttrace-otel-go/instrument"
)

// collectorConfig is an in-process Collector's pipeline: OTLP/HTTP in,
// batch, agenttrace out. Its own metrics are off so that parallel tests do
// not fight over port 8888.
const collectorConfig = `
receivers:
  otlp:
    protocols:
      http:
        endpoint: %s
processors:
  batch:
    timeout: 50ms
exporters:
  agenttrace:
    endpoint: %s
    api_key: %s
service:
  telemetry:
    metrics:
      level: none
    logs:
      level: warn
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [agenttrace]
`

// collector is a Collector running in the test process.
type collector struct {
	// OTLPEndpoint is the base URL of its OTLP/HTTP receiver, for
	// instrument.WithOTLPEndpoint.
	OTLPEndpoint string
	col          *otelcol.Collector
	done         chan error
}

// startCollector runs a Collector whose agenttrace exporter delivers to
// srv and waits until it runs. Stop it with stop, which drains its
// pipeline.
func startCollector(t *testing.T, srv *agenttracetest.Server) *collector {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())

	factories := func() (otelcol.Factories, error) {
		var f otelcol.Factories
		var err error
		if f.Receivers, err = otelcol.MakeFactoryMap[receiver.Factory](otlpreceiver.NewFactory()); err != nil {
			return f, err
		}
		if f.Processors, err = otelcol.MakeFactoryMap[processor.Factory](batchprocessor.NewFactory()); err != nil {
			return f, err
		}
		if f.Exporters, err = otelcol.MakeFactoryMap[exporter.Factory](agenttraceexporter.NewFactory()); err != nil {
			return f, err
		}
		f.Telemetry = otelconftelemetry.NewFactory()
		return f, nil
	}
	cfg := fmt.Sprintf(collectorConfig, addr, srv.URL, srv.APIKey)
	col, err := otelcol.NewCollector(otelcol.CollectorSettings{
		BuildInfo:               component.BuildInfo{Command: "e2e-otelcol", Version: "test"},
		Factories:               factories,
		DisableGracefulShutdown: true,
		SkipSettingGRPCLogger:   true,
		ConfigProviderSettings: otelcol.ConfigProviderSettings{ResolverSettings: confmap.ResolverSettings{
			URIs:              []string{"yaml:" + cfg},
			ProviderFactories: []confmap.ProviderFactory{yamlprovider.NewFactory()},
		}},
	})
	require.NoError(t, err)
	c := &collector{OTLPEndpoint: "http://" + addr, col: col, done: make(chan error, 1)}
	go func() { c.done <- col.Run(context.Background()) }()
	t.Cleanup(func() { c.stop(t) })

	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	require.NoError(t, c.waitRunning(ctx))
	return c
}

// waitRunning polls the Collector's state until it runs (its receivers
// listen), it exits, or ctx ends.
func (c *collector) waitRunning(ctx context.Context) error {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for c.col.GetState() != otelcol.StateRunning {
		select {
		case err := <-c.done:
			c.done <- err
			return fmt.Errorf("collector exited before it ran: %v", err)
		case <-ctx.Done():
			return fmt.Errorf("collector not running: %w", ctx.Err())
		case <-tick.C:
		}
	}
	return nil
}

// stop shuts the Collector down, which drains its batch processor, queue
// and exporter, and waits for it. A second stop does nothing.
func (c *collector) stop(t *testing.T) {
	if c.col == nil {
		return
	}
	c.col.Shutdown()
	require.NoError(t, <-c.done)
	c.col = nil
}

// TestCollectorPipeline sends one agent run through the SDK twice at once:
// directly to one AgentTrace server, and as plain OTLP through an
// in-process Collector (OTLP receiver, batch processor, agenttrace
// exporter) to another. Both servers must hold the same trace and the same
// observations, field by field.
func TestCollectorPipeline(t *testing.T) {
	direct := agenttracetest.NewServer(agenttracetest.WithoutRateLimit())
	defer direct.Close()
	viaCollector := agenttracetest.NewServer(agenttracetest.WithoutRateLimit())
	defer viaCollector.Close()
	col := startCollector(t, viaCollector)

	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	client, err := instrument.New(ctx,
		instrument.WithConnection(connection.Config{APIURL: direct.URL, APIKey: direct.APIKey}),
		instrument.WithOTLPEndpoint(col.OTLPEndpoint))
	require.NoError(t, err)

	traceID := runAgent(ctx, client)
	require.NoError(t, client.Shutdown(ctx))
	col.stop(t)

	id := traceID.String()
	want, got := direct.Snapshot(), viaCollector.Snapshot()
	require.Len(t, want.TraceRows(id), 1)
	require.Len(t, got.TraceRows(id), 1, "one trace row, with one start time")
	wantTrace, _ := want.Trace(id)
	gotTrace, _ := got.Trace(id)
	assert.Equal(t, normalizeTrace(wantTrace), normalizeTrace(gotTrace))
	assert.Equal(t, normalizeObservations(want.ObservationsOf(id)), normalizeObservations(got.ObservationsOf(id)))

	// And what arrived is the agent run, not merely the same thing twice.
	assert.Equal(t, "support-ticket", gotTrace.Name)
	assert.Equal(t, "u-42", gotTrace.UserID)
	assert.Equal(t, "s-7", gotTrace.SessionID)
	assert.Equal(t, []string{"support", "e2e"}, gotTrace.Tags)
	assert.JSONEq(t, `{"question":"where is my order?"}`, gotTrace.Input)
	assert.JSONEq(t, `"It ships tomorrow."`, gotTrace.Output)

	byName := map[string]agenttracetest.Observation{}
	for _, o := range got.ObservationsOf(id) {
		byName[o.Name] = o
	}
	require.Len(t, byName, 4, "trace, tool, generation and event; the HTTP span is left out")
	root, tool, gen, ev := byName["support-ticket"], byName["lookup-order"], byName["answer"], byName["order-found"]
	assert.Empty(t, root.ParentObservationID)
	assert.Equal(t, root.ID, tool.ParentObservationID)
	assert.Equal(t, tool.ID, ev.ParentObservationID)
	assert.Equal(t, root.ID, gen.ParentObservationID, "attached across the filtered HTTP span")
	assert.Equal(t, "SPAN", tool.Type)
	assert.JSONEq(t, `{"observationType":"tool"}`, tool.Metadata)
	assert.Equal(t, "EVENT", ev.Type)
	assert.Equal(t, "GENERATION", gen.Type)
	assert.Equal(t, "claude-sonnet-4-5", gen.Model)
	assert.JSONEq(t, `{"temperature":0.2,"max_tokens":400}`, gen.ModelParameters)
	require.NotNil(t, gen.Usage)
	assert.Equal(t, agenttracetest.Usage{InputTokens: 52, OutputTokens: 71, TotalTokens: 123}, *gen.Usage)
	assert.JSONEq(t, `[{"role":"user","content":"where is my order?"}]`, gen.Input)
	assert.JSONEq(t, `{"role":"assistant","content":"It ships tomorrow."}`, gen.Output)
}

// runAgent records a small agent run: a trace with a tool span holding an
// event, and a generation made inside an HTTP client span of another
// instrumentation, which the default span filter leaves out.
func runAgent(ctx context.Context, client *instrument.Client) trace.TraceID {
	ctx, tr := client.Trace(ctx, "support-ticket",
		instrument.WithUserID("u-42"), instrument.WithSessionID("s-7"), instrument.WithTags("support", "e2e"),
		instrument.WithInput(map[string]string{"question": "where is my order?"}))
	defer tr.End()

	toolCtx, tool := tr.Span(ctx, "lookup-order", instrument.WithType(instrument.TypeTool))
	tool.Event(toolCtx, "order-found", map[string]string{"status": "shipped"})
	tool.End()

	httpCtx, httpSpan := client.TracerProvider().Tracer("go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp").
		Start(ctx, "POST", trace.WithSpanKind(trace.SpanKindClient),
			trace.WithAttributes(attribute.String("http.request.method", "POST")))
	_, gen := tr.Generation(httpCtx, "answer",
		instrument.WithModel("claude-sonnet-4-5"), instrument.WithProvider("anthropic"),
		instrument.WithModelParameters(map[string]any{"temperature": 0.2, "max_tokens": 400}),
		instrument.WithInput([]map[string]string{{"role": "user", "content": "where is my order?"}}))
	gen.SetOutput(map[string]string{"role": "assistant", "content": "It ships tomorrow."})
	gen.SetUsage(instrument.Usage{InputTokens: 52, OutputTokens: 71})
	gen.End()
	httpSpan.End()

	tr.SetOutput("It ships tomorrow.")
	return tr.TraceID()
}

// normalizeTrace drops what only the server decides (project, row times).
func normalizeTrace(t agenttracetest.Trace) agenttracetest.Trace {
	t.ProjectID = ""
	t.CreatedAt, t.UpdatedAt = time.Time{}, time.Time{}
	return t
}

// normalizeObservations drops what only the server decides and orders the
// rows by id.
func normalizeObservations(obs []agenttracetest.Observation) []agenttracetest.Observation {
	out := make([]agenttracetest.Observation, len(obs))
	for i, o := range obs {
		o.ProjectID = ""
		o.CreatedAt, o.UpdatedAt = time.Time{}, time.Time{}
		out[i] = o
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
