package agenttracetest

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"time"
)

type faultKind uint8

const (
	faultNone faultKind = iota
	faultStatus
	faultReset
	faultGarbage
	faultTruncated
	faultHang
)

// A Fault is what the server does to a request instead of answering it
// normally. Build one with [Status], [ConnReset], [Garbage], [Truncated] or
// [Hang], and inject it with [Server.FailNext], [Server.FailNextOn] or
// [Server.SetFault]. The zero Fault is no fault.
//
// A fault applies before authentication, rate limiting and the handler (the
// request is still recorded in [Server.Requests]), unless made
// [Fault.AfterProcessing].
type Fault struct {
	kind       faultKind
	status     int
	retryAfter string
	after      bool
}

// Status answers with the status code. 429 answers with the rate limiter's
// body and "Retry-After: 60" (change it with [Fault.WithRetryAfter]); 413
// with the framework's error shape; 401 with "Invalid API key"; any other
// status with the handler error shape and the message
// "agenttracetest: injected fault". A code outside 100-999 answers 500.
func Status(code int) Fault {
	if code < 100 || code > 999 {
		code = http.StatusInternalServerError
	}
	f := Fault{kind: faultStatus, status: code}
	if code == http.StatusTooManyRequests {
		f.retryAfter = "60"
	}
	return f
}

// ConnReset closes the connection without answering, with a TCP reset: the
// client sees "connection reset by peer".
func ConnReset() Fault { return Fault{kind: faultReset} }

// Garbage answers 200 with "Content-Type: application/json" and a body that
// is not JSON.
func Garbage() Fault { return Fault{kind: faultGarbage} }

// Truncated answers 200 with a Content-Length larger than the body sent,
// then closes the connection: the client fails reading the body
// ("unexpected EOF"). After processing, the truncated body is the real
// answer's first half.
func Truncated() Fault { return Fault{kind: faultTruncated} }

// Hang never answers: the request blocks until the client gives up
// (its context ends or its connection closes) or the server is taken down or
// closed. Use it to test shutdown deadlines and timeouts.
func Hang() Fault { return Fault{kind: faultHang} }

// WithRetryAfter sets the Retry-After header of a [Status] fault, in seconds
// ("2") or as an HTTP date. An empty value sends no header.
func (f Fault) WithRetryAfter(v string) Fault {
	f.retryAfter = v
	return f
}

// AfterProcessing makes the fault apply after the request was handled
// normally, so the server has stored what the request carried but the client
// does not learn it: an ambiguous failure, after which a retry duplicates
// scores and records.
func (f Fault) AfterProcessing() Fault {
	f.after = true
	return f
}

// Event is an ingestion event as the function of [Server.SetItemFaults] sees
// it.
type Event struct {
	// ID is the event's envelope id; generated when the client sent none.
	ID string
	// Type is the event type, such as "trace-create".
	Type string
	// BodyID is the body's "id" (a trace or observation id); "" when absent.
	BodyID string
	// Body is the event's body as sent.
	Body json.RawMessage
	// Attempt is 1 the first time the server sees an event of this type and
	// body id (or, without a body id, this envelope id), 2 the second time,
	// and so on. [Server.Reset] starts counting again.
	Attempt int
}

// ItemError is a per-item failure, reported in the ingestion response's
// "errors" with HTTP 200 for the whole request.
type ItemError struct {
	// Status is the item's status: 400 (the server's decode errors) or 500
	// (its storage errors) are what the real server uses.
	Status int
	// Message is the item's message.
	Message string
}

type pathFault struct {
	path string
	f    Fault
}

type faultState struct {
	queue      []pathFault // path "" matches every request
	persistent Fault
	latency    time.Duration
	items      func(Event) *ItemError
}

// FailNext makes the next n requests fail with f (after the faults queued
// before it).
func (s *Server) FailNext(n int, f Fault) { s.FailNextOn("", n, f) }

// FailNextOn makes the next n requests to path (for example
// "/api/public/ingestion") fail with f. Requests to other paths are not
// affected. Faults queued for a path and for every path are used in the order
// they were queued.
func (s *Server) FailNextOn(path string, n int, f Fault) {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	path = strings.TrimSuffix(path, "/")
	for range n {
		s.faults.queue = append(s.faults.queue, pathFault{path: path, f: f})
	}
}

// SetFault makes every request fail with f, after the queued faults are used
// up, until SetFault(Fault{}) or [Server.ClearFaults]. SetFault(Hang())
// makes a backend that never answers; SetFault(ConnReset()) one that is down.
func (s *Server) SetFault(f Fault) {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	s.faults.persistent = f
}

// SetLatency delays every request by d before it is handled (or fails). The
// wait ends early, without an answer, when the client gives up or the server
// is taken down or closed. Zero removes the latency.
func (s *Server) SetLatency(d time.Duration) {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	s.faults.latency = d
}

// SetItemFaults installs a function called for every ingestion event before
// it is processed. When it returns an ItemError, the event is not stored and
// is reported with that status and message in the response's "errors" (the
// request itself still succeeds with 200). nil removes the function. The
// function runs on the server's handler goroutines and must be safe for
// concurrent use.
func (s *Server) SetItemFaults(fn func(Event) *ItemError) {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	s.faults.items = fn
}

// ClearFaults removes queued and persistent faults, latency and the item
// fault function.
func (s *Server) ClearFaults() {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	s.faults = faultState{}
}

// nextFault takes the fault for a request to path, and the latency.
func (s *Server) nextFault(path string) (Fault, time.Duration) {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	path = strings.TrimSuffix(path, "/")
	for i, pf := range s.faults.queue {
		if pf.path == "" || pf.path == path {
			s.faults.queue = append(s.faults.queue[:i], s.faults.queue[i+1:]...)
			return pf.f, s.faults.latency
		}
	}
	return s.faults.persistent, s.faults.latency
}

func (s *Server) itemFaults() func(Event) *ItemError {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	return s.faults.items
}

// applyFault answers with f. rec holds the normal answer when the request
// was processed first.
func (s *Server) applyFault(w http.ResponseWriter, r *http.Request, f Fault, requestID string, rec *httptest.ResponseRecorder) {
	switch f.kind {
	case faultStatus:
		w.Header().Set("X-Request-ID", requestID)
		switch f.status {
		case http.StatusTooManyRequests:
			writeTooManyRequests(w, f.retryAfter)
			return
		case http.StatusRequestEntityTooLarge:
			writeGlobalError(w, f.status, http.StatusText(f.status))
			return
		}
		if f.retryAfter != "" {
			w.Header().Set("Retry-After", f.retryAfter)
		}
		msg := "agenttracetest: injected fault"
		if f.status == http.StatusUnauthorized {
			msg = "Invalid API key"
		}
		writeHandlerError(w, f.status, msg)
	case faultReset:
		resetConn(w)
	case faultGarbage:
		w.Header().Set("X-Request-ID", requestID)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte("<html><body>agenttracetest: garbage, not JSON</body></html>\n"))
	case faultTruncated:
		body := []byte(`{"successes":["agenttracetest-truncated"],"errors":[]}`)
		if rec != nil {
			body = rec.Body.Bytes()
		}
		w.Header().Set("X-Request-ID", requestID)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(body[:len(body)/2])
		_ = http.NewResponseController(w).Flush()
		panic(http.ErrAbortHandler)
	case faultHang:
		select {
		case <-r.Context().Done():
		case <-s.closing:
		case <-s.downSignal():
		}
		panic(http.ErrAbortHandler)
	}
}

// resetConn closes the request's connection with a TCP reset, without an
// answer.
func resetConn(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}
