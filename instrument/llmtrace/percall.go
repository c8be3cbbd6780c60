package llmtrace

import (
	"context"
	"fmt"
	"reflect"
)

// Applier is a request option of an LLM client whose request configuration
// has type T. It satisfies the client's option.RequestOption interface
// (Apply(*requestconfig.RequestConfig) error) without naming the client's
// internal configuration type.
type Applier[T any] func(*T) error

// Apply applies the option to cfg.
func (f Applier[T]) Apply(cfg *T) error { return f(cfg) }

// RequestOption returns a request option of an LLM client that traces its
// calls to the API of p, configured by cfg. proto gives the type of the
// client's options (typically a nil option.RequestOption: only its type
// matters). For every call, options receives the middleware that traces
// that call, nil when the call is not traced (no AgentTrace observation in
// its context and no client recording new traces), and returns the client
// options to apply to that call: option.WithMiddleware(mw), and whatever
// else the integration sets.
func RequestOption[T any, O any](proto interface{ Apply(*T) error }, p Provider, cfg Config, options func(mw Middleware) []O) Applier[T] {
	t := newTracer(p, cfg)
	return perCall(proto, func(v configView) []O { return options(t.middleware(v)) })
}

// perCall returns a request option of the client whose options have the
// type of proto (typically a nil option.RequestOption: only its type
// matters). The clients apply their options once for every request they
// build, before the first attempt, so build runs once per API call: the
// options it returns are applied to that call only, after a view of the
// call's configuration was taken.
func perCall[T any, O any](proto interface{ Apply(*T) error }, build func(configView) []O) Applier[T] {
	_ = proto
	return func(cfg *T) error {
		for _, o := range build(configView{cfg: reflect.ValueOf(cfg)}) {
			a, ok := any(o).(interface{ Apply(*T) error })
			if !ok {
				return fmt.Errorf("agenttrace: option %T does not apply to %T", o, cfg)
			}
			if err := a.Apply(cfg); err != nil {
				return err
			}
		}
		return nil
	}
}

// configView reads the two exported fields of a client's request
// configuration that the tracing of retries needs: MaxRetries and Context.
// The clients document their RequestConfig fields as unstable, so a field
// that is missing yields the clients' defaults (two retries; no context)
// instead of failing. It only reads, on the goroutine of the call.
type configView struct {
	cfg reflect.Value // a pointer to the configuration, or invalid
	// ctx, when not nil, is the call's context, and the call makes a
	// single attempt (a call through [Transport]).
	ctx context.Context
}

// defaultMaxRetries is the retry budget both clients have by default.
const defaultMaxRetries = 2

// MaxRetries returns the number of retries the call may make.
func (v configView) MaxRetries() int {
	if v.ctx != nil {
		return 0
	}
	if f, ok := v.field("MaxRetries"); ok && f.CanInt() {
		return int(f.Int())
	}
	return defaultMaxRetries
}

// Context returns the context of the call: the one the application passed to
// the client's method. It is nil when the configuration has none.
func (v configView) Context() context.Context {
	if v.ctx != nil {
		return v.ctx
	}
	if f, ok := v.field("Context"); ok && f.Kind() == reflect.Interface && !f.IsNil() {
		if ctx, ok := f.Interface().(context.Context); ok {
			return ctx
		}
	}
	return nil
}

func (v configView) field(name string) (reflect.Value, bool) {
	if !v.cfg.IsValid() || v.cfg.Kind() != reflect.Pointer || v.cfg.IsNil() || v.cfg.Elem().Kind() != reflect.Struct {
		return reflect.Value{}, false
	}
	f := v.cfg.Elem().FieldByName(name)
	return f, f.IsValid()
}
