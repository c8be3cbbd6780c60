package bedrocktrace

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	otelsemconv "go.opentelemetry.io/otel/semconv/v1.41.0"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/instrument/llmtrace"
	"github.com/agenttrace/agenttrace-otel-go/semconv"
)

// call is the state of one traced API call. The middlewares run on the
// caller's goroutine; a stream's body is read on the client's, and may be
// closed or cancelled from others: mu guards what they share. instrument
// methods (which may run the application's mask) are called without it.
type call struct {
	t      *tracer
	ctx    context.Context
	gen    *instrument.Generation
	genCtx context.Context
	op     op
	stream bool

	// Set by inspect, on the caller's goroutine, before any attempt.
	spanName string
	server   []attribute.KeyValue

	mu       sync.Mutex
	attempts []attempt
	// body is the captured body of a successful non-streaming answer.
	body *capture
	// events is the parser of a streaming answer, once one arrived.
	events *eventParser
	ended  bool
	stop   func() bool
	// recorded is closed once the generation is recorded and ended.
	recorded chan struct{}
}

// attempt is one HTTP attempt of a call.
type attempt struct {
	start, end time.Time
	status     int
	// errorType is the API's error type of an error answer
	// (x-amzn-errortype), requestID its x-amzn-requestid.
	errorType, requestID string
	// usage is what the x-amzn-bedrock-*-token-count headers say, nil
	// when they are absent (InvokeModel's answers carry them).
	usage *tokenUsage
	err   error
}

// start starts the generation of a call of model, or returns nil when the
// call is not traced (no AgentTrace observation in ctx and no client
// recording new traces).
func (t *tracer) start(ctx context.Context, o op, model string, now time.Time) *call {
	stream := o == opConverseStream
	name := "chat"
	if model != "" {
		name += " " + model
	}
	attrs := []attribute.KeyValue{semconv.GenAIOperationNameKey.String("chat")}
	if stream {
		attrs = append(attrs, semconv.GenAIRequestStreamKey.Bool(true))
	}
	opts := []instrument.ObservationOption{
		instrument.WithType(instrument.TypeGeneration),
		instrument.WithProvider(providerName),
		instrument.WithStartTime(now),
		instrument.WithAttributes(attrs...),
	}
	if model != "" {
		opts = append(opts, instrument.WithModel(model))
	}
	var gen *instrument.Generation
	genCtx := ctx
	if parent := instrument.FromContext(ctx); parent.TraceID().IsValid() {
		genCtx, gen = parent.Generation(ctx, name, opts...)
	} else if t.newTraces {
		// The generation is the root observation of a new trace.
		genCtx, gen = t.cfg.Client.Generation(ctx, name, opts...)
	}
	if gen == nil || !gen.IsRecording() {
		return nil
	}
	return &call{t: t, ctx: ctx, gen: gen, genCtx: genCtx, op: o, stream: stream, recorded: make(chan struct{})}
}

// providerName is the gen_ai.provider.name of Amazon Bedrock.
var providerName = semconv.GenAIProviderNameAWSBedrock.Value.AsString()

// inspect records what the serialized request says: the model parameters
// and the input. It runs once, before the first attempt.
func (c *call) inspect(r any) {
	req, ok := r.(*smithyhttp.Request)
	if !ok {
		return
	}
	defer func() {
		if r := recover(); r != nil {
			otel.Handle(fmt.Errorf("agenttrace: tracing a Bedrock call: panic: %v", r))
		}
	}()
	c.spanName = req.Method + " " + req.URL.Path
	c.server = llmtrace.ServerAttributes(req.Request)
	body, err := requestBody(req)
	if err != nil || body == nil {
		return
	}
	inspect := inspectConverse
	if c.op == opInvokeModel {
		inspect = inspectInvoke
	}
	params, input := inspect(body, c.t.cfg.CaptureContent)
	if len(params) > 0 {
		c.gen.SetModelParameters(params)
	}
	// SetModelParameters mirrors stop and stop_sequences, not Bedrock's
	// stopSequences.
	if stop := stringList(params["stopSequences"]); len(stop) > 0 {
		c.gen.SetAttributes(semconv.GenAIRequestStopSequencesKey.StringSlice(stop))
	}
	if input != nil {
		c.gen.SetInput(input)
	}
}

// stringList returns the strings of a decoded JSON array.
func stringList(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, s := range list {
		if s, ok := s.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// requestBody returns the serialized body of req and rewinds it, or nil
// when it cannot be read again.
func requestBody(req *smithyhttp.Request) ([]byte, error) {
	s := req.GetStream()
	if s == nil || !req.IsStreamSeekable() {
		return nil, nil
	}
	b, err := io.ReadAll(s)
	if rerr := req.RewindStream(); err == nil {
		err = rerr
	}
	return b, err
}

// attempted records an HTTP attempt, and wraps the body of a successful
// answer so that the call reads it as it passes.
func (c *call) attempted(start time.Time, raw any, err error) {
	a := attempt{start: start, end: time.Now(), err: err}
	res, _ := raw.(*smithyhttp.Response)
	if res != nil && res.Response != nil {
		a.status = res.StatusCode
		a.requestID = res.Header.Get("X-Amzn-Requestid")
		if t := res.Header.Get("X-Amzn-Errortype"); t != "" {
			a.errorType, _, _ = strings.Cut(t, ":")
		}
		a.usage = headerUsage(res.Header)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.attempts = append(c.attempts, a)
	if err != nil || res == nil || res.Response == nil || res.StatusCode/100 != 2 || res.Body == nil {
		return
	}
	if c.stream && strings.HasPrefix(res.Header.Get("Content-Type"), "application/vnd.amazon.eventstream") {
		c.events = newEventParser()
		res.Body = &streamBody{c: c, rc: res.Body}
		return
	}
	c.body = &capture{}
	res.Body = &captureBody{rc: res.Body, c: c.body}
}

// returned is called when the client's method returns err. A successful
// stream's generation ends with the stream; every other call's ends now.
func (c *call) returned(err error) {
	c.mu.Lock()
	if err == nil && c.events != nil {
		if c.ctx.Done() != nil && !c.ended {
			c.stop = context.AfterFunc(c.ctx, c.cancelled)
		}
		c.mu.Unlock()
		return
	}
	o := outcome{err: err, end: time.Now()}
	if err == nil && c.body != nil {
		if c.op == opInvokeModel {
			o.result = parseInvoke(c.body.bytes(), c.attempts[len(c.attempts)-1].usage)
		} else {
			o.result = parseConverse(c.body.bytes())
		}
	}
	rec := c.endLocked(o)
	c.mu.Unlock()
	rec()
}

// cancelled ends the generation of a stream whose context is done before
// the stream ended.
func (c *call) cancelled() {
	c.mu.Lock()
	o := outcome{err: context.Cause(c.ctx), end: time.Now(), result: c.events.result()}
	rec := c.endLocked(o)
	c.mu.Unlock()
	rec()
}

// outcome is how a call ended.
type outcome struct {
	result llmtrace.Result
	// err is the call's error; warning, when err is nil, a problem that is
	// not one (a stream the application closed early).
	err     error
	warning string
	end     time.Time
}

// endLocked marks the call done and returns the function that records o,
// to be called once c.mu is released. When the call was done already, the
// function waits until it is recorded, so that nobody sees the end of a
// call before its generation ended. c.mu must be held.
func (c *call) endLocked(o outcome) func() {
	if c.ended {
		return func() { <-c.recorded }
	}
	c.ended = true
	attempts := slices.Clone(c.attempts)
	stop := c.stop
	return func() {
		defer close(c.recorded)
		if stop != nil {
			stop()
		}
		c.record(o, attempts)
	}
}

// record sets what o says on the generation and ends it, with a child span
// per attempt when there was more than one.
func (c *call) record(o outcome, attempts []attempt) {
	defer func() {
		if r := recover(); r != nil {
			otel.Handle(fmt.Errorf("agenttrace: recording a Bedrock call: panic: %v", r))
		}
		c.gen.EndAt(o.end)
	}()
	g, r := c.gen, o.result
	var attrs []attribute.KeyValue
	if len(r.FinishReasons) > 0 {
		attrs = append(attrs, semconv.GenAIResponseFinishReasonsKey.StringSlice(r.FinishReasons))
	}
	if len(attempts) > 0 {
		last := attempts[len(attempts)-1]
		if last.requestID != "" {
			attrs = append(attrs, otelsemconv.AWSRequestID(last.requestID))
		}
		if last.status >= 400 {
			attrs = append(attrs, otelsemconv.HTTPResponseStatusCode(last.status))
		}
	}
	if len(attempts) > 1 {
		attrs = append(attrs, otelsemconv.HTTPRequestResendCount(len(attempts)-1))
	}
	err := o.err
	if err == nil {
		err = r.Err
	}
	if err != nil {
		attrs = append(attrs, otelsemconv.ErrorTypeKey.String(errorType(err)))
	}
	g.SetAttributes(attrs...)
	if c.t.cfg.CaptureContent && r.Output != nil {
		g.SetOutput(r.Output)
	}
	switch {
	case r.Usage != nil:
		g.SetUsage(*r.Usage)
	case r.UsageUnavailable != "":
		g.SetAttributes(semconv.GenerationUsageUnavailableKey.String(r.UsageUnavailable))
	}
	if !r.CompletionStart.IsZero() {
		g.SetCompletionStartTime(r.CompletionStart)
	}
	switch {
	case err != nil:
		g.SetError(err)
	case o.warning != "":
		g.SetLevel(instrument.LevelWarning)
		g.SetStatusMessage(o.warning)
	}
	if len(attempts) > 1 {
		c.recordAttempts(attempts, err, o.end)
	}
}

// recordAttempts records each attempt of a retried call as a child span of
// its generation: failed attempts that were retried at level WARNING, the
// last one with the call's error.
func (c *call) recordAttempts(attempts []attempt, callErr error, end time.Time) {
	for i, a := range attempts {
		attrs := slices.Clip(c.server)
		if a.status != 0 {
			attrs = append(attrs, otelsemconv.HTTPResponseStatusCode(a.status))
		}
		if i > 0 {
			attrs = append(attrs, otelsemconv.HTTPRequestResendCount(i))
		}
		failure := a.err
		if failure == nil && a.status >= 400 {
			failure = &llmtrace.APIError{StatusCode: a.status, Type: a.errorType}
		}
		lastAttempt := i == len(attempts)-1
		if lastAttempt {
			failure = callErr
			if c.stream {
				// The answer of a stream's last attempt lasts until the
				// stream ends.
				a.end = end
			}
		}
		if failure != nil {
			attrs = append(attrs, otelsemconv.ErrorTypeKey.String(errorType(failure)))
		}
		_, s := c.gen.Span(c.genCtx, c.spanName, instrument.WithStartTime(a.start), instrument.WithAttributes(attrs...))
		switch {
		case failure != nil && lastAttempt:
			s.SetError(failure)
		case failure != nil:
			s.SetLevel(instrument.LevelWarning)
			s.SetStatusMessage("retried after: " + failure.Error())
		}
		s.EndAt(a.end)
	}
}

// errorType is the OpenTelemetry error.type of err: the API's error code
// (ThrottlingException, ValidationException...), else the Go type of the
// error.
func errorType(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorCode() != "" {
		return apiErr.ErrorCode()
	}
	var streamErr *llmtrace.APIError
	if errors.As(err, &streamErr) && streamErr.Type != "" {
		return streamErr.Type
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "context.DeadlineExceeded"
	case errors.Is(err, context.Canceled):
		return "context.Canceled"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "io.ErrUnexpectedEOF"
	}
	return fmt.Sprintf("%T", err)
}
