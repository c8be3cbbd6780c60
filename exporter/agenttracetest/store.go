package agenttracetest

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

type traceKey struct {
	id    string
	start int64 // Unix milliseconds
}

type observationKey struct {
	traceID string
	start   int64
	id      string
}

// store is the server's data. Rows replaced by an upsert move to the end, so
// rows are in the order they were last written.
type store struct {
	traces       table[traceKey, Trace]
	observations table[observationKey, Observation]
	// traceIDs and observationIDs count the rows of each id.
	traceIDs, observationIDs map[string]int
	scores                   []Score
	checkpoints              []Checkpoint
	gitLinks                 []GitLink
	fileOperations           []FileOperation
	terminalCommands         []TerminalCommand
	requests                 []Request
	// requestBase is the sequence number of requests[0].
	requestBase int
	// bodyBytes is the size of the bodies the request log holds, all in
	// requests[bodyFrom:].
	bodyBytes int
	bodyFrom  int
	// attempts counts ingestion events for Event.Attempt.
	attempts map[string]int
	prompts  map[string]*prompt
	datasets datasetStore
}

func newStore() store {
	return store{
		attempts: make(map[string]int), prompts: make(map[string]*prompt),
		traceIDs: make(map[string]int), observationIDs: make(map[string]int),
		datasets: newDatasetStore(),
	}
}

// putTrace inserts or replaces the trace row with t's (id, startTime).
func (st *store) putTrace(t Trace) {
	if st.traces.put(traceKey{t.ID, t.StartTime.UnixMilli()}, t) {
		st.traceIDs[t.ID]++
	}
}

// putObservation inserts or replaces the observation row with o's
// (traceId, startTime, id).
func (st *store) putObservation(o Observation) {
	if st.observations.put(observationKey{o.TraceID, o.StartTime.UnixMilli(), o.ID}, o) {
		st.observationIDs[o.ID]++
	}
}

func (st *store) traceExists(id string) bool { return st.traceIDs[id] > 0 }

func (st *store) observationExists(id string) bool { return st.observationIDs[id] > 0 }

// table holds rows by key in the order they were last written; writing a
// key again moves its row to the end. A write costs O(1), so that a load
// test's tens of thousands of rows do not slow the server down.
type table[K comparable, V any] struct {
	rows []V
	keys []K
	live []bool
	at   map[K]int
	dead int
}

// put writes the row of k; it reports whether k is new.
func (t *table[K, V]) put(k K, v V) bool {
	if t.at == nil {
		t.at = make(map[K]int)
	}
	i, ok := t.at[k]
	if ok {
		t.live[i] = false
		var zero V
		t.rows[i] = zero
		t.dead++
	}
	t.at[k] = len(t.rows)
	t.rows, t.keys, t.live = append(t.rows, v), append(t.keys, k), append(t.live, true)
	if t.dead > 1024 && t.dead > len(t.rows)/2 {
		t.compact()
	}
	return !ok
}

func (t *table[K, V]) compact() {
	n := 0
	for i := range t.rows {
		if t.live[i] {
			t.rows[n], t.keys[n], t.live[n] = t.rows[i], t.keys[i], true
			t.at[t.keys[n]] = n
			n++
		}
	}
	clear(t.rows[n:])
	t.rows, t.keys, t.live, t.dead = t.rows[:n], t.keys[:n], t.live[:n], 0
}

// all returns the rows, in the order they were last written.
func (t *table[K, V]) all() []V {
	out := make([]V, 0, len(t.rows)-t.dead)
	for i, v := range t.rows {
		if t.live[i] {
			out = append(out, v)
		}
	}
	return out
}

// notifyLocked wakes the waiters; s.mu must be held.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *Server) recordRequest(r *http.Request, in *incoming, now time.Time) int {
	req := Request{
		Method:     r.Method,
		Path:       r.URL.Path,
		RawQuery:   r.URL.RawQuery,
		Header:     r.Header.Clone(),
		Body:       in.recorded,
		WireBytes:  in.wireBytes,
		RemoteAddr: r.RemoteAddr,
		ReceivedAt: now,
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.data.logRequest(req)
	s.notifyLocked()
	return s.data.requestBase + len(s.data.requests) - 1
}

// maxLoggedBodyBytes is the most request body bytes the request log holds.
const maxLoggedBodyBytes = 64 << 20

// logRequest appends a request to the log, releasing the oldest bodies
// when the log would hold more than maxLoggedBodyBytes of them.
func (st *store) logRequest(req Request) {
	st.requests = append(st.requests, req)
	st.bodyBytes += len(req.Body)
	for st.bodyBytes > maxLoggedBodyBytes {
		st.bodyBytes -= len(st.requests[st.bodyFrom].Body)
		st.requests[st.bodyFrom].Body = nil
		st.bodyFrom++
	}
}

func (s *Server) finishRequest(seq, status, items int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := seq - s.data.requestBase
	if i < 0 || i >= len(s.data.requests) {
		return // dropped by Reset
	}
	s.data.requests[i].Status = status
	s.data.requests[i].Items = items
	s.notifyLocked()
}

// Reset forgets everything the server received: traces, observations,
// scores, agent records, datasets, requests, rate-limit counters and the
// attempt counts of ingestion events. Keys, prompts and options are kept.
// Use it to share a server between subtests.
func (s *Server) Reset() {
	s.mu.Lock()
	prompts := s.data.prompts
	base := s.data.requestBase + len(s.data.requests)
	s.data = newStore()
	s.data.prompts = prompts
	s.data.requestBase = base
	s.notifyLocked()
	s.mu.Unlock()
	if s.limiter != nil {
		s.limiter.reset()
	}
}

// Snapshot is a copy of everything the server has stored, each kind in the
// order it was (last) written. It is the argument of [Server.WaitFor];
// changing it does not change the server.
type Snapshot struct {
	// Traces holds every trace row: a trace re-sent with another start time
	// appears twice.
	Traces []Trace
	// Observations holds every observation row, of every trace.
	Observations     []Observation
	Scores           []Score
	Checkpoints      []Checkpoint
	GitLinks         []GitLink
	FileOperations   []FileOperation
	TerminalCommands []TerminalCommand
	// Requests holds every HTTP request received, in arrival order.
	Requests []Request
}

func (st *store) snapshot() Snapshot {
	return Snapshot{
		Traces:           cloneAll(st.traces.all(), Trace.clone),
		Observations:     cloneAll(st.observations.all(), Observation.clone),
		Scores:           cloneAll(st.scores, Score.clone),
		Checkpoints:      cloneAll(st.checkpoints, Checkpoint.clone),
		GitLinks:         cloneAll(st.gitLinks, GitLink.clone),
		FileOperations:   cloneAll(st.fileOperations, FileOperation.clone),
		TerminalCommands: cloneAll(st.terminalCommands, TerminalCommand.clone),
		Requests:         cloneAll(st.requests, Request.clone),
	}
}

// Trace returns the last written row of the trace with the id.
func (sn Snapshot) Trace(id string) (Trace, bool) {
	for i := len(sn.Traces) - 1; i >= 0; i-- {
		if sn.Traces[i].ID == id {
			return sn.Traces[i], true
		}
	}
	return Trace{}, false
}

// TraceRows returns every row of the trace with the id: more than one means
// the trace was sent with different start times.
func (sn Snapshot) TraceRows(id string) []Trace {
	var rows []Trace
	for _, t := range sn.Traces {
		if t.ID == id {
			rows = append(rows, t)
		}
	}
	return rows
}

// ObservationsOf returns the observation rows of a trace ordered by start
// time (rows with the same start time in the order they were written).
func (sn Snapshot) ObservationsOf(traceID string) []Observation {
	var obs []Observation
	for _, o := range sn.Observations {
		if o.TraceID == traceID {
			obs = append(obs, o)
		}
	}
	slices.SortStableFunc(obs, func(a, b Observation) int { return a.StartTime.Compare(b.StartTime) })
	return obs
}

// ScoresOf returns the scores of a trace, in the order they were created.
func (sn Snapshot) ScoresOf(traceID string) []Score {
	var out []Score
	for _, sc := range sn.Scores {
		if sc.TraceID == traceID {
			out = append(out, sc)
		}
	}
	return out
}

// Snapshot returns a copy of everything the server has stored.
func (s *Server) Snapshot() Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.data.snapshot()
}

// Trace returns the last written row of the trace with the id.
func (s *Server) Trace(id string) (Trace, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range slices.Backward(s.data.traces.all()) {
		if t.ID == id {
			return t.clone(), true
		}
	}
	return Trace{}, false
}

// Observations returns the observation rows of a trace ordered by start
// time.
func (s *Server) Observations(traceID string) []Observation {
	s.mu.Lock()
	obs := cloneAll(s.data.observations.all(), Observation.clone)
	s.mu.Unlock()
	return Snapshot{Observations: obs}.ObservationsOf(traceID)
}

func (c controls) MaxRequestsInWindow(window time.Duration) int {
	s := c.s
	s.mu.Lock()
	times := make(map[string][]time.Time)
	for _, r := range s.data.requests {
		if isAPIPath(r.Path) {
			c := s.rateClient(r.RemoteAddr, r.Header, r.RawQuery)
			times[c] = append(times[c], r.ReceivedAt)
		}
	}
	s.mu.Unlock()
	most := 0
	for _, ts := range times {
		slices.SortFunc(ts, time.Time.Compare)
		first := 0
		for last, t := range ts {
			for t.Sub(ts[first]) >= window {
				first++
			}
			most = max(most, last-first+1)
		}
	}
	return most
}

// Check reports what the real AgentTrace server would hold wrongly from
// what the server received, as one error per finding, joined; nil when
// nothing is wrong. It finds:
//
//   - a trace id with more than one trace row. The server keys trace rows
//     by (id, startTime), so a trace written again with another start time,
//     by a retry without a start time or by a second process that took
//     itself for the trace's owner, is a second row: the AgentTrace UI lists
//     the trace twice.
//
// Call it at the end of a test, once the client has flushed:
//
//	t.Cleanup(func() { assert.NoError(t, srv.Check()) })
func (s *Server) Check() error {
	s.mu.Lock()
	var ids []string
	rows := make(map[string][]Trace)
	for _, t := range s.data.traces.all() {
		if rows[t.ID] == nil {
			ids = append(ids, t.ID)
		}
		rows[t.ID] = append(rows[t.ID], t)
	}
	s.mu.Unlock()
	var errs []error
	for _, id := range ids {
		if len(rows[id]) < 2 {
			continue
		}
		ts := rows[id]
		slices.SortFunc(ts, func(a, b Trace) int { return a.StartTime.Compare(b.StartTime) })
		desc := make([]string, len(ts))
		for i, t := range ts {
			desc[i] = fmt.Sprintf("%s %q", t.StartTime.Format("2006-01-02T15:04:05.000Z07:00"), t.Name)
		}
		errs = append(errs, fmt.Errorf("agenttracetest: trace %s has %d rows, one per start time (%s): the real server would list it %d times",
			id, len(ts), strings.Join(desc, ", "), len(ts)))
	}
	return errors.Join(errs...)
}

// copyRows returns a copy of the rows rows picks from the store.
func copyRows[T any](s *Server, rows func(*store) []T, clone func(T) T) []T {
	s.mu.Lock()
	defer s.mu.Unlock()
	return cloneAll(rows(&s.data), clone)
}

func (s *Server) scores() []Score {
	return copyRows(s, func(st *store) []Score { return st.scores }, Score.clone)
}

func (s *Server) checkpoints() []Checkpoint {
	return copyRows(s, func(st *store) []Checkpoint { return st.checkpoints }, Checkpoint.clone)
}

func (s *Server) gitLinks() []GitLink {
	return copyRows(s, func(st *store) []GitLink { return st.gitLinks }, GitLink.clone)
}

func (s *Server) fileOperations() []FileOperation {
	return copyRows(s, func(st *store) []FileOperation { return st.fileOperations }, FileOperation.clone)
}

func (s *Server) terminalCommands() []TerminalCommand {
	return copyRows(s, func(st *store) []TerminalCommand { return st.terminalCommands }, TerminalCommand.clone)
}
