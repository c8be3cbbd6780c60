package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"go.uber.org/goleak"
	"google.golang.org/protobuf/proto"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// otlpSink stands in for Jaeger's OTLP/HTTP receiver: it records the trace
// id of every span it receives.
type otlpSink struct {
	mu       sync.Mutex
	traceIDs map[string]int
}

func (s *otlpSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var req coltracepb.ExportTraceServiceRequest
	if r.URL.Path != "/v1/traces" || proto.Unmarshal(body, &req) != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	for _, rs := range req.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			for _, sp := range ss.Spans {
				s.traceIDs[string(sp.TraceId)]++
			}
		}
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-protobuf")
}

func TestRun(t *testing.T) {
	sink := &otlpSink{traceIDs: map[string]int{}}
	jaeger := httptest.NewServer(sink)
	defer jaeger.Close()

	var out bytes.Buffer
	require.NoError(t, run(context.Background(), config{otlp: jaeger.URL, jaegerUI: "http://jaeger.test:16686/"}, &out))

	m := regexp.MustCompile(`trace id:  ([0-9a-f]{32})\n`).FindStringSubmatch(out.String())
	require.NotNil(t, m, out.String())
	id := m[1]
	assert.Contains(t, out.String(), "Jaeger:    http://jaeger.test:16686/trace/"+id+"\n")
	assert.Regexp(t, `(?s)trace order-status `+id+`.*CHAIN plan.*TOOL lookup-order.*GENERATION answer .*model=gpt-4o-mini tokens=48/11/59`, out.String())

	sink.mu.Lock()
	defer sink.mu.Unlock()
	require.Len(t, sink.traceIDs, 1, "one trace in Jaeger")
	for raw, n := range sink.traceIDs {
		assert.Equal(t, id, hexString(raw), "the same trace id in both")
		assert.Equal(t, 4, n, "trace, plan, lookup-order and answer")
	}
}

func hexString(b string) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for i := 0; i < len(b); i++ {
		out = append(out, digits[b[i]>>4], digits[b[i]&0xf])
	}
	return string(out)
}
