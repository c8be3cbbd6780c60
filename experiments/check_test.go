package experiments_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agenttrace/agenttrace-otel-go/experiments"
	"github.com/agenttrace/agenttrace-otel-go/scores"
)

// recorder is a testing.TB that records what fails the test and what is
// logged, instead of failing the test that uses it.
type recorder struct {
	testing.TB
	errors []string
	logs   []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func (r *recorder) Log(args ...any) { r.logs = append(r.logs, fmt.Sprint(args...)) }

func (r *recorder) Logf(format string, args ...any) {
	r.logs = append(r.logs, fmt.Sprintf(format, args...))
}

// agent answers "a+b" right except for the ids in wrong, and fails on the
// ids in broken.
func agent(wrong, broken map[string]bool) experiments.Task {
	return func(ctx context.Context, item experiments.Item) (any, error) {
		if broken[item.ID] {
			return nil, fmt.Errorf("model unavailable")
		}
		if wrong[item.ID] {
			return "?", nil
		}
		return add(ctx, item)
	}
}

func TestCheck(t *testing.T) {
	baseline := filepath.Join(t.TempDir(), "baseline.json")
	d := arithmetic(t, 20)
	want := experiments.Expect{
		Min:      map[string]float64{"exact": 0.8},
		Baseline: baseline,
		MaxDrop:  0.05,
	}
	opts := []experiments.Option{experiments.WithEvaluators(experiments.Exact())}

	// The first run passes and becomes the baseline.
	rec := &recorder{TB: t}
	res := experiments.Check(rec, nil, d, agent(map[string]bool{"sum-03": true}, nil), want, opts...)
	require.NotNil(t, res)
	assert.Empty(t, rec.errors)
	assert.Contains(t, rec.logs[0], "EVALUATOR")
	assert.Contains(t, rec.logs, "experiments: no baseline yet: saved this run as "+baseline)
	_, err := experiments.LoadResult(baseline)
	require.NoError(t, err)

	// As good: passes, and logs the comparison.
	rec = &recorder{TB: t}
	experiments.Check(rec, nil, d, agent(map[string]bool{"sum-04": true}, nil), want, opts...)
	assert.Empty(t, rec.errors)
	assert.Contains(t, strings.Join(rec.logs, "\n"), "compared with "+baseline)

	// Two more wrong: 0.85, over the minimum, but 0.10 under the baseline.
	rec = &recorder{TB: t}
	experiments.Check(rec, nil, d, agent(map[string]bool{"sum-03": true, "sum-04": true, "sum-05": true}, nil), want, opts...)
	assert.Equal(t, []string{`experiments: evaluator "exact" regressed from 0.950 to 0.850 (more than 0.05 below the baseline ` + baseline + ")"}, rec.errors)

	// Under the minimum, and items that fail.
	rec = &recorder{TB: t}
	wrong := map[string]bool{}
	for i := range 5 {
		wrong[fmt.Sprintf("sum-%02d", i)] = true
	}
	experiments.Check(rec, nil, d, agent(wrong, map[string]bool{"sum-19": true}), want, opts...)
	require.Len(t, rec.errors, 3, rec.errors)
	assert.Equal(t, "experiments: 1 of 20 items failed, want at most 0", rec.errors[0])
	assert.Equal(t, `experiments: evaluator "exact": mean 0.737 (95% CI [0.512, 0.882]) is under 0.8`, rec.errors[1])
	assert.Contains(t, rec.errors[2], `evaluator "exact" regressed from 0.950 to 0.737`)
}

// An expected evaluator that scored nothing fails the test, and so does a
// run that cannot start.
func TestCheckNothingScored(t *testing.T) {
	rec := &recorder{TB: t}
	never := experiments.Evaluator{Name: "judge", Func: func(context.Context, experiments.Item, any) (scores.Value, error) {
		return nil, fmt.Errorf("no judge")
	}}
	experiments.Check(rec, nil, arithmetic(t, 2), add, experiments.Expect{Min: map[string]float64{"judge": 0.5}}, experiments.WithEvaluators(never))
	assert.Equal(t, []string{`experiments: evaluator "judge" scored no item, want a mean of at least 0.5`}, rec.errors)

	rec = &recorder{TB: t}
	assert.Nil(t, experiments.Check(rec, nil, arithmetic(t, 2), add, experiments.Expect{}, experiments.WithConcurrency(-1)))
	assert.Len(t, rec.errors, 1)
}
