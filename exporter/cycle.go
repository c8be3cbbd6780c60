package exporter

import (
	"context"
	"time"

	"github.com/google/uuid"
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

// event is one item of an ingestion request.
type event struct {
	id   string
	typ  string
	kind string
	time time.Time
	body []byte

	// obs and row are the decoded bodies of observation and trace events,
	// kept to shrink an event that does not fit in a request.
	obs *wire.Observation
	row *wire.Trace
	// st and version identify the trace row a trace-create carries.
	st      *traceState
	version int
	// rec is the score a score-create carries.
	rec *record

	retried bool
}

func newEvent(typ, kind string, t time.Time, body []byte) *event {
	return &event{id: uuid.NewString(), typ: typ, kind: kind, time: t, body: body}
}

// cycle is one round of work of the loop: take in spans and queued records,
// send events, trace rows and records that are due. It returns a
// *DeliveryError for what it gave up.
func (e *Exporter) cycle(ctx context.Context, spans []span, flush bool) error {
	now := time.Now()
	c := &cycleState{}
	e.cur = c
	defer func() { e.cur = nil }()

	var events []*event
	for i := range spans {
		events = e.ingest(&spans[i], now, events)
	}
	e.takeQueued(now)

	// Trace rows go first, so records of the same flush find their trace.
	batch := e.traceRows(nil)
	batch = append(batch, e.retry...)
	batch = append(batch, events...)
	e.retry = nil
	e.sendEvents(ctx, batch, true)

	e.sendRecords(ctx)
	e.traces.settle(now)
	e.retryLen.Store(int64(len(e.retry)))
	return c.err()
}

// ingest takes in one converted span.
func (e *Exporter) ingest(sp *span, now time.Time, events []*event) []*event {
	st := e.traces.get(sp.traceID, now)
	if st.fields.merge(&sp.trace) {
		e.traces.changed(st)
	}
	if !sp.traceStart.IsZero() && st.knownStart.IsZero() {
		st.knownStart = sp.traceStart
	}
	named := sp.trace.name != ""
	if (named && !st.rootNamed) || (sp.localRoot && st.root == nil) {
		st.root, st.rootNamed = &sp.obs, named
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
			p := e.resolve(st, parent)
			o.obs.ParentObservationID = ""
			if p.IsValid() {
				o.obs.ParentObservationID = p.String()
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
		sp.obs.ParentObservationID = ""
		if p.IsValid() {
			sp.obs.ParentObservationID = p.String()
			if !sp.localRoot {
				e.traces.addOrphan(st, p, orphan{&sp.obs, sp.eventType})
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
		e.loseInCycle(r.kind, 1, r.invalid)
		return
	}
	if e.pending.Add(1) > int64(e.cfg.maxRecords) {
		e.pending.Add(-1)
		e.loseInCycle(r.kind, 1, "record queue full")
		return
	}
	st.records = append(st.records, &record{kind: r.kind, traceID: sp.traceID, traceStart: sp.traceStart, time: now, body: r.body})
	e.traces.activate(st)
}

func (e *Exporter) observationEvent(ob *wire.Observation, typ string, now time.Time) *event {
	ev := newEvent(typ, KindObservation, now, ob.AppendJSON(nil))
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
		ev := newEvent(wire.TypeTraceCreate, KindTrace, time.Now(), row.AppendJSON(nil))
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
				e.loseInCycle(r.kind, 1, "trace rejected by the server: "+st.rejected)
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
				ev := newEvent(wire.TypeScoreCreate, KindScore, r.time, r.body)
				ev.rec, ev.st = r, st
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
