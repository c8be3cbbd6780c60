package instrument

import "context"

// currentKey is the context key of the current observation.
type currentKey struct{}

// current returns the observation ctx carries, or nil.
func current(ctx context.Context) *Observation {
	o, _ := ctx.Value(currentKey{}).(*Observation)
	return o
}

// withCurrent returns ctx carrying o as the current observation.
func withCurrent(ctx context.Context, o *Observation) context.Context {
	return context.WithValue(ctx, currentKey{}, o)
}

// FromContext returns the current observation of ctx: the one the
// innermost [Client.Trace], [Observation.Span], [Observation.Generation],
// [Observe] or [Wrap] put there. It returns a no-op observation, never nil,
// when there is none, so that code can add to the current observation
// without knowing whether it is traced:
//
//	instrument.FromContext(ctx).SetMetadata(map[string]any{"cache": "hit"})
func FromContext(ctx context.Context) *Observation {
	if o := current(ctx); o != nil {
		return o
	}
	return &noopTrace.Observation
}

// TraceFromContext returns the trace of the current observation of ctx: the
// handle [Client.Trace] returned, or the one a top-level [Observe] or [Wrap]
// started. It returns a no-op trace, never nil, when there is none. Use it
// to set trace-level fields (user, session, tags) from nested code.
func TraceFromContext(ctx context.Context) *Trace {
	if o := current(ctx); o != nil && o.trace != nil {
		return o.trace
	}
	return noopTrace
}
