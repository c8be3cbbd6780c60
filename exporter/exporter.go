package exporter

import (
	"context"
	cryptorand "crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/agenttrace/agenttrace-otel-go/exporter/internal/wire"
	"github.com/agenttrace/agenttrace-otel-go/internal/httpapi"
	"github.com/agenttrace/agenttrace-otel-go/scores"
)

var _ sdktrace.SpanExporter = (*Exporter)(nil)

// ErrShutdown is returned by an exporter that was shut down.
var ErrShutdown = errors.New("agenttrace exporter: shut down")

// Exporter is an [sdktrace.SpanExporter] that sends spans to AgentTrace as
// ingestion events, and records (scores, git links, agent records) beside
// them, following exporter/PROTOCOL.md Part A.
//
// One goroutine, the loop, owns the exporter's state: ExportSpans,
// ForceFlush and a timer (the flush interval) hand it work. It converts
// spans to events and hands each full request to one of two sender
// goroutines, which encode and send it while the loop goes on.
// ExportSpans blocks until the spans' events were sent or given up, as OTel
// exporters do; user code never waits on it because the SDK's batch span
// processor calls it from its own goroutine.
type Exporter struct {
	cfg    config
	sink   sink
	filter SpanFilter
	// defaultFilter is true when filter is DefaultSpanFilter, which keep
	// applies to converted spans without scanning attributes again.
	defaultFilter bool
	log           *slog.Logger

	jobs    chan job
	flights chan *flight // requests for the sender goroutines
	stop    chan struct{}
	done    chan struct{}
	once    sync.Once
	down    atomic.Bool
	// abort, cancelled by Shutdown after its flush, ends the cycle the loop
	// is running (a batch of spans retrying against a dead backend, say),
	// so that Shutdown keeps its deadline.
	abort       context.Context
	cancelAbort context.CancelFunc

	// records queued by ExportScore and ExportGitLink, taken by the loop.
	recMu   sync.Mutex
	queued  []*record
	pending atomic.Int64 // records queued or waiting for their trace

	stats stats

	// Owned by the loop goroutine.
	traces *traceTable
	retry  []*event      // events that failed transiently, sent again next cycle
	cur    *cycleState   // the running cycle
	ids    *rand.ChaCha8 // event ids
	slab   eventSlab
	stamps stampCache
	// converted is the storage of the spans a cycle converts.
	converted []span

	retryLen atomic.Int64 // len(retry), for the queue depth metric
}

// job is work for the loop goroutine.
type job struct {
	ctx   context.Context
	spans []sdktrace.ReadOnlySpan
	done  chan error
}

// New returns an exporter configured by defaults, then the AGENTTRACE_*
// environment, then opts.
func New(ctx context.Context, opts ...Option) (*Exporter, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	e := &Exporter{
		cfg:     cfg,
		filter:  cfg.filter,
		log:     cfg.logger,
		jobs:    make(chan job),
		flights: make(chan *flight, maxInFlight),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
		traces:  newTraceTable(),
		ids:     rand.NewChaCha8(seed()),
	}
	e.abort, e.cancelAbort = context.WithCancel(context.Background())
	if e.filter == nil && !cfg.exportAll {
		e.filter, e.defaultFilter = DefaultSpanFilter, true
	}
	u, _ := url.Parse(cfg.apiURL)
	if u.Scheme == "file" {
		e.sink, err = newFileSink(u)
		if err != nil {
			return nil, fmt.Errorf("agenttrace exporter: %w", err)
		}
	} else {
		hc := cfg.httpClient
		if hc == nil {
			hc = &http.Client{Transport: newTransport()}
		}
		e.sink = &httpSink{c: &httpapi.Client{
			BaseURL:    u,
			APIKey:     cfg.apiKey,
			ProjectID:  cfg.projectID,
			HTTPClient: hc,
			Timeout:    cfg.timeout,
			Gzip:       cfg.gzip,
			Retry:      cfg.retry(),
			OnAttempt:  e.stats.attempt,
		}}
	}
	if cfg.meterProvider != nil {
		if err := e.stats.register(cfg.meterProvider, e); err != nil {
			return nil, fmt.Errorf("agenttrace exporter: metrics: %w", err)
		}
	}
	e.debug("exporter started", "url", redactURL(u), "batch_size", cfg.batchSize,
		"max_request_bytes", cfg.maxRequestBytes, "flush_interval", cfg.flushInterval)
	go e.run()
	return e, nil
}

// newTransport returns the transport of an exporter given no HTTP client:
// http.DefaultTransport's settings, an idle connection kept for each request
// that may be in flight, and a write buffer that holds a typical request
// whole. With the default 4 KiB buffer net/http copies a request body to the
// connection through a fresh 32 KiB buffer, in several writes; a request of
// the default 100 events (about 70 KiB of agent spans) now leaves in one.
func newTransport() *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = maxInFlight
	tr.WriteBufferSize = 128 << 10
	return tr
}

// ExportSpans converts spans to ingestion events and sends them, with the
// trace rows and records that became due. It returns an error for what was
// given up; events that failed transiently are kept and sent again by the
// next export or flush.
func (e *Exporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	if e.down.Load() {
		return ErrShutdown
	}
	e.stats.spans.Add(uint64(len(spans)))
	// The loop reads the spans from a copy: the caller may reuse its slice
	// as soon as this returns, which can be before the loop is done.
	sp := spanRefs.Get().(*[]sdktrace.ReadOnlySpan)
	*sp = append((*sp)[:0], spans...)
	err, finished := e.do(ctx, job{spans: *sp})
	if finished {
		clear(*sp)
		spanRefs.Put(sp)
	}
	return err
}

// spanRefs holds the copies of span slices between exports.
var spanRefs = sync.Pool{New: func() any { return new([]sdktrace.ReadOnlySpan) }}

// convertSafe converts one span into *c, which must be zero; a panic while
// reading it (a broken span implementation) loses that span, never the
// batch.
func (e *Exporter) convertSafe(c *span, s sdktrace.ReadOnlySpan) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			*c = span{}
			e.lose(KindObservation, 1, dropUnconvertible, fmt.Sprintf("span could not be converted: %v", r))
			ok = false
		}
	}()
	convertInto(c, s, e.cfg.maxRecordText)
	c.keep = e.keep(s, c)
	return true
}

// do hands j to the loop and waits for its result or for ctx. finished
// reports whether the loop is done with j.
func (e *Exporter) do(ctx context.Context, j job) (err error, finished bool) {
	j.ctx = ctx
	j.done = make(chan error, 1)
	select {
	case e.jobs <- j:
	case <-e.done:
		return ErrShutdown, true
	case <-ctx.Done():
		return fmt.Errorf("agenttrace exporter: %w", context.Cause(ctx)), true
	}
	select {
	case err := <-j.done:
		return err, true
	case <-ctx.Done():
		// The loop sees the same ctx and gives up soon; what it could not
		// send stays queued.
		return fmt.Errorf("agenttrace exporter: %w", context.Cause(ctx)), false
	}
}

// FlushInterval returns the flush interval the exporter resolved from its
// options and environment; a batch span processor in front of it should
// use it as its batch timeout.
func (e *Exporter) FlushInterval() time.Duration { return e.cfg.flushInterval }

// BatchSize returns the most events per request the exporter resolved from
// its options and environment; a batch span processor in front of it
// should use it as its export batch size.
func (e *Exporter) BatchSize() int { return e.cfg.batchSize }

// ExportScore queues a score. It is sent as a score-create event once its
// trace exists on the server (A12). It returns an error when the score is
// invalid or the queue is full; it never blocks on the network.
func (e *Exporter) ExportScore(s Score) error {
	if err := validScore(s); err != nil {
		return err
	}
	b := wire.Score{
		TraceID: s.TraceID.String(),
		Name:    s.Name,
		Comment: s.Comment,
	}
	if s.ObservationID.IsValid() {
		b.ObservationID = s.ObservationID.String()
	}
	switch v := s.Value.(type) {
	case scores.Numeric:
		b.DataType, b.Number = "NUMERIC", float64(v)
	case scores.Boolean:
		b.DataType = "BOOLEAN"
		if v {
			b.Number = 1
		}
	case scores.Categorical:
		b.DataType, b.Category = "CATEGORICAL", string(v)
	}
	t := s.Time
	if t.IsZero() {
		t = time.Now()
	}
	return e.enqueue(&record{kind: KindScore, traceID: s.TraceID, traceStart: s.TraceStart, time: t, body: b.AppendJSON(nil)})
}

func validScore(s Score) error {
	if !s.TraceID.IsValid() {
		return errors.New("agenttrace: score needs a valid trace id")
	}
	if err := scores.Validate(s.Name, s.Value); err != nil {
		return fmt.Errorf("agenttrace: %w", err)
	}
	return nil
}

// ExportGitLink queues a git link. It is sent to /api/public/git-links once
// its trace exists on the server (A12).
func (e *Exporter) ExportGitLink(l GitLink) error {
	if !l.TraceID.IsValid() {
		return errors.New("agenttrace: git link needs a valid trace id")
	}
	if l.CommitSHA == "" {
		return errors.New("agenttrace: git link needs a commit SHA")
	}
	lt := l.LinkType
	switch lt {
	case "":
		lt = GitLinkCurrent
	case GitLinkCurrent, GitLinkStart, GitLinkEnd, GitLinkReferenced:
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
		LinkType:          string(lt),
	}
	return e.enqueue(&record{kind: KindGitLink, traceID: l.TraceID, traceStart: l.TraceStart, time: time.Now(), body: b.AppendJSON(nil)})
}

func (e *Exporter) enqueue(r *record) error {
	if e.down.Load() {
		return ErrShutdown
	}
	if e.pending.Add(1) > int64(e.cfg.maxRecords) {
		e.pending.Add(-1)
		e.lose(r.kind, 1, dropQueueFull, "record queue full")
		return fmt.Errorf("agenttrace: %s dropped: record queue full (%d)", r.kind, e.cfg.maxRecords)
	}
	e.recMu.Lock()
	e.queued = append(e.queued, r)
	e.recMu.Unlock()
	return nil
}

// ForceFlush sends everything queued: trace rows, events kept for retry and
// records. It returns a *DeliveryError describing what was not delivered
// since the previous ForceFlush: dropped, or still queued when ctx ended.
func (e *Exporter) ForceFlush(ctx context.Context) error {
	if e.down.Load() {
		return nil
	}
	return e.flush(ctx)
}

// flush runs a flush cycle and reports what is lost or still waiting.
func (e *Exporter) flush(ctx context.Context) error {
	err, _ := e.do(ctx, job{})
	if errors.As(err, new(*DeliveryError)) {
		err = nil // its losses are in the report below
	}
	return errors.Join(err, e.stats.takeLoss(e.undelivered()))
}

// Shutdown flushes what is queued within ctx, then stops the exporter: a
// cycle still running when ctx ends is cancelled. What could not be
// delivered is returned as a *DeliveryError. Calling it again does
// nothing.
func (e *Exporter) Shutdown(ctx context.Context) error {
	var err error
	e.once.Do(func() {
		err, _ = e.do(ctx, job{})
		if errors.As(err, new(*DeliveryError)) {
			err = nil
		}
		e.down.Store(true)
		e.cancelAbort()
		close(e.stop)
		<-e.done
		err = errors.Join(err, e.stats.takeLoss(e.undelivered()))
		if c, ok := e.sink.(interface{ close() error }); ok {
			err = errors.Join(err, c.close())
		}
		e.debug("exporter shut down", "stats", e.Stats())
	})
	return err
}

// undelivered counts what is still waiting, by kind.
func (e *Exporter) undelivered() map[string]int {
	m := map[string]int{}
	if n := int(e.pending.Load()); n > 0 {
		m["record"] = n
	}
	if n := int(e.retryLen.Load()); n > 0 {
		m[KindObservation] = n
	}
	return m
}

// run is the loop goroutine.
func (e *Exporter) run() {
	defer close(e.done)
	var senders sync.WaitGroup
	for range maxInFlight {
		senders.Go(e.sender)
	}
	defer senders.Wait()
	defer close(e.flights) // every flight has landed: the senders are idle
	tick := time.NewTicker(e.cfg.flushInterval)
	defer tick.Stop()
	for {
		select {
		case j := <-e.jobs:
			ctx, cancel := context.WithCancel(j.ctx)
			stop := context.AfterFunc(e.abort, cancel)
			j.done <- e.cycle(ctx, j.spans)
			stop()
			cancel()
		case <-tick.C:
			if e.pending.Load() > 0 || len(e.retry) > 0 || e.anyDirty() {
				ctx, cancel := context.WithTimeout(e.abort, e.cfg.retryBudget+e.cfg.timeout)
				if err := e.cycle(ctx, nil); err != nil {
					otel.Handle(err)
				}
				cancel()
			}
		case <-e.stop:
			return
		}
	}
}

// anyDirty reports whether a trace row is due. Only the active traces can
// have one: every change of a row makes its trace active.
func (e *Exporter) anyDirty() bool {
	for _, st := range e.traces.active {
		if st.sendable() {
			return true
		}
	}
	return false
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
