package exporter

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel"
)

// stats holds the exporter's counters. Counters are atomics; the maps are
// guarded by mu, which is never held while calling out.
type stats struct {
	spans    atomic.Uint64
	requests atomic.Uint64
	retries  atomic.Uint64
	bytes    atomic.Uint64

	mu        sync.Mutex
	deliv     map[string]uint64
	dropped   map[string]uint64 // by reason
	window    lossWindow        // losses since the last ForceFlush
	announced map[string]bool   // reasons already reported to otel.Handle
	// lastFailure is the error of the last request that failed in a way
	// that keeps its items for a later attempt; cleared by a delivery.
	lastFailure error

	metrics *selfMetrics
}

// lossWindow accumulates what was given up between two reports.
type lossWindow struct {
	byKind  map[string]int
	reasons map[string]int
}

func (w *lossWindow) add(kind string, n int, reason string) {
	if w.byKind == nil {
		w.byKind, w.reasons = map[string]int{}, map[string]int{}
	}
	w.byKind[kind] += n
	w.reasons[reason] += n
}

// attempt is the httpapi.Client hook called after every HTTP attempt.
func (s *stats) attempt(status int, retry bool, d time.Duration) {
	s.requests.Add(1)
	if retry {
		s.retries.Add(1)
	}
	if s.metrics != nil {
		s.metrics.request(status, retry, d)
	}
}

// failed records the error of a request whose items are kept for later.
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

// lose counts n items of kind given up for reason, and reports each
// distinct reason once to otel.Handle (exporter/PROTOCOL.md A9).
func (s *stats) lose(kind string, n int, class dropClass, reason string) {
	s.mu.Lock()
	if s.dropped == nil {
		s.dropped, s.announced = map[string]uint64{}, map[string]bool{}
	}
	s.dropped[reason] += uint64(n)
	s.window.add(kind, n, reason)
	first := !s.announced[reason]
	s.announced[reason] = true
	s.mu.Unlock()
	if s.metrics != nil {
		s.metrics.dropped(kind, n, class)
	}
	if first {
		otel.Handle(fmt.Errorf("agenttrace: %s dropped: %s", kind, reason))
	}
}

// takeLoss returns what was lost since the previous call, with what is
// still waiting, as a *DeliveryError; nil when both are empty.
func (s *stats) takeLoss(pending map[string]int) error {
	s.mu.Lock()
	w := s.window
	s.window = lossWindow{}
	last := s.lastFailure
	s.mu.Unlock()
	if len(w.byKind) == 0 && len(pending) == 0 {
		return nil
	}
	de := &DeliveryError{Lost: w.byKind, Pending: pending, Reasons: w.reasons}
	if len(pending) > 0 && last != nil {
		de.LastFailure = last.Error()
	}
	return de
}

// lose gives up n items of kind.
func (e *Exporter) lose(kind string, n int, class dropClass, reason string) {
	e.debug("dropped", "kind", kind, "count", n, "reason", reason)
	e.stats.lose(kind, n, class, reason)
}

// cycleState collects what one cycle of the loop gave up.
type cycleState struct {
	lost lossWindow
}

func (c *cycleState) err() error {
	if len(c.lost.byKind) == 0 {
		return nil
	}
	return &DeliveryError{Lost: c.lost.byKind, Reasons: c.lost.reasons}
}

// loseInCycle gives up n items of kind during a cycle; the cycle's result
// reports them too. Only the loop goroutine calls it.
func (e *Exporter) loseInCycle(kind string, n int, class dropClass, reason string) {
	if e.cur != nil {
		e.cur.lost.add(kind, n, reason)
	}
	e.lose(kind, n, class, reason)
}

// DeliveryError says what an export, flush or shutdown could not deliver.
type DeliveryError struct {
	// Lost counts what was given up, by kind (trace, observation, score,
	// checkpoint, git-link, file-operation, terminal-command).
	Lost map[string]int
	// Pending counts what was still waiting to be sent when the flush
	// ended (its context expired, or the server could not be reached).
	Pending map[string]int
	// Reasons counts the lost items by distinct reason.
	Reasons map[string]int
	// LastFailure, when items are pending, is the error of the last
	// attempt to send them (connection refused, a 503, a timeout...).
	LastFailure string
}

func (e *DeliveryError) Error() string {
	var b strings.Builder
	b.WriteString("agenttrace: not delivered:")
	if len(e.Lost) > 0 {
		b.WriteString(" lost ")
		b.WriteString(counts(e.Lost))
	}
	if len(e.Pending) > 0 {
		if len(e.Lost) > 0 {
			b.WriteString(";")
		}
		b.WriteString(" still queued ")
		b.WriteString(counts(e.Pending))
		if e.LastFailure != "" {
			b.WriteString(" (last attempt: " + e.LastFailure + ")")
		}
	}
	if len(e.Reasons) > 0 {
		reasons := slices.Sorted(maps.Keys(e.Reasons))
		b.WriteString(" (")
		for i, r := range reasons {
			if i > 0 {
				b.WriteString("; ")
			}
			b.WriteString(r)
		}
		b.WriteString(")")
	}
	return b.String()
}

// Is makes errors.Is(err, ErrNotDelivered) true for any DeliveryError.
func (e *DeliveryError) Is(target error) bool { return target == ErrNotDelivered }

// ErrNotDelivered matches every *DeliveryError with errors.Is.
var ErrNotDelivered = errors.New("agenttrace: not delivered")

func counts(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		n, name := m[k], k
		if n != 1 {
			name += "s"
		}
		parts[i] = fmt.Sprintf("%d %s", n, name)
	}
	return strings.Join(parts, ", ")
}

// Stats is a snapshot of the exporter's counters.
type Stats struct {
	// Spans is the number of spans handed to ExportSpans.
	Spans uint64
	// Requests is the number of HTTP attempts made.
	Requests uint64
	// Retries is the number of attempts that were followed by another.
	Retries uint64
	// BytesSent is the number of request body bytes written, before gzip.
	BytesSent uint64
	// Delivered counts items the server accepted, by kind.
	Delivered map[string]uint64
	// Dropped counts items given up, by reason.
	Dropped map[string]uint64
	// QueuedRecords is the number of records waiting to be sent.
	QueuedRecords int
}

// SpanLoss says why spans were lost before they reached the exporter.
type SpanLoss int

const (
	// QueueFull: a span queue in front of the exporter was full.
	QueueFull SpanLoss = iota + 1
	// QueuedAtDeadline: spans were still queued when a flush or shutdown
	// deadline passed.
	QueuedAtDeadline
)

// CountDropped counts n spans lost before they reached the exporter, such
// as those a batch span processor drops when its queue is full: they show
// in Stats().Dropped under reason and in the agenttrace.sdk.dropped metric
// (kind "span", reason queue_full or deadline). It reports nothing else:
// whoever lost them says so.
func (e *Exporter) CountDropped(n int, why SpanLoss, reason string) {
	if n <= 0 {
		return
	}
	e.stats.mu.Lock()
	if e.stats.dropped == nil {
		e.stats.dropped, e.stats.announced = map[string]uint64{}, map[string]bool{}
	}
	e.stats.dropped[reason] += uint64(n)
	e.stats.mu.Unlock()
	if e.stats.metrics != nil {
		class := dropQueueFull
		if why == QueuedAtDeadline {
			class = dropDeadline
		}
		e.stats.metrics.dropped(KindSpan, n, class)
	}
}

// Stats returns a snapshot of the exporter's counters.
func (e *Exporter) Stats() Stats {
	e.stats.mu.Lock()
	defer e.stats.mu.Unlock()
	return Stats{
		Spans:         e.stats.spans.Load(),
		Requests:      e.stats.requests.Load(),
		Retries:       e.stats.retries.Load(),
		BytesSent:     e.stats.bytes.Load(),
		Delivered:     maps.Clone(e.stats.deliv),
		Dropped:       maps.Clone(e.stats.dropped),
		QueuedRecords: int(e.pending.Load()),
	}
}
