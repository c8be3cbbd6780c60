package mcptrace

import (
	"context"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"go.opentelemetry.io/otel/trace"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
)

// ClientMiddleware returns the sending middleware that traces the requests
// of an MCP client. Install it once on the client:
//
//	client := mcp.NewClient(&mcp.Implementation{Name: "agent"}, nil)
//	client.AddSendingMiddleware(mcptrace.ClientMiddleware(at))
//
// Every tools/call, resources/read and prompts/get request of the client's
// sessions is then an observation of type tool under the current AgentTrace
// observation of the call's context (or, when the context carries none, the
// root of a new trace of c), and its params._meta carries the trace
// context (traceparent, tracestate) to the server. c may be nil: only calls
// made inside an observation are then traced. Other methods pass through
// untouched.
func ClientMiddleware(c *instrument.Client, settings ...Setting) mcp.Middleware {
	cfg := newConfig(c, settings)
	return func(next mcp.MethodHandler) mcp.MethodHandler {
		return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
			cs, ok := req.GetSession().(*mcp.ClientSession)
			if !ok {
				return next(ctx, method, req)
			}
			op, ok := describe(method, req.GetParams())
			if !ok {
				return next(ctx, method, req)
			}
			ctx, o := cfg.startClient(ctx, cs, op)
			if trace.SpanContextFromContext(ctx).IsValid() {
				req = &mcp.ClientRequest[mcp.Params]{Session: cs, Params: withMeta(ctx, cfg.prop, req.GetParams())}
			}
			if o == nil {
				return next(ctx, method, req)
			}
			var res mcp.Result
			var err error
			defer func() { cfg.finish(o, res, err) }()
			res, err = next(ctx, method, req)
			return res, err
		}
	}
}

// startClient starts the tool observation of a request; it returns a nil
// observation when the request is not traced.
func (cfg *config) startClient(ctx context.Context, cs *mcp.ClientSession, op operation) (context.Context, *instrument.Observation) {
	parent := instrument.FromContext(ctx)
	if !parent.TraceID().IsValid() && cfg.client == nil {
		return ctx, nil
	}
	var version string
	if r := cs.InitializeResult(); r != nil {
		version = r.ProtocolVersion
	}
	op.attrs = cfg.sessionAttrs(op.attrs, cs.ID(), version)
	opts := cfg.options(instrument.TypeTool, op)
	var o *instrument.Observation
	if parent.TraceID().IsValid() {
		ctx, o = parent.Span(ctx, op.name, opts...)
	} else {
		var tr *instrument.Trace
		ctx, tr = cfg.client.Trace(ctx, op.name, opts...)
		o = &tr.Observation
	}
	if !o.IsRecording() {
		return ctx, nil
	}
	return ctx, o
}
