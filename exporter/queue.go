package exporter

import (
	"context"
	"slices"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/trace"

	"github.com/agenttrace/agenttrace-otel-go/exporter/internal/wire"
)

// item is one unit of work of the exporter's queue: an ingestion event
// (an observation, a trace row or a score) or an agent record for its REST
// endpoint. The loop goroutine owns it, except while a sender has it in a
// request (between launch and land).
type item struct {
	kind string // KindObservation, KindTrace, KindScore or a record kind
	st   *traceState

	// id, typ and stamp are the envelope of an ingestion event.
	id    uuid.UUID
	typ   string
	stamp string
	// The body: an observation, a trace row (set when it is packed, from
	// the trace's latest fields), or raw, the body of a score-create or
	// the REST item of a record. It is encoded into the request.
	obs *wire.Observation
	// sp is the converted span obs is in, given back to the storage when
	// the item is settled; nil for an observation of its own.
	sp  *span
	row *wire.Trace
	raw []byte
	// size is about the size of the encoded item.
	size int
	// version is the row version a trace-create carries.
	version int
	// rec is the score or agent record the item carries.
	rec *record

	// epoch is the flush epoch the item was queued in; w is the
	// ExportSpans call waiting for it, nil for none.
	epoch uint64
	w     *waiter

	// retried is set once a 5xx per-item result made the item go once
	// more (A9); failedAt is when the item first failed transiently (zero
	// when it has not).
	retried  bool
	failedAt time.Time
}

// ingestion reports whether the item goes to the ingestion endpoint.
func (it *item) ingestion() bool {
	return it.kind == KindObservation || it.kind == KindTrace || it.kind == KindScore
}

// idempotent reports whether sending the item twice stores it once:
// observations and trace rows are upserts, scores and records are not.
func (it *item) idempotent() bool {
	return it.kind == KindObservation || it.kind == KindTrace
}

// record is a score, git link or agent record: it waits until its trace
// exists on the server (A12).
type record struct {
	kind       string
	traceID    trace.TraceID
	traceStart time.Time
	time       time.Time
	body       []byte // JSON: the score-create body or the REST item
	epoch      uint64
	// lookups counts the times the server answered that the trace or
	// observation it refers to did not exist yet; notBefore is when it
	// may be sent again after such an answer.
	lookups   int
	notBefore time.Time
	// waiting is true while a record that went out waits to go again:
	// it stays unsettled, so that a flush waits for it.
	waiting bool
}

// waiter is an ExportSpans, ForceFlush or Shutdown call waiting. ExportSpans
// waits for the items made of its spans (their observations, and the trace
// rows they changed) to be delivered or given up, and is told what was lost
// of them; a flush waits for everything queued before it (epochs up to
// epoch), and is told what was lost and returned to no caller.
type waiter struct {
	ctx    context.Context
	epoch  uint64
	export bool
	// items counts an ExportSpans call's items still unsettled.
	items int
	lost  lossWindow
	done  chan error // buffered
}

// queue holds the items to send, in order: ingestion events and, by kind,
// agent records. Items a request did not take, or that failed and are
// retried, go back to the front.
type queue struct {
	events []*item
	// bytes is about the encoded size of the events.
	bytes   int
	records map[string][]*item
	// since is when the oldest item was queued (zero when empty).
	since time.Time
}

func (q *queue) len() int {
	n := len(q.events)
	for _, r := range q.records {
		n += len(r)
	}
	return n
}

func (q *queue) push(it *item, now time.Time) {
	if q.len() == 0 {
		q.since = now
	}
	if it.ingestion() {
		q.events = append(q.events, it)
		q.bytes += it.size
		return
	}
	if q.records == nil {
		q.records = map[string][]*item{}
	}
	q.records[it.kind] = append(q.records[it.kind], it)
}

// pushFront puts items back at the front, in their order.
func (q *queue) pushFront(items []*item, now time.Time) {
	if len(items) == 0 {
		return
	}
	if q.len() == 0 {
		q.since = now
	}
	var events []*item
	for _, it := range items {
		if it.ingestion() {
			events = append(events, it)
			q.bytes += it.size
			continue
		}
		if q.records == nil {
			q.records = map[string][]*item{}
		}
		q.records[it.kind] = append([]*item{it}, q.records[it.kind]...)
	}
	if len(events) > 0 {
		q.events = append(slices.Clip(events), q.events...)
	}
}

// takeEvents removes and returns the first n events.
func (q *queue) takeEvents(n int) []*item {
	out := q.events[:n:n]
	q.events = q.events[n:]
	for _, it := range out {
		q.bytes -= it.size
	}
	q.settle()
	return out
}

// takeRecords removes and returns the first n records of kind.
func (q *queue) takeRecords(kind string, n int) []*item {
	r := q.records[kind]
	out := r[:n:n]
	q.records[kind] = r[n:]
	if len(q.records[kind]) == 0 {
		delete(q.records, kind)
	}
	q.settle()
	return out
}

// remove takes out the items of trace st, for a trace dropped whole.
func (q *queue) remove(st *traceState) []*item {
	var out []*item
	keep := func(it *item) bool {
		if it.st == st {
			out = append(out, it)
			return false
		}
		return true
	}
	q.events = slices.DeleteFunc(q.events, func(it *item) bool {
		if !keep(it) {
			q.bytes -= it.size
			return true
		}
		return false
	})
	for kind, r := range q.records {
		q.records[kind] = slices.DeleteFunc(r, func(it *item) bool { return !keep(it) })
		if len(q.records[kind]) == 0 {
			delete(q.records, kind)
		}
	}
	q.settle()
	return out
}

func (q *queue) settle() {
	if q.len() == 0 {
		q.since = time.Time{}
	}
}

// newItem returns an ingestion event with a fresh UUID v4 id. Only the loop
// goroutine calls it: the ids come from its ChaCha8 generator, seeded from
// crypto/rand, which needs no lock and no system call per id.
func (e *Exporter) newItem(typ, kind string, st *traceState, t time.Time) *item {
	it := e.store.item()
	*it = item{typ: typ, kind: kind, st: st, stamp: e.stamps.format(t), epoch: e.epoch}
	e.ids.Read(it.id[:])
	it.id[6] = it.id[6]&0x0f | 0x40 // version 4
	it.id[8] = it.id[8]&0x3f | 0x80 // RFC 4122 variant
	return it
}

// stampCache formats envelope timestamps, each distinct time once: the
// events made from one batch of spans share its time.
type stampCache struct {
	t time.Time
	s string
}

func (c *stampCache) format(t time.Time) string {
	if c.s == "" || !t.Equal(c.t) {
		c.t, c.s = t, string(wire.AppendTime(nil, t))
	}
	return c.s
}

// storage hands out the memory of converted spans and of items from
// chunks, and takes them back once settled, so that queueing an item costs
// no allocation of its own. A chunk is freed when nothing in it is
// referenced any more.
type storage struct {
	spans slab[span]
	items slab[item]
}

// span returns zeroed storage for a converted span: its observation stays
// there, referenced by the item queued for it, until the item is settled.
func (s *storage) span() *span { return s.spans.get() }

func (s *storage) item() *item { return s.items.get() }

// release gives back a converted span nothing refers to any more.
func (s *storage) release(sp *span) { s.spans.put(sp) }

// retire gives back an item that is settled and that nothing refers to
// any more.
func (s *storage) retire(it *item) { s.items.put(it) }

// slab hands out zeroed values of T from chunks of slabChunk, and reuses
// those given back, up to maxFree of them (a converted span takes about
// 1 KiB).
type slab[T any] struct {
	chunk []T
	free  []*T
}

const (
	slabChunk = 64
	maxFree   = 1024
)

func (s *slab[T]) get() *T {
	if n := len(s.free); n > 0 {
		v := s.free[n-1]
		s.free = s.free[:n-1]
		return v
	}
	if len(s.chunk) == 0 {
		s.chunk = make([]T, slabChunk)
	}
	v := &s.chunk[0]
	s.chunk = s.chunk[1:]
	return v
}

func (s *slab[T]) put(v *T) {
	var zero T
	*v = zero
	if len(s.free) < maxFree {
		s.free = append(s.free, v)
	}
}

// estimate is about the encoded size of an observation: its text and a
// fixed allowance for its envelope, ids, times and keys. Packing uses it;
// the sender encodes up to the exact budget.
func estimate(o *wire.Observation) int {
	n := 400 + len(o.Name) + len(o.StatusMessage) + len(o.Version) + len(o.Input) + len(o.Output) +
		len(o.Metadata) + len(o.Model) + len(o.ModelParameters) + len(o.PromptName)
	for _, m := range o.Extra[:o.NExtra] {
		n += len(m.Key) + len(m.Str) + len(m.Raw) + 8
	}
	return n
}
