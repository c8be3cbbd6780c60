package bedrocktrace

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/smithy-go/middleware"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/instrument/llmtrace"
)

// The IDs of the middlewares in the client's stack.
const (
	callID    = "AgentTraceBedrockCall"
	requestID = "AgentTraceBedrockRequest"
	attemptID = "AgentTraceBedrockAttempt"
)

// AppendMiddlewares adds to apiOptions the middlewares that trace the
// Bedrock Runtime calls of a client, as otelaws.AppendMiddlewares does for
// its spans. Give it the options of a Bedrock Runtime client:
//
//	client := bedrockruntime.NewFromConfig(cfg, func(o *bedrockruntime.Options) {
//		bedrocktrace.AppendMiddlewares(&o.APIOptions, atClient)
//	})
//
// or an aws.Config's (&cfg.APIOptions), which every client made from it
// inherits (other services' calls pass through untouched).
//
// Every Converse, ConverseStream and InvokeModel call then becomes one
// generation under the current AgentTrace observation of the call's
// context, or, when the context carries none, the root of a new trace of c. c may be nil: only
// calls made inside an observation are then traced. Other operations pass
// through untouched.
func AppendMiddlewares(apiOptions *[]func(*middleware.Stack) error, c *instrument.Client, settings ...Setting) {
	cfg := llmtrace.NewConfig(c)
	for _, s := range settings {
		s.apply(&cfg)
	}
	t := &tracer{cfg: cfg}
	if c != nil {
		_, off := c.TracerProvider().(noop.TracerProvider)
		t.newTraces = !off
	}
	*apiOptions = append(*apiOptions, t.addTo)
}

// A Setting configures [AppendMiddlewares].
type Setting interface {
	apply(*llmtrace.Config)
}

type settingFunc func(*llmtrace.Config)

func (f settingFunc) apply(c *llmtrace.Config) { f(c) }

// WithCaptureContent sets whether the generations record their input
// (system prompt, messages, tool definitions) and output (the content
// blocks, tool uses and their input). Captured content goes through the
// instrument client's mask and content budget. Model, parameters, usage and
// errors are recorded either way. Default: true. Environment: none.
func WithCaptureContent(on bool) Setting {
	return settingFunc(func(c *llmtrace.Config) { c.CaptureContent = on })
}

// tracer traces the calls of the clients whose stacks it was added to.
type tracer struct {
	cfg llmtrace.Config
	// newTraces is true when cfg.Client records new traces.
	newTraces bool
}

// addTo adds the tracer's middlewares to the stack of one operation: one
// around the whole call (Initialize), one once the request is serialized
// (Build), and one around each HTTP attempt, inside the retry loop
// (innermost in Deserialize, so that it wraps a response body before
// anything reads it).
func (t *tracer) addTo(stack *middleware.Stack) error {
	if err := stack.Initialize.Add(middleware.InitializeMiddlewareFunc(callID, t.handleCall), middleware.Before); err != nil {
		return err
	}
	if err := stack.Build.Add(middleware.BuildMiddlewareFunc(requestID, t.handleRequest), middleware.After); err != nil {
		return err
	}
	return stack.Deserialize.Add(middleware.DeserializeMiddlewareFunc(attemptID, t.handleAttempt), middleware.After)
}

// op is a traced operation.
type op uint8

const (
	opConverse op = iota + 1
	opConverseStream
	opInvokeModel
)

// operation returns the traced operation of an input and its model; op is
// 0 for operations that are not traced.
func operation(params any) (o op, model string) {
	switch in := params.(type) {
	case *bedrockruntime.ConverseInput:
		return opConverse, deref(in.ModelId)
	case *bedrockruntime.ConverseStreamInput:
		return opConverseStream, deref(in.ModelId)
	case *bedrockruntime.InvokeModelInput:
		return opInvokeModel, deref(in.ModelId)
	}
	return 0, ""
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func (t *tracer) handleCall(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (
	middleware.InitializeOutput, middleware.Metadata, error,
) {
	o, model := operation(in.Parameters)
	if o == 0 {
		return next.HandleInitialize(ctx, in)
	}
	c := t.start(ctx, o, model, time.Now())
	if c == nil {
		return next.HandleInitialize(ctx, in)
	}
	out, md, err := next.HandleInitialize(context.WithValue(c.genCtx, t, c), in)
	c.returned(err)
	return out, md, err
}

// callOf returns the traced call of ctx, nil when there is none.
func (t *tracer) callOf(ctx context.Context) *call {
	c, _ := ctx.Value(t).(*call)
	return c
}

func (t *tracer) handleRequest(ctx context.Context, in middleware.BuildInput, next middleware.BuildHandler) (
	middleware.BuildOutput, middleware.Metadata, error,
) {
	if c := t.callOf(ctx); c != nil {
		c.inspect(in.Request)
	}
	return next.HandleBuild(ctx, in)
}

func (t *tracer) handleAttempt(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (
	middleware.DeserializeOutput, middleware.Metadata, error,
) {
	c := t.callOf(ctx)
	if c == nil {
		return next.HandleDeserialize(ctx, in)
	}
	start := time.Now()
	out, md, err := next.HandleDeserialize(ctx, in)
	c.attempted(start, out.RawResponse, err)
	return out, md, err
}
