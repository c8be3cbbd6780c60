package exporter

import (
	"context"
	cryptorand "crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cenkalti/backoff/v5"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/agenttrace/agenttrace-otel-go/exporter/internal/wire"
	"github.com/agenttrace/agenttrace-otel-go/internal/httpapi"
	"github.com/agenttrace/agenttrace-otel-go/internal/pace"
	"github.com/agenttrace/agenttrace-otel-go/internal/records"
	"github.com/agenttrace/agenttrace-otel-go/scores"
)

var _ sdktrace.SpanExporter = (*Exporter)(nil)

// ErrShutdown is returned by an exporter that was shut down.
var ErrShutdown = errors.New("agenttrace exporter: shut down")

// Exporter is an [sdktrace.SpanExporter] that sends spans to AgentTrace as
// ingestion events, and records (scores, git links, agent records) beside
// them, following exporter/PROTOCOL.md Part A.
//
// One goroutine, the loop, owns the exporter's state and its one queue of
// work. Spans come in from ExportSpans or from the exporter's own span
// processor ([Exporter.SpanProcessor]); the loop converts them, queues
// their events, and sends requests when they are due and the pacer lets
// them go, on sender goroutines, so that it never waits on the network.
type Exporter struct {
	cfg     config
	sink    sink
	offline bool
	filter  SpanFilter
	// defaultFilter is true when filter is DefaultSpanFilter, which keep
	// applies to converted spans without scanning attributes again.
	defaultFilter bool
	log           *slog.Logger

	// intake is what other goroutines hand the loop.
	intake intake
	// wake tells the loop that the intake has something.
	wake    chan struct{}
	flights chan *flight // requests for the senders
	landed  chan *flight // requests back from the senders
	stop    chan struct{}
	done    chan struct{}
	once    sync.Once
	down    atomic.Bool
	// abort, cancelled by Shutdown after its flush, cuts the requests in
	// flight so that Shutdown keeps its deadline.
	abort       context.Context
	cancelAbort context.CancelFunc

	stats     stats
	processor spanProcessor
	// final is what was still queued when the loop ended, and why.
	final struct {
		pending map[string]int
		wait    string
	}

	// Owned by the loop goroutine.
	traces    *traceTable
	q         queue
	pace      *pace.Pacer
	backoff   *backoff.ExponentialBackOff
	ids       *rand.ChaCha8
	stamps    stampCache
	store     storage
	epoch     uint64 // the current flush epoch
	unsettled epochs // items queued, in flight or waiting to go again, by epoch
	waiters   []*waiter
	inFlight  int // items in requests in flight
	flying    int // requests in flight
	split     int // the body budget after a 413, 0 when none
	// restFlying holds the record kinds with a request in flight.
	restFlying map[string]bool
	// tally counts the items a landing request delivered, by kind;
	// flyingKinds the items in requests in flight.
	tally, flyingKinds map[string]int
	gzipRatio          float64
	paced              bool      // a due request is waiting for the pacer (logged once)
	urgent             bool      // a provisional row asked for by ExportTraceStart waits
	lastFull           time.Time // when queueRowsAndRecords last looked at every trace
	// nextLookup is when a record waiting after a lookup miss may go
	// again, zero when none waits.
	nextLookup time.Time
}

// intake is the hand-over from ExportSpans, the span processor,
// ExportScore and ExportGitLink to the loop. It is bounded: when the loop
// falls behind so far that it is full, a span is dropped here and the loop
// drops the rest of its trace.
type intake struct {
	mu      sync.Mutex
	spans   []sdktrace.ReadOnlySpan
	records []*record
	jobs    []*job
	// overflow holds the traces of spans dropped because the intake was
	// full, with how many.
	overflow map[trace.TraceID]int
}

// intakeBound is the most spans the intake holds for the loop.
func (e *Exporter) intakeBound() int { return max(2*e.cfg.maxQueue, 4096) }

// job is an ExportSpans, ForceFlush or Shutdown call for the loop.
type job struct {
	spans []sdktrace.ReadOnlySpan
	w     *waiter
}

// New returns an exporter configured by defaults, then the AGENTTRACE_*
// environment, then opts.
func New(opts ...Option) (*Exporter, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	e := &Exporter{
		cfg:         cfg,
		filter:      cfg.filter,
		log:         cfg.logger,
		wake:        make(chan struct{}, 1),
		flights:     make(chan *flight, cfg.maxInFlight),
		landed:      make(chan *flight, cfg.maxInFlight),
		stop:        make(chan struct{}),
		done:        make(chan struct{}),
		traces:      newTraceTable(),
		pace:        pace.New(cfg.requestsPerWindow, cfg.rateWindow, now),
		ids:         rand.NewChaCha8(seed()),
		restFlying:  map[string]bool{},
		tally:       map[string]int{},
		flyingKinds: map[string]int{},
		gzipRatio:   0.25,
	}
	e.backoff = &backoff.ExponentialBackOff{
		InitialInterval:     httpapi.DefaultRetry.InitialInterval,
		RandomizationFactor: backoff.DefaultRandomizationFactor,
		Multiplier:          backoff.DefaultMultiplier,
		MaxInterval:         httpapi.DefaultRetry.MaxInterval,
	}
	e.backoff.Reset()
	e.processor.e = e
	e.abort, e.cancelAbort = context.WithCancel(context.Background())
	if e.filter == nil && !cfg.exportAll {
		e.filter, e.defaultFilter = DefaultSpanFilter, true
	}
	u, _ := url.Parse(cfg.conn.APIURL)
	if u.Scheme == "file" {
		e.sink, err = newFileSink(u)
		if err != nil {
			return nil, fmt.Errorf("agenttrace exporter: %w", err)
		}
		e.offline = true
	} else {
		hc := cfg.conn.HTTPClient
		if hc == nil {
			hc = &http.Client{Transport: newTransport(cfg.maxInFlight)}
		}
		e.sink = &httpSink{c: &httpapi.Client{
			BaseURL:    u,
			APIKey:     cfg.conn.APIKey,
			ProjectID:  cfg.conn.ProjectID,
			HTTPClient: hc,
		}}
	}
	if cfg.meterProvider != nil {
		if err := e.stats.register(cfg.meterProvider); err != nil {
			return nil, fmt.Errorf("agenttrace exporter: metrics: %w", err)
		}
	}
	e.debug("exporter started", "url", redactURL(u), "batch_size", cfg.batchSize,
		"max_request_bytes", cfg.maxRequestBytes, "flush_interval", cfg.flushInterval,
		"gzip", cfg.gzip, "requests_per_window", cfg.requestsPerWindow, "window", cfg.rateWindow)
	go e.run()
	return e, nil
}

// newTransport returns the transport of an exporter given no HTTP client:
// http.DefaultTransport's settings, an idle connection kept for each request
// that may be in flight, and a write buffer that holds a typical request
// in few writes.
func newTransport(inFlight int) *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = inFlight
	tr.WriteBufferSize = 128 << 10
	return tr
}

// ExportSpans converts spans to ingestion events and queues them, then
// waits until they, and everything queued before them, are delivered or
// given up, or until ctx ends: then they stay queued, and ForceFlush or
// Shutdown report them if they are never delivered. It returns a
// *DeliveryError for what of these spans was given up.
func (e *Exporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	if e.down.Load() {
		return ErrShutdown
	}
	e.stats.spans.Add(uint64(len(spans)))
	// The loop reads the spans from a copy: the caller may reuse its slice
	// as soon as this returns.
	sp := spanRefs.Get().(*[]sdktrace.ReadOnlySpan)
	*sp = append((*sp)[:0], spans...)
	err := e.await(ctx, &job{spans: *sp, w: &waiter{export: true}})
	if !errors.Is(err, ErrShutdown) { // else the loop may still hold them
		clear(*sp)
		spanRefs.Put(sp)
	}
	return err
}

// spanRefs holds the copies of span slices between exports.
var spanRefs = sync.Pool{New: func() any { return new([]sdktrace.ReadOnlySpan) }}

// await hands j to the loop and waits for its waiter.
func (e *Exporter) await(ctx context.Context, j *job) error {
	j.w.ctx = ctx
	j.w.done = make(chan error, 1)
	e.intake.mu.Lock()
	e.intake.jobs = append(e.intake.jobs, j)
	e.intake.mu.Unlock()
	e.poke()
	stop := context.AfterFunc(ctx, e.poke)
	defer stop()
	select {
	case err := <-j.w.done:
		return err
	case <-e.done:
		select {
		case err := <-j.w.done:
			return err
		default:
			return ErrShutdown
		}
	}
}

// poke wakes the loop.
func (e *Exporter) poke() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// offerSpan hands one ended span to the loop without blocking; it reports
// false when the intake is full.
func (e *Exporter) offerSpan(s sdktrace.ReadOnlySpan) bool {
	e.intake.mu.Lock()
	ok := len(e.intake.spans) < e.intakeBound()
	if ok {
		e.intake.spans = append(e.intake.spans, s)
	} else {
		if e.intake.overflow == nil {
			e.intake.overflow = map[trace.TraceID]int{}
		}
		e.intake.overflow[s.SpanContext().TraceID()]++
	}
	e.intake.mu.Unlock()
	if ok {
		e.stats.spans.Add(1)
		e.poke()
	}
	return ok
}

// exportScore queues a score. It is sent as a score-create event once its
// trace exists on the server (A12). It returns an error when the score is
// invalid or the exporter is shut down; it never blocks on the network.
func (e *Exporter) exportScore(s records.Score) error {
	if err := validScore(s); err != nil {
		return err
	}
	b := wire.Score{
		TraceID:  s.TraceID.String(),
		Name:     s.Name,
		Comment:  s.Comment,
		DataType: string(s.Value.DataType()),
	}
	if s.ObservationID.IsValid() {
		b.ObservationID = s.ObservationID.String()
	}
	switch v := s.Value.(type) {
	case scores.Numeric:
		b.Number = float64(v)
	case scores.Boolean:
		if v {
			b.Number = 1
		}
	case scores.Categorical:
		b.Category = string(v)
	}
	t := s.Time
	if t.IsZero() {
		t = time.Now()
	}
	return e.offerRecord(&record{kind: KindScore, traceID: s.TraceID, traceStart: s.TraceStart, time: t, body: b.AppendJSON(nil)})
}

func validScore(s records.Score) error {
	if !s.TraceID.IsValid() {
		return errors.New("agenttrace: score needs a valid trace id")
	}
	if err := scores.Validate(s.Name, s.Value); err != nil {
		return fmt.Errorf("agenttrace: %w", err)
	}
	return nil
}

// exportGitLink queues a git link. It is sent to /api/public/git-links once
// its trace exists on the server (A12).
func (e *Exporter) exportGitLink(l records.GitLink) error {
	if !l.TraceID.IsValid() {
		return errors.New("agenttrace: git link needs a valid trace id")
	}
	if l.CommitSHA == "" {
		return errors.New("agenttrace: git link needs a commit SHA")
	}
	lt := l.LinkType
	switch lt {
	case "":
		lt = "current"
	case "current", "start", "end", "referenced":
	default:
		return fmt.Errorf("agenttrace: git link type %q: want current, start, end or referenced", lt)
	}
	b := wire.GitLink{
		TraceID:           l.TraceID.String(),
		CommitSHA:         l.CommitSHA,
		ParentSHA:         l.ParentSHA,
		Branch:            l.Branch,
		Tag:               l.Tag,
		RepoURL:           l.RepoURL,
		CommitMessage:     l.CommitMessage,
		CommitAuthor:      l.CommitAuthor,
		CommitAuthorEmail: l.CommitAuthorEmail,
		CommitTimestamp:   l.CommitTime,
		FilesAdded:        l.FilesAdded,
		FilesModified:     l.FilesModified,
		FilesDeleted:      l.FilesDeleted,
		Additions:         nonNegative(int64(l.Additions)),
		Deletions:         nonNegative(int64(l.Deletions)),
		LinkType:          lt,
	}
	return e.offerRecord(&record{kind: KindGitLink, traceID: l.TraceID, traceStart: l.TraceStart, time: time.Now(), body: b.AppendJSON(nil)})
}

// exportTraceStart makes sure the trace exists on the server while it still
// runs: unless the server already has a row of it, a provisional row with
// the trace's start time goes out with the next request, at once, pacing
// allowing; the final row, with the same start time, replaces it. Call it
// before handing a running trace to another process, such as a sub-agent
// program that joins it through TRACEPARENT (A18): the records and scores
// of that process need the trace on the server (A12), and the row is only
// this process's to write (A17). Package instrument's RunCommand calls it.
func (e *Exporter) exportTraceStart(id trace.TraceID, start time.Time) error {
	if !id.IsValid() || start.IsZero() {
		return errors.New("agenttrace: a trace start needs a valid trace id and a start time")
	}
	return e.offerRecord(&record{kind: kindTraceStart, traceID: id, traceStart: start})
}

// kindTraceStart is the kind of the record exportTraceStart hands the loop:
// it carries no body, only the request for a provisional row.
const kindTraceStart = "trace-start"

func (e *Exporter) offerRecord(r *record) error {
	if e.down.Load() {
		return ErrShutdown
	}
	e.intake.mu.Lock()
	full := len(e.intake.records)+int(e.stats.pending.Load()) >= e.cfg.maxQueue
	if !full {
		e.intake.records = append(e.intake.records, r)
		e.stats.pending.Add(1)
	}
	e.intake.mu.Unlock()
	if full {
		e.lose(r.kind, 1, dropQueueFull, fmt.Sprintf("the queue is full (WithMaxQueueSize: %d)", e.cfg.maxQueue), nil)
		return fmt.Errorf("agenttrace: %s dropped: the queue is full (WithMaxQueueSize: %d)", r.kind, e.cfg.maxQueue)
	}
	e.poke()
	return nil
}

// ForceFlush sends everything queued now, within the pacing, and waits
// until it is delivered or given up, or until ctx ends. It returns a
// *DeliveryError saying what was given up since the previous report and
// returned to no ExportSpans caller, and what is still queued and why.
func (e *Exporter) ForceFlush(ctx context.Context) error {
	if e.down.Load() {
		return nil
	}
	return e.await(ctx, &job{w: &waiter{}})
}

// Shutdown flushes what is queued within ctx, then stops the exporter:
// requests still in flight when ctx ends are cut. What could not be
// delivered is returned as a *DeliveryError. Calling it again does
// nothing.
func (e *Exporter) Shutdown(ctx context.Context) error {
	var err error
	e.once.Do(func() {
		flushErr := e.await(ctx, &job{w: &waiter{}})
		e.down.Store(true)
		e.cancelAbort()
		close(e.stop)
		<-e.done
		// What the flush could not deliver in time, cut requests included,
		// is now final.
		err = mergeReports(flushErr, e.stats.report(e.final.pending, e.final.wait, context.Cause(ctx)))
		if c, ok := e.sink.(interface{ close() error }); ok {
			err = errors.Join(err, c.close())
		}
		e.debug("exporter shut down", "stats", e.Stats())
	})
	return err
}

// mergeReports merges a flush's report with the final one of a shutdown:
// the losses of both, and what the final one says is still queued.
func mergeReports(flush, final error) error {
	var a, b *DeliveryError
	if !errors.As(flush, &a) {
		return errors.Join(flush, final)
	}
	if !errors.As(final, &b) {
		a.Pending, a.Wait, a.LastFailure, a.cause = nil, "", nil, nil
		if len(a.Lost) == 0 {
			return nil
		}
		return a
	}
	for k, n := range a.Lost {
		if b.Lost == nil {
			b.Lost = map[string]int{}
		}
		b.Lost[k] += n
	}
	for k, n := range a.Reasons {
		if b.Reasons == nil {
			b.Reasons, b.details = map[string]int{}, map[string]string{}
		}
		b.Reasons[k] += n
		if _, ok := b.details[k]; !ok {
			b.details[k] = a.details[k]
		}
	}
	return b
}

// run is the loop goroutine.
func (e *Exporter) run() {
	defer close(e.done)
	var senders sync.WaitGroup
	for range e.cfg.maxInFlight {
		senders.Go(e.sender)
	}
	timer := time.NewTimer(e.cfg.flushInterval)
	defer timer.Stop()
	for {
		select {
		case <-e.wake:
		case f := <-e.landed:
			e.land(f, time.Now())
		case <-timer.C:
		case <-e.stop:
			e.finish(&senders)
			return
		}
		now := time.Now()
		e.step(now)
		timer.Reset(e.nextWake(now))
	}
}

// step takes in what the intake holds, queues what is due, sends what may
// go, and answers the waiters that are done.
func (e *Exporter) step(now time.Time) {
	e.intake.mu.Lock()
	spans, records, jobs, overflow := e.intake.spans, e.intake.records, e.intake.jobs, e.intake.overflow
	e.intake.spans, e.intake.records, e.intake.jobs, e.intake.overflow = nil, nil, nil, nil
	e.intake.mu.Unlock()

	for id, n := range overflow {
		detail := fmt.Sprintf("the exporter fell behind: its intake held %d spans", e.intakeBound())
		e.lose(KindObservation, n, dropQueueFull, detail, nil)
		if st := e.traces.get(id, now); !st.refused {
			e.dropTrace(st, nil, detail)
		}
	}
	e.takeSpans(spans, nil, now)
	e.takeRecords(records, now)
	// A flush sends the records waiting after a lookup miss at once,
	// rather than at their time: once, when it starts.
	flush := false
	for _, j := range jobs {
		e.takeSpans(j.spans, j.w, now)
		flush = flush || !j.w.export
	}
	e.queueRowsAndRecords(now, flush)
	// The jobs wait for everything queued up to now.
	for _, j := range jobs {
		j.w.epoch = e.epoch
		e.waiters = append(e.waiters, j.w)
	}
	if len(jobs) > 0 {
		e.epoch++
	}
	e.dispatch(now)
	e.answer(now)
}

// dispatch sends requests while some are due and the pacer lets them go.
func (e *Exporter) dispatch(now time.Time) {
	for e.flying < e.cfg.maxInFlight && e.due(now) && e.sendable() {
		if !e.offline {
			if !e.pace.Answered() && e.flying > 0 {
				return // the first answer tells the budget
			}
			if at := e.pace.Next(now); at.After(now) {
				if !e.paced {
					e.paced = true
					e.debug("pacing", "queued", e.q.len(), "next_request", at.Format(time.RFC3339Nano), "why", e.pace.Waiting(now))
				}
				return
			}
			e.pace.Take(now)
		}
		e.paced, e.urgent = false, false
		f := e.pack()
		n := len(f.items)
		e.inFlight += n
		for _, it := range f.items {
			e.flyingKinds[it.kind]++
		}
		e.flying++
		f.timeout = e.cfg.conn.Timeout + time.Duration(n)*perEventTimeout
		e.flights <- f // never blocks: at most maxInFlight are out
	}
}

// sendable reports whether pack has something to send: events, or
// records of a kind with no request in flight.
func (e *Exporter) sendable() bool {
	if len(e.q.events) > 0 {
		return true
	}
	for kind := range e.q.records {
		if !e.restFlying[kind] {
			return true
		}
	}
	return false
}

// due reports whether a request should leave now: a flush is waiting, the
// queue holds a batch (the batch size, or a full request's bytes), or its
// oldest item has waited a flush interval.
func (e *Exporter) due(now time.Time) bool {
	n := e.q.len()
	if n == 0 {
		return false
	}
	return len(e.waiters) > 0 || e.urgent || n >= e.cfg.batchSize || e.q.bytes >= e.rawBudget() ||
		now.Sub(e.q.since) >= e.cfg.flushInterval
}

// nextWake is how long the loop may sleep: until the queue's oldest item
// is due, the pacer lets a request go, or a record waiting after a lookup
// miss may go again.
func (e *Exporter) nextWake(now time.Time) time.Duration {
	wake := now.Add(e.cfg.flushInterval)
	if !e.nextLookup.IsZero() && e.nextLookup.Before(wake) {
		wake = e.nextLookup
	}
	// With every request slot taken, or only records of a kind with a
	// request in flight, a landing request wakes the loop.
	if e.q.len() > 0 && e.flying < e.cfg.maxInFlight && e.sendable() && (e.pace.Answered() || e.flying == 0) {
		at := e.q.since.Add(e.cfg.flushInterval)
		if e.due(now) && !e.offline {
			at = e.pace.Next(now)
		}
		if at.Before(wake) {
			wake = at
		}
	}
	return max(wake.Sub(now), time.Millisecond)
}

// answer tells the waiters that are done: everything queued before them
// is settled, or their context ended.
func (e *Exporter) answer(now time.Time) {
	oldest := e.oldestEpoch()
	kept := e.waiters[:0]
	for _, w := range e.waiters {
		switch {
		case w.export && w.items == 0, !w.export && w.epoch < oldest:
			w.done <- e.result(w, nil, "", nil)
		case w.ctx.Err() != nil:
			w.done <- e.result(w, e.pending(), e.pace.Waiting(now), context.Cause(w.ctx))
		default:
			kept = append(kept, w)
		}
	}
	clear(e.waiters[len(kept):])
	e.waiters = kept
}

// result is a waiter's answer: for ExportSpans what was lost of its spans
// (what is still queued stays with the exporter), for a flush the report.
func (e *Exporter) result(w *waiter, pending map[string]int, wait string, cause error) error {
	if w.export {
		w.export = false // later losses of its items go to the report
		if de := w.lost.error(); de != nil {
			return de
		}
		return nil
	}
	if pending == nil {
		pending = e.parked()
	}
	return e.stats.report(pending, wait, cause)
}

// oldestEpoch is the oldest epoch with items unsettled, past the current
// one when there are none.
func (e *Exporter) oldestEpoch() uint64 {
	if len(e.unsettled.counts) == 0 {
		return e.epoch + 1
	}
	return e.unsettled.base
}

// epochs counts unsettled items by flush epoch. Epochs only grow, and few
// have items at once: a slice from the oldest with items costs less than a
// map for the two updates of every item.
type epochs struct {
	base   uint64 // the epoch of counts[0]
	counts []int
}

func (c *epochs) add(ep uint64, n int) {
	if len(c.counts) == 0 {
		c.base = ep
	}
	if ep < c.base { // a record that waited for its trace, older than the rest
		c.counts = append(make([]int, c.base-ep), c.counts...)
		c.base = ep
	}
	for uint64(len(c.counts)) <= ep-c.base {
		c.counts = append(c.counts, 0)
	}
	c.counts[ep-c.base] += n
	for len(c.counts) > 0 && c.counts[0] == 0 {
		c.counts = c.counts[1:]
		c.base++
	}
}

// pending counts what is queued, in flight or waiting for its trace, by
// kind.
func (e *Exporter) pending() map[string]int {
	m := e.parked()
	add := func(it *item) {
		if m == nil {
			m = map[string]int{}
		}
		m[it.kind]++
	}
	for _, it := range e.q.events {
		add(it)
	}
	for _, r := range e.q.records {
		for _, it := range r {
			add(it)
		}
	}
	for kind, n := range e.flyingKinds {
		if n > 0 {
			if m == nil {
				m = map[string]int{}
			}
			m[kind] += n
		}
	}
	return m
}

// parked counts the records waiting for their trace, by kind.
func (e *Exporter) parked() map[string]int {
	var m map[string]int
	for _, st := range e.traces.active {
		for _, r := range st.records {
			if m == nil {
				m = map[string]int{}
			}
			m[r.kind]++
		}
	}
	return m
}

// finish ends the loop: the requests in flight (cut by Shutdown's abort)
// land, and what is left is counted for Shutdown's report.
func (e *Exporter) finish(senders *sync.WaitGroup) {
	for e.flying > 0 {
		e.land(<-e.landed, time.Now())
	}
	close(e.flights)
	senders.Wait()
	now := time.Now()
	e.final.pending, e.final.wait = e.pending(), e.pace.Waiting(now)
	if n := sum(e.final.pending); n > 0 {
		e.stats.mu.Lock()
		if e.stats.dropped == nil {
			e.stats.dropped, e.stats.announced = map[dropClass]uint64{}, map[announcement]bool{}
		}
		e.stats.dropped[dropDeadline] += uint64(n)
		e.stats.mu.Unlock()
		if e.stats.metrics != nil {
			for kind, k := range e.final.pending {
				e.stats.metrics.dropped(kind, k, dropDeadline)
			}
		}
	}
	for _, w := range e.waiters {
		w.done <- ErrShutdown
	}
	e.waiters = nil
}

func sum(m map[string]int) int {
	n := 0
	for v := range maps.Values(m) {
		n += v
	}
	return n
}

// enqueue queues a new item.
func (e *Exporter) enqueue(it *item, now time.Time) {
	if it.w != nil {
		it.w.items++
	}
	e.unsettled.add(it.epoch, 1)
	e.stats.pending.Add(1)
	e.q.push(it, now)
}

// settle ends an item's life in the queue: delivered or given up. Its
// caller retires it once done with it.
func (e *Exporter) settle(it *item) {
	if it.w != nil {
		it.w.items--
	}
	e.settleEpoch(it.epoch)
	e.stats.pending.Add(-1)
	if it.kind == KindTrace {
		it.st.rowQueued = false
		e.traces.activate(it.st)
	}
	if it.sp != nil {
		it.obs = nil
		e.store.release(it.sp)
		it.sp = nil
	}
}

// settleEpoch counts one item of epoch ep as settled.
func (e *Exporter) settleEpoch(ep uint64) {
	e.unsettled.add(ep, -1)
}

// drop gives up an item; a trace row gives up its version (a later
// version is sent as usual).
func (e *Exporter) drop(it *item, class dropClass, detail string) {
	if it.kind == KindTrace {
		it.st.sentVersion = max(it.st.sentVersion, it.version)
	}
	kind, w := it.kind, it.w
	e.settle(it)
	e.store.retire(it)
	e.lose(kind, 1, class, detail, w)
}

// lose counts n items of kind given up; an ExportSpans call waiting for
// them (w) is told, and the next flush report otherwise.
func (e *Exporter) lose(kind string, n int, class dropClass, detail string, w *waiter) {
	e.debug("dropped", "kind", kind, "count", n, "reason", string(class), "detail", detail)
	returned := w != nil && w.export
	if returned {
		w.lost.add(kind, n, class, detail)
	}
	e.stats.lose(kind, n, class, detail, returned)
}

func seed() [32]byte {
	var s [32]byte
	_, _ = cryptorand.Read(s[:]) // never fails (crypto/rand.Read panics on failure)
	return s
}

// debug logs at debug level when a logger is configured.
func (e *Exporter) debug(msg string, args ...any) {
	if e.log != nil {
		e.log.Debug("agenttrace: "+msg, args...)
	}
}

// redactURL returns u without credentials or query, safe to log.
func redactURL(u *url.URL) string {
	c := *u
	c.User = nil
	c.RawQuery = ""
	return c.String()
}
