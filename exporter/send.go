package exporter

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/agenttrace/agenttrace-otel-go/exporter/internal/wire"
	"github.com/agenttrace/agenttrace-otel-go/internal/httpapi"
	"github.com/agenttrace/agenttrace-otel-go/internal/jsonvalue"
)

// This file builds requests from the queue, sends them on the sender
// goroutines, and decides, in land, what happens to every item of a
// request that came back: delivered, sent again, or given up. land is the
// only place that decides a retry.

const ingestionPath = "/api/public/ingestion"

// Envelope framing of an ingestion request.
var (
	envelopeHead = []byte(`{"batch":[`)
	envelopeTail = []byte(`],"metadata":{"sdk":"agenttrace-otel-go","sdkVersion":"` + httpapi.Version + `"}}`)
)

// maxBatchItems is the server's limit on items of the /batch endpoints.
const maxBatchItems = 100

// perEventTimeout is added to the per-attempt timeout for each item of a
// request: the server stores events one by one, so its answer takes longer
// for a larger request (Part B 4.1).
const perEventTimeout = 10 * time.Millisecond

// appendItem appends the envelope item of an ingestion event.
func appendItem(b []byte, it *item) []byte {
	o := wire.Begin(b)
	o.Key("id")
	o.B = wire.AppendUUID(o.B, (*[16]byte)(&it.id))
	o.Word("type", it.typ)
	o.Key("timestamp")
	o.B = append(o.B, it.stamp...)
	o.Key("body")
	switch it.kind {
	case KindObservation:
		o.B = it.obs.AppendJSON(o.B)
	case KindTrace:
		o.B = it.row.AppendJSON(o.B)
	default:
		o.B = append(o.B, it.raw...)
	}
	return o.End()
}

// itemBudget is the largest envelope item that fits a request.
func (e *Exporter) itemBudget() int {
	return e.cfg.maxRequestBytes - len(envelopeHead) - len(envelopeTail)
}

// flight is a request: the loop builds it, a sender goroutine sends it and
// hands it back through e.landed, and the loop lands it.
type flight struct {
	path  string
	items []*item
	// body is the request body before gzip; the sender sets payload (the
	// bytes sent), rest (items gzip left no room for) and the outcome.
	body     []byte
	payload  []byte
	encoding string
	// rest are the items that did not fit the body budget, for the next
	// request; tooLarge those too large for any request even cut.
	rest, tooLarge []*item
	timeout        time.Duration
	// limit is the most bytes of body before gzip, set by the loop.
	limit int

	resp *httpapi.Response
	err  error
	sent time.Time
	took time.Duration
	// pooled is the body's buffer, given back once the request landed.
	pooled *[]byte
}

// pack builds the next request from the front of the queue: ingestion
// events up to the body budget (A8), else up to 100 records of one kind
// for their /batch endpoint, or one checkpoint or git link. Records of one
// kind go one request at a time, so the server stores them in order. It
// returns nil when nothing can go.
func (e *Exporter) pack() *flight {
	if len(e.q.events) > 0 {
		return e.packEvents()
	}
	for _, kind := range []string{KindCheckpoint, KindGitLink, KindFileOperation, KindTerminalCommand} {
		if len(e.q.records[kind]) > 0 && !e.restFlying[kind] {
			e.restFlying[kind] = true
			return e.packRecords(kind)
		}
	}
	return nil
}

func (e *Exporter) packEvents() *flight {
	budget := e.rawBudget()
	size, n := len(envelopeHead)+len(envelopeTail), 0
	for n < len(e.q.events) {
		it := e.q.events[n]
		if it.kind == KindTrace {
			// A row leaves with the trace's latest fields; its version is
			// what the server will hold.
			it.row, _ = it.st.body()
			if it.version != it.st.version {
				it.version, it.retried = it.st.version, false
			}
		}
		if n > 0 && size+it.size+1 > budget {
			break
		}
		size += it.size + 1
		n++
	}
	return &flight{path: ingestionPath, items: e.q.takeEvents(n), limit: budget}
}

// encode writes the body of an ingestion request: its items, encoded, up
// to the body budget. Items past it are left for the next request; an item
// too large alone has its fields cut, or is given up. A sender calls it:
// the items are the sender's until the request lands.
func (*Exporter) encode(f *flight) {
	f.pooled = bodies.Get().(*[]byte)
	limit := f.limit - len(envelopeTail)
	b := append((*f.pooled)[:0], envelopeHead...)
	var keep []*item
	for i := 0; i < len(f.items); i++ {
		it := f.items[i]
		mark := len(b)
		if len(keep) > 0 {
			b = append(b, ',')
		}
		b = appendItem(b, it)
		if len(b) <= limit {
			keep = append(keep, it)
			continue
		}
		b = b[:mark]
		if len(keep) > 0 {
			f.rest = append(f.rest, f.items[i:]...)
			break
		}
		if it.kind != KindObservation || !shrinkObservation(it, limit-len(envelopeHead)) {
			f.tooLarge = append(f.tooLarge, it)
			continue
		}
		i-- // encode it again, cut
	}
	f.items = keep
	b = append(b, envelopeTail...)
	*f.pooled, f.body = b, b
}

// bodies holds the buffers of ingestion request bodies between requests.
var bodies = sync.Pool{New: func() any { return new([]byte) }}

// rawBudget is the most bytes of events packed into one request: the body
// budget, or with gzip the bytes that compress to it at the ratio measured
// so far. After a 413 it is the size the server last refused, halved.
func (e *Exporter) rawBudget() int {
	b := e.cfg.maxRequestBytes
	if e.cfg.gzip {
		b = int(float64(b) / max(e.gzipRatio, 1.0/16))
	}
	if e.split > 0 {
		b = min(b, e.split)
	}
	return b
}

func (e *Exporter) packRecords(kind string) *flight {
	path, wrap := restEndpoint(kind)
	recs := e.q.records[kind]
	if wrap == "" {
		items := e.q.takeRecords(kind, 1)
		return &flight{path: path, items: items, body: items[0].raw}
	}
	budget := e.cfg.maxRequestBytes - 32
	if e.split > 0 {
		budget = min(budget, e.split)
	}
	n, size := 1, len(recs[0].raw)
	for n < len(recs) && n < maxBatchItems && size+len(recs[n].raw)+1 <= budget {
		size += len(recs[n].raw) + 1
		n++
	}
	items := e.q.takeRecords(kind, n)
	body := make([]byte, 0, size+len(wrap)+8)
	body = append(body, `{"`...)
	body = append(body, wrap...)
	body = append(body, `":[`...)
	for i, it := range items {
		if i > 0 {
			body = append(body, ',')
		}
		body = append(body, it.raw...)
	}
	body = append(body, "]}"...)
	return &flight{path: path, items: items, body: body}
}

func restEndpoint(kind string) (path, wrap string) {
	switch kind {
	case KindCheckpoint:
		return "/api/public/checkpoints", ""
	case KindGitLink:
		return "/api/public/git-links", ""
	case KindFileOperation:
		return "/api/public/file-operations/batch", "operations"
	default:
		return "/api/public/terminal-commands/batch", "commands"
	}
}

// sender sends the requests the loop hands it, one at a time, until the
// loop ends. Senders live as long as the loop and touch no state of it:
// land applies the outcome.
func (e *Exporter) sender() {
	for f := range e.flights {
		if f.path == ingestionPath {
			e.encode(f)
		}
		e.compress(f)
		start := time.Now()
		f.sent = start
		if len(f.items) > 0 {
			f.resp, f.err = e.sink.post(e.abort, f.path, f.payload, f.encoding, f.timeout)
		}
		f.took = time.Since(start)
		e.landed <- f
	}
}

// compress sets the payload of f: its body, or the body gzipped. A gzipped
// ingestion body over the budget (the measured ratio was too optimistic)
// leaves its last events for the next request.
func (e *Exporter) compress(f *flight) {
	f.payload = f.body
	if !e.cfg.gzip || e.offline {
		return
	}
	for {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
		_, _ = zw.Write(f.body)
		_ = zw.Close()
		if buf.Len() <= e.cfg.maxRequestBytes || len(f.items) < 2 || f.path != ingestionPath {
			f.payload, f.encoding = buf.Bytes(), "gzip"
			return
		}
		half := len(f.items) / 2
		f.rest = append(f.items[half:len(f.items):len(f.items)], f.rest...)
		f.items = f.items[:half]
		body := append(f.body[:0], envelopeHead...)
		for i, it := range f.items {
			if i > 0 {
				body = append(body, ',')
			}
			body = appendItem(body, it)
		}
		f.body = append(body, envelopeTail...)
		*f.pooled = f.body
	}
}

// outcome is what land makes of a request that came back.
type outcome int

const (
	delivered outcome = iota // every item is settled by its own result
	retry                    // the request failed; it may succeed later
	rejected                 // the request failed for good
)

// land applies the outcome of a request: each item is delivered, put back
// at the front of the queue, or given up. It is the one place that decides
// a retry (A9, A10).
func (e *Exporter) land(f *flight, now time.Time) {
	if f.pooled != nil {
		defer bodies.Put(f.pooled)
	}
	defer e.countDelivered()
	e.inFlight -= len(f.items) + len(f.rest) + len(f.tooLarge)
	for _, items := range [][]*item{f.items, f.rest, f.tooLarge} {
		for _, it := range items {
			e.flyingKinds[it.kind]--
		}
	}
	e.flying--
	for _, it := range f.tooLarge {
		e.drop(it, dropTooLarge, fmt.Sprintf("an event does not fit a request of %d bytes even with its fields cut", e.cfg.maxRequestBytes))
	}
	if f.path != ingestionPath {
		e.restFlying[f.items[0].kind] = false
	}
	e.q.pushFront(f.rest, now)
	if len(f.items) == 0 {
		return
	}
	status := 0
	if f.resp != nil {
		status = f.resp.Status
		// The server set its headers when the request arrived, about
		// when it left.
		e.pace.Learn(f.resp.Header, f.sent)
	}
	if e.cfg.gzip && f.encoding == "gzip" && len(f.body) > 0 {
		r := float64(len(f.payload)) / float64(len(f.body))
		e.gzipRatio = 0.7*e.gzipRatio + 0.3*r
	}
	e.stats.bytes.Add(uint64(len(f.body)))

	var err error
	switch {
	case f.err != nil:
		err = f.err
	case f.resp != nil && status/100 != 2:
		err = &httpapi.APIError{Method: http.MethodPost, Path: f.path, Status: status,
			Message: httpapi.ErrorMessage(f.resp.Body), RequestID: f.resp.Header.Get("X-Request-ID")}
	}
	out := e.judge(f, status, err, now)
	e.stats.attempt(status, f.took)
	e.debug("request", "path", f.path, "items", len(f.items), "bytes", len(f.body), "wire_bytes", len(f.payload),
		"status", status, "duration", f.took.Round(time.Millisecond), "error", errText(err))

	switch out {
	case delivered:
		e.backoff.Reset()
		e.pace.Delivered()
		e.split = 0
		if f.path == ingestionPath {
			e.results(f, now)
			return
		}
		for _, it := range f.items {
			e.deliver(it)
		}
	case retry:
		e.stats.failed(err)
		e.retryItems(f, err, now)
	case rejected:
		class, detail := errorClass(err), errText(err)
		for _, it := range f.items {
			e.drop(it, class, detail)
		}
	}
}

// judge classifies a request's outcome, and holds further requests when
// the server asked for a wait or is failing.
func (e *Exporter) judge(f *flight, status int, err error, now time.Time) outcome {
	switch {
	case err == nil:
		return delivered
	case f.err != nil:
		if errors.Is(f.err, context.Canceled) && e.abort.Err() != nil {
			return retry // cut by Shutdown: still queued, reported by it
		}
		e.holdBackoff(now, "after "+errText(f.err))
		return retry
	case status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable:
		why := "rate-limited by the server (429)"
		if status == http.StatusServiceUnavailable {
			why = "the server is unavailable (503)"
		}
		if d, ok := httpapi.RetryAfter(f.resp.Header.Get("Retry-After"), now); ok {
			// Nothing goes before the time the server named, whatever
			// the retry budget (A10).
			until := now.Add(d)
			e.pace.HoldUntil(until, why+" until "+until.Format(time.TimeOnly))
			e.debug("retry", "why", why, "next_attempt", until.Format(time.RFC3339))
		} else {
			e.holdBackoff(now, why)
		}
		return retry
	case status == http.StatusRequestEntityTooLarge:
		return retry // split in retryItems
	case status == http.StatusRequestTimeout || status >= 500:
		e.holdBackoff(now, fmt.Sprintf("after a %d answer", status))
		return retry
	}
	return rejected
}

// holdBackoff holds requests for the next jittered exponential backoff.
func (e *Exporter) holdBackoff(now time.Time, why string) {
	d := e.backoff.NextBackOff()
	until := now.Add(d)
	e.pace.HoldUntil(until, "backing off "+why+" until "+until.Format(time.TimeOnly))
	e.debug("retry", "why", why, "next_attempt", until.Format(time.RFC3339Nano))
}

// retryItems puts the items of a failed request back in the queue, except
// those that cannot be sent again: scores and records the server may have
// stored (they would be stored twice), and items that failed for longer
// than the retry budget without the server asking for a wait.
func (e *Exporter) retryItems(f *flight, err error, now time.Time) {
	var ae *httpapi.APIError
	isAPI := errors.As(err, &ae)
	status := 0
	if isAPI {
		status = ae.Status
	}
	if status == http.StatusRequestEntityTooLarge {
		e.split413(f, now)
		return
	}
	// The server certainly did not act: nothing was written, it refused
	// by rate or unavailability, or Shutdown cut the request before an
	// answer could matter (a cut request of scores is reported, not sent
	// again, below).
	notActed := httpapi.NeverSent(err) || status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable
	serverWait := status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable
	// REST records: a 500 from their endpoints stores nothing (Part B 7).
	restNotStored := f.path != ingestionPath && status == http.StatusInternalServerError
	var back []*item
	for _, it := range f.items {
		switch {
		case !it.idempotent() && !notActed && !restNotStored:
			e.drop(it, dropUnconfirmed, "not confirmed by the server, not sent again to avoid duplicates: "+errText(err))
			continue
		case !serverWait:
			if e.cfg.conn.RetryBudget == 0 {
				e.drop(it, dropUndeliverable, "retries are off: "+errText(err))
				continue
			}
			if it.failedAt.IsZero() {
				it.failedAt = now
			} else if now.Sub(it.failedAt) > e.cfg.conn.RetryBudget {
				e.drop(it, dropUndeliverable, "still failing after the retry budget ("+e.cfg.conn.RetryBudget.String()+"): "+errText(err))
				continue
			}
		}
		back = append(back, it)
	}
	if len(back) > 0 {
		e.stats.retried()
	}
	e.q.pushFront(back, now)
}

// split413 handles a request the server refused as too large: the next
// request carries half as many bytes, and an item too large alone is cut
// further or given up.
func (e *Exporter) split413(f *flight, now time.Time) {
	if len(f.items) == 1 {
		// It fits the configured body budget: the server's limit is lower.
		e.drop(f.items[0], dropTooLarge, fmt.Sprintf("a request of one item (%d bytes) is larger than the server's limit", len(f.body)))
		return
	}
	e.split = max(len(f.body)/2, 1024)
	e.stats.retried()
	e.q.pushFront(f.items, now)
}

// results applies the per-item results of a delivered ingestion request.
func (e *Exporter) results(f *flight, now time.Time) {
	if f.resp == nil { // offline mode: everything is written
		for _, it := range f.items {
			e.deliver(it)
		}
		return
	}
	res, err := parseResults(f.resp.Body)
	if err != nil {
		// A 2xx that is not an ingestion answer (a proxy, a broken
		// server): events go again, scores may have been stored.
		e.debug("unreadable ingestion response", "error", err)
		e.stats.failed(err)
		e.holdBackoff(now, "after an unreadable answer")
		e.retryItems(f, err, now)
		return
	}
	var failed map[uuid.UUID]itemResult
	for _, r := range res.Errors {
		if id, err := uuid.Parse(r.ID); err == nil {
			if failed == nil {
				failed = make(map[uuid.UUID]itemResult, len(res.Errors))
			}
			failed[id] = r
		}
	}
	var again []*item
	for _, it := range f.items {
		r, bad := failed[it.id]
		if !bad {
			e.deliver(it)
			continue
		}
		detail := fmt.Sprintf("server refused %s (%d): %s", it.typ, r.Status, r.Message)
		switch {
		case it.kind == KindScore && notYetThere(r) && it.rec.lookups < maxLookups:
			// The scored trace or observation is not stored yet (a span
			// scored while it runs, a trace owned by another process):
			// nothing was stored; the score goes again later.
			e.waitAgain(it, traceMissing(r), now)
		case r.Status >= 500 && it.idempotent() && !it.retried:
			it.retried = true // once (A9); a row once per version
			again = append(again, it)
		case it.kind == KindTrace:
			e.rowRefused(it, r.Status, detail)
		default:
			e.drop(it, dropRejected, detail)
		}
	}
	if len(again) > 0 {
		e.stats.retried()
	}
	e.q.pushFront(again, now)
}

// maxLookups bounds the times a score is sent again after the server
// answered that what it refers to does not exist yet.
const maxLookups = 5

// notYetThere reports whether a per-item error is the server's answer to a
// score whose trace or observation it does not hold: it looked them up
// before storing anything (Part B 5.1, rule 2). The server says so only in
// its message.
func notYetThere(r itemResult) bool {
	m := strings.ToLower(r.Message)
	return r.Status >= 500 && (strings.Contains(m, "failed to get trace") ||
		strings.Contains(m, "failed to get observation") || strings.Contains(m, "not found"))
}

// traceMissing reports whether a lookup miss is of the trace rather than
// of an observation.
func traceMissing(r itemResult) bool {
	return strings.Contains(strings.ToLower(r.Message), "failed to get trace")
}

// rowRefused gives up a version of a trace row. A 4xx is final for the
// trace: its records are dropped with it. After a 5xx a later version of
// the row is sent as usual.
func (e *Exporter) rowRefused(it *item, status int, detail string) {
	st := it.st
	if status < 500 {
		st.rejected = detail
		e.dropRecords(st, dropTraceRejected, "its trace was rejected by the server: "+detail)
	}
	st.sentVersion = max(st.sentVersion, it.version)
	e.drop(it, dropRejected, detail)
}

// deliver settles an item the server stored.
func (e *Exporter) deliver(it *item) {
	e.tally[it.kind]++ // counted in stats once the request is landed
	if it.st != nil {
		it.st.sent = true
	}
	if it.kind == KindTrace {
		st := it.st
		st.accepted = true
		st.sentVersion = max(st.sentVersion, it.version)
	}
	e.settle(it)
	e.store.retire(it)
}

// countDelivered passes the items delivered by a request to the stats, a
// kind at a time.
func (e *Exporter) countDelivered() {
	for kind, n := range e.tally {
		if n > 0 {
			e.stats.delivered(kind, n)
		}
	}
	clear(e.tally)
}

// itemResult is one entry of the errors array of an ingestion response.
type itemResult struct {
	ID      string `json:"id"`
	Status  int    `json:"status"`
	Message string `json:"message"`
}

// ingestionResults is what an ingestion response says: the items that
// failed (the others were stored).
type ingestionResults struct {
	Errors []itemResult
}

// errUnreadable is the error of an ingestion response that cannot be read.
var errUnreadable = errors.New("the server's answer is not an ingestion response")

// parseResults reads an ingestion response. The usual answer, every item a
// success, is read without encoding/json, which took 60 µs for the hundred
// success ids of a full request; any other is decoded by decodeResults.
func parseResults(body []byte) (*ingestionResults, error) {
	if allStored(string(body)) {
		return &ingestionResults{}, nil
	}
	return decodeResults(body)
}

// decodeResults reads an ingestion response with encoding/json.
func decodeResults(body []byte) (*ingestionResults, error) {
	var r struct {
		Successes []json.RawMessage `json:"successes"`
		Errors    []itemResult      `json:"errors"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("%w: %w", errUnreadable, err)
	}
	if r.Successes == nil && r.Errors == nil {
		return nil, errUnreadable
	}
	return &ingestionResults{Errors: r.Errors}, nil
}

// allStored reports whether s is an ingestion response that decodeResults
// would read as having no errors, in the usual shape: a JSON object whose
// successes are an array and whose errors, if present, are an empty array.
// It reports false for every other shape, which decodeResults decides (a
// fuzz test holds the two to agreement).
func allStored(s string) bool {
	if !wire.Valid(s) {
		return false
	}
	found, usual := false, true
	isObject := wire.Members(s, func(name, value string) {
		switch {
		case strings.IndexByte(name, '\\') >= 0:
			usual = false // an escaped name might spell one of ours
		case strings.EqualFold(name, "successes"): // as encoding/json matches names
			found = true
			usual = usual && value[0] == '['
		case strings.EqualFold(name, "errors"):
			found = true
			usual = usual && strings.TrimLeft(value[1:], " \t\r\n") == "]"
		}
	})
	return isObject && found && usual
}

// shrinkObservation cuts the largest fields of an observation item until
// its envelope item fits in size bytes, marking each cut, and sets its
// size; it reports whether the item fits.
func shrinkObservation(it *item, size int) bool {
	o := it.obs
	var b []byte
	for range 16 {
		b = appendItem(b[:0], it)
		if len(b) <= size {
			it.size = len(b)
			return true
		}
		f := largest(&o.Input, &o.Output, &o.Metadata, &o.ModelParameters)
		if f == nil || !truncateJSON(f, len(b)-size) {
			return false
		}
	}
	b = appendItem(b[:0], it)
	it.size = len(b)
	return len(b) <= size
}

// largest returns the longest of the fields, nil when all are empty.
func largest(fields ...*string) *string {
	var best *string
	for _, f := range fields {
		if len(*f) > 0 && (best == nil || len(*f) > len(*best)) {
			best = f
		}
	}
	return best
}

// truncateJSON replaces the JSON value in *f by the marker object captured
// content gets when it exceeds its budget (jsonvalue.Preview), aiming to
// make it excess bytes shorter. When no preview fits, the marker keeps its
// size without a preview: a cut field is never null without a marker (A8).
// It reports whether *f got shorter.
func truncateJSON(f *string, excess int) bool {
	orig := *f
	cut := jsonvalue.Preview(orig, len(orig)-excess)
	if cut == "" {
		cut = fmt.Sprintf(`{"agenttrace.truncated":true,"bytes":%d}`, len(orig))
	}
	if len(cut) >= len(orig) {
		return false
	}
	*f = cut
	return true
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// sink sends request bodies.
type sink interface {
	// post sends payload to path and returns the answer (a nil answer
	// with a nil error in offline mode, where everything is written).
	post(ctx context.Context, path string, payload []byte, encoding string, timeout time.Duration) (*httpapi.Response, error)
}

type httpSink struct {
	c *httpapi.Client
}

func (s *httpSink) post(ctx context.Context, path string, payload []byte, encoding string, timeout time.Duration) (*httpapi.Response, error) {
	return s.c.Attempt(ctx, http.MethodPost, path, payload, encoding, timeout)
}
