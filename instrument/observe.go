package instrument

import "context"

// Observe runs fn inside a new observation named name and returns what fn
// returns. It is the Go form of the Python SDK's @observe decorator:
//
//	answer, err := instrument.Observe(ctx, client, "answer", func(ctx context.Context) (string, error) {
//		return callLLM(ctx, prompt)
//	})
//
// The observation is a child of the current observation of ctx, or, when
// ctx has none, the root of a new trace of client c. Nested calls (and
// library code) can pass a nil client: they belong to the trace in their
// context, and run fn untraced when there is none. No global client is
// involved.
//
// fn's result is recorded as the output (unless [WithCaptureOutput] is
// false; give the input with [WithInput]). An error fn returns is recorded
// (level ERROR, span status Error) and returned unchanged; a panic is
// recorded and fn's panic goes on with the same value. When tracing is
// disabled or the trace is sampled out, fn is called directly with ctx.
func Observe[T any](ctx context.Context, c *Client, name string, fn func(context.Context) (T, error), opts ...ObserveOption) (T, error) {
	parent, client := target(ctx, c)
	if client == nil {
		return fn(ctx)
	}
	cfg := newObserveConfig(opts)
	ctx, o := begin(ctx, parent, client, name, &cfg.obs)
	return run(ctx, o, cfg.captureOutput, fn)
}

// Do is [Observe] for a function that returns only an error.
func Do(ctx context.Context, c *Client, name string, fn func(context.Context) error, opts ...ObserveOption) error {
	parent, client := target(ctx, c)
	if client == nil {
		return fn(ctx)
	}
	cfg := newObserveConfig(opts)
	ctx, o := begin(ctx, parent, client, name, &cfg.obs)
	_, err := run(ctx, o, false, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, fn(ctx)
	})
	return err
}

// Wrap returns fn traced: each call runs inside a new observation named
// name, as [Observe] runs its function, with the argument recorded as the
// input (unless [WithCaptureInput] is false) and the result as the output.
// The options are applied once, here.
//
//	summarize := instrument.Wrap(client, "summarize", func(ctx context.Context, doc string) (string, error) {
//		...
//	}, instrument.WithType(instrument.TypeChain))
//	summary, err := summarize(ctx, doc)
func Wrap[In, Out any](c *Client, name string, fn func(context.Context, In) (Out, error), opts ...ObserveOption) func(context.Context, In) (Out, error) {
	cfg := newObserveConfig(opts)
	return func(ctx context.Context, in In) (Out, error) {
		parent, client := target(ctx, c)
		if client == nil {
			return fn(ctx, in)
		}
		obs := cfg.obs
		if cfg.captureInput {
			obs.input, obs.hasInput = in, true
		}
		ctx, o := begin(ctx, parent, client, name, &obs)
		return run(ctx, o, cfg.captureOutput, func(ctx context.Context) (Out, error) {
			return fn(ctx, in)
		})
	}
}

// target returns the parent observation and the client of an Observe
// call: the current observation of ctx and its client, else no parent and
// c. The client is nil when the call is not traced.
func target(ctx context.Context, c *Client) (*Observation, *Client) {
	if p := current(ctx); p != nil {
		if !p.live() {
			return nil, nil
		}
		return p, p.client
	}
	if !c.enabled() {
		return nil, nil
	}
	return nil, c
}

// begin starts the observation of an Observe call.
func begin(ctx context.Context, parent *Observation, c *Client, name string, cfg *obsConfig) (context.Context, *Observation) {
	if parent == nil {
		ctx, tr := c.startTrace(ctx, name, kindSpan, cfg)
		return ctx, &tr.Observation
	}
	ctx, span := parent.startChild(ctx, name, kindSpan, cfg)
	o := &Observation{span: span, client: c, trace: parent.trace}
	return withCurrent(ctx, o), o
}

// run calls fn with ctx and records its result, error or panic on o, which
// it ends.
func run[T any](ctx context.Context, o *Observation, captureOutput bool, fn func(context.Context) (T, error)) (T, error) {
	done := false
	defer func() {
		if done {
			return
		}
		// fn panicked, or called runtime.Goexit (r is nil then).
		r := recover()
		if r != nil {
			o.recordPanic(r)
		}
		o.End()
		if r != nil {
			panic(r)
		}
	}()
	out, err := fn(ctx)
	done = true
	switch {
	case err != nil:
		o.SetError(err)
	case captureOutput:
		o.SetOutput(out)
	}
	o.End()
	return out, err
}
