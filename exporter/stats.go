package exporter

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel"
)

// Kinds of items, as counted in [Stats] and [DeliveryError].
const (
	KindTrace           = "trace"
	KindObservation     = "observation"
	KindScore           = "score"
	KindCheckpoint      = "checkpoint"
	KindGitLink         = "git-link"
	KindFileOperation   = "file-operation"
	KindTerminalCommand = "terminal-command"
)

// stats holds the exporter's counters. Counters are atomics; the maps are
// guarded by mu, which is never held while calling out.
type stats struct {
	spans    atomic.Uint64
	requests atomic.Uint64
	retries  atomic.Uint64
	bytes    atomic.Uint64
	pending  atomic.Int64 // items queued, in flight or waiting for their trace

	mu      sync.Mutex
	deliv   map[string]uint64
	dropped map[dropClass]uint64
	// window holds what was given up and returned to no ExportSpans
	// caller since the last ForceFlush or Shutdown report.
	window lossWindow
	// announced holds the kinds and classes already reported to
	// otel.Handle: each is reported once (A9).
	announced map[announcement]bool
	// lastFailure is the error of the last request that failed, kept for
	// reports of what still waits; cleared by a delivery.
	lastFailure error

	metrics *selfMetrics
}

// announcement is what makes a loss report distinct: its reason.
type announcement = dropClass

// lossWindow accumulates what was given up between two reports: counts by
// kind and by reason, and the first detail of each reason.
type lossWindow struct {
	byKind  map[string]int
	reasons map[dropClass]int
	details map[dropClass]string
}

func (w *lossWindow) add(kind string, n int, class dropClass, detail string) {
	if w.byKind == nil {
		w.byKind, w.reasons, w.details = map[string]int{}, map[dropClass]int{}, map[dropClass]string{}
	}
	w.byKind[kind] += n
	w.reasons[class] += n
	if _, ok := w.details[class]; !ok {
		w.details[class] = detail
	}
}

// error returns the window as a *DeliveryError, nil when it is empty.
func (w *lossWindow) error() *DeliveryError {
	if w.empty() {
		return nil
	}
	de := &DeliveryError{Lost: w.byKind, Reasons: map[string]int{}, details: map[string]string{}}
	for c, n := range w.reasons {
		de.Reasons[string(c)] = n
		de.details[string(c)] = w.details[c]
	}
	return de
}

func (w *lossWindow) empty() bool { return len(w.byKind) == 0 }

// attempt counts an HTTP attempt.
func (s *stats) attempt(status int, d time.Duration) {
	s.requests.Add(1)
	if s.metrics != nil {
		s.metrics.request(status, d)
	}
}

// retried counts a retry decided after an answer was read.
func (s *stats) retried() {
	s.retries.Add(1)
	if s.metrics != nil {
		s.metrics.retriesC.Add(context.Background(), 1)
	}
}

func (s *stats) failed(err error) {
	s.mu.Lock()
	s.lastFailure = err
	s.mu.Unlock()
}

func (s *stats) delivered(kind string, n int) {
	s.mu.Lock()
	s.lastFailure = nil
	if s.deliv == nil {
		s.deliv = map[string]uint64{}
	}
	s.deliv[kind] += uint64(n)
	s.mu.Unlock()
	if s.metrics != nil {
		s.metrics.exported(kind, n)
	}
}

// lose counts n items of kind given up for class, adds them to the report
// window unless an ExportSpans caller is told (returned), and reports the
// first loss of each kind and class to otel.Handle with detail, the free
// text that says what happened (A9).
func (s *stats) lose(kind string, n int, class dropClass, detail string, returned bool) {
	s.mu.Lock()
	if s.dropped == nil {
		s.dropped, s.announced = map[dropClass]uint64{}, map[announcement]bool{}
	}
	s.dropped[class] += uint64(n)
	if !returned {
		s.window.add(kind, n, class, detail)
	}
	a := announcement(class)
	first := !s.announced[a]
	s.announced[a] = true
	s.mu.Unlock()
	if s.metrics != nil {
		s.metrics.dropped(kind, n, class)
	}
	if first {
		otel.Handle(fmt.Errorf("agenttrace: %s dropped (%s): %s", kind, class, detail))
	}
}

// report returns what was lost since the previous report, with what is
// still waiting and why, as a *DeliveryError; nil when both are empty.
func (s *stats) report(pending map[string]int, wait string, cause error) error {
	s.mu.Lock()
	w := s.window
	s.window = lossWindow{}
	last := s.lastFailure
	s.mu.Unlock()
	if w.empty() && len(pending) == 0 {
		return nil
	}
	de := w.error()
	if de == nil {
		de = &DeliveryError{}
	}
	if len(pending) > 0 {
		de.Pending, de.Wait, de.LastFailure, de.cause = pending, wait, last, cause
	}
	return de
}

// DeliveryError says what an export, flush or shutdown could not deliver.
// errors.Is(err, ErrNotDelivered) is true for it, and it unwraps to the
// last failure and, when a flush ran out of time, to its context's error,
// so errors.Is and errors.As see through to them (context.DeadlineExceeded,
// an *net.OpError...).
type DeliveryError struct {
	// Lost counts what was given up, by kind (trace, observation, score,
	// checkpoint, git-link, file-operation, terminal-command). A trace
	// dropped whole counts as one trace and its observations.
	Lost map[string]int
	// Reasons counts the lost items by reason, one of a few values:
	// queue_full, deadline, unauthorized, too_large, trace_rejected,
	// rejected, unconfirmed, invalid, unconvertible, undeliverable.
	Reasons map[string]int
	// Pending counts what was still waiting to be sent when the flush
	// ended (its context expired, or the server could not be reached).
	Pending map[string]int
	// Wait, when items are pending and requests are held, says why: for
	// example "rate-limited by the server (429) until 12:04:31".
	Wait string
	// LastFailure, when items are pending, is the error of the last
	// attempt to send them (connection refused, a 503, a timeout...).
	LastFailure error

	// details holds the first detail of each reason, for Error.
	details map[string]string
	// cause is why a flush ended with items pending: its context's
	// deadline or cancellation.
	cause error
}

func (e *DeliveryError) Error() string {
	var b strings.Builder
	b.WriteString("agenttrace: not delivered:")
	if len(e.Lost) > 0 {
		b.WriteString(" lost ")
		b.WriteString(counts(e.Lost))
		b.WriteString(" (")
		for i, r := range slices.Sorted(maps.Keys(e.Reasons)) {
			if i > 0 {
				b.WriteString("; ")
			}
			fmt.Fprintf(&b, "%d %s", e.Reasons[r], r)
			if d := e.details[r]; d != "" {
				b.WriteString(": " + d)
			}
		}
		b.WriteString(")")
	}
	if len(e.Pending) > 0 {
		if len(e.Lost) > 0 {
			b.WriteString(";")
		}
		b.WriteString(" still queued ")
		b.WriteString(counts(e.Pending))
		if e.Wait != "" {
			b.WriteString(": " + e.Wait)
		}
		if e.LastFailure != nil {
			b.WriteString(" (last attempt: " + e.LastFailure.Error() + ")")
		}
	}
	return b.String()
}

// Is makes errors.Is(err, ErrNotDelivered) true for any DeliveryError.
func (e *DeliveryError) Is(target error) bool { return target == ErrNotDelivered }

// Unwrap returns the last failure and, for a flush that ran out of time,
// its context's error (context.DeadlineExceeded...).
func (e *DeliveryError) Unwrap() []error {
	var errs []error
	for _, err := range []error{e.LastFailure, e.cause} {
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// ErrNotDelivered matches every *DeliveryError with errors.Is.
var ErrNotDelivered = errors.New("agenttrace: not delivered")

// counts formats counts by name, in name order: "2 observations, 1 trace".
func counts(m map[string]int) string {
	parts := make([]string, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		n, name := m[k], k
		if n != 1 {
			name += "s"
		}
		parts = append(parts, fmt.Sprintf("%d %s", n, name))
	}
	return strings.Join(parts, ", ")
}

// Stats is a snapshot of the exporter's counters.
type Stats struct {
	// Spans is the number of spans handed to the exporter.
	Spans uint64
	// Requests is the number of HTTP attempts made.
	Requests uint64
	// Retries is the number of requests whose items, or some of them, were
	// sent again: after a failure, a 413, or a per-item 5xx.
	Retries uint64
	// BytesSent is the number of request body bytes written, before gzip.
	BytesSent uint64
	// Delivered counts items the server accepted, by kind.
	Delivered map[string]uint64
	// Dropped counts items given up, by reason (see
	// [DeliveryError.Reasons]).
	Dropped map[string]uint64
	// Queued is the number of items queued, in flight or waiting for their
	// trace.
	Queued int
}

// Stats returns a snapshot of the exporter's counters.
func (e *Exporter) Stats() Stats {
	s := &e.stats
	s.mu.Lock()
	defer s.mu.Unlock()
	var dropped map[string]uint64
	if len(s.dropped) > 0 {
		dropped = make(map[string]uint64, len(s.dropped))
		for c, n := range s.dropped {
			dropped[string(c)] = n
		}
	}
	return Stats{
		Spans:     s.spans.Load(),
		Requests:  s.requests.Load(),
		Retries:   s.retries.Load(),
		BytesSent: s.bytes.Load(),
		Delivered: maps.Clone(s.deliv),
		Dropped:   dropped,
		Queued:    int(s.pending.Load()),
	}
}
