package exporter

import (
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/agenttrace/agenttrace-otel-go/exporter/internal/wire"
)

// Bounds of the state the exporter keeps per trace.
const (
	// maxTraces is the most traces remembered; the least recently touched
	// clean trace is forgotten first.
	maxTraces = 10000
	// traceTTL is how long a clean trace is remembered after its last span,
	// so late spans and trace-level attributes still update its row.
	traceTTL = 10 * time.Minute
	// maxOrphans is the most observations kept for re-parenting.
	maxOrphans = 4096
)

// traceState is what the exporter knows about one trace. It is owned by the
// exporter's loop goroutine.
type traceState struct {
	id      trace.TraceID
	touched time.Time

	// fields are the merged trace-level attributes.
	fields traceFields
	// version counts changes of the trace row; sentVersion is the version
	// of the last row the server accepted.
	version, sentVersion int

	// root describes the span the trace row takes its name, times and
	// default input/output from: the first span carrying agenttrace.trace.name,
	// else the local root.
	root      *rootFields
	rootNamed bool
	// hasObservations is true once a span of the trace was exported: a
	// trace made only of filtered spans gets no row.
	hasObservations bool

	// start is the start time of the trace row, fixed by the first row
	// sent: every later row repeats it (A5). knownStart is a start time
	// learned from records and spans before the root ended.
	start      time.Time
	knownStart time.Time

	// accepted is true once the server accepted a row of this trace;
	// assumeExists is true for traces only known from records, which are
	// assumed to exist on the server already. rejected holds the reason the
	// server refused the row.
	accepted     bool
	assumeExists bool
	rejected     string
	// joined is true when spans of the trace say that a process upstream
	// owns it (A17): they write no row. Unless spans of the owner come
	// too (a Collector sees several processes), records are sent on the
	// assumption that the owner's row exists, learning otherwise from the
	// server's answers.
	joined bool
	// rowQueued is true while a row of the trace is queued or in flight.
	rowQueued bool
	// announced is true when ExportTraceStart asked for a provisional row.
	announced bool
	// w is the ExportSpans call whose spans changed the row since the loop
	// last looked.
	w *waiter

	// admitted is true once the queue took a span of the trace; refused
	// once the trace was dropped whole (A11); sent once the server stored
	// an item of it.
	admitted, refused, sent bool

	// row is the storage of the row body returns: one row of a trace is
	// queued or in flight at a time, and body is called when it is packed.
	row wire.Trace

	// records wait for the trace to exist on the server (A12).
	records []*record

	// filtered maps spans the filter rejected to their parents, so their
	// exported descendants attach to the nearest exported ancestor.
	filtered map[trace.SpanID]trace.SpanID
	// orphans are exported observations whose parent has not been seen yet,
	// by parent; they are sent again if the parent turns out filtered.
	orphans map[trace.SpanID][]orphan
}

// rootFields are what the trace row takes from the span it is rooted in.
type rootFields struct {
	Name, Input, Output, Level, StatusMessage string
	StartTime, EndTime                        time.Time
}

func newRootFields(o *wire.Observation) *rootFields {
	return &rootFields{Name: o.Name, Input: o.Input, Output: o.Output, Level: o.Level,
		StatusMessage: o.StatusMessage, StartTime: o.StartTime, EndTime: o.EndTime}
}

// orphan is an observation sent under a parent not seen yet.
type orphan struct {
	obs *wire.Observation
	typ string // its event type
}

func (st *traceState) dirty() bool { return st.version > st.sentVersion }

// idle reports whether forgetting the trace loses nothing but the ability
// to update its row and to re-parent late observations.
func (st *traceState) idle() bool {
	return len(st.records) == 0 && !st.sendable() && !st.rowQueued
}

// body returns the trace row to send, and whether it is provisional (the
// root has not ended yet).
func (st *traceState) body() (*wire.Trace, bool) {
	t := &st.row
	*t = wire.Trace{
		ID:        st.id,
		Name:      st.fields.name,
		UserID:    st.fields.userID,
		SessionID: st.fields.sessionID,
		Release:   st.fields.release,
		Version:   st.fields.version,
		Tags:      st.fields.tags,
		Metadata:  st.fields.metadata,
		Input:     st.fields.input,
		Output:    st.fields.output,
		Level:     "DEFAULT",
	}
	if st.fields.publicSet {
		t.Public = st.fields.public
	}
	provisional := st.root == nil
	if r := st.root; r != nil {
		if t.Name == "" {
			t.Name = r.Name
		}
		if t.Input == "" {
			t.Input = r.Input
		}
		if t.Output == "" {
			t.Output = r.Output
		}
		t.Level, t.StatusMessage = r.Level, r.StatusMessage
		t.EndTime = r.EndTime
		if st.start.IsZero() {
			st.start = r.StartTime
		}
	}
	if st.start.IsZero() {
		st.start = st.knownStart
	}
	// The row's start is exact to the millisecond so re-sends hit the same
	// dedup key.
	st.start = st.start.Truncate(time.Millisecond)
	t.StartTime = st.start
	return t, provisional
}

// sendable reports whether a row of this trace can be sent now: its root
// has ended, or records wait for it and its start time is known.
func (st *traceState) sendable() bool {
	if st.rejected != "" {
		return false
	}
	if st.root != nil {
		return st.dirty() && (st.hasObservations || !st.fields.empty() || len(st.records) > 0)
	}
	return (len(st.records) > 0 || st.announced) && !st.accepted && !st.assumeExists && !st.joined &&
		!(st.knownStart.IsZero() && st.start.IsZero())
}

// ready reports whether records of this trace may be sent.
func (st *traceState) ready() bool {
	return st.accepted || st.assumeExists || st.joined && st.root == nil
}

// traceTable holds the traceStates, bounded.
type traceTable struct {
	m map[trace.TraceID]*traceState
	// active holds the traces with a row or records to send; touched those
	// of them changed since the loop last looked.
	active    map[trace.TraceID]*traceState
	touched   map[trace.TraceID]*traceState
	orphans   int
	lastEvict time.Time
}

func newTraceTable() *traceTable {
	return &traceTable{
		m:       make(map[trace.TraceID]*traceState),
		active:  make(map[trace.TraceID]*traceState),
		touched: make(map[trace.TraceID]*traceState),
	}
}

// changed records a change of st's row.
func (t *traceTable) changed(st *traceState) {
	st.version++
	t.activate(st)
}

// activate marks st as having records to send.
func (t *traceTable) activate(st *traceState) {
	t.active[st.id] = st
	t.touched[st.id] = st
}

// settle ends a cycle: traces with nothing left to send leave the active
// set, and forgotten traces are evicted.
func (t *traceTable) settle(now time.Time) {
	for id, st := range t.active {
		if st.idle() {
			delete(t.active, id)
		}
	}
	t.evict(now)
}

func (t *traceTable) get(id trace.TraceID, now time.Time) *traceState {
	st, ok := t.m[id]
	if !ok {
		st = &traceState{id: id}
		t.m[id] = st
	}
	st.touched = now
	return st
}

// evict forgets idle traces untouched for traceTTL, and idle traces in no
// particular order while there are more than maxTraces. It scans the table
// at most once a minute unless the table is over its bound.
func (t *traceTable) evict(now time.Time) {
	over := len(t.m) - maxTraces
	if over <= 0 && now.Sub(t.lastEvict) < time.Minute {
		return
	}
	t.lastEvict = now
	for id, st := range t.m {
		if st.idle() && (now.Sub(st.touched) > traceTTL || over > 0) {
			for _, obs := range st.orphans {
				t.orphans -= len(obs)
			}
			delete(t.m, id)
			delete(t.active, id)
			over--
		}
	}
}

// addOrphan remembers ob until its parent is seen; it reports false when the
// orphan budget is spent.
func (t *traceTable) addOrphan(st *traceState, parent trace.SpanID, o orphan) bool {
	if t.orphans >= maxOrphans {
		return false
	}
	if st.orphans == nil {
		st.orphans = make(map[trace.SpanID][]orphan)
	}
	st.orphans[parent] = append(st.orphans[parent], o)
	t.orphans++
	return true
}

// takeOrphans returns and forgets the orphans waiting for parent.
func (t *traceTable) takeOrphans(st *traceState, parent trace.SpanID) []orphan {
	obs, ok := st.orphans[parent]
	if !ok {
		return nil
	}
	delete(st.orphans, parent)
	t.orphans -= len(obs)
	return obs
}
