package exporter

import (
	"context"
	"time"

	"github.com/google/uuid"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/agenttrace/agenttrace-otel-go/exporter/internal/wire"
)

// record is a score, git link or agent record waiting for its trace.
type record struct {
	kind       string
	traceID    trace.TraceID
	traceStart time.Time
	time       time.Time
	body       []byte // JSON: the score-create body or the REST item
	attempts   int
}

// event is one item of an ingestion request. Its body is encoded when a
// request is built, from obs, row or raw.
type event struct {
	id   uuid.UUID
	typ  string
	kind string
	// stamp is the envelope timestamp, formatted and quoted.
	stamp string

	obs *wire.Observation
	row *wire.Trace
	raw []byte // the body of a score-create
	// st and version identify the trace row a trace-create carries.
	st      *traceState
	version int
	// rec is the score a score-create carries.
	rec *record

	retried bool
}

// newEvent returns an event with a fresh UUID v4 id. Only the loop
// goroutine calls it: the ids come from its ChaCha8 generator, seeded from
// crypto/rand, which needs no lock and no system call per id.
//
// Events live in slabs reused by every cycle: nothing keeps a pointer to an
// event after its cycle (keepForRetry copies).
func (e *Exporter) newEvent(typ, kind string, t time.Time) *event {
	s := &e.slab
	if s.used == len(s.chunks)*slabSize {
		s.chunks = append(s.chunks, new([slabSize]event))
	}
	ev := &s.chunks[s.used/slabSize][s.used%slabSize]
	s.used++
	*ev = event{typ: typ, kind: kind, stamp: e.stamps.format(t)}
	e.fillID(ev)
	return ev
}

// stampCache formats envelope timestamps, each distinct time once: the
// events a cycle makes from spans share its start time.
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

const slabSize = 256

// eventSlab is the storage of a cycle's events.
type eventSlab struct {
	chunks []*[slabSize]event
	used   int
}

// reset makes the slab's storage available again, dropping references.
func (s *eventSlab) reset() {
	for i := 0; i*slabSize < s.used; i++ {
		clear(s.chunks[i][:])
	}
	s.used = 0
}

func (e *Exporter) fillID(ev *event) {
	e.ids.Read(ev.id[:])
	ev.id[6] = ev.id[6]&0x0f | 0x40 // version 4
	ev.id[8] = ev.id[8]&0x3f | 0x80 // RFC 4122 variant
}

// cycle is one round of work of the loop: take in spans and queued records,
// send events, trace rows and records that are due. It returns a
// *DeliveryError for what it gave up.
func (e *Exporter) cycle(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	now := time.Now()
	c := &cycleState{}
	e.cur = c
	converted := e.spanStorage(len(spans))
	defer func() {
		e.cur = nil
		e.slab.reset()
		clear(converted) // drop references to the spans' strings
	}()

	out := e.newOutbox(ctx, true)
	out.events = append(out.events, e.retry...)
	e.retry = nil
	for i, s := range spans {
		if e.convertSafe(&converted[i], s) {
			out.events = e.ingest(&converted[i], now, out.events)
			out.sendFull()
		}
	}
	e.takeQueued(now)
	// Trace rows go after the observations, which the server stores
	// without their trace (Part B 4.5), and before the records, which
	// need it (A12): sendRecords runs once every event has landed.
	out.events = e.traceRows(out.events)
	out.finish()

	e.sendRecords(ctx)
	e.traces.settle(now)
	e.retryLen.Store(int64(len(e.retry)))
	return c.err()
}

// spanStorage returns zeroed storage for n converted spans. Events point
// into it until the cycle ends, so it is never grown during a cycle; it is
// kept for the next cycle unless it is unusually large.
func (e *Exporter) spanStorage(n int) []span {
	if cap(e.converted) < n {
		e.converted = make([]span, n)
	}
	s := e.converted[:n]
	if n > maxKeptSpans {
		e.converted = nil
	}
	return s
}

// maxKeptSpans bounds the span storage kept between cycles (a converted
// span takes about 1 KiB) to the default batch of a batch span processor.
const maxKeptSpans = 512

// ingest takes in one converted span.
func (e *Exporter) ingest(sp *span, now time.Time, events []*event) []*event {
	st := e.traces.get(sp.traceID, now)
	if sp.joined && !st.joined {
		// A process upstream owns the trace and writes its row (A17).
		st.joined = true
		e.traces.activate(st)
	}
	if st.fields.merge(&sp.trace) {
		e.traces.changed(st)
	}
	if !sp.traceStart.IsZero() && st.knownStart.IsZero() {
		st.knownStart = sp.traceStart
	}
	named := sp.trace.name != ""
	if (named && !st.rootNamed) || (sp.localRoot && st.root == nil) {
		root := sp.obs // a copy: the span's slice is reused after the cycle
		st.root, st.rootNamed = &root, named
		e.traces.changed(st)
	}

	if !sp.keep {
		parent := sp.parentID
		if sp.localRoot {
			parent = trace.SpanID{}
		}
		if st.filtered == nil {
			st.filtered = make(map[trace.SpanID]trace.SpanID)
		}
		st.filtered[sp.spanID] = parent
		// Observations sent under this span are sent again under its
		// nearest exported ancestor.
		for _, o := range e.traces.takeOrphans(st, sp.spanID) {
			// A copy per event: a sender may still be encoding an earlier
			// event of this cycle made from o.obs.
			p := e.resolve(st, parent)
			ob := *o.obs
			ob.Parent = p
			o.obs = &ob
			if p.IsValid() {
				e.traces.addOrphan(st, p, o)
			}
			events = append(events, e.observationEvent(o.obs, o.typ, now))
		}
		return events
	}

	st.hasObservations = true
	e.traces.takeOrphans(st, sp.spanID)
	if sp.parentID.IsValid() {
		p := sp.parentID
		if !sp.explicitParent && !sp.localRoot {
			p = e.resolve(st, p)
		}
		sp.obs.Parent = p
		if p.IsValid() {
			if !sp.localRoot {
				if !sp.trusted {
					ob := sp.obs // a copy: the span's slice is reused after the cycle
					e.traces.addOrphan(st, p, orphan{&ob, sp.eventType})
				}
			}
		}
	}
	if sp.record != nil {
		e.addSpanRecord(st, sp, now)
	}
	return append(events, e.observationEvent(&sp.obs, sp.eventType, now))
}

// resolve walks up from id through filtered spans to the nearest span that
// is not known to be filtered.
func (e *Exporter) resolve(st *traceState, id trace.SpanID) trace.SpanID {
	for range 64 {
		p, filtered := st.filtered[id]
		if !filtered {
			return id
		}
		id = p
	}
	return id
}

func (e *Exporter) addSpanRecord(st *traceState, sp *span, now time.Time) {
	r := sp.record
	if r.invalid != "" {
		e.loseInCycle(r.kind, 1, dropInvalid, r.invalid)
		return
	}
	if e.pending.Add(1) > int64(e.cfg.maxRecords) {
		e.pending.Add(-1)
		e.loseInCycle(r.kind, 1, dropQueueFull, "record queue full")
		return
	}
	st.records = append(st.records, &record{kind: r.kind, traceID: sp.traceID, traceStart: sp.traceStart, time: now, body: r.body})
	e.traces.activate(st)
}

func (e *Exporter) observationEvent(ob *wire.Observation, typ string, now time.Time) *event {
	ev := e.newEvent(typ, KindObservation, now)
	ev.obs = ob
	return ev
}

// takeQueued moves records queued by ExportScore and ExportGitLink to their
// traces.
func (e *Exporter) takeQueued(now time.Time) {
	e.recMu.Lock()
	queued := e.queued
	e.queued = nil
	e.recMu.Unlock()
	for _, r := range queued {
		_, known := e.traces.m[r.traceID]
		st := e.traces.get(r.traceID, now)
		if !known && r.traceStart.IsZero() {
			// A trace this exporter never saw: it is assumed to exist on
			// the server (scored after the fact, by id).
			st.assumeExists = true
		}
		if !r.traceStart.IsZero() && st.knownStart.IsZero() {
			st.knownStart = r.traceStart
		}
		st.records = append(st.records, r)
		e.traces.activate(st)
	}
}

// traceRows appends a trace-create event for every trace whose row is due.
func (e *Exporter) traceRows(events []*event) []*event {
	for _, st := range e.traces.active {
		if !st.sendable() {
			continue
		}
		row, _ := st.body()
		ev := e.newEvent(wire.TypeTraceCreate, KindTrace, time.Now())
		ev.row, ev.st, ev.version = row, st, st.version
		events = append(events, ev)
	}
	return events
}

// sendRecords sends the records of traces that exist on the server:
// scores as score-create events, the others to their REST endpoints.
func (e *Exporter) sendRecords(ctx context.Context) {
	var scoreEvents []*event
	byKind := map[string][]*record{}
	for _, st := range e.traces.active {
		if len(st.records) == 0 {
			continue
		}
		if st.rejected != "" {
			for _, r := range st.records {
				e.loseInCycle(r.kind, 1, dropTraceRejected, "trace rejected by the server: "+st.rejected)
			}
			e.pending.Add(-int64(len(st.records)))
			st.records = nil
			continue
		}
		if !st.ready() {
			continue
		}
		for _, r := range st.records {
			if r.kind == KindScore {
				ev := e.newEvent(wire.TypeScoreCreate, KindScore, r.time)
				ev.raw, ev.rec, ev.st = r.body, r, st
				scoreEvents = append(scoreEvents, ev)
			} else {
				byKind[r.kind] = append(byKind[r.kind], r)
			}
		}
		st.records = nil
	}
	if len(scoreEvents) > 0 {
		e.sendEvents(ctx, scoreEvents, false)
	}
	for _, kind := range []string{KindCheckpoint, KindGitLink, KindFileOperation, KindTerminalCommand} {
		if recs := byKind[kind]; len(recs) > 0 {
			e.sendREST(ctx, kind, recs)
		}
	}
}

// requeue gives a record back to its trace, to be sent by a later cycle.
func (e *Exporter) requeue(r *record) {
	st := e.traces.get(r.traceID, time.Now())
	st.records = append(st.records, r)
	e.traces.activate(st)
}
