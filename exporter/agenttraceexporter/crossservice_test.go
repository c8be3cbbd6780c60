package agenttraceexporter_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttraceexporter"
	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttracetest"
	"github.com/agenttrace/agenttrace-otel-go/semconv"
)

// OTLP span flags (see spans.go): sampled, with the parent known to be
// local or known to be remote.
const (
	localParent  = 0x100 | 0x01
	remoteParent = 0x200 | 0x100 | 0x01
)

// spanSpec is a span of a cross-service trace.
type spanSpec struct {
	name           string
	id, parent     byte
	flags          uint32
	state          string // the agenttrace tracestate value; "" for none
	typ            string // agenttrace.observation.type
	traceName      string // agenttrace.trace.name; "" for none
	startMs, endMs int
	userID         string
	resource       string // service.name
}

// traces returns specs as one ptrace.Traces, one ResourceSpans per service.
func traces(specs ...spanSpec) ptrace.Traces {
	td := ptrace.NewTraces()
	scopes := map[string]ptrace.ScopeSpans{}
	for _, sp := range specs {
		ss, ok := scopes[sp.resource]
		if !ok {
			rs := td.ResourceSpans().AppendEmpty()
			rs.Resource().Attributes().PutStr("service.name", sp.resource)
			ss = rs.ScopeSpans().AppendEmpty()
			ss.Scope().SetName("github.com/agenttrace/agenttrace-otel-go/instrument")
			scopes[sp.resource] = ss
		}
		s := ss.Spans().AppendEmpty()
		fill(s, sp.name, sp.id, sp.parent, sp.startMs, sp.endMs)
		s.SetFlags(sp.flags)
		if sp.state != "" {
			s.TraceState().FromRaw(semconv.TraceStateKey + "=" + sp.state)
		}
		s.Attributes().PutStr(string(semconv.ObservationTypeKey), sp.typ)
		if sp.traceName != "" {
			s.Attributes().PutStr(string(semconv.TraceNameKey), sp.traceName)
		}
		if sp.userID != "" {
			s.Attributes().PutStr(string(semconv.TraceUserIDKey), sp.userID)
		}
	}
	return td
}

// Two services of ours: A starts the trace and calls B over HTTP with
// traceparent and tracestate; B joins it (its local root has a remote
// parent, A's tool span) and calls client.Trace(ctx, "weather-tool").
var (
	serviceA = []spanSpec{
		{name: "plan-trip", id: 1, flags: localParent, state: semconv.TraceStateOwner, typ: "agent",
			traceName: "plan-trip", startMs: 0, endMs: 5000, resource: "service-a"},
		{name: "call-weather", id: 2, parent: 1, flags: localParent, state: semconv.TraceStateOwner, typ: "tool",
			startMs: 100, endMs: 2000, resource: "service-a"},
	}
	serviceB = []spanSpec{
		{name: "weather-tool", id: 10, parent: 2, flags: remoteParent, state: semconv.TraceStateJoined, typ: "agent",
			traceName: "weather-tool", userID: "only-b-knows", startMs: 200, endMs: 1900, resource: "service-b"},
		{name: "forecast", id: 11, parent: 10, flags: localParent, state: semconv.TraceStateJoined, typ: "generation",
			startMs: 300, endMs: 1800, resource: "service-b"},
		{name: "lookup", id: 12, parent: 10, flags: localParent, state: semconv.TraceStateJoined, typ: "tool",
			startMs: 1810, endMs: 1850, resource: "service-b"},
	}
)

// crossServiceParents is where each observation of the two services' trace
// belongs.
var crossServiceParents = map[string]string{
	spanID(1).String():  "",
	spanID(2).String():  spanID(1).String(),
	spanID(10).String(): spanID(2).String(),
	spanID(11).String(): spanID(10).String(),
	spanID(12).String(): spanID(10).String(),
}

// instance returns a started agenttrace exporter, as one Collector instance
// runs it, delivering to srv. It is shut down when the test ends; its
// Shutdown must report nothing.
func instance(t *testing.T, srv *agenttracetest.Server) exporter.Traces {
	t.Helper()
	ctx := context.Background()
	exp, err := agenttraceexporter.NewFactory().CreateTraces(ctx, exportertest.NewNopSettings(agenttraceexporter.Type), config(srv))
	require.NoError(t, err)
	require.NoError(t, exp.Start(ctx, componenttest.NewNopHost()))
	return exp
}

// assertOneTrace checks that srv holds one row of the trace, named name,
// starting when A's root starts, and the observations under their parents.
func assertOneTrace(t *testing.T, srv *agenttracetest.Server, name string, parents map[string]string) {
	t.Helper()
	sn := srv.Snapshot()
	id := traceID.String()
	rows := sn.TraceRows(id)
	require.Len(t, rows, 1, "one trace row for the trace id")
	assert.Equal(t, name, rows[0].Name, "the owner's row")
	assert.Equal(t, t0, rows[0].StartTime.UTC())
	got := map[string]string{}
	for _, o := range sn.ObservationsOf(id) {
		got[o.ID] = o.ParentObservationID
	}
	assert.Equal(t, parents, got, "every observation under its parent")
}

// TestCrossServiceThroughCollectors: a trace that crosses two services of
// ours gets one trace row through Collectors, as it does straight from the
// SDK (A17): B's spans say, in their tracestate, that B joined a trace A
// owns, so B's local root writes no row, whichever instance exports it.
func TestCrossServiceThroughCollectors(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		// send delivers the two services' spans through instances of the
		// component.
		send func(t *testing.T, srv *agenttracetest.Server)
	}{
		{
			name: "one instance, one batch",
			send: func(t *testing.T, srv *agenttracetest.Server) {
				exp := instance(t, srv)
				require.NoError(t, exp.ConsumeTraces(ctx, traces(append(append([]spanSpec{}, serviceB...), serviceA...)...)))
				require.NoError(t, exp.Shutdown(ctx))
			},
		},
		{
			name: "one instance, B's spans first",
			send: func(t *testing.T, srv *agenttracetest.Server) {
				exp := instance(t, srv)
				require.NoError(t, exp.ConsumeTraces(ctx, traces(serviceB...)))
				require.NoError(t, exp.ConsumeTraces(ctx, traces(serviceA...)))
				require.NoError(t, exp.Shutdown(ctx))
			},
		},
		{
			name: "one instance, A's spans first",
			send: func(t *testing.T, srv *agenttracetest.Server) {
				exp := instance(t, srv)
				require.NoError(t, exp.ConsumeTraces(ctx, traces(serviceA...)))
				require.NoError(t, exp.ConsumeTraces(ctx, traces(serviceB...)))
				require.NoError(t, exp.Shutdown(ctx))
			},
		},
		{
			name: "two instances, one service each",
			send: func(t *testing.T, srv *agenttracetest.Server) {
				a, b := instance(t, srv), instance(t, srv)
				require.NoError(t, b.ConsumeTraces(ctx, traces(serviceB...)))
				require.NoError(t, a.ConsumeTraces(ctx, traces(serviceA...)))
				require.NoError(t, a.Shutdown(ctx))
				require.NoError(t, b.Shutdown(ctx))
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := agenttracetest.NewServer(agenttracetest.WithoutRateLimit())
			defer srv.Close()
			tt.send(t, srv)
			assertOneTrace(t, srv, "plan-trip", crossServiceParents)
			tr, ok := srv.Trace(traceID.String())
			require.True(t, ok)
			assert.Empty(t, tr.UserID, "trace-level fields set downstream are the owner's alone")
		})
	}
}

// TestOneServiceSplitAcrossInstances: without a load-balancing gateway, the
// spans of one service's trace can reach two Collector instances. The
// instance that gets the root writes the row; the other, whose spans have a
// local parent it never sees, writes none. So the trace still has one row,
// whether the service marks its spans as the owner's (the AgentTrace SDK) or
// not (another OpenTelemetry SDK).
func TestOneServiceSplitAcrossInstances(t *testing.T) {
	ctx := context.Background()
	for _, state := range []string{semconv.TraceStateOwner, ""} {
		t.Run("tracestate "+state, func(t *testing.T) {
			srv := agenttracetest.NewServer(agenttracetest.WithoutRateLimit())
			defer srv.Close()
			root := []spanSpec{
				{name: "triage", id: 1, flags: localParent, state: state, typ: "agent",
					traceName: "triage", startMs: 0, endMs: 3000, resource: "support-bot"},
			}
			children := []spanSpec{
				{name: "classify", id: 2, parent: 1, flags: localParent, state: state, typ: "generation",
					startMs: 100, endMs: 1000, resource: "support-bot"},
				{name: "route", id: 3, parent: 2, flags: localParent, state: state, typ: "tool",
					startMs: 1100, endMs: 1200, resource: "support-bot"},
			}
			a, b := instance(t, srv), instance(t, srv)
			require.NoError(t, b.ConsumeTraces(ctx, traces(children...)))
			require.NoError(t, a.ConsumeTraces(ctx, traces(root...)))
			require.NoError(t, a.Shutdown(ctx))
			require.NoError(t, b.Shutdown(ctx))

			assertOneTrace(t, srv, "triage", map[string]string{
				spanID(1).String(): "",
				spanID(2).String(): spanID(1).String(),
				spanID(3).String(): spanID(2).String(),
			})
		})
	}
}
