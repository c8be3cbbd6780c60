package exporter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/google/uuid"

	"github.com/agenttrace/agenttrace-otel-go/exporter/internal/wire"
	"github.com/agenttrace/agenttrace-otel-go/internal/httpapi"
	"github.com/agenttrace/agenttrace-otel-go/internal/jsonvalue"
)

const ingestionPath = "/api/public/ingestion"

// Envelope framing of an ingestion request.
var (
	envelopeHead = []byte(`{"batch":[`)
	envelopeTail = []byte(`],"metadata":{"sdk":"agenttrace-otel-go","sdkVersion":"` + httpapi.Version + `"}}`)
)

// maxBatchItems is the server's limit on items of the /batch endpoints.
const maxBatchItems = 100

// appendItem appends ev as one envelope item.
func appendItem(b []byte, ev *event) []byte {
	o := wire.Begin(b)
	o.Key("id")
	o.B = wire.AppendUUID(o.B, (*[16]byte)(&ev.id))
	o.Word("type", ev.typ)
	o.Key("timestamp")
	o.B = append(o.B, ev.stamp...)
	o.Key("body")
	switch {
	case ev.obs != nil:
		o.B = ev.obs.AppendJSON(o.B)
	case ev.row != nil:
		o.B = ev.row.AppendJSON(o.B)
	default:
		o.B = append(o.B, ev.raw...)
	}
	return o.End()
}

// bufs holds request buffers between requests.
var bufs = sync.Pool{New: func() any { return new([]byte) }}

// outbox sends events in as few ingestion requests as the count and size
// budgets allow, in order, and handles the per-item results. Events are
// added as they are made; a request leaves as soon as it has a full batch,
// so that making the next events (converting spans) overlaps encoding and
// the network, which the sender goroutines do.
type outbox struct {
	e   *Exporter
	ctx context.Context
	// idempotent is false for score events, which must not be stored twice.
	idempotent bool
	events     []*event // not sent yet
	inflight   []*flight
	retry      []*event // failed with a 5xx, sent once more (A9)
}

func (e *Exporter) newOutbox(ctx context.Context, idempotent bool) *outbox {
	return &outbox{e: e, ctx: ctx, idempotent: idempotent}
}

// sendFull sends the full batches of the waiting events.
func (o *outbox) sendFull() {
	for len(o.events) >= o.e.cfg.batchSize {
		o.sendOne()
	}
}

// finish sends every waiting event, waits for every request, and sends once
// more the events the server failed with a 5xx.
func (o *outbox) finish() {
	for {
		switch {
		case len(o.events) > 0:
			o.sendOne()
		case len(o.inflight) > 0:
			o.landOldest()
		case len(o.retry) > 0:
			o.events, o.retry = o.retry, nil
		default:
			return
		}
	}
}

// sendOne launches a request of the first waiting events or, when
// maxInFlight requests are in flight, lands the oldest.
func (o *outbox) sendOne() {
	if len(o.inflight) == maxInFlight {
		o.landOldest()
		return
	}
	n := min(len(o.events), o.e.cfg.batchSize)
	o.inflight = append(o.inflight, o.e.launch(o.ctx, o.events[:n], o.idempotent))
	o.events = o.events[n:]
}

// landOldest lands the oldest request in flight. The events that did not
// fit its size budget go first in the next.
func (o *outbox) landOldest() {
	f := o.inflight[0]
	o.inflight = o.inflight[1:]
	o.retry = append(o.retry, o.e.land(o.ctx, f, o.idempotent)...)
	if len(f.rest) > 0 {
		o.events = append(slices.Clip(f.rest), o.events...)
	}
}

// sendEvents sends events and waits for the results.
func (e *Exporter) sendEvents(ctx context.Context, events []*event, idempotent bool) {
	o := e.newOutbox(ctx, idempotent)
	o.events = events
	o.finish()
}

// maxInFlight is how many ingestion requests of one cycle may be in flight
// while the next events are made.
const maxInFlight = 2

// pack encodes into *bp an ingestion request of the first events that fit
// the count and size budgets. An event too large even alone is shrunk, or
// dropped when it cannot be. events is split in three: the dropped, the
// encoded, and the rest.
func (e *Exporter) pack(bp *[]byte, events []*event) (dropped, sent, rest []*event) {
	limit := e.cfg.maxRequestBytes - len(envelopeTail)
	buf := append((*bp)[:0], envelopeHead...)
	d, n := 0, 0
	for d+n < len(events) && n < e.cfg.batchSize {
		mark := len(buf)
		if n > 0 {
			buf = append(buf, ',')
		}
		buf = appendItem(buf, events[d+n])
		if len(buf) <= limit {
			n++
			continue
		}
		buf = buf[:mark]
		if n > 0 {
			break
		}
		if !shrink(events[d], limit-len(envelopeHead)) {
			d++
		}
	}
	*bp = append(buf, envelopeTail...)
	return events[:d], events[d : d+n], events[d+n:]
}

// flight is an ingestion request being sent. Its sender owns it, and the
// events in it, until done is closed.
type flight struct {
	ctx        context.Context
	idempotent bool
	// chunk is the events given to the request. The sender encodes the
	// first that fit the budgets and leaves the others in rest; dropped
	// are those too large even alone.
	chunk, rest, dropped []*event
	bp                   *[]byte // the request body

	done chan struct{}
	res  *ingestionResults
	err  error
}

// launch hands the events chunk to a sender goroutine, to encode and send.
// The sender touches no state of the loop goroutine: land applies the
// result.
func (e *Exporter) launch(ctx context.Context, chunk []*event, idempotent bool) *flight {
	f := &flight{ctx: ctx, chunk: chunk, idempotent: idempotent, done: make(chan struct{})}
	e.flights <- f
	return f
}

// sender encodes and sends the requests launch hands it, one at a time,
// until the loop ends. The loop has at most maxInFlight requests unlanded,
// so with as many senders (and as many slots in e.flights) launch never
// waits. Senders live as long as the loop, rather than a goroutine per
// request, so that their stacks are grown once.
func (e *Exporter) sender() {
	for f := range e.flights {
		f.bp = bufs.Get().(*[]byte)
		f.dropped, f.chunk, f.rest = e.pack(f.bp, f.chunk)
		if len(f.chunk) > 0 {
			f.res, f.err = e.exchange(f.ctx, *f.bp, f.idempotent)
		}
		close(f.done)
	}
}

// land waits for a request in flight and applies its result; it returns
// the items to send once more.
func (e *Exporter) land(ctx context.Context, f *flight, idempotent bool) []*event {
	<-f.done
	bufs.Put(f.bp)
	for _, ev := range f.dropped {
		e.loseEvent(ev, dropTooLarge, "event larger than the request size limit")
	}
	switch {
	case len(f.chunk) == 0:
		return nil
	case f.err != nil:
		return e.chunkFailed(ctx, f.chunk, idempotent, f.err)
	default:
		return e.handleResults(f.chunk, f.res)
	}
}

// sendChunk sends chunk, which fit one request, on its own and returns the
// items to send once more.
func (e *Exporter) sendChunk(ctx context.Context, chunk []*event, idempotent bool) []*event {
	f := e.launch(ctx, chunk, idempotent)
	retry := e.land(ctx, f, idempotent)
	return append(retry, f.rest...)
}

// exchange posts one ingestion request body and reads the per-item results.
// A 2xx whose body is not an ingestion response (a proxy, a server
// answering garbage) is posted again when the request is idempotent.
func (e *Exporter) exchange(ctx context.Context, body []byte, idempotent bool) (*ingestionResults, error) {
	for attempt := 0; ; attempt++ {
		if ctx.Err() != nil {
			return nil, errNotAttempted
		}
		resp, err := e.post(ctx, ingestionPath, body, idempotent)
		if err != nil {
			return nil, err
		}
		results, perr := parseResults(resp)
		if perr == nil {
			return results, nil
		}
		if !idempotent || attempt == 2 {
			e.debug("unreadable ingestion response", "error", perr)
			return nil, perr
		}
		e.stats.retries.Add(1)
	}
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
	if body == nil {
		return &ingestionResults{}, nil // offline mode: everything is written
	}
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

// maxLookupAttempts bounds the cycles a score waits for its observation.
const maxLookupAttempts = 5

// notYetThere reports whether a per-item error says that the trace or
// observation a score refers to does not exist: the server looked it up
// before storing anything (exporter/PROTOCOL.md Part B 5.1, rule 2).
func notYetThere(it itemResult) bool {
	m := strings.ToLower(it.Message)
	return it.Status >= 500 && (strings.Contains(m, "failed to get trace") ||
		strings.Contains(m, "failed to get observation") || strings.Contains(m, "not found"))
}

// handleResults applies the per-item results of a delivered request and
// returns the items to send once more.
func (e *Exporter) handleResults(chunk []*event, r *ingestionResults) []*event {
	var failed map[uuid.UUID]itemResult
	for _, it := range r.Errors {
		if id, err := uuid.Parse(it.ID); err == nil {
			if failed == nil {
				failed = make(map[uuid.UUID]itemResult, len(r.Errors))
			}
			failed[id] = it
		}
	}
	var retry []*event
	for _, ev := range chunk {
		it, bad := failed[ev.id]
		if !bad {
			e.eventDelivered(ev)
			continue
		}
		reason := fmt.Sprintf("server rejected %s (%d): %s", ev.typ, it.Status, it.Message)
		switch {
		case it.Status >= 500 && ev.kind != KindScore && !ev.retried:
			ev.retried = true
			retry = append(retry, ev)
		case ev.kind == KindScore && notYetThere(it) && ev.rec.attempts < maxLookupAttempts:
			// The scored observation (or trace) is not stored yet: a span
			// scored while it runs, or a score sent while its spans still
			// wait in the batch span processor. Nothing was stored, so the
			// score is sent again by a later cycle.
			ev.rec.attempts++
			e.requeue(ev.rec)
		case ev.kind == KindTrace:
			e.rowFailed(ev, it.Status, dropRejected, reason)
		default:
			e.loseEvent(ev, dropRejected, reason)
		}
	}
	return retry
}

func (e *Exporter) eventDelivered(ev *event) {
	e.stats.delivered(ev.kind, 1)
	switch ev.kind {
	case KindTrace:
		st := ev.st
		st.accepted = true
		st.failures = 0
		if ev.version > st.sentVersion {
			st.sentVersion = ev.version
		}
	case KindScore:
		e.pending.Add(-1)
	}
}

// rowFailed handles a trace row the server refused. A 4xx is final: the
// trace's records are dropped with it. A 5xx leaves the row due, to be sent
// by the next cycle, up to three cycles.
func (e *Exporter) rowFailed(ev *event, status int, class dropClass, reason string) {
	st := ev.st
	st.failures++
	if status < 500 || st.failures >= 3 {
		st.rejected = reason
		e.loseInCycle(KindTrace, 1, class, reason)
		return
	}
	e.debug("trace row not stored, will retry", "trace_id", st.id.String(), "reason", reason)
}

// loseEvent gives up an event.
func (e *Exporter) loseEvent(ev *event, class dropClass, reason string) {
	if ev.kind == KindScore {
		e.pending.Add(-1)
	}
	if ev.kind == KindTrace {
		e.rowFailed(ev, http.StatusBadRequest, class, reason)
		return
	}
	e.loseInCycle(ev.kind, 1, class, reason)
}

// chunkFailed handles a request that was not delivered and returns the items
// to send once more in this cycle.
func (e *Exporter) chunkFailed(ctx context.Context, chunk []*event, idempotent bool, err error) []*event {
	var ae *httpapi.APIError
	switch {
	case errors.As(err, &ae) && ae.Status == http.StatusRequestEntityTooLarge:
		// Split and send the halves; a single item is shrunk further.
		if len(chunk) == 1 {
			if shrink(chunk[0], len(appendItem(nil, chunk[0]))/2) {
				return chunk
			}
			e.loseEvent(chunk[0], dropTooLarge, "event larger than the server's request size limit")
			return nil
		}
		half := len(chunk) / 2
		var retry []*event
		retry = append(retry, e.sendChunk(ctx, chunk[:half], idempotent)...)
		return append(retry, e.sendChunk(ctx, chunk[half:], idempotent)...)
	case errors.As(err, &ae) && ae.Status/100 == 4 && ae.Status != http.StatusRequestTimeout && ae.Status != http.StatusTooManyRequests:
		// Wrong key, wrong URL, or a body the server cannot read: sending
		// again cannot help.
		for _, ev := range chunk {
			e.loseEvent(ev, errorClass(ae), ae.Error())
		}
	case !idempotent && !notSent(err):
		// The server may have stored these scores; sending them again
		// could store them twice.
		for _, ev := range chunk {
			e.loseEvent(ev, dropUnconfirmed, "not confirmed by the server, not sent again to avoid duplicates: "+errorText(err))
		}
	default:
		// Transient: the server is down, slow or limiting us. Keep the
		// events for the next cycle.
		e.debug("request failed, keeping its items for the next flush", "items", len(chunk), "error", errorText(err))
		e.stats.failed(err)
		for _, ev := range chunk {
			if ev.kind == KindScore {
				e.requeue(ev.rec)
				continue
			}
			e.keepForRetry(ev)
		}
	}
	return nil
}

// retryLater reports whether an API error says the request was not acted
// on and may succeed later.
func retryLater(ae *httpapi.APIError) bool {
	return ae != nil && (ae.Status == http.StatusTooManyRequests || ae.Status == http.StatusServiceUnavailable)
}

// notSent reports whether err says the server certainly did not act on
// the request.
func notSent(err error) bool {
	var ae *httpapi.APIError
	return httpapi.NeverSent(err) || errors.Is(err, errNotAttempted) || errors.As(err, &ae) && retryLater(ae)
}

// errNotAttempted is the error of a request not sent because its context
// had already ended.
var errNotAttempted = errors.New("not sent: the flush ran out of time")

// keepForRetry keeps an idempotent event for the next cycle, within the
// record budget.
func (e *Exporter) keepForRetry(ev *event) {
	if len(e.retry) >= e.cfg.maxRecords {
		e.loseEvent(ev, dropQueueFull, "retry queue full")
		return
	}
	if ev.kind == KindTrace {
		// The row stays due; the next cycle sends its latest version.
		return
	}
	// Copies: the event and its observation live in storage reused after
	// the cycle.
	cp := *ev
	if ev.obs != nil {
		ob := *ev.obs
		cp.obs = &ob
	}
	e.retry = append(e.retry, &cp)
}

func errorText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// sendREST sends agent records of one kind to their endpoint: checkpoints
// and git links one per request, file operations and terminal commands
// through the /batch endpoints, at most 100 per request (A11, A14).
func (e *Exporter) sendREST(ctx context.Context, kind string, recs []*record) {
	path, wrap := restEndpoint(kind)
	budget := e.cfg.maxRequestBytes - 32
	for len(recs) > 0 {
		n, size := 1, len(recs[0].body)
		if wrap != "" {
			for n < len(recs) && n < maxBatchItems && size+len(recs[n].body)+1 <= budget {
				size += len(recs[n].body) + 1
				n++
			}
		}
		part := recs[:n]
		recs = recs[n:]
		var body []byte
		if wrap == "" {
			body = part[0].body
		} else {
			body = make([]byte, 0, size+len(wrap)+8)
			body = append(body, `{"`...)
			body = append(body, wrap...)
			body = append(body, `":[`...)
			for i, r := range part {
				if i > 0 {
					body = append(body, ',')
				}
				body = append(body, r.body...)
			}
			body = append(body, "]}"...)
		}
		err := errNotAttempted
		if ctx.Err() == nil {
			_, err = e.post(ctx, path, body, false)
		}
		e.restResult(kind, part, err)
	}
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

// restResult applies the result of one REST request. Records the server
// certainly did not store are kept for the next cycle (a 500 from these
// endpoints stores nothing, up to three attempts); records it may have
// stored are not sent again, so a retry never duplicates them.
func (e *Exporter) restResult(kind string, part []*record, err error) {
	if err == nil {
		e.stats.delivered(kind, len(part))
		e.pending.Add(-int64(len(part)))
		return
	}
	var ae *httpapi.APIError
	isAPI := errors.As(err, &ae)
	keep := notSent(err) || isAPI && ae.Status == http.StatusInternalServerError
	if keep && !errors.Is(err, errNotAttempted) {
		e.stats.failed(err)
	}
	class, reason := errorClass(err), errorText(err)
	if !isAPI && !keep {
		class, reason = dropUnconfirmed, "not confirmed by the server, not sent again to avoid duplicates: "+reason
	}
	for _, r := range part {
		if keep && !errors.Is(err, errNotAttempted) {
			r.attempts++
		}
		if keep && r.attempts < 3 {
			e.requeue(r)
			continue
		}
		e.pending.Add(-1)
		e.loseInCycle(kind, 1, class, reason)
	}
}

// shrink truncates the largest fields of an event until its envelope item
// fits in size bytes, marking each cut; it reports whether it made the item
// fit.
func shrink(ev *event, size int) bool {
	for range 16 {
		n := len(appendItem(nil, ev))
		if n <= size {
			return true
		}
		var f *string
		switch {
		case ev.obs != nil:
			f = largest(&ev.obs.Input, &ev.obs.Output, &ev.obs.Metadata, &ev.obs.ModelParameters)
		case ev.row != nil:
			f = largest(&ev.row.Input, &ev.row.Output, &ev.row.Metadata)
		}
		if f == nil || !truncateJSON(f, n-size) {
			return false
		}
	}
	return len(appendItem(nil, ev)) <= size
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
// make it excess bytes shorter. When no preview fits, the value becomes
// null. It reports whether *f got shorter.
func truncateJSON(f *string, excess int) bool {
	orig := *f
	if len(orig) <= len("null") {
		return false
	}
	*f = jsonvalue.Preview(orig, len(orig)-excess)
	if *f == "" {
		*f = "null"
	}
	return true
}

// post sends a request body through the sink, counting its bytes.
func (e *Exporter) post(ctx context.Context, path string, body []byte, idempotent bool) ([]byte, error) {
	e.stats.bytes.Add(uint64(len(body)))
	return e.sink.post(ctx, path, body, idempotent)
}

// sink sends request bodies.
type sink interface {
	// post sends body to path and returns the response body of a 2xx
	// answer (nil in offline mode). idempotent says whether the request may
	// be repeated after an ambiguous failure.
	post(ctx context.Context, path string, body []byte, idempotent bool) ([]byte, error)
}

type httpSink struct {
	c *httpapi.Client
}

func (s *httpSink) post(ctx context.Context, path string, body []byte, idempotent bool) ([]byte, error) {
	var resp *httpapi.Response
	var err error
	if idempotent {
		resp, err = s.c.Post(ctx, path, body)
	} else {
		resp, err = s.c.PostOnce(ctx, path, body)
	}
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}
