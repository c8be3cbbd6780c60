package agenttracetest

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/agenttrace/agenttrace-otel-go/internal/attestctl/emu"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const minimalBatch = `{"batch":[{"id":"e1","type":"sdk-log","body":{}}]}`

func TestAuth(t *testing.T) {
	tt := newTester(t,
		with(emu.WithAPIKeys("at_extra", "pk_underscore", "custom-key", "sk-looks-secret")),
		with(emu.WithKeyPair("pk-pair", "sk-pair")),
	)
	lenient := newTester(t, with(emu.WithSecretKeyBearer()), with(emu.WithKeyPair("pk-pair", "sk-pair")))
	tests := []struct {
		name    string
		tt      *tester
		opts    []reqOpt
		status  int
		message string
	}{
		{"bearer pk- key", tt, []reqOpt{noAuth(), header("Authorization", "Bearer "+tt.srv.APIKey)}, 200, ""},
		{"bearer at_ key", tt, []reqOpt{noAuth(), header("Authorization", "Bearer at_extra")}, 200, ""},
		{"bearer pk_ key", tt, []reqOpt{noAuth(), header("Authorization", "Bearer pk_underscore")}, 200, ""},
		{"bearer pair public key", tt, []reqOpt{noAuth(), header("Authorization", "Bearer pk-pair")}, 200, ""},
		{"X-API-Key any prefix", tt, []reqOpt{header("X-API-Key", "custom-key")}, 200, ""},
		{"query api_key", tt, []reqOpt{noAuth(), func(r *http.Request) { r.URL.RawQuery = "api_key=" + tt.srv.APIKey }}, 200, ""},
		{"no key", tt, []reqOpt{noAuth()}, 401, "API key required"},
		{"unknown X-API-Key", tt, []reqOpt{header("X-API-Key", "pk-unknown")}, 401, "Invalid API key"},
		{"bearer secret key ignored", tt, []reqOpt{noAuth(), header("Authorization", "Bearer "+tt.srv.SecretKey)}, 401, "API key required"},
		{"bearer sk- key is never a bearer key even when accepted as X-API-Key", tt, []reqOpt{noAuth(), header("Authorization", "Bearer sk-looks-secret")}, 401, "API key required"},
		{"bearer at- (hyphen) is not a bearer prefix", tt, []reqOpt{noAuth(), header("Authorization", "Bearer at-extra")}, 401, "API key required"},
		{"bearer with other prefix falls back to X-API-Key", tt, []reqOpt{header("Authorization", "Bearer sk-whatever")}, 200, ""},
		{"bearer pk- wins over a valid X-API-Key", tt, []reqOpt{header("Authorization", "Bearer pk-unknown")}, 401, "Invalid API key"},
		{"X-API-Key wins over query", tt, []reqOpt{header("X-API-Key", "pk-unknown"), func(r *http.Request) { r.URL.RawQuery = "api_key=" + tt.srv.APIKey }}, 401, "Invalid API key"},
		{"basic auth unsupported", tt, []reqOpt{noAuth(), func(r *http.Request) { r.SetBasicAuth(tt.srv.APIKey, tt.srv.SecretKey) }}, 401, "API key required"},
		{"lowercase bearer scheme not read", tt, []reqOpt{noAuth(), header("Authorization", "bearer "+tt.srv.APIKey)}, 401, "API key required"},
		{"lenient: bearer secret key", lenient, []reqOpt{noAuth(), header("Authorization", "Bearer "+lenient.srv.SecretKey)}, 200, ""},
		{"lenient: bearer pair secret key", lenient, []reqOpt{noAuth(), header("Authorization", "Bearer sk-pair")}, 200, ""},
		{"lenient: unknown bearer secret", lenient, []reqOpt{noAuth(), header("Authorization", "Bearer sk-nope")}, 401, "API key required"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := tc.tt.post("/api/public/ingestion", minimalBatch, tc.opts...)
			require.Equal(t, tc.status, resp.Status, resp.Body)
			if tc.message != "" {
				assert.Equal(t, handlerError{Error: "Unauthorized", Message: tc.message}, resp.handlerErr(t))
			}
		})
	}
}

func TestAuthBeforeRateLimit(t *testing.T) {
	tt := newTester(t, with(emu.WithRateLimit(1, time.Minute)))
	resp := tt.post("/api/public/ingestion", minimalBatch, noAuth())
	require.Equal(t, 401, resp.Status)
	assert.Empty(t, resp.Header.Get("X-RateLimit-Limit"), "a 401 carries no rate-limit headers")
	resp = tt.post("/api/public/ingestion", minimalBatch)
	require.Equal(t, 200, resp.Status, "the refused request did not count")
}

func TestContentType(t *testing.T) {
	tt := newTester(t)
	tests := []struct {
		contentType string
		status      int
	}{
		{"application/json", 200},
		{"application/json; charset=utf-8", 200},
		{"APPLICATION/JSON", 200},
		{"application/vnd.x+json", 200},
		{"text/json", 200},
		{"text/plain", 400},
		{"application/x-protobuf", 400},
		{"application/x-www-form-urlencoded", 400},
		{"application/json-seq", 400},
		{"", 400},
	}
	for _, tc := range tests {
		t.Run(tc.contentType, func(t *testing.T) {
			resp := tt.post("/api/public/ingestion", minimalBatch, func(r *http.Request) {
				if tc.contentType == "" {
					r.Header.Del("Content-Type")
					return
				}
				r.Header.Set("Content-Type", tc.contentType)
			})
			require.Equal(t, tc.status, resp.Status, resp.Body)
			if tc.status == 400 {
				assert.Equal(t, handlerError{Error: "Bad Request", Message: "Invalid request body: Unprocessable Entity"}, resp.handlerErr(t))
			}
		})
	}
}

func compress(t *testing.T, encoding, s string) []byte {
	t.Helper()
	var buf bytes.Buffer
	switch encoding {
	case "gzip":
		zw := gzip.NewWriter(&buf)
		_, err := zw.Write([]byte(s))
		require.NoError(t, err)
		require.NoError(t, zw.Close())
	case "deflate":
		zw := zlib.NewWriter(&buf)
		_, err := zw.Write([]byte(s))
		require.NoError(t, err)
		require.NoError(t, zw.Close())
	default:
		buf.WriteString(s)
	}
	return buf.Bytes()
}

func TestContentEncoding(t *testing.T) {
	body := `{"batch":[` + event("e1", "trace-create", `{"id":"`+traceID+`"}`) + `]}`
	tests := []struct {
		name     string
		encoding string
		wire     func(t *testing.T) []byte
		status   int
		message  string
	}{
		{"gzip", "gzip", func(t *testing.T) []byte { return compress(t, "gzip", body) }, 200, ""},
		{"deflate", "deflate", func(t *testing.T) []byte { return compress(t, "deflate", body) }, 200, ""},
		{"identity", "identity", func(t *testing.T) []byte { return []byte(body) }, 200, ""},
		{"corrupt gzip", "gzip", func(t *testing.T) []byte { return []byte("not gzip at all") }, 400, "Invalid request body: invalid character"},
		{"brotli unsupported", "br", func(t *testing.T) []byte { return []byte(body) }, 400, "Invalid request body: invalid character"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tt := newTester(t)
			req := tt.request(context.Background(), http.MethodPost, "/api/public/ingestion", "", header("Content-Encoding", tc.encoding))
			wire := tc.wire(t)
			req.Body = ioNopCloser(wire)
			req.ContentLength = int64(len(wire))
			resp, err := tt.send(req)
			require.NoError(t, err)
			require.Equal(t, tc.status, resp.Status, resp.Body)
			reqs := tt.srv.Snapshot().Requests
			require.Len(t, reqs, 1)
			assert.Equal(t, tc.encoding, reqs[0].Header.Get("Content-Encoding"))
			assert.Equal(t, int64(len(wire)), reqs[0].WireBytes)
			if tc.status == 200 {
				assert.JSONEq(t, body, string(reqs[0].Body), "the recorded body is decoded")
				require.Len(t, tt.srv.Snapshot().Traces, 1)
				return
			}
			assert.True(t, strings.HasPrefix(resp.handlerErr(t).Message, tc.message), resp.Body)
			assert.Equal(t, wire, reqs[0].Body, "undecodable bodies are recorded as sent")
		})
	}
}

func TestBodyLimit(t *testing.T) {
	padded := func(n int) string {
		// A valid batch of exactly n bytes.
		head, tail := `{"batch":[{"id":"e1","type":"sdk-log","body":{"pad":"`, `"}}]}`
		return head + strings.Repeat("x", n-len(head)-len(tail)) + tail
	}
	tests := []struct {
		name    string
		opts    []Option
		body    func(t *testing.T) ([]byte, string)
		chunked bool
		status  int
	}{
		{"default limit: 4 MiB accepted", nil, func(t *testing.T) ([]byte, string) { return []byte(padded(4 << 20)), "" }, false, 200},
		{"default limit: 4 MiB + 1 refused", nil, func(t *testing.T) ([]byte, string) { return []byte(padded(4<<20 + 1)), "" }, false, 413},
		{"at the limit", []Option{with(emu.WithMaxBodyBytes(1024))}, func(t *testing.T) ([]byte, string) { return []byte(padded(1024)), "" }, false, 200},
		{"over the limit", []Option{with(emu.WithMaxBodyBytes(1024))}, func(t *testing.T) ([]byte, string) { return []byte(padded(1025)), "" }, false, 413},
		{"chunked over the limit", []Option{with(emu.WithMaxBodyBytes(1024))}, func(t *testing.T) ([]byte, string) { return []byte(padded(1025)), "" }, true, 413},
		{"limit counts wire bytes, not decoded ones", []Option{with(emu.WithMaxBodyBytes(1024))}, func(t *testing.T) ([]byte, string) {
			return compress(t, "gzip", padded(100_000)), "gzip"
		}, false, 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tt := newTester(t, tc.opts...)
			wire, enc := tc.body(t)
			req := tt.request(context.Background(), http.MethodPost, "/api/public/ingestion", "")
			if enc != "" {
				req.Header.Set("Content-Encoding", enc)
			}
			req.Body = ioNopCloser(wire)
			req.ContentLength = int64(len(wire))
			if tc.chunked {
				req.ContentLength = -1
			}
			resp, err := tt.send(req)
			require.NoError(t, err)
			require.Equal(t, tc.status, resp.Status)
			if tc.status == 413 {
				assert.JSONEq(t, `{"error":{"code":413,"message":"Request Entity Too Large"}}`, resp.Body)
				assert.Empty(t, resp.Header.Get("X-RateLimit-Limit"))
				assert.Nil(t, tt.srv.Snapshot().Requests[0].Body)
			}
		})
	}
}

func TestRequestID(t *testing.T) {
	tt := newTester(t)
	tests := []struct {
		name string
		path string
		opts []reqOpt
	}{
		{"success", "/api/public/ingestion", nil},
		{"401", "/api/public/ingestion", []reqOpt{noAuth()}},
		{"404", "/api/public/nope", nil},
		{"400", "/api/public/ingestion", []reqOpt{header("Content-Type", "text/plain")}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := tt.post(tc.path, minimalBatch, append(tc.opts, header("X-Request-ID", "my-id-"+tc.name))...)
			assert.Equal(t, "my-id-"+tc.name, resp.Header.Get("X-Request-ID"), "echoed")
			resp = tt.post(tc.path, minimalBatch, tc.opts...)
			id, err := uuid.Parse(resp.Header.Get("X-Request-ID"))
			require.NoError(t, err, "generated")
			assert.Equal(t, uuid.Version(4), id.Version())
		})
	}
}

func TestErrorShapesAndRouting(t *testing.T) {
	tt := newTester(t)
	tests := []struct {
		name   string
		method string
		path   string
		opts   []reqOpt
		status int
		body   string
	}{
		{"unknown route", "GET", "/api/public/nope", nil, 404, `{"error":{"code":404,"message":"Cannot GET /api/public/nope"}}`},
		{"unknown route needs auth first", "GET", "/api/public/nope", []reqOpt{noAuth()}, 401, `{"error":"Unauthorized","message":"API key required"}`},
		{"outside the API: no auth", "GET", "/v1/traces", []reqOpt{noAuth()}, 404, `{"error":{"code":404,"message":"Cannot GET /v1/traces"}}`},
		{"message escapes HTML", "GET", "/api/public/<b>", nil, 404, `{"error":{"code":404,"message":"Cannot GET /api/public/%3Cb%3E"}}`},
		{"wrong method", "DELETE", "/api/public/ingestion", nil, 405, `{"error":{"code":405,"message":"Method Not Allowed"}}`},
		{"routes are case-insensitive", "POST", "/API/Public/Ingestion", nil, 200, ""},
		{"trailing slash", "POST", "/api/public/ingestion/", nil, 200, ""},
		{"GET trace by id is broken upstream", "GET", "/api/public/traces/" + traceID, nil, 400, `{"error":"Bad Request","message":"Trace ID required"}`},
		{"GET trace observations", "GET", "/api/public/traces/" + traceID + "/observations", nil, 400, `{"error":"Bad Request","message":"Trace ID required"}`},
		{"DELETE trace", "DELETE", "/api/public/traces/" + traceID, nil, 400, `{"error":"Bad Request","message":"Trace ID required"}`},
		{"GET score by id", "GET", "/api/public/scores/" + uuid.NewString(), nil, 400, `{"error":"Bad Request","message":"Score ID required"}`},
		{"PUT score by id", "PUT", "/api/public/scores/" + uuid.NewString(), nil, 400, `{"error":"Bad Request","message":"Score ID required"}`},
		{"GET session by id", "GET", "/api/public/sessions/s1", nil, 400, `{"error":"Bad Request","message":"Session ID required"}`},
		{"mounted but not implemented", "GET", "/api/public/traces", nil, 501, `{"error":"Not Implemented","message":"agenttracetest does not implement GET /api/public/traces"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := ""
			if tc.method == "POST" {
				body = minimalBatch
			}
			resp := tt.do(tc.method, tc.path, body, tc.opts...)
			require.Equal(t, tc.status, resp.Status, resp.Body)
			assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
			if tc.body != "" {
				assert.JSONEq(t, tc.body, resp.Body)
			}
		})
	}
}

func TestPanicShape(t *testing.T) {
	tt := newTester(t)
	controls{tt.srv}.SetItemFaults(func(emu.Event) *emu.ItemError { panic("boom") })
	resp := tt.post("/api/public/ingestion", minimalBatch, header("X-Request-ID", "req-1"))
	require.Equal(t, 500, resp.Status)
	assert.JSONEq(t, `{"error":"Internal Server Error","message":"An unexpected error occurred","request_id":"req-1"}`, resp.Body)
	assert.Equal(t, 500, tt.srv.Snapshot().Requests[0].Status)
}

func TestRateLimit(t *testing.T) {
	t.Run("counts requests with unique ids", func(t *testing.T) {
		tt := newTester(t, with(emu.WithRateLimit(3, time.Minute)))
		reset := strconv.FormatInt(t0.Add(time.Minute).Unix(), 10)
		for i, remaining := range []string{"2", "1", "0"} {
			resp := tt.post("/api/public/ingestion", minimalBatch, header("X-Request-ID", "r"+strconv.Itoa(i)))
			require.Equal(t, 200, resp.Status)
			assert.Equal(t, "3", resp.Header.Get("X-RateLimit-Limit"))
			assert.Equal(t, remaining, resp.Header.Get("X-RateLimit-Remaining"))
			assert.Equal(t, reset, resp.Header.Get("X-RateLimit-Reset"))
		}
		resp := tt.post("/api/public/ingestion", minimalBatch, header("X-Request-ID", "r3"))
		require.Equal(t, 429, resp.Status)
		assert.JSONEq(t, `{"error":"Too Many Requests","message":"Rate limit exceeded. Please try again later."}`, resp.Body)
		assert.Equal(t, "60", resp.Header.Get("Retry-After"))
		assert.Equal(t, "0", resp.Header.Get("X-RateLimit-Remaining"))
		assert.Equal(t, reset, resp.Header.Get("X-RateLimit-Reset"))
		assert.Equal(t, "3", resp.Header.Get("X-RateLimit-Limit"))
		assert.Empty(t, tt.srv.Snapshot().Traces)

		tt.clock.Add(59 * time.Second)
		require.Equal(t, 429, tt.post("/api/public/ingestion", minimalBatch, header("X-Request-ID", "r4")).Status, "still in the window")
		tt.clock.Add(time.Second)
		// r0 to r2 have left the window; the refused r3 and r4 were never
		// counted, as on the server, which adds a request after the check.
		resp = tt.post("/api/public/ingestion", minimalBatch, header("X-Request-ID", "r5"))
		require.Equal(t, 200, resp.Status)
		assert.Equal(t, "2", resp.Header.Get("X-RateLimit-Remaining"))
	})
	t.Run("a window below a second", func(t *testing.T) {
		tt := newTester(t, with(emu.WithRateLimit(2, 250*time.Millisecond)))
		post := func(id string) response {
			return tt.post("/api/public/ingestion", minimalBatch, header("X-Request-ID", id))
		}
		require.Equal(t, 200, post("r0").Status)
		tt.clock.Add(100 * time.Millisecond)
		require.Equal(t, 200, post("r1").Status)
		tt.clock.Add(149 * time.Millisecond)
		resp := post("r2")
		require.Equal(t, 429, resp.Status)
		assert.Equal(t, "1", resp.Header.Get("Retry-After"), "the window in whole seconds, rounded up")
		assert.Equal(t, strconv.FormatInt(t0.Add(499*time.Millisecond).Unix(), 10), resp.Header.Get("X-RateLimit-Reset"), "Unix seconds")
		tt.clock.Add(time.Millisecond)
		resp = post("r3")
		require.Equal(t, 200, resp.Status, "r0 has left the window")
		assert.Equal(t, "0", resp.Header.Get("X-RateLimit-Remaining"))
		assert.Equal(t, "2", resp.Header.Get("X-RateLimit-Limit"))
	})
	t.Run("requests without X-Request-ID in the same second count once", func(t *testing.T) {
		tt := newTester(t, with(emu.WithRateLimit(3, time.Minute)))
		for i := range 10 {
			resp := tt.post("/api/public/ingestion", minimalBatch)
			require.Equal(t, 200, resp.Status)
			// The shared member counts from the second request on.
			want := map[bool]string{true: "2", false: "1"}[i == 0]
			assert.Equal(t, want, resp.Header.Get("X-RateLimit-Remaining"))
		}
		tt.clock.Add(time.Second)
		assert.Equal(t, "1", tt.post("/api/public/ingestion", minimalBatch).Header.Get("X-RateLimit-Remaining"))
		assert.Equal(t, "0", tt.post("/api/public/ingestion", minimalBatch).Header.Get("X-RateLimit-Remaining"))
	})
	t.Run("per client address by default", func(t *testing.T) {
		tt := newTester(t, with(emu.WithRateLimit(1, time.Minute)), with(emu.WithAPIKeys("pk-other")))
		require.Equal(t, 200, tt.post("/api/public/ingestion", minimalBatch, header("X-Request-ID", "a")).Status)
		require.Equal(t, 429, tt.post("/api/public/ingestion", minimalBatch, header("X-Request-ID", "b"), header("X-API-Key", "pk-other")).Status)
	})
	t.Run("per key", func(t *testing.T) {
		tt := newTester(t, with(emu.WithRateLimit(1, time.Minute)), with(emu.WithRateLimitPerKey()), with(emu.WithAPIKeys("pk-other")))
		require.Equal(t, 200, tt.post("/api/public/ingestion", minimalBatch, header("X-Request-ID", "a")).Status)
		require.Equal(t, 200, tt.post("/api/public/ingestion", minimalBatch, header("X-Request-ID", "b"), header("X-API-Key", "pk-other")).Status)
		require.Equal(t, 429, tt.post("/api/public/ingestion", minimalBatch, header("X-Request-ID", "c")).Status)
	})
	t.Run("default is 100 per minute", func(t *testing.T) {
		srv := NewServer(with(emu.WithClock(func() time.Time { return t0 })))
		defer srv.Close()
		tt := &tester{t: t, srv: srv, hc: &http.Client{Transport: &http.Transport{}}}
		defer tt.hc.CloseIdleConnections()
		for i := range 100 {
			resp := tt.post("/api/public/ingestion", minimalBatch, header("X-Request-ID", strconv.Itoa(i)))
			require.Equal(t, 200, resp.Status)
			assert.Equal(t, strconv.Itoa(99-i), resp.Header.Get("X-RateLimit-Remaining"))
		}
		require.Equal(t, 429, tt.post("/api/public/ingestion", minimalBatch, header("X-Request-ID", "100")).Status)
	})
	t.Run("disabled", func(t *testing.T) {
		tt := newTester(t, WithoutRateLimit())
		resp := tt.post("/api/public/ingestion", minimalBatch)
		assert.Empty(t, resp.Header.Get("X-RateLimit-Limit"))
	})
	t.Run("Reset clears the counters", func(t *testing.T) {
		tt := newTester(t, with(emu.WithRateLimit(1, time.Minute)))
		require.Equal(t, 200, tt.post("/api/public/ingestion", minimalBatch, header("X-Request-ID", "a")).Status)
		tt.srv.Reset()
		require.Equal(t, 200, tt.post("/api/public/ingestion", minimalBatch, header("X-Request-ID", "b")).Status)
	})
}

func TestMaxRequestsInWindow(t *testing.T) {
	tt := newTester(t, with(emu.WithRateLimit(2, time.Second)))
	post := func(after time.Duration, id string, opts ...reqOpt) int {
		tt.clock.Add(after)
		return tt.post("/api/public/ingestion", minimalBatch, append(opts, header("X-Request-ID", id))...).Status
	}
	assert.Equal(t, 0, controls{tt.srv}.MaxRequestsInWindow(time.Second))
	require.Equal(t, 200, post(0, "r0"))
	require.Equal(t, 200, post(500*time.Millisecond, "r1"))
	require.Equal(t, 429, post(499*time.Millisecond, "r2"))
	require.Equal(t, 200, post(time.Millisecond, "r3"))
	require.Equal(t, 401, post(0, "r4", noAuth()))
	tt.get("/not-the-api")

	// r0 to r2 fall within 999 ms; r1 to r4 within 500 ms. Refused and
	// unauthenticated requests count; requests outside the API do not.
	assert.Equal(t, 4, controls{tt.srv}.MaxRequestsInWindow(time.Second))
	assert.Equal(t, 3, controls{tt.srv}.MaxRequestsInWindow(500*time.Millisecond))
	assert.Equal(t, 5, controls{tt.srv}.MaxRequestsInWindow(time.Minute))
	assert.Equal(t, 2, controls{tt.srv}.MaxRequestsInWindow(time.Millisecond), "r3 and r4 came at once")
	var refused int
	for _, r := range tt.srv.Snapshot().Requests {
		if r.Status == http.StatusTooManyRequests {
			refused++
		}
	}
	assert.Equal(t, 1, refused)

	t.Run("per key", func(t *testing.T) {
		tt := newTester(t, with(emu.WithRateLimitPerKey()), with(emu.WithAPIKeys("pk-other")))
		tt.post("/api/public/ingestion", minimalBatch)
		tt.post("/api/public/ingestion", minimalBatch, header("X-API-Key", "pk-other"))
		tt.post("/api/public/ingestion?api_key=pk-other", minimalBatch, header("X-API-Key", ""))
		assert.Equal(t, 2, controls{tt.srv}.MaxRequestsInWindow(time.Minute))
	})
	t.Run("per address", func(t *testing.T) {
		tt := newTester(t, with(emu.WithAPIKeys("pk-other")))
		tt.post("/api/public/ingestion", minimalBatch)
		tt.post("/api/public/ingestion", minimalBatch, header("X-API-Key", "pk-other"))
		assert.Equal(t, 2, controls{tt.srv}.MaxRequestsInWindow(time.Minute))
	})
}

func TestRequestLogKeepsTheLatestBodies(t *testing.T) {
	st := newStore()
	big := func(b byte) Request { return Request{Body: bytes.Repeat([]byte{b}, maxLoggedBodyBytes/3+1)} }
	st.logRequest(big('a'))
	st.logRequest(big('b'))
	st.logRequest(Request{Body: []byte("small")})
	require.NotNil(t, st.requests[0].Body, "within the budget")
	st.logRequest(big('c'))
	assert.Nil(t, st.requests[0].Body, "the oldest body is released")
	assert.NotNil(t, st.requests[1].Body)
	assert.Equal(t, "small", string(st.requests[2].Body))
	assert.NotNil(t, st.requests[3].Body)
	assert.LessOrEqual(t, st.bodyBytes, maxLoggedBodyBytes)
	st.logRequest(Request{Body: make([]byte, maxLoggedBodyBytes+1)})
	for i, r := range st.requests {
		assert.Nil(t, r.Body, "request %d", i)
	}
	assert.Equal(t, 0, st.bodyBytes)
	assert.Len(t, st.requests, 5, "the log keeps every request")
}

func TestDownUp(t *testing.T) {
	tt := newTester(t)
	tt.createTrace(traceID)
	url := tt.srv.URL

	controls{tt.srv}.Down()
	controls{tt.srv}.Down() // idempotent
	_, err := tt.send(tt.request(context.Background(), http.MethodPost, "/api/public/ingestion", minimalBatch))
	require.Error(t, err, "the keep-alive connection was closed and new ones are refused")
	_, err = tt.send(tt.request(context.Background(), http.MethodPost, "/api/public/ingestion", minimalBatch))
	require.ErrorIs(t, err, syscall.ECONNREFUSED)

	require.NoError(t, controls{tt.srv}.Up())
	require.NoError(t, controls{tt.srv}.Up()) // idempotent
	assert.Equal(t, url, tt.srv.URL)
	require.Equal(t, 200, tt.post("/api/public/ingestion", minimalBatch).Status)
	assert.Len(t, tt.srv.Snapshot().Traces, 1, "data survives")
}

// outcome is the response to a request, or its error.
type outcome struct {
	resp response
	err  error
}

// ingestInBackground posts minimalBatch on another goroutine and returns
// where its outcome arrives.
func (tt *tester) ingestInBackground() <-chan outcome {
	c := make(chan outcome, 1)
	go func() {
		resp, err := tt.send(tt.request(context.Background(), http.MethodPost, "/api/public/ingestion", minimalBatch))
		c <- outcome{resp, err}
	}()
	return c
}

func TestDrain(t *testing.T) {
	tt := newTester(t)
	tt.createTrace(traceID) // leaves a keep-alive connection open

	// A request the server is handling when it drains gets its answer.
	controls{tt.srv}.SetLatency(300 * time.Millisecond)
	inFlight := tt.ingestInBackground()
	require.NoError(t, tt.srv.WaitFor(context.Background(), func(sn Snapshot) bool { return len(sn.Requests) >= 2 }))
	controls{tt.srv}.Drain()
	got := <-inFlight
	require.NoError(t, got.err)
	assert.Equal(t, 200, got.resp.Status)
	controls{tt.srv}.SetLatency(0)

	// The next request on the open connection is refused cleanly...
	resp := tt.post("/api/public/ingestion", minimalBatch)
	assert.Equal(t, 503, resp.Status)
	assert.True(t, resp.Close, "Connection: close")
	assert.JSONEq(t, `{"error":{"code":503,"message":"Service Unavailable"}}`, resp.Body)
	// ...and new connections are refused.
	_, err := tt.send(tt.request(context.Background(), http.MethodPost, "/api/public/ingestion", minimalBatch))
	require.ErrorIs(t, err, syscall.ECONNREFUSED)

	require.NoError(t, controls{tt.srv}.Up())
	require.Equal(t, 200, tt.post("/api/public/ingestion", minimalBatch).Status)
	assert.Len(t, tt.srv.Snapshot().Traces, 1, "data survives")
}

func TestDownReleasesHangingRequests(t *testing.T) {
	tt := newTester(t)
	controls{tt.srv}.SetFault(emu.Hang())
	inFlight := tt.ingestInBackground()
	require.NoError(t, tt.srv.WaitFor(context.Background(), func(sn Snapshot) bool { return len(sn.Requests) >= 1 }))
	controls{tt.srv}.Down()
	require.Error(t, (<-inFlight).err)
	controls{tt.srv}.SetFault(emu.Fault{})
	require.NoError(t, controls{tt.srv}.Up())
	require.Equal(t, 200, tt.post("/api/public/ingestion", minimalBatch).Status)
}

func TestClose(t *testing.T) {
	srv := NewServer()
	srv.Close()
	srv.Close() // idempotent
	require.ErrorIs(t, controls{srv}.Up(), ErrClosed)
	controls{srv}.Down() // harmless
	_, err := http.Post(srv.URL+"/api/public/ingestion", "application/json", strings.NewReader(minimalBatch))
	require.ErrorIs(t, err, syscall.ECONNREFUSED)
	assert.Empty(t, srv.Snapshot().Traces, "data stays readable")
}

func TestKeys(t *testing.T) {
	srv := NewServer(with(emu.WithProjectID("proj-1")))
	defer srv.Close()
	assert.Regexp(t, `^pk-[0-9a-f]{32}$`, srv.APIKey)
	assert.Regexp(t, `^sk-[0-9a-f]{64}$`, srv.SecretKey)
	assert.Equal(t, "proj-1", srv.ProjectID)
	assert.Regexp(t, `^http://127\.0\.0\.1:\d+$`, srv.URL)
	other := NewServer()
	defer other.Close()
	assert.NotEqual(t, srv.APIKey, other.APIKey)
	_, err := uuid.Parse(other.ProjectID)
	assert.NoError(t, err)
}

func TestRequestsRecorded(t *testing.T) {
	tt := newTester(t)
	tt.post("/api/public/ingestion?x=1", minimalBatch, header("User-Agent", "agenttrace-otel-go/0.1.0"), header("X-Request-ID", "id-1"))
	tt.post("/api/public/ingestion", minimalBatch, noAuth())
	reqs := tt.srv.Snapshot().Requests
	require.Len(t, reqs, 2)
	assert.Equal(t, "POST", reqs[0].Method)
	assert.Equal(t, "/api/public/ingestion", reqs[0].Path)
	assert.Equal(t, "x=1", reqs[0].RawQuery)
	assert.Equal(t, "agenttrace-otel-go/0.1.0", reqs[0].Header.Get("User-Agent"))
	assert.Equal(t, "id-1", reqs[0].Header.Get("X-Request-ID"))
	assert.Equal(t, minimalBatch, string(reqs[0].Body))
	assert.Equal(t, 200, reqs[0].Status)
	assert.Equal(t, t0, reqs[0].ReceivedAt)
	assert.Contains(t, reqs[0].RemoteAddr, "127.0.0.1:")
	assert.Equal(t, 401, reqs[1].Status)

	// Copies: changing them does not change the server.
	reqs[0].Header.Set("User-Agent", "changed")
	reqs[0].Body[0] = 'X'
	again := tt.srv.Snapshot().Requests
	assert.Equal(t, "agenttrace-otel-go/0.1.0", again[0].Header.Get("User-Agent"))
	assert.Equal(t, minimalBatch, string(again[0].Body))

	tt.srv.Reset()
	assert.Empty(t, tt.srv.Snapshot().Requests)
	tt.post("/api/public/ingestion", minimalBatch)
	require.Len(t, tt.srv.Snapshot().Requests, 1)
	assert.Equal(t, 200, tt.srv.Snapshot().Requests[0].Status)
}

func TestResetKeepsPrompts(t *testing.T) {
	tt := newTester(t)
	_, err := tt.srv.AddPromptVersion("p", PromptVersion{Content: "hi"})
	require.NoError(t, err)
	tt.createTrace(traceID)
	tt.srv.Reset()
	assert.Empty(t, tt.srv.Snapshot().Traces)
	assert.Equal(t, 200, tt.get("/api/public/prompts/p").Status)
}

func TestConcurrentClients(t *testing.T) {
	tt := newTester(t)
	errc := make(chan error, 20)
	for i := range 20 {
		go func() {
			id := strconv.Itoa(i)
			body := `{"batch":[` + event("e"+id, "trace-create", `{"id":"trace-`+id+`"}`) + `]}`
			resp, err := tt.send(tt.request(context.Background(), http.MethodPost, "/api/public/ingestion", body))
			if err == nil && resp.Status != 200 {
				err = errors.New(resp.Body)
			}
			errc <- err
		}()
	}
	for range 20 {
		require.NoError(t, <-errc)
	}
	assert.Len(t, tt.srv.Snapshot().Traces, 20)
	assert.Len(t, tt.srv.Snapshot().Requests, 20)
}
