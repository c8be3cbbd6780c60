package agenttracetest

import (
	"errors"
	"fmt"
	"html"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/agenttrace/agenttrace-otel-go/internal/attestctl/emu"
	"github.com/google/uuid"
)

// Server is an in-process AgentTrace server listening on 127.0.0.1. Create
// it with [NewServer] and Close it when done. All methods are safe for
// concurrent use.
type Server struct {
	// URL is the server's base URL, "http://127.0.0.1:<port>", without a
	// trailing slash: the value of AGENTTRACE_API_URL for a client under
	// test.
	URL string
	// APIKey is a valid public key ("pk-" and 32 hex characters), accepted
	// as "Authorization: Bearer", X-API-Key or ?api_key=.
	APIKey string
	// SecretKey is APIKey's secret key ("sk-" and 64 hex characters). Like
	// the real server, this one ignores it: a client that sends it instead
	// of APIKey fails with 401.
	SecretKey string
	// ProjectID is the project every key belongs to; stored rows carry it.
	ProjectID string

	cfg     config
	keys    map[string]bool   // accepted public keys
	secrets map[string]string // secret key -> public key
	limiter *rateLimiter      // nil when rate limiting is disabled
	hs      *http.Server
	addr    string

	// life guards the listener, the connections and closed; wg counts the
	// serve loops, connections and handlers, added to only while !closed.
	life      sync.Mutex
	ln        net.Listener  // nil while down
	draining  bool          // down by Drain: open connections answer 503
	downCh    chan struct{} // closed by Down, replaced by Up
	conns     map[net.Conn]struct{}
	closed    bool
	wg        sync.WaitGroup
	closing   chan struct{} // closed when Close starts
	done      chan struct{} // closed when Close has finished
	closeOnce sync.Once

	faultMu sync.Mutex
	faults  faultState

	// mu guards the stored data; changed is closed and replaced on every
	// change of it.
	mu      sync.Mutex
	data    store
	changed chan struct{}
}

// NewServer starts a server on a free port of 127.0.0.1 and returns it. Like
// httptest.NewServer it panics if it cannot listen.
//
// The server rate-limits as the real one does, to 100 requests per minute
// per client address; tests that make more requests use [WithoutRateLimit].
func NewServer(opts ...Option) *Server {
	cfg := newConfig(opts)
	s := &Server{
		APIKey:    "pk-" + hexID(16),
		SecretKey: "sk-" + hexID(32),
		ProjectID: cfg.ProjectID,
		cfg:       cfg,
		keys:      make(map[string]bool),
		secrets:   make(map[string]string),
		conns:     make(map[net.Conn]struct{}),
		closing:   make(chan struct{}),
		done:      make(chan struct{}),
		data:      newStore(),
		changed:   make(chan struct{}),
	}
	if s.ProjectID == "" {
		s.ProjectID = uuid.NewString()
	}
	s.keys[s.APIKey] = true
	s.secrets[s.SecretKey] = s.APIKey
	for _, k := range cfg.PublicKeys {
		if k != "" {
			s.keys[k] = true
		}
	}
	for _, p := range cfg.KeyPairs {
		if p[0] != "" {
			s.keys[p[0]] = true
			if p[1] != "" {
				s.secrets[p[1]] = p[0]
			}
		}
	}
	if cfg.RateLimit > 0 && cfg.RateWindow > 0 {
		s.limiter = newRateLimiter(cfg.RateLimit, cfg.RateWindow)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(fmt.Sprintf("agenttracetest: failed to listen on a port: %v", err))
	}
	s.addr = ln.Addr().String()
	s.URL = "http://" + s.addr
	s.hs = &http.Server{
		Handler:      http.HandlerFunc(s.serveHTTP),
		ReadTimeout:  30 * time.Second,
		WriteTimeout: 30 * time.Second,
		IdleTimeout:  120 * time.Second,
		ConnState:    s.connState,
		ErrorLog:     log.New(io.Discard, "", 0),
	}
	s.life.Lock()
	s.startLocked(ln)
	s.life.Unlock()
	return s
}

func (s *Server) startLocked(ln net.Listener) {
	s.ln = ln
	s.downCh = make(chan struct{})
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		// Serve returns when the listener is closed by Down or Close; that
		// is not an error.
		_ = s.hs.Serve(ln)
	}()
}

// Close shuts the server down: it stops listening, closes every connection,
// lets the handlers finish (hanging ones are released) and waits for its
// goroutines. Stored data stays readable. Close is idempotent.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.life.Lock()
		s.closed = true
		close(s.closing)
		if s.ln != nil {
			_ = s.ln.Close()
			s.ln = nil
		}
		for c := range s.conns {
			_ = c.Close()
		}
		s.life.Unlock()
		_ = s.hs.Close()
		s.wg.Wait()
		close(s.done)
	})
}

// ErrClosed is returned by the wait helpers once the server is closed.
var ErrClosed = errors.New("agenttracetest: server closed")

func (c controls) Down() {
	s := c.s
	s.life.Lock()
	defer s.life.Unlock()
	if s.ln == nil && !s.draining {
		return
	}
	if s.ln != nil {
		_ = s.ln.Close()
		s.ln = nil
	}
	s.draining = false
	close(s.downCh)
	for c := range s.conns {
		_ = c.Close()
	}
}

func (c controls) Drain() {
	s := c.s
	s.life.Lock()
	defer s.life.Unlock()
	if s.ln == nil {
		return
	}
	_ = s.ln.Close()
	s.ln = nil
	s.draining = true
}

func (c controls) Up() error {
	s := c.s
	s.life.Lock()
	defer s.life.Unlock()
	if s.closed {
		return ErrClosed
	}
	if s.ln != nil {
		return nil
	}
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return fmt.Errorf("agenttracetest: listen again on %s: %w", s.addr, err)
	}
	s.draining = false
	s.startLocked(ln)
	return nil
}

// downState reports whether the server is down, and if so whether by Drain.
func (s *Server) downState() (down, draining bool) {
	s.life.Lock()
	defer s.life.Unlock()
	return s.ln == nil, s.draining
}

// downSignal is closed when the server goes down.
func (s *Server) downSignal() <-chan struct{} {
	s.life.Lock()
	defer s.life.Unlock()
	return s.downCh
}

// connState tracks connections so that Down can close them and Close can
// wait for them.
func (s *Server) connState(c net.Conn, st http.ConnState) {
	s.life.Lock()
	defer s.life.Unlock()
	switch st {
	case http.StateNew:
		if s.closed || s.ln == nil {
			_ = c.Close()
			return
		}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
	case http.StateHijacked, http.StateClosed:
		if _, ok := s.conns[c]; ok {
			delete(s.conns, c)
			s.wg.Done()
		}
	}
}

// enter registers a handler; false once the server is closing.
func (s *Server) enter() bool {
	s.life.Lock()
	defer s.life.Unlock()
	if s.closed {
		return false
	}
	s.wg.Add(1)
	return true
}

// incoming is a request's body as read from the wire.
type incoming struct {
	requestID string
	tooLarge  bool
	wireBytes int64
	// body is what the handlers decode: the decoded content, or the text of
	// the decoding error.
	body []byte
	// recorded is what Request.Body shows.
	recorded []byte
	// items counts the items processed, for Request.Items.
	items int
}

func (s *Server) readBody(r *http.Request) (*incoming, error) {
	in := &incoming{requestID: r.Header.Get("X-Request-ID"), wireBytes: r.ContentLength}
	if in.requestID == "" {
		in.requestID = uuid.NewString()
	}
	limit := s.cfg.MaxBodyBytes
	if r.ContentLength > limit {
		in.tooLarge = true
		return in, nil
	}
	wire, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return in, err
	}
	in.wireBytes = int64(len(wire))
	if in.wireBytes > limit {
		in.tooLarge = true
		return in, nil
	}
	decoded, err := decodeContent(r.Header.Get("Content-Encoding"), wire)
	if err != nil {
		// The server's framework hands the error text to the JSON decoder.
		in.body = []byte(err.Error())
		in.recorded = wire
		return in, nil
	}
	in.body = decoded
	in.recorded = decoded
	return in, nil
}

// statusWriter remembers the status sent.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (s *Server) serveHTTP(rw http.ResponseWriter, r *http.Request) {
	if !s.enter() {
		panic(http.ErrAbortHandler)
	}
	defer s.wg.Done()
	now := ms(s.cfg.Clock())
	w := &statusWriter{ResponseWriter: rw}
	in, err := s.readBody(r)
	seq := s.recordRequest(r, in, now)
	defer func() { s.finishRequest(seq, w.status, in.items) }()
	if err != nil {
		// The client went away while sending its body.
		panic(http.ErrAbortHandler)
	}

	if _, draining := s.downState(); draining {
		w.Header().Set("Connection", "close")
		writeGlobalError(w, http.StatusServiceUnavailable, "Service Unavailable")
		return
	}
	f, latency := s.nextFault(r.URL.Path)
	if latency > 0 && !s.pause(r, latency) {
		panic(http.ErrAbortHandler)
	}
	if down, draining := s.downState(); down && !draining {
		// A request that slipped in while the server went down.
		resetConn(w)
		return
	}
	switch {
	case f.Kind == emu.FaultNone:
		s.handle(w, r, in, now)
	case !f.After:
		s.applyFault(w, r, f, in.requestID, nil)
	default:
		rec := httptest.NewRecorder()
		s.handle(rec, r, in, now)
		s.applyFault(w, r, f, in.requestID, rec)
	}
}

// pause waits d; false when the request or the server ended first.
func (s *Server) pause(r *http.Request, d time.Duration) bool {
	return s.sleepUntil(r, time.Now().Add(d))
}

// sleepUntil waits until t; false when the request ended, the server was
// taken down (not drained) or it was closed first.
func (s *Server) sleepUntil(r *http.Request, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return true
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-r.Context().Done():
	case <-s.closing:
	case <-s.downSignal():
	}
	return false
}

// process spends the processing time of n more items of the request
// (emu.Config.EventDelay), then counts them in [Request.Items]: the request's
// k-th item is done k×d after its handling started. When the wait is cut
// short, the request is abandoned without an answer.
func (s *Server) process(c *call, n int) {
	if d := s.cfg.EventDelay; d > 0 {
		until := c.started.Add(time.Duration(c.in.items+n) * d)
		if !s.cfg.sleep(s, c.r, until) {
			panic(http.ErrAbortHandler)
		}
	}
	c.in.items += n
}

// handle answers a request as the real server does: body limit, routing,
// authentication, rate limiting, then the route's handler, with panics
// recovered into the server's panic shape.
func (s *Server) handle(w http.ResponseWriter, r *http.Request, in *incoming, now time.Time) {
	w.Header().Set("X-Request-ID", in.requestID)
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler { //nolint:errorlint // sentinel panic value
				panic(v)
			}
			writeJSON(w, http.StatusInternalServerError, panicError{
				Error:     http.StatusText(http.StatusInternalServerError),
				Message:   "An unexpected error occurred",
				RequestID: in.requestID,
			})
		}
	}()
	if in.tooLarge {
		writeGlobalError(w, http.StatusRequestEntityTooLarge, http.StatusText(http.StatusRequestEntityTooLarge))
		return
	}
	path := r.URL.EscapedPath()
	rt, params, res := match(r.Method, path)
	if isAPIPath(path) {
		if !s.authenticate(w, r) || !s.rateLimit(w, r, now) {
			return
		}
	}
	switch res {
	case matchNotFound:
		writeGlobalError(w, http.StatusNotFound, "Cannot "+r.Method+" "+html.EscapeString(path))
		return
	case matchWrongMethod:
		writeGlobalError(w, http.StatusMethodNotAllowed, http.StatusText(http.StatusMethodNotAllowed))
		return
	}
	rt.handler(s, &call{w: w, r: r, in: in, body: in.body, params: params, now: now, started: time.Now()})
}
