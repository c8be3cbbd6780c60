package experiments

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// DefaultConcurrency is how many items [Run] runs at once by default.
const DefaultConcurrency = 4

// An Option configures [Run] (and [Check]).
type Option func(*config)

type config struct {
	name        string
	concurrency int
	evaluators  []Evaluator
	progress    io.Writer
	datasetRun  bool
}

// WithName names the experiment: the name of its traces and of its tag
// "experiment:NAME". Default: the dataset's name.
func WithName(name string) Option { return func(c *config) { c.name = name } }

// WithConcurrency sets how many items run at once (at least 1). Default:
// [DefaultConcurrency].
func WithConcurrency(n int) Option { return func(c *config) { c.concurrency = n } }

// WithEvaluators adds evaluators; each scores every item whose task
// succeeded. Their names must be distinct.
func WithEvaluators(evs ...Evaluator) Option {
	return func(c *config) { c.evaluators = append(c.evaluators, evs...) }
}

// WithProgress sets where the progress bar is drawn while the run goes on:
// only when w is a terminal, never in a pipe or a file. nil draws none.
// Default: standard error.
func WithProgress(w io.Writer) Option { return func(c *config) { c.progress = w } }

// WithDatasetRun also records the run on the server as a run of the
// dataset, with one run item per trace: the dataset of the same name is
// used, or pushed first ([Dataset.Push]) when the server has none. The
// traces are flushed before the run items are created. When the server
// does not answer these routes (the AgentTrace server at the commit its
// protocol describes answers them with 400), the step is skipped with one
// warning in [Result.Warnings]; nothing else is lost. Default: off.
func WithDatasetRun() Option { return func(c *config) { c.datasetRun = true } }

func newConfig(d *Dataset, opts []Option) (config, error) {
	c := config{name: d.name, concurrency: DefaultConcurrency, progress: os.Stderr}
	for _, o := range opts {
		o(&c)
	}
	var errs []error
	if c.name == "" {
		errs = append(errs, errors.New("experiment name is empty"))
	}
	if c.concurrency < 1 {
		errs = append(errs, fmt.Errorf("concurrency %d: want at least 1", c.concurrency))
	}
	seen := map[string]bool{}
	for i, ev := range c.evaluators {
		switch {
		case ev.Name == "":
			errs = append(errs, fmt.Errorf("evaluator %d has no name", i+1))
		case ev.Func == nil:
			errs = append(errs, fmt.Errorf("evaluator %q has no Func", ev.Name))
		case seen[ev.Name]:
			errs = append(errs, fmt.Errorf("two evaluators are named %q", ev.Name))
		}
		seen[ev.Name] = true
	}
	if len(errs) > 0 {
		return c, fmt.Errorf("experiments: %w", errors.Join(errs...))
	}
	return c, nil
}
