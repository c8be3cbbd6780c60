package agenttracetest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agenttrace/agenttrace-otel-go/internal/attestctl/emu"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// t0 is the fixed "now" of the tests' clock.
var t0 = time.Date(2025, 3, 1, 12, 0, 10, 0, time.UTC)

const (
	traceID = "5c0ffee0d15ea5e5a1b2c3d4e5f60718"
	spanID  = "a1b2c3d4e5f60718"
	genID   = "0f1e2d3c4b5a6978"
)

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// tester is a server with a fixed clock, no rate limit unless asked, and an
// HTTP client of its own.
type tester struct {
	t     *testing.T
	srv   *Server
	hc    *http.Client
	clock *fakeClock
}

func newTester(t *testing.T, opts ...Option) *tester {
	t.Helper()
	clock := &fakeClock{now: t0}
	srv := NewServer(append([]Option{with(emu.WithClock(clock.Now)), WithoutRateLimit()}, opts...)...)
	tr := &http.Transport{}
	tt := &tester{t: t, srv: srv, hc: &http.Client{Transport: tr}, clock: clock}
	t.Cleanup(func() {
		srv.Close()
		tr.CloseIdleConnections()
	})
	return tt
}

type response struct {
	Status int
	Header http.Header
	Body   string
	Close  bool // the server asked to close the connection
}

func (r response) decode(t *testing.T, v any) {
	t.Helper()
	require.NoError(t, json.Unmarshal([]byte(r.Body), v), "body: %s", r.Body)
}

// handlerErr decodes the handler error shape.
func (r response) handlerErr(t *testing.T) handlerError {
	t.Helper()
	var e handlerError
	r.decode(t, &e)
	return e
}

type reqOpt func(*http.Request)

func header(k, v string) reqOpt { return func(r *http.Request) { r.Header.Set(k, v) } }

func noAuth() reqOpt { return func(r *http.Request) { r.Header.Del("X-API-Key") } }

// request builds a request with JSON content type and the server's key in
// X-API-Key; opts change it.
func (tt *tester) request(ctx context.Context, method, path, body string, opts ...reqOpt) *http.Request {
	tt.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, tt.srv.URL+path, rd)
	require.NoError(tt.t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-API-Key", tt.srv.APIKey)
	for _, o := range opts {
		o(req)
	}
	return req
}

func (tt *tester) send(req *http.Request) (response, error) {
	resp, err := tt.hc.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return response{Status: resp.StatusCode, Header: resp.Header, Body: string(b), Close: resp.Close}, err
}

func (tt *tester) do(method, path, body string, opts ...reqOpt) response {
	tt.t.Helper()
	resp, err := tt.send(tt.request(context.Background(), method, path, body, opts...))
	require.NoError(tt.t, err)
	return resp
}

func (tt *tester) post(path, body string, opts ...reqOpt) response {
	tt.t.Helper()
	return tt.do(http.MethodPost, path, body, opts...)
}

func (tt *tester) get(path string, opts ...reqOpt) response {
	tt.t.Helper()
	return tt.do(http.MethodGet, path, "", opts...)
}

// ingest posts events in a batch and returns the per-item results.
func (tt *tester) ingest(events ...string) ingestionResponse {
	tt.t.Helper()
	resp := tt.post("/api/public/ingestion", `{"batch":[`+strings.Join(events, ",")+`]}`)
	require.Equal(tt.t, http.StatusOK, resp.Status, resp.Body)
	var out ingestionResponse
	resp.decode(tt.t, &out)
	return out
}

// event is an ingestion event of the type with the body.
func event(id, typ, body string) string {
	return `{"id":"` + id + `","type":"` + typ + `","timestamp":"2025-03-01T12:00:00.000Z","body":` + body + `}`
}

// createTrace stores a trace through ingestion.
func (tt *tester) createTrace(id string) {
	tt.t.Helper()
	res := tt.ingest(event("t-"+id, "trace-create", `{"id":"`+id+`","name":"t","startTime":"2025-03-01T12:00:00.000Z"}`))
	require.Empty(tt.t, res.Errors)
}

// createSpan stores a span of the trace through ingestion.
func (tt *tester) createSpan(trace, id string) {
	tt.t.Helper()
	res := tt.ingest(event("s-"+id, "span-create", `{"id":"`+id+`","traceId":"`+trace+`","name":"s","startTime":"2025-03-01T12:00:00.010Z"}`))
	require.Empty(tt.t, res.Errors)
}

func ptr[T any](v T) *T { return &v }

func ioNopCloser(b []byte) io.ReadCloser { return io.NopCloser(bytes.NewReader(b)) }
