package exporter

import (
	"fmt"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/agenttrace/agenttrace-otel-go/exporter/internal/wire"
)

// This file turns what the exporter is handed (spans, scores, git links)
// into queued items: observations at once, trace rows when they are due,
// and records once their trace exists on the server (A12).

// takeSpans converts and queues spans handed by ExportSpans (w set) or the
// span processor (w nil).
func (e *Exporter) takeSpans(spans []sdktrace.ReadOnlySpan, w *waiter, now time.Time) {
	for _, s := range spans {
		sp := e.store.span()
		if !e.convertSafe(sp, s, w) || !e.ingest(sp, w, now) {
			e.store.release(sp)
		}
	}
}

// convertSafe converts one span into *c, which must be zero; a panic while
// reading it (a broken span implementation) loses that span, never the
// batch.
func (e *Exporter) convertSafe(c *span, s sdktrace.ReadOnlySpan, w *waiter) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			*c = span{}
			e.lose(KindObservation, 1, dropUnconvertible, fmt.Sprintf("span could not be converted: %v", r), w)
			ok = false
		}
	}()
	convertInto(c, s, e.cfg.maxRecordText)
	c.keep = e.keep(s, c)
	return true
}

// admit decides whether a span of trace st may be queued. The queue keeps
// traces whole (A11): a new trace is admitted only while the queue is at
// most three quarters full, so that the traces it holds have room to
// finish; a trace whose span finds it full is dropped whole, its queued
// items with it, unless some of it was already sent, which the queue then
// holds beyond its bound rather than leave half a trace on the server.
func (e *Exporter) admit(st *traceState, w *waiter) bool {
	if st.refused {
		return false
	}
	held := e.q.len() + e.inFlight
	if !st.admitted {
		if held >= e.cfg.maxQueue*3/4 {
			st.refused = true
			e.lose(KindTrace, 1, dropQueueFull, fmt.Sprintf("the queue holds %d items (its bound is %d): new traces are dropped whole until it drains", held, e.cfg.maxQueue), w)
			return false
		}
		st.admitted = true
		return true
	}
	if held < e.cfg.maxQueue || st.sent {
		return true
	}
	e.dropTrace(st, w, fmt.Sprintf("the queue is full (%d items)", held))
	return false
}

// dropTrace drops trace st whole: its queued items, its waiting records and
// its later spans.
func (e *Exporter) dropTrace(st *traceState, w *waiter, detail string) {
	st.refused = true
	e.lose(KindTrace, 1, dropQueueFull, detail, w)
	for _, it := range e.q.remove(st) {
		e.drop(it, dropQueueFull, detail)
	}
	e.dropRecords(st, dropQueueFull, detail)
}

// ingest takes in one converted span. It reports whether an item queued
// for it keeps it; the caller gives it back otherwise.
func (e *Exporter) ingest(sp *span, w *waiter, now time.Time) bool {
	st := e.traces.get(sp.traceID, now)
	if w != nil {
		st.w = w // the row its spans change is also the call's
	}
	if !e.admit(st, w) {
		if sp.keep {
			e.lose(KindObservation, 1, dropQueueFull, "its trace was dropped whole: the queue was full", w)
		}
		return false
	}
	if sp.joined {
		// A process upstream owns the trace and writes its row (A17): this
		// span neither roots the row nor sets its fields. A Collector may
		// see the owner's spans too; they write the row.
		st.joined = true
	} else {
		if st.fields.merge(&sp.trace) {
			e.traces.changed(st)
		}
		if !sp.traceStart.IsZero() && st.knownStart.IsZero() {
			st.knownStart = sp.traceStart
		}
		named := sp.trace.name != ""
		if (named && !st.rootNamed) || (sp.localRoot && st.root == nil) {
			st.root, st.rootNamed = newRootFields(&sp.obs), named
			e.traces.changed(st)
		}
	}

	if !sp.keep {
		parent := sp.parentID
		if sp.localRoot {
			// Left out at a process boundary: what hangs under it goes
			// under the nearest observation upstream, when the tracestate
			// names one.
			parent = sp.ancestor
		}
		if st.filtered == nil {
			st.filtered = make(map[trace.SpanID]trace.SpanID)
		}
		st.filtered[sp.spanID] = parent
		// Observations sent under this span are sent again under its
		// nearest exported ancestor.
		for _, o := range e.traces.takeOrphans(st, sp.spanID) {
			p := e.resolve(st, parent)
			ob := *o.obs
			ob.Parent = p
			o.obs = &ob
			if p.IsValid() {
				e.traces.addOrphan(st, p, o)
			}
			e.queueObservation(st, o.obs, nil, o.typ, w, now)
		}
		return false
	}

	st.hasObservations = true
	e.traces.takeOrphans(st, sp.spanID)
	if sp.parentID.IsValid() {
		p := sp.parentID
		switch {
		case sp.explicitParent:
		case sp.localRoot && sp.ancestor.IsValid():
			// A remote parent: the nearest observation upstream, which
			// the remote parent is or hangs under (A17).
			p = sp.ancestor
		case !sp.localRoot:
			p = e.resolve(st, p)
		}
		sp.obs.Parent = p
		if p.IsValid() && !sp.localRoot && !sp.trusted {
			ob := sp.obs
			e.traces.addOrphan(st, p, orphan{&ob, sp.eventType})
		}
	}
	if sp.record != nil {
		e.addSpanRecord(st, sp, w, now)
	}
	return e.queueObservation(st, &sp.obs, sp, sp.eventType, w, now)
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

// queueObservation encodes an observation and queues it. An event too large
// for a request has its largest fields cut, each with a marker, until it
// fits; one that cannot fit (its name alone is too long) is dropped and
// reported.
// sp, when not nil, is the converted span ob is in: the item keeps it. It
// reports whether the observation was queued.
func (e *Exporter) queueObservation(st *traceState, ob *wire.Observation, sp *span, typ string, w *waiter, now time.Time) bool {
	it := e.newItem(typ, KindObservation, st, now)
	it.w, it.obs, it.sp = w, ob, sp
	it.size = estimate(ob)
	if it.size > e.itemBudget() && !shrinkObservation(it, e.itemBudget()) {
		e.lose(KindObservation, 1, dropTooLarge, fmt.Sprintf("an event of about %d bytes does not fit a request of %d bytes even with its fields cut", it.size, e.cfg.maxRequestBytes), w)
		return false
	}
	e.enqueue(it, now)
	return true
}

func (e *Exporter) addSpanRecord(st *traceState, sp *span, w *waiter, now time.Time) {
	r := sp.record
	if r.invalid != "" {
		e.lose(r.kind, 1, dropInvalid, r.invalid, w)
		return
	}
	e.addRecord(st, &record{kind: r.kind, traceID: sp.traceID, traceStart: sp.traceStart, time: now, body: r.body, epoch: e.epoch})
}

// addRecord gives a record to its trace, to be sent once the trace exists.
func (e *Exporter) addRecord(st *traceState, r *record) {
	e.stats.pending.Add(1)
	st.records = append(st.records, r)
	e.traces.activate(st)
}

// takeRecords moves records queued by ExportScore and ExportGitLink to
// their traces.
func (e *Exporter) takeRecords(recs []*record, now time.Time) {
	for _, r := range recs {
		_, known := e.traces.m[r.traceID]
		st := e.traces.get(r.traceID, now)
		if r.kind == kindTraceStart {
			e.stats.pending.Add(-1) // nothing of it is sent
			if st.knownStart.IsZero() {
				st.knownStart = r.traceStart
			}
			if !st.accepted && !st.joined {
				st.announced, e.urgent = true, true
				e.traces.activate(st)
			}
			continue
		}
		if !known && r.traceStart.IsZero() {
			// A trace this exporter never saw: it is assumed to exist on
			// the server (scored after the fact, by id).
			st.assumeExists = true
		}
		if !r.traceStart.IsZero() && st.knownStart.IsZero() {
			st.knownStart = r.traceStart
		}
		r.epoch = e.epoch
		st.records = append(st.records, r) // counted as pending when offered
		e.traces.activate(st)
	}
}

// queueRowsAndRecords queues the trace rows that are due and the records
// whose trace exists on the server. It looks at the traces touched since it
// last ran and, once a flush interval or with force (a flush), at every
// active trace: records waiting after a lookup miss go when their time
// comes, or with force at once.
func (e *Exporter) queueRowsAndRecords(now time.Time, force bool) {
	traces := e.traces.touched
	full := force || now.Sub(e.lastFull) >= e.cfg.flushInterval ||
		!e.nextLookup.IsZero() && !now.Before(e.nextLookup)
	if full {
		traces, e.lastFull, e.nextLookup = e.traces.active, now, time.Time{}
	}
	for _, st := range traces {
		if st.sendable() && !st.rowQueued {
			it := e.newItem(wire.TypeTraceCreate, KindTrace, st, now)
			it.w, st.w = st.w, nil
			st.rowQueued = true
			e.enqueue(it, now)
		}
		st.w = nil
		if len(st.records) > 0 && st.ready() {
			e.promote(st, now, force)
		}
	}
	clear(e.traces.touched)
	if full {
		e.traces.settle(now)
	}
}

// promote queues the records of a trace that exists on the server.
func (e *Exporter) promote(st *traceState, now time.Time, force bool) {
	if st.rejected != "" {
		e.dropRecords(st, dropTraceRejected, "its trace was rejected by the server: "+st.rejected)
		return
	}
	var wait []*record
	for _, r := range st.records {
		if !force && now.Before(r.notBefore) {
			wait = append(wait, r)
			if e.nextLookup.IsZero() || r.notBefore.Before(e.nextLookup) {
				e.nextLookup = r.notBefore
			}
			continue
		}
		var it *item
		if r.kind == KindScore {
			it = e.newItem(wire.TypeScoreCreate, KindScore, st, r.time)
		} else {
			it = e.store.item()
			*it = item{kind: r.kind, st: st}
		}
		it.raw, it.size = r.body, len(r.body)+200
		it.rec, it.epoch = r, r.epoch
		if !r.waiting {
			e.unsettled.add(it.epoch, 1)
		}
		r.waiting = false
		e.q.push(it, now)
	}
	st.records = wait
}

// dropRecords gives up the records waiting for trace st.
func (e *Exporter) dropRecords(st *traceState, class dropClass, detail string) {
	for _, r := range st.records {
		if r.waiting {
			e.settleEpoch(r.epoch)
		}
		e.stats.pending.Add(-1)
		e.lose(r.kind, 1, class, detail, nil)
	}
	st.records = nil
}

// waitAgain gives a score back to its trace after the server answered that
// what it refers to does not exist yet. A missing trace is one another
// process owns and is about to send (a sub-agent's parent announced it,
// A18): the score goes again after 100ms, then twice as long each time,
// and a flush waits for it. A missing observation is a span scored while
// it runs, which may run for long: the score goes again after a flush
// interval, or with the next flush, and no flush waits for it.
func (e *Exporter) waitAgain(it *item, traceMissing bool, now time.Time) {
	r, st := it.rec, it.st
	r.lookups++
	if traceMissing {
		r.waiting = true // still unsettled
		r.notBefore = now.Add(min(lookupWait<<(r.lookups-1), e.cfg.flushInterval))
	} else {
		e.settle(it)
		e.stats.pending.Add(1)
		r.notBefore = now.Add(e.cfg.flushInterval)
	}
	e.store.retire(it) // the record goes on; a new item will carry it
	if e.nextLookup.IsZero() || r.notBefore.Before(e.nextLookup) {
		e.nextLookup = r.notBefore
	}
	st.records = append(st.records, r)
	e.traces.activate(st)
}

// lookupWait is the first wait of a score after a lookup miss.
const lookupWait = 100 * time.Millisecond
