package mcptrace

import (
	"context"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
)

// ServerMiddleware returns the receiving middleware that makes an MCP
// server's handlers join the trace of the client that called them. Install
// it once on the server:
//
//	server := mcp.NewServer(&mcp.Implementation{Name: "tools"}, nil)
//	server.AddReceivingMiddleware(mcptrace.ServerMiddleware(at))
//
// For every tools/call, resources/read and prompts/get request it reads the
// trace context from the request's params._meta and records the handling
// as an observation (of type span, named like the client's: "tools/call
// get_weather") whose parent is the client's tool span, in the client's
// trace; the handler runs in its context, so the observations the handler
// starts ([instrument.Observe] with a nil client, FromContext(ctx).Span...)
// are its children. With c nil, no observation is recorded, but the handler
// still runs in the context of the client's span, so that c.Trace(ctx, ...)
// in the handler joins the trace. A request without trace context starts a
// trace of its own. Other methods pass through untouched.
func ServerMiddleware(c *instrument.Client, settings ...Setting) mcp.Middleware {
	cfg := newConfig(c, settings)
	return func(next mcp.MethodHandler) mcp.MethodHandler {
		return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
			params := req.GetParams()
			op, ok := describe(method, params)
			if !ok {
				return next(ctx, method, req)
			}
			if meta := params.GetMeta(); len(meta) > 0 {
				ctx = cfg.prop.Extract(ctx, metaCarrier(meta))
			}
			ctx, o := cfg.startServer(ctx, req, op)
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

// versioned is what the go-sdk's server requests tell of the protocol
// version.
type versioned interface {
	ProtocolVersion() string
}

// startServer starts the observation of a handled request; it returns a
// nil observation when it is not traced.
func (cfg *config) startServer(ctx context.Context, req mcp.Request, op operation) (context.Context, *instrument.Observation) {
	if cfg.client == nil {
		return ctx, nil
	}
	var sessionID, version string
	if s := req.GetSession(); s != nil {
		sessionID = s.ID()
	}
	if v, ok := req.(versioned); ok {
		version = v.ProtocolVersion()
	}
	op.attrs = cfg.sessionAttrs(op.attrs, sessionID, version)
	ctx, tr := cfg.client.Trace(ctx, op.name, cfg.options(instrument.TypeSpan, op)...)
	if !tr.IsRecording() {
		return ctx, nil
	}
	return ctx, &tr.Observation
}
