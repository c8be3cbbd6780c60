package llmtrace

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	otelsemconv "go.opentelemetry.io/otel/semconv/v1.41.0"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/semconv"
)

// Next and Middleware are the clients' option.MiddlewareNext and
// option.Middleware (both are aliases of these function types).
type (
	Next       = func(*http.Request) (*http.Response, error)
	Middleware = func(*http.Request, Next) (*http.Response, error)
)

// tracer traces the calls of one client: each call becomes one generation,
// however many HTTP attempts the client's retry loop makes.
type tracer struct {
	p   Provider
	cfg Config
	// newTraces is true when cfg.Client records new traces.
	newTraces bool
}

// newTracer returns the tracer of the calls of a client to the API of p.
func newTracer(p Provider, cfg Config) *tracer {
	t := &tracer{p: p, cfg: cfg}
	if cfg.Client != nil {
		_, off := cfg.Client.TracerProvider().(noop.TracerProvider)
		t.newTraces = !off
	}
	return t
}

// middleware returns the middleware of one call, whose configuration v
// shows, or nil when the call cannot be traced (no AgentTrace observation in
// its context and no client recording new traces).
func (t *tracer) middleware(v configView) Middleware {
	if !t.newTraces {
		if ctx := v.Context(); ctx != nil && !instrument.FromContext(ctx).TraceID().IsValid() {
			return nil
		}
	}
	c := &call{t: t, view: v}
	return c.middleware
}

type callState uint8

const (
	stateFresh    callState = iota // no attempt yet
	stateTraced                    // a generation is open
	stateUntraced                  // the call is not traced
	stateDone                      // the generation ended
)

// call is the state of one API call, shared by the middleware (which runs
// once per attempt, on the client's goroutine), the response bodies it wraps,
// and the context's AfterFunc. mu guards everything below it; instrument
// methods (which may run the application's mask) are called without it.
type call struct {
	t *tracer

	mu       sync.Mutex
	state    callState
	view     configView // cleared once no attempt can follow
	ctx      context.Context
	req      Request
	rec      Recorder // of the generation, once it started
	stop     func() bool
	attempts []Attempt
	parser   StreamParser // of the streaming response, if any
	// last is when the response was last read from.
	last time.Time
	// recorded is closed once the generation is recorded and ended.
	recorded chan struct{}
}

func (c *call) middleware(req *http.Request, next Next) (*http.Response, error) {
	n, ok := c.begin(req)
	if !ok {
		return next(req)
	}
	if b := c.req.Body; b != nil {
		req = withBody(req, b)
	}
	start := time.Now()
	res, err := next(req)
	return c.attempted(n, start, res, err), err
}

// begin records the start of an attempt and returns its index, or false
// when the attempt is not traced. The first attempt starts the generation.
func (c *call) begin(req *http.Request) (int, bool) {
	now := time.Now()
	c.mu.Lock()
	state := c.state
	if state == stateDone {
		c.mu.Unlock()
		<-c.recorded
		return 0, false
	}
	if state == stateTraced {
		c.attempts = append(c.attempts, Attempt{Start: now})
		n := len(c.attempts) - 1
		c.mu.Unlock()
		return n, true
	}
	c.mu.Unlock()
	if state != stateFresh {
		return 0, false
	}
	// Nothing but this goroutine sees the call before its generation
	// starts, so start runs without the lock (it may run the mask).
	if !c.start(req, now) {
		c.mu.Lock()
		c.state = stateUntraced
		c.mu.Unlock()
		return 0, false
	}
	c.mu.Lock()
	c.state = stateTraced
	c.attempts = append(c.attempts, Attempt{Start: now})
	c.mu.Unlock()
	if c.ctx.Done() != nil {
		stop := context.AfterFunc(c.ctx, c.cancelled)
		c.mu.Lock()
		c.stop = stop
		c.mu.Unlock()
	}
	return 0, true
}

// start inspects the request and starts the generation, reporting whether
// the call is traced.
func (c *call) start(req *http.Request, now time.Time) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			otel.Handle(fmt.Errorf("agenttrace: tracing an LLM call: panic: %v", r))
			ok = false
		}
	}()
	if req.Method != http.MethodPost {
		return false
	}
	body, err := requestBody(req)
	if err != nil {
		return false
	}
	r, ok := c.t.p.Inspect(req.URL.Path, body, &c.t.cfg)
	if !ok {
		return false
	}
	c.mu.Lock()
	ctx := c.view.Context()
	c.mu.Unlock()
	if ctx == nil {
		ctx = req.Context()
	}
	name := r.Operation
	if r.Model != "" {
		name += " " + r.Model
	}
	attrs := []attribute.KeyValue{semconv.GenAIOperationNameKey.String(r.Operation)}
	if r.Stream {
		attrs = append(attrs, semconv.GenAIRequestStreamKey.Bool(true))
	}
	provider := r.Provider
	if provider == "" {
		provider = c.t.p.Name()
	}
	opts := []instrument.ObservationOption{
		instrument.WithType(r.Type),
		instrument.WithProvider(provider),
		instrument.WithStartTime(now),
		instrument.WithAttributes(attrs...),
	}
	if r.Model != "" {
		opts = append(opts, instrument.WithModel(r.Model))
	}
	if len(r.Params) > 0 {
		opts = append(opts, instrument.WithModelParameters(r.Params))
	}
	if c.t.cfg.CaptureContent && r.Input != nil {
		opts = append(opts, instrument.WithInput(r.Input))
	}
	var gen *instrument.Generation
	genCtx := ctx
	if parent := instrument.FromContext(ctx); parent.TraceID().IsValid() {
		genCtx, gen = parent.Generation(ctx, name, opts...)
	} else if c.t.newTraces {
		// The generation is the root observation of a new trace.
		genCtx, gen = c.t.cfg.Client.Generation(ctx, name, opts...)
	}
	if gen == nil || !gen.IsRecording() {
		return false
	}
	c.mu.Lock()
	c.ctx, c.req = ctx, r
	c.rec = Recorder{
		Generation:     gen,
		Context:        genCtx,
		SpanName:       req.Method + " " + req.URL.Path,
		Server:         serverAttrs(req),
		CaptureContent: c.t.cfg.CaptureContent,
	}
	c.recorded = make(chan struct{})
	c.mu.Unlock()
	return true
}

// requestBody returns the body of req without consuming it.
func requestBody(req *http.Request) ([]byte, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, nil
	}
	if req.GetBody == nil {
		return nil, errors.New("request body cannot be replayed")
	}
	rc, err := req.GetBody()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

// withBody returns a clone of req sending body.
func withBody(req *http.Request, body []byte) *http.Request {
	r := req.Clone(req.Context())
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	r.ContentLength = int64(len(body))
	return r
}

func serverAttrs(req *http.Request) []attribute.KeyValue {
	host, port, err := net.SplitHostPort(req.URL.Host)
	if err != nil {
		host = req.URL.Host
		port = map[string]string{"http": "80", "https": "443"}[req.URL.Scheme]
	}
	attrs := []attribute.KeyValue{
		otelsemconv.HTTPRequestMethodKey.String(req.Method),
		otelsemconv.ServerAddress(host),
		otelsemconv.URLPath(req.URL.Path),
	}
	if p, err := strconv.Atoi(port); err == nil {
		attrs = append(attrs, otelsemconv.ServerPort(p))
	}
	return attrs
}

// attempted records the end of attempt n and returns the response with its
// body wrapped, so that the generation ends when the client or the
// application is done with it.
func (c *call) attempted(n int, start time.Time, res *http.Response, err error) *http.Response {
	end := time.Now()
	c.mu.Lock()
	if c.state != stateTraced {
		c.mu.Unlock()
		c.wait()
		return res
	}
	a := &c.attempts[n]
	a.End = end
	if err != nil || res == nil {
		if err == nil {
			err = errors.New("no response")
		}
		a.Err = err
		// The client retries a failed attempt unless the call's context is
		// done or the retries are used up.
		if c.ctx.Err() == nil && n < c.view.MaxRetries() {
			c.mu.Unlock()
			return res
		}
		rec := c.endLocked(Outcome{Err: err, End: end})
		c.mu.Unlock()
		rec()
		return res
	}
	a.Status = res.StatusCode
	b := &body{c: c, n: n, rc: res.Body, retryable: shouldRetry(res) && n < c.view.MaxRetries()}
	switch {
	case res.StatusCode >= 400:
		b.kind = kindError
	case isEventStream(res) && c.req.NewStream != nil:
		b.kind = kindStream
		c.parser = c.req.NewStream()
		// A stream is the call's last attempt: let go of the client's
		// configuration, which references the response, so that an
		// abandoned stream can be collected.
		c.view = configView{}
	default:
		b.kind = kindJSON
	}
	c.last = end
	c.mu.Unlock()
	if b.rc == nil {
		b.rc = http.NoBody
	}
	if b.kind == kindStream {
		b.cleanup = runtime.AddCleanup(b, abandoned, abandonArg{c: c, rc: b.rc})
	}
	// A copy: the transport keeps the response it made (HTTP/1 until its
	// body is done), which must not reference the wrapper, or an
	// abandoned stream would never become unreachable.
	wrapped := *res
	wrapped.Body = b
	return &wrapped
}

// shouldRetry reports whether the clients retry res (both decide alike):
// x-should-retry when the API sets it, else 408, 409, 429 and 5xx.
func shouldRetry(res *http.Response) bool {
	switch res.Header.Get("x-should-retry") {
	case "true":
		return true
	case "false":
		return false
	}
	return res.StatusCode == http.StatusRequestTimeout || res.StatusCode == http.StatusConflict ||
		res.StatusCode == http.StatusTooManyRequests || res.StatusCode >= http.StatusInternalServerError
}

// cancelled ends the generation of a call whose context is done before the
// call ended.
func (c *call) cancelled() {
	c.mu.Lock()
	o := Outcome{Err: context.Cause(c.ctx), End: time.Now()}
	if c.parser != nil {
		o.Result = c.parser.Result()
	}
	rec := c.endLocked(o)
	c.mu.Unlock()
	rec()
}

// endLocked marks the call done and returns the function that records o,
// to be called once c.mu is released. When the call was done already, the
// function waits until it is recorded (by another goroutine: the context's
// AfterFunc, say), so that the application never sees the end of a call
// before its generation ended. c.mu must be held.
func (c *call) endLocked(o Outcome) func() {
	if c.state != stateTraced {
		return c.wait
	}
	c.state = stateDone
	c.view = configView{}
	o.Attempts = slices.Clone(c.attempts)
	// The last attempt lasts until the call's end (the client reads its
	// answer inside the call).
	o.Attempts[len(o.Attempts)-1].End = o.End
	stop := c.stop
	return func() {
		defer close(c.recorded)
		if stop != nil {
			stop()
		}
		c.rec.Record(o)
	}
}

// wait waits until the generation of a call that is done is recorded; it
// returns at once for a call that was never traced.
func (c *call) wait() {
	c.mu.Lock()
	done, ch := c.state == stateDone, c.recorded
	c.mu.Unlock()
	if done {
		<-ch
	}
}
