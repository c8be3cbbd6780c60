package agenttracetest

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// shape renders a tree as "id(child,child)" for compact assertions.
func shape(nodes []*Node) string {
	parts := make([]string, len(nodes))
	for i, n := range nodes {
		parts[i] = n.ID
		if len(n.Children) > 0 {
			parts[i] += "(" + shape(n.Children) + ")"
		}
	}
	return strings.Join(parts, ",")
}

func TestObservationTree(t *testing.T) {
	obs := func(id, parent, start string) string {
		return event("e", "span-create", `{"id":"`+id+`","traceId":"`+traceID+`","parentObservationId":"`+parent+`","startTime":"2025-03-01T12:00:0`+start+`Z"}`)
	}
	tests := []struct {
		name   string
		events []string
		want   string
	}{
		{"children by start time", []string{obs("a", "", "0"), obs("b", "a", "2"), obs("c", "a", "1"), obs("d", "c", "3")}, "a(c(d),b)"},
		{"roots by start time", []string{obs("b", "", "2"), obs("a", "", "1")}, "a,b"},
		{"unknown parent makes a root", []string{obs("a", "", "0"), obs("b", "missing", "1")}, "a,b"},
		{"self parent", []string{obs("a", "a", "0")}, "a"},
		{"a cycle is broken where it closes", []string{obs("e", "f", "2"), obs("f", "e", "3")}, "f(e)"},
		{"children hang under the earliest row of an id", []string{obs("a", "", "0"), obs("a", "", "5"), obs("b", "a", "1")}, "a(b),a"},
		{"other traces are not included", []string{obs("a", "", "0"), event("x", "span-create", `{"id":"z","traceId":"other"}`)}, "a"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tt := newTester(t)
			require.Empty(t, tt.ingest(tc.events...).Errors)
			assert.Equal(t, tc.want, shape(tt.srv.Snapshot().ObservationTree(traceID)))
		})
	}
}

func TestRenderTrace(t *testing.T) {
	tt := newTester(t)
	require.Equal(t, 200, tt.post("/api/public/ingestion", exampleBatch).Status)
	res := tt.ingest(
		event("end", "trace-create", `{"id":"`+traceID+`","name":"fix-flaky-test","startTime":"2025-03-01T12:00:00.000Z","endTime":"2025-03-01T12:00:04.500Z"}`),
		event("tool", "span-create", `{"id":"b1b2c3d4e5f60718","traceId":"`+traceID+`","parentObservationId":"`+spanID+`","name":"go-test","metadata":{"observationType":"terminal_command"},
			"level":"ERROR","statusMessage":"exit status 1","startTime":"2025-03-01T12:00:03.300Z","endTime":"2025-03-01T12:00:04.000Z"}`),
		event("warn", "event-create", `{"id":"c1b2c3d4e5f60718","traceId":"`+traceID+`","name":"retry","level":"WARNING","startTime":"2025-03-01T12:00:04.100Z"}`),
		event("cache", "generation-create", `{"id":"d1b2c3d4e5f60718","traceId":"`+traceID+`","name":"summarise","model":"gpt-4o",
			"usage":{"promptTokens":100,"completionTokens":20,"cacheReadTokens":64},"startTime":"2025-03-01T12:00:04.200Z","endTime":"2025-03-01T12:00:04.450Z"}`),
		event("s2", "score-create", `{"traceId":"`+traceID+`","observationId":"`+genID+`","name":"quality","stringValue":"good","comment":"concise"}`),
	)
	require.Empty(t, res.Errors)

	var b strings.Builder
	require.NoError(t, tt.srv.RenderTrace(&b, traceID))
	assert.Equal(t, `trace fix-flaky-test 5c0ffee0d15ea5e5a1b2c3d4e5f60718 4.5s
├─ SPAN read-files +10ms
│  ├─ GENERATION plan +1s 2.2s ttft=350ms model=claude-sonnet tokens=812/96/908 prompt=triage@3
│  └─ TERMINAL_COMMAND go-test +3.3s 700ms level=ERROR status="exit status 1"
├─ EVENT retry +4.1s level=WARNING
└─ GENERATION summarise +4.2s 250ms model=gpt-4o tokens=100/20/120 cache=64/0
scores:
  tests-pass = 1 BOOLEAN "green on rerun"
  quality = "good" CATEGORICAL on plan (0f1e2d3c4b5a6978) "concise"
`, b.String())

	t.Run("duplicate rows and no name", func(t *testing.T) {
		tt := newTester(t)
		tt.ingest(event("a", "trace-create", `{"id":"t1","startTime":"2025-03-01T12:00:00Z","level":"ERROR"}`))
		tt.ingest(event("b", "trace-create", `{"id":"t1","startTime":"2025-03-01T12:00:01Z","level":"ERROR","statusMessage":"failed"}`))
		var b strings.Builder
		require.NoError(t, tt.srv.RenderTrace(&b, "t1"))
		assert.Equal(t, "trace (unnamed) t1 (2 rows) level=ERROR status=\"failed\"\n", b.String())
	})
	t.Run("observations without a trace row", func(t *testing.T) {
		tt := newTester(t)
		tt.ingest(event("a", "span-create", `{"id":"s","traceId":"t2"}`))
		var b strings.Builder
		require.NoError(t, tt.srv.RenderTrace(&b, "t2"))
		assert.Equal(t, "trace t2 (no trace row)\n└─ SPAN (unnamed) +0s\n", b.String())
	})
	t.Run("unknown trace", func(t *testing.T) {
		var b strings.Builder
		require.EqualError(t, tt.srv.RenderTrace(&b, "nope"), `agenttracetest: no trace "nope"`)
		assert.Empty(t, b.String())
	})
	t.Run("write error", func(t *testing.T) {
		require.ErrorIs(t, tt.srv.RenderTrace(failingWriter{}, traceID), errWrite)
	})
}

var errWrite = errors.New("write failed")

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errWrite }
