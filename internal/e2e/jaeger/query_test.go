package jaeger

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

var traceID = trace.TraceID{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36}

// response is what Jaeger v1.76 answers on /api/traces/{id}, trimmed.
const response = `{"data":[{"traceID":"4bf92f3577b34da6a3ce929d0e0e4736","spans":[
 {"traceID":"4bf92f3577b34da6a3ce929d0e0e4736","spanID":"00f067aa0ba902b7","operationName":"agent-run",
  "references":[],"startTime":1764000000000000,"duration":1500,"processID":"p1",
  "tags":[{"key":"agenttrace.observation.type","type":"string","value":"agent"}]},
 {"traceID":"4bf92f3577b34da6a3ce929d0e0e4736","spanID":"53995c3f42cd8ad8","operationName":"llm-call",
  "references":[{"refType":"CHILD_OF","traceID":"4bf92f3577b34da6a3ce929d0e0e4736","spanID":"00f067aa0ba902b7"}],
  "startTime":1764000000000100,"duration":900,"processID":"p1",
  "tags":[{"key":"gen_ai.usage.input_tokens","type":"int64","value":9007199254740993},
          {"key":"gen_ai.request.temperature","type":"float64","value":0.2},
          {"key":"cache.hit","type":"bool","value":true},
          {"key":"payload","type":"binary","value":"AAE="}],
  "logs":[{"timestamp":1764000000000200,"fields":[{"key":"event","type":"string","value":"exception"}]}]}],
 "processes":{"p1":{"serviceName":"e2e","tags":[{"key":"telemetry.sdk.language","type":"string","value":"go"}]}}}],
 "total":0,"limit":0,"offset":0,"errors":null}`

const notFound = `{"data":null,"total":0,"limit":0,"offset":0,"errors":[{"code":404,"msg":"trace not found"}]}`

// fakeQuery serves the query API, answering 404 for the first misses
// requests of the trace and the full trace after that.
func fakeQuery(t *testing.T, misses int32) (*Instance, *atomic.Int32) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/traces/"+traceID.String() {
			http.Error(w, "unexpected path "+r.URL.Path, http.StatusBadRequest)
			return
		}
		if calls.Add(1) <= misses {
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(notFound))
			return
		}
		_, _ = w.Write([]byte(response))
	}))
	t.Cleanup(srv.Close)
	return &Instance{QueryURL: srv.URL, client: srv.Client()}, &calls
}

func TestTraceDecodesSpansTagsAndProcesses(t *testing.T) {
	in, _ := fakeQuery(t, 0)
	got, err := in.Trace(t.Context(), traceID)
	require.NoError(t, err)
	require.Len(t, got.Spans, 2)

	root, ok := got.Span("agent-run")
	require.True(t, ok)
	assert.Equal(t, "", root.ParentSpanID())
	assert.Equal(t, time.UnixMicro(1764000000000000), root.Start())
	assert.Equal(t, 1500*time.Microsecond, root.Duration())
	assert.Equal(t, "e2e", root.Process.ServiceName)

	llm, ok := got.Span("llm-call")
	require.True(t, ok)
	assert.Equal(t, "00f067aa0ba902b7", llm.ParentSpanID())
	assert.Equal(t, map[string]any{
		// Beyond float64 precision: decoded as an exact int64.
		"gen_ai.usage.input_tokens":  int64(9007199254740993),
		"gen_ai.request.temperature": 0.2,
		"cache.hit":                  true,
		"payload":                    "AAE=",
	}, llm.TagMap())
	v, ok := llm.Tag("cache.hit")
	assert.True(t, ok)
	assert.Equal(t, true, v)
	_, ok = llm.Tag("missing")
	assert.False(t, ok)
	require.Len(t, llm.Logs, 1)
	assert.Equal(t, "exception", llm.Logs[0].Fields[0].Value)

	_, ok = got.Span("no-such-span")
	assert.False(t, ok)
}

func TestKeyValueRejectsValueOfWrongType(t *testing.T) {
	tests := []string{
		`{"key":"k","type":"int64","value":"twelve"}`,
		`{"key":"k","type":"int64","value":1.5}`,
		`{"key":"k","type":"bool","value":"yes"}`,
		`{"key":"k","type":"float64","value":"0.2"}`,
		`{"key":"k","type":"string","value":12}`,
	}
	for _, in := range tests {
		t.Run(in, func(t *testing.T) {
			var kv KeyValue
			assert.Error(t, kv.UnmarshalJSON([]byte(in)))
		})
	}
}

func TestTraceNotFound(t *testing.T) {
	in, _ := fakeQuery(t, 1)
	_, err := in.Trace(t.Context(), traceID)
	assert.ErrorIs(t, err, ErrTraceNotFound)
}

func TestWaitTrace(t *testing.T) {
	tests := []struct {
		name      string
		misses    int32
		spans     int
		timeout   time.Duration
		wantErr   error
		wantCalls int32
	}{
		{name: "present at once", misses: 0, spans: 2, timeout: time.Minute, wantCalls: 1},
		{name: "appears after polls", misses: 3, spans: 2, timeout: time.Minute, wantCalls: 4},
		{name: "fewer spans than wanted until the deadline", misses: 0, spans: 3, timeout: 300 * time.Millisecond, wantErr: context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, calls := fakeQuery(t, tt.misses)
			ctx, cancel := context.WithTimeout(t.Context(), tt.timeout)
			defer cancel()
			got, err := in.WaitTrace(ctx, traceID, tt.spans)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				assert.ErrorContains(t, err, "has 2 spans, want 3")
				return
			}
			require.NoError(t, err)
			assert.Len(t, got.Spans, 2)
			assert.Equal(t, tt.wantCalls, calls.Load())
		})
	}
}

func TestWaitTraceReturnsOtherErrorsAtOnce(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "storage down", http.StatusInternalServerError)
	}))
	defer srv.Close()
	in := &Instance{QueryURL: srv.URL, client: srv.Client()}
	_, err := in.WaitTrace(t.Context(), traceID, 1)
	require.Error(t, err)
	assert.False(t, errors.Is(err, ErrTraceNotFound))
	assert.ErrorContains(t, err, "500 Internal Server Error: storage down")
}
