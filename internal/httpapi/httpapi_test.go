package httpapi

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		header string
		want   time.Duration
		ok     bool
	}{
		{"", 0, false},
		{"7", 7 * time.Second, true},
		{" 60 ", 60 * time.Second, true},
		{"-3", 0, true},
		{"Wed, 25 Nov 2026 12:00:09 GMT", 9 * time.Second, true},
		{"Wed, 25 Nov 2026 11:59:00 GMT", 0, true},
		{"soon", 0, false},
	} {
		d, ok := RetryAfter(tt.header, now)
		assert.Equal(t, tt.want, d, "Retry-After %q", tt.header)
		assert.Equal(t, tt.ok, ok, "Retry-After %q", tt.header)
	}
}

func TestErrorMessage(t *testing.T) {
	for _, tt := range []struct{ body, want string }{
		{`{"error":"Bad Request","message":"traceId is required"}`, "traceId is required"},
		{`{"error":{"code":413,"message":"Request Entity Too Large"}}`, "Request Entity Too Large"},
		{`{"error":"Internal Server Error","message":"An unexpected error occurred","request_id":"x"}`, "An unexpected error occurred"},
		{`{"error":"Unauthorized"}`, "Unauthorized"},
		{`<html>bad gateway</html>`, "<html>bad gateway</html>"},
	} {
		assert.Equal(t, tt.want, ErrorMessage([]byte(tt.body)))
	}
}

func TestAPIErrorNamesTheLikelyCause(t *testing.T) {
	err := &APIError{Method: "POST", Path: "/api/public/ingestion", Status: 401, Message: "Invalid API key"}
	assert.Contains(t, err.Error(), "401 Unauthorized: Invalid API key")
	assert.Contains(t, err.Error(), "AGENTTRACE_API_KEY")
	assert.True(t, err.IsAuth())
	notFound := &APIError{Method: "GET", Path: "/api/public/x", Status: 404, Message: "Cannot GET /api/public/x"}
	assert.Contains(t, notFound.Error(), "AGENTTRACE_API_URL")
}

func TestRedactKey(t *testing.T) {
	assert.Equal(t, "pk-...cdef", RedactKey("pk-0123456789abcdef"))
	assert.Equal(t, "****", RedactKey("short"))
}

func TestNeverSent(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	_, err = http.Post("http://"+addr+"/", "application/json", nil)
	require.Error(t, err)
	assert.True(t, NeverSent(err), "refused: %v", err)
	assert.False(t, NeverSent(io.ErrUnexpectedEOF))
	assert.False(t, NeverSent(context.DeadlineExceeded))
}

// client returns a Client of srv with fast retries.
func client(t *testing.T, srv *httptest.Server, budget time.Duration) *Client {
	u, err := url.Parse(srv.URL)
	require.NoError(t, err)
	return &Client{
		BaseURL: u, APIKey: "pk-test-key", ProjectID: "p1", Timeout: time.Second,
		Retry: Retry{InitialInterval: time.Millisecond, MaxInterval: 5 * time.Millisecond, Budget: budget, MaxRetryAfter: time.Second},
	}
}

// scripted answers the statuses in order, then 200, and records requests.
type scripted struct {
	mu       sync.Mutex
	statuses []int
	requests []*http.Request
}

func (s *scripted) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests = append(s.requests, r)
	status := http.StatusOK
	if len(s.statuses) > 0 {
		status, s.statuses = s.statuses[0], s.statuses[1:]
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, `{"error":"x","message":"status `+http.StatusText(status)+`"}`)
}

func TestRetries(t *testing.T) {
	tests := []struct {
		name       string
		statuses   []int
		once       bool
		wantStatus int
		wantCalls  int
	}{
		{"retryable statuses then success", []int{408, 429, 500, 502, 503, 504}, false, 200, 7},
		{"400 is final", []int{400}, false, 400, 1},
		{"401 is final", []int{401}, false, 401, 1},
		{"413 is final (the caller splits)", []int{413}, false, 413, 1},
		{"not idempotent: 429 and 503 are retried", []int{429, 503}, true, 200, 3},
		{"not idempotent: 500 is not", []int{500}, true, 500, 1},
		{"not idempotent: 502 is not", []int{502}, true, 502, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &scripted{statuses: tt.statuses}
			srv := httptest.NewServer(h)
			defer srv.Close()
			c := client(t, srv, 10*time.Second)
			var resp *Response
			var err error
			if tt.once {
				resp, err = c.PostOnce(context.Background(), "/api/public/x", []byte(`{}`))
			} else {
				resp, err = c.Post(context.Background(), "/api/public/x", []byte(`{}`))
			}
			if tt.wantStatus == 200 {
				require.NoError(t, err)
				assert.Equal(t, 200, resp.Status)
			} else {
				var ae *APIError
				require.ErrorAs(t, err, &ae)
				assert.Equal(t, tt.wantStatus, ae.Status)
			}
			assert.Len(t, h.requests, tt.wantCalls)
			ids := map[string]bool{}
			for _, r := range h.requests {
				assert.Equal(t, "pk-test-key", r.Header.Get("X-API-Key"))
				assert.Equal(t, "Bearer pk-test-key", r.Header.Get("Authorization"))
				assert.Equal(t, "p1", r.Header.Get("X-Project-ID"))
				assert.Equal(t, UserAgent, r.Header.Get("User-Agent"))
				ids[r.Header.Get("X-Request-ID")] = true
			}
			assert.Len(t, ids, tt.wantCalls, "a fresh X-Request-ID per attempt")
		})
	}
}

func TestRetryBudget(t *testing.T) {
	h := &scripted{statuses: []int{503, 503, 503, 503, 503, 503, 503, 503}}
	srv := httptest.NewServer(h)
	defer srv.Close()
	c := client(t, srv, 0)
	_, err := c.Post(context.Background(), "/x", []byte(`{}`))
	var ae *APIError
	require.ErrorAs(t, err, &ae)
	assert.Len(t, h.requests, 1, "a zero budget disables retries")

	// A Retry-After beyond the budget ends the retries at once.
	h2 := &scripted{statuses: []int{429}}
	srv2 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "3600")
		h2.ServeHTTP(w, r)
	}))
	defer srv2.Close()
	c2 := client(t, srv2, 500*time.Millisecond)
	c2.Retry.MaxRetryAfter = time.Hour
	_, err = c2.Post(context.Background(), "/x", []byte(`{}`))
	require.Error(t, err)
	assert.Len(t, h2.requests, 1)
}

func TestCanceledContextIsNotRetried(t *testing.T) {
	h := &scripted{statuses: []int{503, 503, 503}}
	srv := httptest.NewServer(h)
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := client(t, srv, 10*time.Second).Post(ctx, "/x", []byte(`{}`))
	require.Error(t, err)
	assert.True(t, errors.Is(err, context.Canceled))
	assert.LessOrEqual(t, len(h.requests), 1)
}

func TestGzip(t *testing.T) {
	var got http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		_, _ = io.Copy(io.Discard, r.Body)
	}))
	defer srv.Close()
	c := client(t, srv, 0)
	c.Gzip = true
	_, err := c.Post(context.Background(), "/x", []byte(`{"a":1}`))
	require.NoError(t, err)
	assert.Equal(t, "gzip", got.Get("Content-Encoding"))
	assert.Equal(t, "application/json", got.Get("Content-Type"))
}

func TestRequestID(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		s := requestID()
		id, err := uuid.Parse(s)
		require.NoError(t, err)
		assert.Equal(t, uuid.Version(4), id.Version(), s)
		assert.Equal(t, uuid.RFC4122, id.Variant(), s)
		assert.False(t, seen[s], "repeated %s", s)
		seen[s] = true
	}
}
