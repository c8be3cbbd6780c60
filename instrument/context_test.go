package instrument_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"golang.org/x/sync/errgroup"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
)

// Context Propagation: observations nest by context, as the Python SDK's
// context variables nest decorated calls.
func TestContextPropagation(t *testing.T) {
	c, rec := newClient(t)

	childFunction := func(ctx context.Context) error {
		return instrument.Do(ctx, nil, "child_function", func(ctx context.Context) error { return nil })
	}
	parentFunction := func(ctx context.Context) error {
		return instrument.Do(ctx, c, "parent_function", func(ctx context.Context) error {
			return childFunction(ctx)
		})
	}
	if err := parentFunction(context.Background()); err != nil {
		t.Fatal(err)
	}
	s := spans(t, rec)
	assertChild(t, s["parent_function"], s["child_function"])
	assertAttrs(t, s["parent_function"], map[string]string{"agenttrace.trace.name": "parent_function"})
	assertNoAttrs(t, s["child_function"], "agenttrace.trace.name")
}

func TestFromContext(t *testing.T) {
	c, rec := newClient(t)
	ctx := context.Background()
	if o := instrument.FromContext(ctx); o == nil || o.IsRecording() {
		t.Fatal("FromContext of an empty context is not a no-op observation")
	}

	ctx, tr := c.Trace(ctx, "t")
	if instrument.FromContext(ctx) != &tr.Observation || instrument.TraceFromContext(ctx) != tr {
		t.Fatal("FromContext does not return the trace")
	}
	ctx2, gen := tr.Generation(ctx, "g")
	if instrument.FromContext(ctx2) != &gen.Observation || instrument.TraceFromContext(ctx2) != tr {
		t.Fatal("FromContext does not return the generation and its trace")
	}
	// Nested code adds to the current observation and its trace.
	instrument.FromContext(ctx2).SetMetadata(map[string]any{"cache": "hit"})
	instrument.TraceFromContext(ctx2).SetUserID("u-7")
	gen.End()
	tr.End()

	s := spans(t, rec)
	assertAttrs(t, s["g"], map[string]string{"agenttrace.observation.metadata": `{"cache":"hit"}`})
	assertAttrs(t, s["t"], map[string]string{"agenttrace.trace.user_id": "u-7"})
}

// A span of another instrumentation between an observation and its child:
// the child is the foreign span's OTel child and names its AgentTrace
// parent.
func TestForeignSpanInBetween(t *testing.T) {
	c, rec := newClient(t)
	httpTracer := c.TracerProvider().Tracer("net/http")

	ctx, tr := c.Trace(context.Background(), "t")
	httpCtx, httpSpan := httpTracer.Start(ctx, "POST /v1/chat")
	_, gen := tr.Generation(httpCtx, "llm")
	gen.End()
	// Observe finds the parent through the foreign span too.
	_ = instrument.Do(httpCtx, nil, "observed", func(context.Context) error { return nil })
	httpSpan.End()
	_, direct := tr.Span(ctx, "direct")
	direct.End()
	tr.End()

	s := spans(t, rec)
	parentID := s["t"].SpanContext().SpanID().String()
	for _, name := range []string{"llm", "observed"} {
		assertChild(t, s["POST /v1/chat"], s[name])
		assertAttrs(t, s[name], map[string]string{"agenttrace.observation.parent_id": parentID})
	}
	assertChild(t, s["t"], s["direct"])
	assertNoAttrs(t, s["direct"], "agenttrace.observation.parent_id")
}

// The handle a child is created from is its parent, whatever ctx carries.
func TestExplicitParentWins(t *testing.T) {
	c, rec := newClient(t)
	ctx, tr := c.Trace(context.Background(), "t")
	stepCtx, step := tr.Span(ctx, "step")
	otherCtx, other := c.Trace(context.Background(), "other")

	_, a := tr.Span(stepCtx, "a")                // ctx carries a child of tr
	_, b := step.Span(context.Background(), "b") // ctx carries nothing
	_, d := step.Span(otherCtx, "d")             // ctx carries another trace
	for _, o := range []*instrument.Observation{a, b, d} {
		o.End()
	}
	other.End()
	step.End()
	tr.End()

	s := spans(t, rec)
	assertChild(t, s["t"], s["a"])
	assertChild(t, s["step"], s["b"])
	assertChild(t, s["step"], s["d"])
	for _, name := range []string{"a", "b", "d"} {
		assertNoAttrs(t, s[name], "agenttrace.observation.parent_id")
	}
}

// Contexts cross goroutines: children started in an errgroup and in a
// worker pool keep their parents.
func TestGoroutines(t *testing.T) {
	c, rec := newClient(t)
	ctx, tr := c.Trace(context.Background(), "fan-out")

	g, gctx := errgroup.WithContext(ctx)
	for i := range 8 {
		g.Go(func() error {
			_, err := instrument.Observe(gctx, nil, fmt.Sprintf("task-%d", i), func(ctx context.Context) (int, error) {
				_, gen := instrument.FromContext(ctx).Generation(ctx, fmt.Sprintf("llm-%d", i))
				gen.End()
				return i, nil
			})
			return err
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}

	type job struct {
		ctx context.Context
		n   int
	}
	jobs := make(chan job)
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			for j := range jobs {
				_, sp := instrument.FromContext(j.ctx).Span(j.ctx, fmt.Sprintf("job-%d", j.n))
				sp.End()
			}
		})
	}
	for n := range 6 {
		jctx, parent := tr.Span(ctx, fmt.Sprintf("submit-%d", n))
		jobs <- job{jctx, n}
		parent.End()
	}
	close(jobs)
	wg.Wait()
	tr.End()

	s := spans(t, rec)
	for i := range 8 {
		assertChild(t, s["fan-out"], s[fmt.Sprintf("task-%d", i)])
		assertChild(t, s[fmt.Sprintf("task-%d", i)], s[fmt.Sprintf("llm-%d", i)])
		assertAttrs(t, s[fmt.Sprintf("task-%d", i)], map[string]string{"agenttrace.observation.output": fmt.Sprint(i)})
	}
	for n := range 6 {
		assertChild(t, s[fmt.Sprintf("submit-%d", n)], s[fmt.Sprintf("job-%d", n)])
	}
	if got := len(rec.Ended()); got != 1+16+12 {
		t.Errorf("%d spans, want 29", got)
	}
}

// Work may outlive the observation that started it: children of an ended
// observation are still recorded under it.
func TestChildOfEndedObservation(t *testing.T) {
	c, rec := newClient(t)
	ctx, tr := c.Trace(context.Background(), "t")
	tr.End()
	_, late := tr.Span(ctx, "late")
	late.End()
	_ = instrument.Do(ctx, nil, "late-observe", func(context.Context) error { return nil })

	s := spans(t, rec)
	assertChild(t, s["t"], s["late"])
	assertChild(t, s["t"], s["late-observe"])
}
