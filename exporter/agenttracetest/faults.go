package agenttracetest

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"time"

	"github.com/agenttrace/agenttrace-otel-go/internal/attestctl/emu"
)

type pathFault struct {
	path string
	f    emu.Fault
}

type faultState struct {
	queue      []pathFault // path "" matches every request
	persistent emu.Fault
	latency    time.Duration
	items      func(emu.Event) *emu.ItemError
}

// controls are a server's emulation controls, which package
// internal/attestctl hands to the SDK's own tests.
type controls struct{ s *Server }

func (c controls) FailNext(n int, f emu.Fault) { c.FailNextOn("", n, f) }

func (c controls) FailNextOn(path string, n int, f emu.Fault) {
	s := c.s
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	path = strings.TrimSuffix(path, "/")
	for range n {
		s.faults.queue = append(s.faults.queue, pathFault{path: path, f: f})
	}
}

func (c controls) SetFault(f emu.Fault) {
	s := c.s
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	s.faults.persistent = f
}

func (c controls) SetLatency(d time.Duration) {
	s := c.s
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	s.faults.latency = d
}

func (c controls) SetItemFaults(fn func(emu.Event) *emu.ItemError) {
	s := c.s
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	s.faults.items = fn
}

func (c controls) ClearFaults() {
	s := c.s
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	s.faults = faultState{}
}

// nextFault takes the fault for a request to path, and the latency.
func (s *Server) nextFault(path string) (emu.Fault, time.Duration) {
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

func (s *Server) itemFaults() func(emu.Event) *emu.ItemError {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	return s.faults.items
}

// applyFault answers with f. rec holds the normal answer when the request
// was processed first.
func (s *Server) applyFault(w http.ResponseWriter, r *http.Request, f emu.Fault, requestID string, rec *httptest.ResponseRecorder) {
	switch f.Kind {
	case emu.FaultStatus:
		w.Header().Set("X-Request-ID", requestID)
		switch f.Code {
		case http.StatusTooManyRequests:
			writeTooManyRequests(w, f.RetryAfter)
			return
		case http.StatusRequestEntityTooLarge:
			writeGlobalError(w, f.Code, http.StatusText(f.Code))
			return
		}
		if f.RetryAfter != "" {
			w.Header().Set("Retry-After", f.RetryAfter)
		}
		msg := "agenttracetest: injected fault"
		if f.Code == http.StatusUnauthorized {
			msg = "Invalid API key"
		}
		writeHandlerError(w, f.Code, msg)
	case emu.FaultReset:
		resetConn(w)
	case emu.FaultGarbage:
		w.Header().Set("X-Request-ID", requestID)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte("<html><body>agenttracetest: garbage, not JSON</body></html>\n"))
	case emu.FaultTruncated:
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
	case emu.FaultHang:
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
