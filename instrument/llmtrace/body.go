package llmtrace

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"runtime"
	"time"
)

// maxInspectBytes bounds the copy kept of a JSON response body to parse it
// once the client has read it. Larger bodies pass through uninspected.
const maxInspectBytes = 32 << 20

type bodyKind uint8

const (
	kindJSON   bodyKind = iota // a successful JSON answer
	kindStream                 // a successful text/event-stream answer
	kindError                  // an error status
)

// body wraps the body of one attempt's response. Bytes pass through
// unchanged and unbuffered; what the call needs of them is parsed on the
// way (events of a stream, a copy of a JSON body).
type body struct {
	c  *call
	n  int
	rc io.ReadCloser
	// retryable is true when the client retries this response (closing it
	// unread) rather than ending the call with it.
	retryable bool
	kind      bodyKind
	cleanup   runtime.Cleanup

	// Guarded by c.mu.
	read     bool
	buf      []byte
	overflow bool
	sse      sseParser
}

func isEventStream(res *http.Response) bool {
	mt, _, err := mime.ParseMediaType(res.Header.Get("Content-Type"))
	return err == nil && mt == "text/event-stream"
}

func (b *body) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	b.c.observe(b, p[:n], err)
	return n, err
}

func (b *body) Close() error {
	err := b.rc.Close()
	b.cleanup.Stop()
	b.c.closed(b)
	return err
}

// observe takes bytes read from b and the read's error.
func (c *call) observe(b *body, p []byte, err error) {
	now := time.Now()
	c.mu.Lock()
	if c.state != stateTraced {
		c.mu.Unlock()
		c.wait()
		return
	}
	o, end := c.observeLocked(b, p, err, now)
	rec := func() {}
	if end {
		rec = c.endLocked(o)
	}
	c.mu.Unlock()
	rec()
}

// observeLocked returns how the call ended, if these bytes end it.
func (c *call) observeLocked(b *body, p []byte, err error, now time.Time) (Outcome, bool) {
	if len(p) > 0 {
		b.read = true
		c.last = now
	}
	if b.kind == kindStream {
		done := false
		if len(p) > 0 {
			done = b.sse.feed(p, func(typ string, data []byte) bool {
				return c.parser.Event(Event{Type: typ, Data: data, At: now})
			})
		}
		switch {
		case done:
			return Outcome{Result: c.parser.Result(), End: now}, true
		case err == io.EOF:
			return Outcome{Result: c.parser.Result(), Err: errors.New("stream ended before its final event"), End: now}, true
		case err != nil:
			return Outcome{Result: c.parser.Result(), Err: fmt.Errorf("stream cut: %w", err), End: now}, true
		}
		return Outcome{}, false
	}
	if !b.overflow {
		if len(b.buf)+len(p) > maxInspectBytes {
			b.buf, b.overflow = nil, true
		} else {
			b.buf = append(b.buf, p...)
		}
	}
	switch {
	case err == io.EOF:
		return c.answered(b, now), true
	case err == nil:
		return Outcome{}, false
	}
	// The body could not be read: anthropic-sdk-go retries such an attempt.
	c.attempts[b.n].Err = err
	if c.t.p.RetriesDroppedBodies() && b.kind == kindJSON && c.ctx.Err() == nil && b.n < c.view.MaxRetries() {
		return Outcome{}, false
	}
	return Outcome{Err: fmt.Errorf("reading the response: %w", err), End: now}, true
}

// answered returns the outcome of a response body read to its end.
func (c *call) answered(b *body, now time.Time) Outcome {
	status := c.attempts[b.n].Status
	switch {
	case b.kind == kindError && b.overflow:
		return Outcome{Err: &APIError{StatusCode: status}, End: now}
	case b.kind == kindError:
		return Outcome{Err: c.t.p.APIError(status, b.buf), End: now}
	case b.overflow:
		return Outcome{Result: Result{UsageUnavailable: "the response was too large to inspect"}, End: now}
	}
	var r Result
	if c.req.ParseJSON != nil {
		r = c.req.ParseJSON(b.buf)
	}
	b.buf = nil
	return Outcome{Result: r, End: now}
}

// closed handles the close of b.
func (c *call) closed(b *body) {
	now := time.Now()
	c.mu.Lock()
	if c.state != stateTraced {
		c.mu.Unlock()
		c.wait()
		return
	}
	var o Outcome
	switch {
	case b.kind == kindStream:
		o = Outcome{Result: c.parser.Result(), Warning: "the stream was closed before its end", End: now}
	case !b.read && b.retryable && c.ctx.Err() != nil:
		// The client gives up on a retry once the context is done.
		o = Outcome{Err: context.Cause(c.ctx), End: now}
	case !b.read && b.retryable:
		// The client closes a response it retries without reading it: the
		// next attempt follows, unless the context ends during the wait.
		c.mu.Unlock()
		return
	case b.kind == kindError && !b.read:
		// An error answer closed unread, and not retried as far as the
		// tracing knows (a client retrying on its own behind [Transport]):
		// its status is all there is to record.
		o = Outcome{Err: &APIError{StatusCode: c.attempts[b.n].Status}, End: now}
	default:
		o = Outcome{Err: errors.New("the response was closed before it was read to its end"), End: now}
	}
	rec := c.endLocked(o)
	c.mu.Unlock()
	rec()
}

// abandonArg is what the cleanup of an unreachable stream body needs; it
// must not reference the body.
type abandonArg struct {
	c  *call
	rc io.ReadCloser
}

// abandoned ends the generation of a stream that became unreachable
// without being read to its end or closed, and closes its connection.
func abandoned(a abandonArg) {
	_ = a.rc.Close()
	c := a.c
	c.mu.Lock()
	rec := func() {}
	if c.state == stateTraced {
		rec = c.endLocked(Outcome{
			Result:  c.parser.Result(),
			Warning: "the stream was abandoned: neither read to its end nor closed",
			End:     c.last,
		})
	}
	c.mu.Unlock()
	rec()
}
