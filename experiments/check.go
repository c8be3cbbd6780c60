package experiments

import (
	"errors"
	"io/fs"
	"strings"
	"testing"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
)

// Expect is what [Check] requires of a run.
type Expect struct {
	// Min is the lowest mean (pass rate) allowed, by evaluator name. An
	// evaluator named here that scored nothing fails the test.
	Min map[string]float64
	// Baseline is the path of a result saved by [Result.Save]: the run is
	// compared with it ([Compare]) and fails the test when an evaluator
	// regressed by more than MaxDrop. When the file does not exist, the
	// run is saved there to be the baseline of the next runs (commit it).
	Baseline string
	// MaxDrop is the threshold of the comparison.
	MaxDrop float64
	// MaxFailed is how many items may fail (the task failed or did not
	// run). Default: none.
	MaxFailed int
}

// Check runs d from a go test (with t.Context()), logs the result's table
// and the comparison with the baseline, and fails the test with t.Errorf
// for each expectation the run does not meet:
//
//	func TestAgent(t *testing.T) {
//		experiments.Check(t, client, dataset, agent, experiments.Expect{
//			Min:      map[string]float64{"exact": 0.8},
//			Baseline: "testdata/baseline.json",
//			MaxDrop:  0.05,
//		}, experiments.WithEvaluators(experiments.Exact()))
//	}
//
// It returns the result, nil when the run could not start.
func Check(t testing.TB, client *instrument.Client, d *Dataset, task Task, want Expect, opts ...Option) *Result {
	t.Helper()
	res, err := Run(t.Context(), client, d, task, opts...)
	if err != nil {
		t.Errorf("%v", err)
		if res == nil {
			return nil
		}
	}
	var table strings.Builder
	_ = res.WriteTable(&table) // a strings.Builder does not fail
	t.Log("\n" + table.String())

	if res.Failed > want.MaxFailed {
		t.Errorf("experiments: %d of %d items failed, want at most %d", res.Failed, len(res.Items), want.MaxFailed)
	}
	for _, name := range sortedKeys(want.Min) {
		s, ok := res.Summary(name)
		switch {
		case !ok || s.N == 0:
			t.Errorf("experiments: evaluator %q scored no item, want a mean of at least %g", name, want.Min[name])
		case s.Mean < want.Min[name]:
			t.Errorf("experiments: evaluator %q: mean %.3f (95%% CI [%.3f, %.3f]) is under %g", name, s.Mean, s.Low, s.High, want.Min[name])
		}
	}
	if want.Baseline == "" {
		return res
	}
	base, err := LoadResult(want.Baseline)
	if errors.Is(err, fs.ErrNotExist) {
		if err := res.Save(want.Baseline); err != nil {
			t.Errorf("%v", err)
		} else {
			t.Logf("experiments: no baseline yet: saved this run as %s", want.Baseline)
		}
		return res
	}
	if err != nil {
		t.Errorf("%v", err)
		return res
	}
	cmp := Compare(base, res, want.MaxDrop)
	var out strings.Builder
	_ = cmp.Write(&out)
	t.Log("compared with " + want.Baseline + ":\n" + out.String())
	for _, d := range cmp.Evaluators {
		switch {
		case d.Missing:
			t.Errorf("experiments: evaluator %q of the baseline %s scored no item", d.Name, want.Baseline)
		case d.Regressed:
			t.Errorf("experiments: evaluator %q regressed from %.3f to %.3f (more than %g below the baseline %s)", d.Name, d.Baseline, d.Current, want.MaxDrop, want.Baseline)
		}
	}
	return res
}
