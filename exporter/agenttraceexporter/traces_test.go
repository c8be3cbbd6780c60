package agenttraceexporter_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.uber.org/goleak"

	"github.com/agenttrace/agenttrace-otel-go/exporter"
	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttraceexporter"
	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttracetest"
	"github.com/agenttrace/agenttrace-otel-go/internal/attestctl"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

var (
	traceID = pcommon.TraceID{0x5c, 0x0f, 0xfe, 0xe0, 0xd1, 0x5e, 0xa5, 0xe5, 0xa1, 0xb2, 0xc3, 0xd4, 0xe5, 0xf6, 0x07, 0x18}
	t0      = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
)

func spanID(b byte) pcommon.SpanID { return pcommon.SpanID{0, 0, 0, 0, 0, 0, 0, b} }

// agentTraces is an agent run as a Collector receives it from two
// instrumentations: the AgentTrace instrument (a trace and a generation)
// and otelhttp (the generation's HTTP request, which the default filter
// leaves out), in one ResourceSpans.
func agentTraces() ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "support-bot")

	at := rs.ScopeSpans().AppendEmpty()
	at.Scope().SetName("github.com/agenttrace/agenttrace-otel-go/instrument")
	root := at.Spans().AppendEmpty()
	fill(root, "support-ticket", 1, 0, 0, 4000)
	root.Attributes().PutStr("agenttrace.observation.type", "agent")
	root.Attributes().PutStr("agenttrace.trace.name", "support-ticket")
	root.Attributes().PutStr("agenttrace.trace.user_id", "u-42")
	tags := root.Attributes().PutEmptySlice("agenttrace.trace.tags")
	tags.AppendEmpty().SetStr("support")
	root.Attributes().PutStr("agenttrace.observation.input", `{"question":"where is my order?"}`)
	root.Attributes().PutStr("agenttrace.observation.output", `"on its way"`)
	gen := at.Spans().AppendEmpty()
	fill(gen, "answer", 2, 1, 100, 3000)
	gen.SetKind(ptrace.SpanKindClient)
	gen.Attributes().PutStr("agenttrace.observation.type", "generation")
	gen.Attributes().PutStr("gen_ai.request.model", "claude-sonnet-4-5")
	gen.Attributes().PutInt("gen_ai.usage.input_tokens", 52)
	gen.Attributes().PutInt("gen_ai.usage.output_tokens", 71)

	web := rs.ScopeSpans().AppendEmpty()
	web.Scope().SetName("go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp")
	post := web.Spans().AppendEmpty()
	fill(post, "POST", 3, 2, 200, 2900)
	post.SetKind(ptrace.SpanKindClient)
	post.Attributes().PutStr("http.request.method", "POST")
	return td
}

func fill(s ptrace.Span, name string, id, parent byte, startMs, endMs int) {
	s.SetName(name)
	s.SetTraceID(traceID)
	s.SetSpanID(spanID(id))
	if parent != 0 {
		s.SetParentSpanID(spanID(parent))
	}
	s.SetFlags(0x101) // sampled, parent known to be local
	s.SetStartTimestamp(pcommon.NewTimestampFromTime(t0.Add(time.Duration(startMs) * time.Millisecond)))
	s.SetEndTimestamp(pcommon.NewTimestampFromTime(t0.Add(time.Duration(endMs) * time.Millisecond)))
}

// config returns a configuration pointed at srv, without the sending queue
// so that ConsumeTraces returns the export's result.
func config(srv *agenttracetest.Server) *agenttraceexporter.Config {
	cfg := agenttraceexporter.NewFactory().CreateDefaultConfig().(*agenttraceexporter.Config)
	cfg.Endpoint = srv.URL
	cfg.APIKey = configopaque.String(srv.APIKey)
	cfg.QueueConfig = configoptional.None[exporterhelper.QueueBatchConfig]()
	cfg.RetryBudget = 5 * time.Second
	return cfg
}

func TestConsumeTraces(t *testing.T) {
	srv := agenttracetest.NewServer(agenttracetest.WithoutRateLimit())
	defer srv.Close()
	ctx := context.Background()

	exp, err := agenttraceexporter.NewFactory().CreateTraces(ctx, exportertest.NewNopSettings(agenttraceexporter.Type), config(srv))
	require.NoError(t, err)
	require.NoError(t, exp.Start(ctx, componenttest.NewNopHost()))
	require.NoError(t, exp.ConsumeTraces(ctx, agentTraces()))
	require.NoError(t, exp.Shutdown(ctx))

	id := traceID.String()
	tr, ok := srv.Trace(id)
	require.True(t, ok)
	assert.Equal(t, "support-ticket", tr.Name)
	assert.Equal(t, "u-42", tr.UserID)
	assert.Equal(t, []string{"support"}, tr.Tags)
	assert.JSONEq(t, `{"question":"where is my order?"}`, tr.Input)
	assert.JSONEq(t, `"on its way"`, tr.Output)
	assert.Equal(t, t0, tr.StartTime.UTC())

	var out strings.Builder
	require.NoError(t, srv.RenderTrace(&out, id))
	assert.Equal(t, fmt.Sprintf(`trace support-ticket %s 4s user=u-42 tags=support
└─ AGENT support-ticket +0s 4s
   └─ GENERATION answer +100ms 2.9s model=claude-sonnet-4-5 tokens=52/71/123
`, id), out.String(), "the HTTP span is left out")
}

// TestRetriesAreTheSDKs shows how retries work in a Collector: the SDK's
// exporter retries a 503 itself and ConsumeTraces succeeds, with the
// exporterhelper's retry off.
func TestRetriesAreTheSDKs(t *testing.T) {
	srv := agenttracetest.NewServer(agenttracetest.WithoutRateLimit())
	defer srv.Close()
	attestctl.Of(srv).FailNextOn("/api/public/ingestion", 2, attestctl.Status(503).WithRetryAfter("0"))
	ctx := context.Background()
	cfg := config(srv)
	require.False(t, cfg.RetryConfig.Enabled)

	exp, err := agenttraceexporter.NewFactory().CreateTraces(ctx, exportertest.NewNopSettings(agenttraceexporter.Type), cfg)
	require.NoError(t, err)
	require.NoError(t, exp.Start(ctx, componenttest.NewNopHost()))
	require.NoError(t, exp.ConsumeTraces(ctx, agentTraces()))
	require.NoError(t, exp.Shutdown(ctx))

	assert.Len(t, srv.Observations(traceID.String()), 2)
	assert.Len(t, srv.Snapshot().Requests, 3, "two 503s, then the request that succeeded")
}

// TestRejectedIsPermanent checks that what the server refuses for good (a
// wrong API key) comes back as a permanent error, which the exporterhelper
// never retries, even with retry_on_failure on.
func TestRejectedIsPermanent(t *testing.T) {
	srv := agenttracetest.NewServer(agenttracetest.WithoutRateLimit())
	defer srv.Close()
	ctx := context.Background()
	cfg := config(srv)
	cfg.APIKey = "pk-lf-not-a-key-of-this-server"
	cfg.RetryConfig.Enabled = true

	exp, err := agenttraceexporter.NewFactory().CreateTraces(ctx, exportertest.NewNopSettings(agenttraceexporter.Type), cfg)
	require.NoError(t, err)
	require.NoError(t, exp.Start(ctx, componenttest.NewNopHost()))
	err = exp.ConsumeTraces(ctx, agentTraces())
	require.Error(t, err)
	assert.True(t, consumererror.IsPermanent(err), "%v", err)
	assert.ErrorContains(t, err, "401")
	assert.NotContains(t, err.Error(), "pk-lf-not-a-key-of-this-server")
	// Shutdown does not report again the observations ConsumeTraces
	// returned; it may report the trace row, which no ConsumeTraces did.
	var de *exporter.DeliveryError
	if err := exp.Shutdown(ctx); errors.As(err, &de) {
		assert.Zero(t, de.Lost[exporter.KindObservation], "observations reported again: %v", err)
	}
	assert.Len(t, srv.Snapshot().Requests, 1, "a 401 is sent once")
}

func TestOfflineEndpoint(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ingestion.jsonl")
	cfg := agenttraceexporter.NewFactory().CreateDefaultConfig().(*agenttraceexporter.Config)
	cfg.Endpoint = "file://" + path
	cfg.QueueConfig = configoptional.None[exporterhelper.QueueBatchConfig]()
	ctx := context.Background()

	exp, err := agenttraceexporter.NewFactory().CreateTraces(ctx, exportertest.NewNopSettings(agenttraceexporter.Type), cfg)
	require.NoError(t, err)
	require.NoError(t, exp.Start(ctx, componenttest.NewNopHost()))
	require.NoError(t, exp.ConsumeTraces(ctx, agentTraces()))
	require.NoError(t, exp.Shutdown(ctx))

	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Contains(t, string(data), `"type":"generation-create"`)
	assert.Contains(t, string(data), `"model":"claude-sonnet-4-5"`)
	assert.Contains(t, string(data), `"type":"trace-create"`)
}

func TestLifecycle(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		cfg  func(*agenttraceexporter.Config)
		// startErr is what Start must fail with; "" means it starts.
		startErr string
	}{
		{name: "shutdown without start", cfg: func(*agenttraceexporter.Config) {}},
		{
			name:     "the SDK's own checks fail start",
			cfg:      func(c *agenttraceexporter.Config) { c.MaxRequestBytes = 100 },
			startErr: "max request bytes 100: want at least 4096",
		},
		{
			name:     "an offline file that cannot be opened fails start",
			cfg:      func(c *agenttraceexporter.Config) { c.Endpoint = "file:///nonexistent-dir/x/out.jsonl" },
			startErr: "offline mode",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := agenttraceexporter.NewFactory().CreateDefaultConfig().(*agenttraceexporter.Config)
			cfg.APIKey = "pk-lf-test"
			tt.cfg(cfg)
			exp, err := agenttraceexporter.NewFactory().CreateTraces(ctx, exportertest.NewNopSettings(agenttraceexporter.Type), cfg)
			require.NoError(t, err)
			if tt.startErr != "" {
				assert.ErrorContains(t, exp.Start(ctx, componenttest.NewNopHost()), tt.startErr)
			}
			assert.NoError(t, exp.Shutdown(ctx))
		})
	}
}

func TestConsumeBeforeStartIsPermanent(t *testing.T) {
	cfg := agenttraceexporter.NewFactory().CreateDefaultConfig().(*agenttraceexporter.Config)
	cfg.APIKey = "pk-lf-test"
	cfg.QueueConfig = configoptional.None[exporterhelper.QueueBatchConfig]()
	ctx := context.Background()
	exp, err := agenttraceexporter.NewFactory().CreateTraces(ctx, exportertest.NewNopSettings(agenttraceexporter.Type), cfg)
	require.NoError(t, err)
	err = exp.ConsumeTraces(ctx, agentTraces())
	assert.True(t, consumererror.IsPermanent(err), "%v", err)
}

// TestShutdownKeepsItsDeadline: with the default sending queue and an
// export hanging on a backend that never answers, Shutdown returns when its
// context ends, reporting the spans it could not deliver, rather than when
// the SDK's attempt timeout and retry budget run out. The attempt timeout
// is a minute here, so only the component's cancellation can end the hang
// before the test's guard.
func TestShutdownKeepsItsDeadline(t *testing.T) {
	srv := agenttracetest.NewServer(agenttracetest.WithoutRateLimit())
	defer srv.Close()
	attestctl.Of(srv).SetFault(attestctl.Hang())
	ctx := context.Background()
	cfg := agenttraceexporter.NewFactory().CreateDefaultConfig().(*agenttraceexporter.Config)
	cfg.Endpoint = srv.URL
	cfg.APIKey = configopaque.String(srv.APIKey)
	cfg.Timeout = time.Minute
	require.True(t, cfg.QueueConfig.HasValue(), "the default sending queue")

	exp, err := agenttraceexporter.NewFactory().CreateTraces(ctx, exportertest.NewNopSettings(agenttraceexporter.Type), cfg)
	require.NoError(t, err)
	require.NoError(t, exp.Start(ctx, componenttest.NewNopHost()))
	require.NoError(t, exp.ConsumeTraces(ctx, agentTraces()), "queued")
	require.NoError(t, srv.WaitFor(ctx, func(sn agenttracetest.Snapshot) bool { return len(sn.Requests) >= 1 }), "the export is in flight, hanging")

	sctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- exp.Shutdown(sctx) }()
	select {
	case err := <-done:
		assert.ErrorIs(t, err, exporter.ErrNotDelivered, "the hanging export's spans are reported")
	case <-time.After(20 * time.Second):
		t.Fatal("Shutdown did not return after its context ended")
	}
}
