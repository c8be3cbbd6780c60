package mcptrace

import (
	"context"
	"errors"
	"maps"
	"strconv"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/semconv"
)

// A Setting configures [ClientMiddleware] and [ServerMiddleware].
type Setting interface {
	apply(*config)
}

type settingFunc func(*config)

func (f settingFunc) apply(c *config) { f(c) }

// WithCaptureContent sets whether the observations record their input (the
// tool's arguments, the prompt's arguments, the resource's URI) and output
// (the result). Captured content goes through the instrument client's mask
// and content budget. Names, attributes and errors are recorded either way.
// Default: true. Environment: none.
func WithCaptureContent(on bool) Setting {
	return settingFunc(func(c *config) { c.capture = on })
}

// WithPropagator sets the propagator that writes the trace context into a
// request's params._meta (client) and reads it from there (server).
// Default: W3C Trace Context (traceparent and tracestate), whatever the
// global propagator is; pass otel.GetTextMapPropagator() to carry what the
// application's propagator carries (baggage, say). Both sides must agree.
func WithPropagator(p propagation.TextMapPropagator) Setting {
	return settingFunc(func(c *config) {
		if p != nil {
			c.prop = p
		}
	})
}

// WithNetworkTransport sets the network.transport attribute of the spans:
// "pipe" for the stdio and command transports, "tcp" for streamable HTTP.
// The go-sdk does not tell a middleware which transport a session uses, so
// it is unset by default.
func WithNetworkTransport(transport string) Setting {
	return settingFunc(func(c *config) { c.transport = transport })
}

type config struct {
	client    *instrument.Client
	capture   bool
	prop      propagation.TextMapPropagator
	transport string
}

func newConfig(c *instrument.Client, settings []Setting) *config {
	cfg := &config{client: c, capture: true, prop: propagation.TraceContext{}}
	for _, s := range settings {
		s.apply(cfg)
	}
	return cfg
}

// The methods traced, and their span names' first word.
const (
	methodCallTool     = "tools/call"
	methodReadResource = "resources/read"
	methodGetPrompt    = "prompts/get"
)

// operation is what a traced request is: its span name, input and
// attributes.
type operation struct {
	name  string
	input any
	attrs []attribute.KeyValue
}

// describe returns the operation of a request of method with params p, and
// false for a method that is not traced. It reads the parameter types of
// both sides (the client sends CallToolParams, the server receives
// CallToolParamsRaw).
func describe(method string, p mcp.Params) (operation, bool) {
	op := operation{name: method}
	switch p := p.(type) {
	case *mcp.CallToolParams:
		if p == nil || method != methodCallTool {
			return op, false
		}
		op.name += " " + p.Name
		op.input = p.Arguments
		op.attrs = toolAttrs(p.Name)
	case *mcp.CallToolParamsRaw:
		if p == nil || method != methodCallTool {
			return op, false
		}
		op.name += " " + p.Name
		if len(p.Arguments) > 0 {
			op.input = p.Arguments
		}
		op.attrs = toolAttrs(p.Name)
	case *mcp.ReadResourceParams:
		if p == nil || method != methodReadResource {
			return op, false
		}
		op.input = map[string]any{"uri": p.URI}
		op.attrs = []attribute.KeyValue{semconv.MCPMethodNameKey.String(method), semconv.MCPResourceURIKey.String(p.URI)}
	case *mcp.GetPromptParams:
		if p == nil || method != methodGetPrompt {
			return op, false
		}
		op.name += " " + p.Name
		if len(p.Arguments) > 0 {
			op.input = p.Arguments
		}
		op.attrs = []attribute.KeyValue{semconv.MCPMethodNameKey.String(method), semconv.GenAIPromptNameKey.String(p.Name)}
	default:
		return op, false
	}
	return op, true
}

func toolAttrs(name string) []attribute.KeyValue {
	return []attribute.KeyValue{
		semconv.MCPMethodNameKey.String(methodCallTool),
		semconv.GenAIOperationNameExecuteTool,
		semconv.GenAIToolNameKey.String(name),
	}
}

// sessionAttrs returns the attributes of the session a request is of.
func (cfg *config) sessionAttrs(attrs []attribute.KeyValue, sessionID, protocolVersion string) []attribute.KeyValue {
	if sessionID != "" {
		attrs = append(attrs, semconv.MCPSessionIDKey.String(sessionID))
	}
	if protocolVersion != "" {
		attrs = append(attrs, semconv.MCPProtocolVersionKey.String(protocolVersion))
	}
	if cfg.transport != "" {
		attrs = append(attrs, semconv.NetworkTransportKey.String(cfg.transport))
	}
	return attrs
}

// options returns the options of the observation of op.
func (cfg *config) options(typ instrument.ObservationType, op operation) []instrument.ObservationOption {
	opts := []instrument.ObservationOption{instrument.WithType(typ), instrument.WithAttributes(op.attrs...)}
	if cfg.capture && op.input != nil {
		opts = append(opts, instrument.WithInput(op.input))
	}
	return opts
}

// errToolResult is the status message of a tool result whose isError is
// true. The error text is in the output, where the mask applies.
const errToolResult = "the tool returned an error result (isError)"

// finish records the outcome of a request on o and ends it.
func (cfg *config) finish(o *instrument.Observation, res mcp.Result, err error) {
	defer o.End()
	if !o.IsRecording() {
		return
	}
	if err != nil {
		o.SetAttributes(errorAttrs(err)...)
		o.SetError(err)
		return
	}
	if r, ok := res.(*mcp.CallToolResult); ok && r != nil && r.IsError {
		o.SetAttributes(semconv.ErrorTypeKey.String("tool_error"))
		o.SetError(errors.New(errToolResult))
	}
	if cfg.capture && res != nil {
		o.SetOutput(res)
	}
}

// errorAttrs returns the error.type (and, for a JSON-RPC error answer, the
// rpc.response.status_code) of err.
func errorAttrs(err error) []attribute.KeyValue {
	var wire *jsonrpc.Error
	switch {
	case errors.As(err, &wire):
		code := strconv.FormatInt(wire.Code, 10)
		return []attribute.KeyValue{semconv.RPCResponseStatusCodeKey.String(code), semconv.ErrorTypeKey.String(code)}
	case errors.Is(err, context.Canceled):
		return []attribute.KeyValue{semconv.ErrorTypeKey.String("cancelled")}
	case errors.Is(err, context.DeadlineExceeded):
		return []attribute.KeyValue{semconv.ErrorTypeKey.String("timeout")}
	}
	return []attribute.KeyValue{semconv.ErrorTypeKey.String("_OTHER")}
}

// metaCarrier is a propagation carrier over a request's _meta.
type metaCarrier map[string]any

func (m metaCarrier) Get(key string) string {
	s, _ := m[key].(string)
	return s
}

func (m metaCarrier) Set(key, value string) { m[key] = value }

func (m metaCarrier) Keys() []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	return keys
}

// withMeta returns a copy of p whose _meta is a copy of p's with what the
// propagator writes for ctx. The caller's params are left as they are.
func withMeta(ctx context.Context, prop propagation.TextMapPropagator, p mcp.Params) mcp.Params {
	m := make(mcp.Meta, len(p.GetMeta())+2)
	maps.Copy(m, p.GetMeta())
	prop.Inject(ctx, metaCarrier(m))
	switch p := p.(type) {
	case *mcp.CallToolParams:
		cp := *p
		cp.Meta = m
		return &cp
	case *mcp.ReadResourceParams:
		cp := *p
		cp.Meta = m
		return &cp
	case *mcp.GetPromptParams:
		cp := *p
		cp.Meta = m
		return &cp
	}
	return p
}
