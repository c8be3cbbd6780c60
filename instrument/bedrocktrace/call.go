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
	llmtrace.Attempt
	// requestID is the answer's x-amzn-requestid.
	requestID string
	// usage is what the x-amzn-bedrock-*-token-count headers say, nil
	// when they are absent (InvokeModel's answers carry them).
	usage *tokenUsage
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
	a := attempt{Attempt: llmtrace.Attempt{Start: start, End: time.Now(), Err: err}}
	res, _ := raw.(*smithyhttp.Response)
	if res != nil && res.Response != nil {
		a.Status = res.StatusCode
		a.requestID = res.Header.Get("X-Amzn-Requestid")
		if err == nil && res.StatusCode >= 400 {
			// The API's error type is x-amzn-errortype's.
			t, _, _ := strings.Cut(res.Header.Get("X-Amzn-Errortype"), ":")
			a.Err = &llmtrace.APIError{StatusCode: res.StatusCode, Type: t}
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
	o := llmtrace.Outcome{Err: err, End: time.Now()}
	if err == nil && c.body != nil {
		if c.op == opInvokeModel {
			o.Result = parseInvoke(c.body.bytes(), c.attempts[len(c.attempts)-1].usage)
		} else {
			o.Result = parseConverse(c.body.bytes())
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
	o := llmtrace.Outcome{Err: context.Cause(c.ctx), End: time.Now(), Result: c.events.result()}
	rec := c.endLocked(o)
	c.mu.Unlock()
	rec()
}

// endLocked marks the call done and returns the function that records o,
// to be called once c.mu is released. When the call was done already, the
// function waits until it is recorded, so that nobody sees the end of a
// call before its generation ended. c.mu must be held.
func (c *call) endLocked(o llmtrace.Outcome) func() {
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
func (c *call) record(o llmtrace.Outcome, attempts []attempt) {
	o.Attempts = make([]llmtrace.Attempt, len(attempts))
	for i, a := range attempts {
		o.Attempts[i] = a.Attempt
	}
	if n := len(attempts); n > 0 {
		if c.stream {
			// The answer of a stream's last attempt lasts until the
			// stream ends.
			o.Attempts[n-1].End = o.End
		}
		if id := attempts[n-1].requestID; id != "" {
			c.gen.SetAttributes(otelsemconv.AWSRequestID(id))
		}
	}
	rec := llmtrace.Recorder{
		Generation:     c.gen,
		Context:        c.genCtx,
		SpanName:       c.spanName,
		Server:         c.server,
		CaptureContent: c.t.cfg.CaptureContent,
		ErrorType:      errorType,
	}
	rec.Record(o)
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
