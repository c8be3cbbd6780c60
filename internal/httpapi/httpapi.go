package httpapi

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/google/uuid"

	"github.com/agenttrace/agenttrace-otel-go/internal/pace"
)

// Version is the SDK version sent in the User-Agent header.
const Version = "0.1.0"

// UserAgent is the User-Agent header of every request.
const UserAgent = "agenttrace-otel-go/" + Version

// maxResponseBytes bounds how much of a response body is read.
const maxResponseBytes = 4 << 20

// Retry configures retries of a whole request.
type Retry struct {
	// InitialInterval is the wait after the first failure.
	InitialInterval time.Duration
	// MaxInterval caps the wait between two attempts before jitter.
	MaxInterval time.Duration
	// Budget is the total time a request may take, retries and waits
	// included. Zero disables retries.
	Budget time.Duration
	// MaxRetryAfter caps how long a Retry-After header may make us wait.
	MaxRetryAfter time.Duration
}

// DefaultRetry is the retry policy of the exporter and prompt client.
var DefaultRetry = Retry{
	InitialInterval: 500 * time.Millisecond,
	MaxInterval:     5 * time.Second,
	Budget:          30 * time.Second,
	MaxRetryAfter:   30 * time.Second,
}

// Client sends requests to one AgentTrace API. It is safe for concurrent use.
type Client struct {
	// BaseURL is the API's base URL, without the /api/public prefix.
	BaseURL *url.URL
	// APIKey is sent in X-API-Key and as a Bearer token.
	APIKey string
	// ProjectID, when set, is sent in X-Project-ID.
	ProjectID string
	// HTTPClient sends the requests; nil means a client with no timeout of
	// its own (each attempt has Timeout).
	HTTPClient *http.Client
	// Timeout bounds each attempt. Zero means no per-attempt bound.
	Timeout time.Duration
	// Gzip compresses request bodies.
	Gzip bool
	// Retry is the retry policy.
	Retry Retry
	// OnAttempt, when set, is called after every attempt with its status (0
	// for a transport error), whether it will be retried and its duration.
	OnAttempt func(status int, retry bool, d time.Duration)
	// Pacer, when set, paces every attempt to the server's request budget
	// (shared with the exporter of the same connection) and learns the
	// budget from the answers; a wait the server names (429 or 503 with
	// Retry-After) then holds the pacer and never uses up the retry budget.
	Pacer *pace.Pacer
}

// Response is a response whose body has been read.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Do sends body (nil for none) to the API path (for example
// "/api/public/prompts/x") and retries while the policy allows. The request
// must be idempotent: it is retried after timeouts and resets, when the
// server may have acted on it. It returns the response of the last attempt
// when its status is 2xx, and an *APIError otherwise (or the transport error
// of the last attempt, wrapped).
func (c *Client) Do(ctx context.Context, method, path string, query url.Values, body []byte) (*Response, error) {
	return c.do(ctx, method, path, query, body, true)
}

// PostOnce is Do for a POST that must not take effect twice (scores, agent
// records): it is retried only when the server certainly did not act on it
// (the connection was refused, or the answer was 429 or 503).
func (c *Client) PostOnce(ctx context.Context, path string, body []byte) (*Response, error) {
	return c.do(ctx, http.MethodPost, path, nil, body, false)
}

// Post is Do for an idempotent POST.
func (c *Client) Post(ctx context.Context, path string, body []byte) (*Response, error) {
	return c.do(ctx, http.MethodPost, path, nil, body, true)
}

func (c *Client) do(ctx context.Context, method, path string, query url.Values, body []byte, idempotent bool) (*Response, error) {
	payload, encoding, err := c.encode(body)
	if err != nil {
		return nil, err
	}
	b := &backoff.ExponentialBackOff{
		InitialInterval:     c.Retry.InitialInterval,
		RandomizationFactor: backoff.DefaultRandomizationFactor,
		Multiplier:          backoff.DefaultMultiplier,
		MaxInterval:         c.Retry.MaxInterval,
	}
	b.Reset()
	start := time.Now()
	for {
		if err := c.turn(ctx); err != nil {
			return nil, err
		}
		attemptStart := time.Now()
		resp, err := c.attempt(ctx, method, path, query, payload, encoding)
		retry, wait := c.evaluate(resp, err, idempotent)
		serverWait := c.Pacer != nil && c.paced(resp, attemptStart)
		if retry && serverWait {
			wait = 0 // the pacer holds the next attempt until the time the server named
		} else if retry {
			wait = max(wait, b.NextBackOff())
			if c.Retry.Budget <= 0 || time.Since(start)+wait > c.Retry.Budget || ctx.Err() != nil {
				retry = false
			}
		}
		if c.OnAttempt != nil {
			status := 0
			if resp != nil {
				status = resp.Status
			}
			c.OnAttempt(status, retry, time.Since(attemptStart))
		}
		if err == nil && resp.Status/100 == 2 {
			return resp, nil
		}
		if err == nil {
			err = newAPIError(method, path, resp)
		}
		if !retry {
			return resp, err
		}
		if werr := sleep(ctx, wait); werr != nil {
			return resp, fmt.Errorf("%w (gave up waiting to retry: %w)", err, werr)
		}
	}
}

func (c *Client) encode(body []byte) ([]byte, string, error) {
	if body == nil || !c.Gzip {
		return body, "", nil
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(body); err != nil {
		return nil, "", err
	}
	if err := zw.Close(); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), "gzip", nil
}

// Attempt sends one request with no retry and returns the answer, whatever
// its status: the caller decides what to retry. body is sent as it is, with
// Content-Encoding encoding when that is not empty; timeout, when positive,
// bounds the attempt. The error is a transport error; it wraps ErrNotSent
// when the request was certainly not acted on (nothing of it was written).
func (c *Client) Attempt(ctx context.Context, method, path string, body []byte, encoding string, timeout time.Duration) (*Response, error) {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	return c.attempt(ctx, method, path, nil, body, encoding)
}

// ErrNotSent marks the error of a request that was never written to the
// server: the connection could not be made, or broke before the request's
// headers were written.
var ErrNotSent = errors.New("request not sent")

func (c *Client) attempt(ctx context.Context, method, path string, query url.Values, payload []byte, encoding string) (*Response, error) {
	if c.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.Timeout)
		defer cancel()
	}
	var wrote atomic.Bool
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{WroteHeaders: func() { wrote.Store(true) }})
	u := c.BaseURL.JoinPath(path)
	u.RawQuery = query.Encode()
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, err
	}
	c.setHeaders(req.Header)
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if encoding != "" {
		req.Header.Set("Content-Encoding", encoding)
	}
	hc := c.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		if !wrote.Load() {
			return nil, fmt.Errorf("%w: %w", ErrNotSent, err)
		}
		return nil, err
	}
	defer resp.Body.Close()
	data, err := readBody(resp)
	if err != nil {
		return nil, fmt.Errorf("read response of %s %s: %w", method, path, err)
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: data}, nil
}

// setHeaders sets the headers of exporter/PROTOCOL.md A2 and A11 on h.
func (c *Client) setHeaders(h http.Header) {
	h.Set("X-API-Key", c.APIKey)
	h.Set("Authorization", "Bearer "+c.APIKey)
	if c.ProjectID != "" {
		h.Set("X-Project-ID", c.ProjectID)
	}
	h.Set("X-Request-ID", requestID())
	h.Set("User-Agent", UserAgent)
	h.Set("Accept", "application/json")
}

// evaluate says whether an attempt may succeed if repeated, and the wait the
// server asked for. A request that is not idempotent is repeated only when
// the server certainly did not act on it.
func (c *Client) evaluate(resp *Response, err error, idempotent bool) (bool, time.Duration) {
	if !idempotent {
		if err != nil {
			return NeverSent(err), 0
		}
		if resp.Status == http.StatusTooManyRequests || resp.Status == http.StatusServiceUnavailable {
			return true, min(retryAfterHeader(resp.Header), c.Retry.MaxRetryAfter)
		}
		return false, 0
	}
	if err != nil {
		// Timeouts, refused and reset connections, truncated responses.
		// A context cancelled by the caller is not retried: Do checks ctx.
		return Transient(err), 0
	}
	switch resp.Status {
	case http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusInternalServerError,
		http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true, min(retryAfterHeader(resp.Header), c.Retry.MaxRetryAfter)
	}
	return false, 0
}

// NeverSent reports whether err means the server did not act on the
// request: nothing of it was written (the connection could not be made, or
// the server had closed the kept-alive connection it would have gone out
// on).
func NeverSent(err error) bool {
	var op *net.OpError
	return errors.Is(err, ErrNotSent) || errors.As(err, &op) && op.Op == "dial"
}

// Transient reports whether a transport error may not happen again:
// timeouts, refused, reset and broken connections, and answers cut short.
// A context the caller cancelled is not transient.
func Transient(err error) bool {
	if errors.Is(err, context.Canceled) {
		return false
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, ErrNotSent) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNABORTED)
}

// RetryAfter parses a Retry-After header, delay-seconds or an HTTP date,
// into the wait it asks for; it reports false when v is neither.
func RetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil {
		return time.Duration(max(s, 0)) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

func retryAfterHeader(h http.Header) time.Duration {
	d, _ := RetryAfter(h.Get("Retry-After"), time.Now())
	return d
}

// turn waits until the pacer, if any, lets a request leave, and spends it.
func (c *Client) turn(ctx context.Context) error {
	for c.Pacer != nil {
		now := time.Now()
		at := c.Pacer.Next(now)
		if !at.After(now) {
			c.Pacer.Take(now)
			return nil
		}
		if err := sleep(ctx, at.Sub(now)); err != nil {
			return fmt.Errorf("waiting for the server's request budget: %w", err)
		}
	}
	return nil
}

// paced gives the pacer what the answer to the attempt sent at sent says:
// the budget, and a wait the server names (429 or 503 with Retry-After),
// for which it holds every request. It reports whether the server named
// such a wait, so that the next attempt waits for the pacer alone.
func (c *Client) paced(resp *Response, sent time.Time) bool {
	if resp == nil {
		return false
	}
	c.Pacer.Learn(resp.Header, sent)
	if resp.Status != http.StatusTooManyRequests && resp.Status != http.StatusServiceUnavailable {
		return false
	}
	d, ok := RetryAfter(resp.Header.Get("Retry-After"), time.Now())
	if !ok {
		return false
	}
	until := time.Now().Add(d)
	c.Pacer.HoldUntil(until, fmt.Sprintf("rate-limited by the server (%d) until %s", resp.Status, until.Format(time.TimeOnly)))
	return true
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-t.C:
		return nil
	}
}

// APIError is a non-2xx answer of the API.
type APIError struct {
	Method, Path string
	Status       int
	// Message is the server's message, from any of its three error shapes.
	Message string
	// RequestID is the X-Request-ID the server answered with.
	RequestID string
}

func (e *APIError) Error() string {
	msg := fmt.Sprintf("agenttrace: %s %s: %d %s", e.Method, e.Path, e.Status, http.StatusText(e.Status))
	if e.Message != "" {
		msg += ": " + e.Message
	}
	switch e.Status {
	case http.StatusUnauthorized, http.StatusForbidden:
		msg += " (check that AGENTTRACE_API_KEY is a public key (pk-...) of your project and that AGENTTRACE_API_URL points at your AgentTrace server)"
	case http.StatusNotFound:
		if strings.HasPrefix(e.Message, "Cannot ") {
			msg += " (check AGENTTRACE_API_URL: the server has no such route)"
		}
	}
	return msg
}

// IsAuth reports whether the error is a 401 or 403.
func (e *APIError) IsAuth() bool {
	return e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden
}

func newAPIError(method, path string, resp *Response) *APIError {
	return &APIError{
		Method:    method,
		Path:      path,
		Status:    resp.Status,
		Message:   ErrorMessage(resp.Body),
		RequestID: resp.Header.Get("X-Request-ID"),
	}
}

// ErrorMessage extracts the message of an error body in any of the server's
// shapes: {"error":"Bad Request","message":"..."},
// {"error":{"code":413,"message":"..."}}, or a body that is not JSON (its
// first 200 bytes).
func ErrorMessage(body []byte) string {
	var v struct {
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
	}
	if err := json.Unmarshal(body, &v); err != nil {
		s := strings.TrimSpace(string(body))
		if len(s) > 200 {
			s = s[:200] + "..."
		}
		return s
	}
	if v.Message != "" {
		return v.Message
	}
	var nested struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(v.Error, &nested) == nil && nested.Message != "" {
		return nested.Message
	}
	var s string
	if json.Unmarshal(v.Error, &s) == nil {
		return s
	}
	return ""
}

// RedactKey returns a form of an API key safe to print: its prefix and last
// four characters.
func RedactKey(key string) string {
	if len(key) <= 8 {
		return "****"
	}
	prefix := key[:3]
	return prefix + "..." + key[len(key)-4:]
}

// readBody reads at most maxResponseBytes of a response body into a buffer
// sized for it up front: its announced length, or else room for the answer
// to a full ingestion request (io.ReadAll would grow its buffer six times
// for those 4 KiB).
func readBody(resp *http.Response) ([]byte, error) {
	size := 8 << 10
	if n := resp.ContentLength; n >= 0 && n < maxResponseBytes {
		size = int(n) + bytes.MinRead // room to see the end without growing
	}
	buf := bytes.NewBuffer(make([]byte, 0, size))
	_, err := buf.ReadFrom(io.LimitReader(resp.Body, maxResponseBytes))
	return buf.Bytes(), err
}

// requestID returns a random UUID v4 for X-Request-ID, which must be
// unique, not secret: math/rand/v2's generator (ChaCha8, seeded by the
// system) makes it without the system call crypto/rand costs per request.
func requestID() string {
	var id uuid.UUID
	binary.LittleEndian.PutUint64(id[:8], rand.Uint64())
	binary.LittleEndian.PutUint64(id[8:], rand.Uint64())
	id[6] = id[6]&0x0f | 0x40 // version 4
	id[8] = id[8]&0x3f | 0x80 // RFC 4122 variant
	return id.String()
}
