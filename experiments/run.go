package experiments

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"time"

	"github.com/google/uuid"
	"golang.org/x/sync/errgroup"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/scores"
)

// A Task is the code under test: it answers one item. Observations it
// creates from ctx (LLM calls, tools) nest in the item's trace. It is
// called concurrently for different items and should return when ctx is
// done.
type Task func(ctx context.Context, item Item) (output any, err error)

// ErrPanic is wrapped by the error of a task or evaluator that panicked.
var ErrPanic = errors.New("panic")

// Run runs task on every item of d, at most [WithConcurrency] at once, and
// scores each output with the evaluators of [WithEvaluators]. Each item is
// one trace of client (see the package documentation); its scores are
// recorded on it with the client's score API. A task that fails or panics
// fails its item; an evaluator that fails or panics leaves the item
// without that score; neither stops the run.
//
// When ctx is done, the items not started are left with an error and Run
// returns the partial result with ctx's error. Other errors are those of
// the options. Run does not flush the client (except for
// [WithDatasetRun]): shut it down, or flush it, to deliver the traces.
func Run(ctx context.Context, client *instrument.Client, d *Dataset, task Task, opts ...Option) (*Result, error) {
	if d == nil || task == nil {
		return nil, errors.New("experiments: Run needs a dataset and a task")
	}
	cfg, err := newConfig(d, opts)
	if err != nil {
		return nil, err
	}
	runID, err := uuid.NewV7()
	if err != nil {
		return nil, fmt.Errorf("experiments: run id: %w", err)
	}
	r := &runner{
		cfg:    cfg,
		client: client,
		task:   task,
		tokens: watchTokens(client),
		res: &Result{
			Experiment: cfg.name,
			RunID:      runID.String(),
			Dataset:    d.name,
			Start:      time.Now(),
			Items:      make([]ItemResult, len(d.items)),
		},
	}
	defer r.tokens.close()
	bar := newProgress(cfg.progress, len(d.items), cfg.name)

	var g errgroup.Group
	g.SetLimit(cfg.concurrency)
	for i, it := range d.items {
		r.res.Items[i].ID = it.ID
		if ctx.Err() != nil {
			r.res.Items[i].Error = notRun(ctx)
			continue
		}
		g.Go(func() error {
			r.item(ctx, it, &r.res.Items[i])
			bar.add()
			return nil
		})
	}
	_ = g.Wait() // the goroutines return no error
	bar.finish()
	r.res.Duration = time.Since(r.res.Start)
	if r.scoreErrs > 0 {
		r.res.Warnings = append(r.res.Warnings, fmt.Sprintf("%d scores could not be queued for delivery: %v", r.scoreErrs, r.lastScoreErr))
	}
	if ctx.Err() == nil && cfg.datasetRun {
		if err := r.datasetRun(ctx, d); err != nil {
			r.res.Warnings = append(r.res.Warnings, "dataset run not recorded on the server: "+err.Error())
		}
	}
	r.res.summarize(cfg.evaluators)
	if err := ctx.Err(); err != nil {
		return r.res, fmt.Errorf("experiments: run %s: %w", r.res.RunID, context.Cause(ctx))
	}
	return r.res, nil
}

// runner is the state of one Run.
type runner struct {
	cfg    config
	client *instrument.Client
	task   Task
	tokens *tokenCounter
	res    *Result

	mu           sync.Mutex
	scoreErrs    int
	lastScoreErr error
}

func notRun(ctx context.Context) string {
	return "not run: " + context.Cause(ctx).Error()
}

// item runs the task and the evaluators on it, into ir.
func (r *runner) item(ctx context.Context, it Item, ir *ItemResult) {
	if ctx.Err() != nil {
		ir.Error = notRun(ctx)
		return
	}
	md := map[string]any{
		"experiment": r.cfg.name,
		"run_id":     r.res.RunID,
		"dataset":    r.res.Dataset,
		"item_id":    it.ID,
	}
	if it.Expected != nil {
		md["expected"] = it.Expected
	}
	if len(it.Metadata) > 0 {
		md["item_metadata"] = it.Metadata
	}
	ctx, tr := r.client.Trace(ctx, r.cfg.name,
		instrument.WithSessionID(r.res.RunID),
		instrument.WithTags("experiment:"+r.cfg.name, "run:"+r.res.RunID),
		instrument.WithMetadata(md),
		instrument.WithInput(it.Input))
	defer tr.End()
	if id := tr.TraceID(); id.IsValid() {
		ir.TraceID = id.String()
		r.tokens.watch(id)
		defer func() { ir.Tokens = r.tokens.take(id) }()
	}

	start := time.Now()
	out, err := call(func() (any, error) { return r.task(ctx, it) })
	ir.Latency = time.Since(start)
	if err != nil {
		ir.Error = err.Error()
		tr.SetError(err)
		return
	}
	ir.Output = out
	tr.SetOutput(out)
	for _, ev := range r.cfg.evaluators {
		v, err := call(func() (scores.Value, error) { return ev.Func(ctx, it, out) })
		if err == nil {
			err = scores.Validate(ev.Name, v)
		}
		if err != nil {
			if ir.EvalErrors == nil {
				ir.EvalErrors = map[string]string{}
			}
			ir.EvalErrors[ev.Name] = err.Error()
			continue
		}
		if ir.Scores == nil {
			ir.Scores = make(map[string]Score, len(r.cfg.evaluators))
		}
		ir.Scores[ev.Name] = scoreOf(v)
		if err := tr.Score(ctx, ev.Name, v); err != nil {
			r.mu.Lock()
			r.scoreErrs++
			r.lastScoreErr = err
			r.mu.Unlock()
		}
	}
}

// call calls fn and turns a panic into an error wrapping ErrPanic.
func call[T any](fn func() (T, error)) (v T, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: %v\n%s", ErrPanic, p, debug.Stack())
		}
	}()
	return fn()
}
