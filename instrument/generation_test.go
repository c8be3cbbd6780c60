package instrument_test

import (
	"context"
	"testing"
	"time"

	"github.com/agenttrace/agenttrace-otel-go/connection"
	"github.com/agenttrace/agenttrace-otel-go/exporter"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttracetest"
	"github.com/agenttrace/agenttrace-otel-go/instrument"
)

// A model call outside any trace starts a trace whose root observation is
// the generation; EndAt ends it at a time measured elsewhere.
func TestClientGeneration(t *testing.T) {
	c, rec := newClient(t)
	end := time.Now().Add(time.Second)
	ctx, gen := c.Generation(context.Background(), "chat gpt-4.1", instrument.WithModel("gpt-4.1"), instrument.WithUserID("u-1"))
	gen.SetUsage(instrument.Usage{InputTokens: 3, OutputTokens: 4})
	if instrument.FromContext(ctx).ID() != gen.ID() {
		t.Error("the context does not carry the generation")
	}
	gen.EndAt(end)
	s := spans(t, rec)["chat gpt-4.1"]
	if s == nil {
		t.Fatal("no span")
	}
	if s.Parent().IsValid() {
		t.Error("the generation is not a root")
	}
	assertAttrs(t, s, map[string]string{
		"agenttrace.observation.type": "generation",
		"agenttrace.trace.name":       "chat gpt-4.1",
		"agenttrace.trace.user_id":    "u-1",
		"gen_ai.request.model":        "gpt-4.1",
		"gen_ai.usage.input_tokens":   "3",
	})
	if !s.EndTime().Equal(end) {
		t.Errorf("end %v, want %v", s.EndTime(), end)
	}

	_, emb := c.Generation(context.Background(), "embed", instrument.WithType(instrument.TypeEmbedding))
	emb.End()
	assertAttrs(t, spans(t, rec)["embed"], map[string]string{"agenttrace.observation.type": "embedding"})

	var disabled *instrument.Client
	ctx2, noop := disabled.Generation(context.Background(), "x")
	noop.SetUsage(instrument.Usage{InputTokens: 1})
	noop.EndAt(end)
	if noop.IsRecording() || ctx2 != context.Background() {
		t.Error("a nil client records")
	}
}

// The client reports the exporter's counters and, with WithMeterProvider,
// the SDK's own metrics.
func TestClientStatsAndMetrics(t *testing.T) {
	srv := agenttracetest.NewServer(agenttracetest.WithoutRateLimit())
	defer srv.Close()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(context.Background())
	c, err := instrument.New(context.Background(), instrument.WithConnection(connection.Config{APIURL: srv.URL, APIKey: srv.APIKey}),
		instrument.WithExporterOptions(exporter.WithMeterProvider(mp)))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Shutdown(context.Background())
	_, tr := c.Trace(context.Background(), "t")
	tr.End()
	if err := c.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	st := c.Stats()
	if st.Spans != 1 || st.Delivered["trace"] != 1 || st.Delivered["observation"] != 1 {
		t.Errorf("Stats = %+v", st)
	}
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			names[m.Name] = true
		}
	}
	for _, want := range []string{"agenttrace.sdk.exported", "agenttrace.sdk.request.duration", "agenttrace.sdk.queue.depth"} {
		if !names[want] {
			t.Errorf("no metric %s in %v", want, names)
		}
	}
	var disabled *instrument.Client
	if disabled.Stats().Spans != 0 {
		t.Error("a nil client has stats")
	}
}
