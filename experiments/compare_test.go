package experiments_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agenttrace/agenttrace-otel-go/experiments"
	"github.com/agenttrace/agenttrace-otel-go/scores"
)

// result runs a dataset of n items on a client that records nothing,
// with one boolean evaluator passing the items pass says.
func result(t *testing.T, n int, pass func(id string) bool) *experiments.Result {
	t.Helper()
	ev := experiments.Evaluator{Name: "correct", Func: func(_ context.Context, item experiments.Item, _ any) (scores.Value, error) {
		return scores.Boolean(pass(item.ID)), nil
	}}
	res, err := experiments.Run(t.Context(), nil, arithmetic(t, n), func(context.Context, experiments.Item) (any, error) {
		return "answer", nil
	}, experiments.WithEvaluators(ev))
	require.NoError(t, err)
	return res
}

func TestCompare(t *testing.T) {
	base := result(t, 20, func(id string) bool { return id != "sum-19" })                       // 0.95
	same := result(t, 20, func(id string) bool { return id != "sum-18" })                       // 0.95, another item
	worse := result(t, 20, func(id string) bool { return id < "sum-17" })                       // 0.85
	better := result(t, 20, func(string) bool { return true })                                  // 1
	slightly := result(t, 20, func(id string) bool { return id != "sum-19" && id != "sum-00" }) // 0.90

	c := experiments.Compare(base, same, 0.05)
	assert.False(t, c.Regressed)
	assert.Equal(t, []experiments.Change{{ItemID: "sum-18", Evaluator: "correct", Baseline: 1, Current: 0}}, c.Worse)

	c = experiments.Compare(base, worse, 0.05)
	assert.True(t, c.Regressed)
	assert.Equal(t, []experiments.Delta{{Name: "correct", Baseline: 0.95, Current: 0.85, Regressed: true}}, round(c.Evaluators))
	assert.Len(t, c.Worse, 2)

	assert.False(t, experiments.Compare(base, worse, 0.10).Regressed, "a drop of 0.10 is within a threshold of 0.10")
	assert.False(t, experiments.Compare(base, better, 0).Regressed)
	assert.False(t, experiments.Compare(base, slightly, 0.05).Regressed, "a drop of 0.05 is within a threshold of 0.05")
	assert.True(t, experiments.Compare(base, slightly, 0.04).Regressed)

	var out strings.Builder
	require.NoError(t, experiments.Compare(base, worse, 0.05).Write(&out))
	assert.Equal(t, `EVALUATOR  BASELINE  CURRENT  DELTA
correct    0.950     0.850    -0.100  REGRESSION (more than -0.05)
2 got worse:
  sum-17: correct 1 -> 0
  sum-18: correct 1 -> 0
`, out.String())
}

// round rounds the means to 1e-9, so that 0.95 compares equal.
func round(ds []experiments.Delta) []experiments.Delta {
	for i := range ds {
		ds[i].Baseline = float64(int64(ds[i].Baseline*1e9+0.5)) / 1e9
		ds[i].Current = float64(int64(ds[i].Current*1e9+0.5)) / 1e9
	}
	return ds
}

// An evaluator of the baseline that the current run lacks is a regression;
// an item that fails now is worse.
func TestCompareMissingAndFailed(t *testing.T) {
	base := result(t, 3, func(string) bool { return true })
	cur := result(t, 3, func(string) bool { return true })
	cur.Evaluators = nil
	cur.Items[1].Error = "model unavailable"
	c := experiments.Compare(base, cur, 0.5)
	assert.True(t, c.Regressed)
	assert.Equal(t, []experiments.Delta{{Name: "correct", Baseline: 1, Missing: true, Regressed: true}}, c.Evaluators)
	assert.Contains(t, c.Worse, experiments.Change{ItemID: "sum-01", Error: "model unavailable"})
}

// A saved result loads back equal, and serves as a baseline.
func TestSaveLoad(t *testing.T) {
	res := result(t, 3, func(id string) bool { return id != "sum-01" })
	p := filepath.Join(t.TempDir(), "baseline.json")
	require.NoError(t, res.Save(p))
	back, err := experiments.LoadResult(p)
	require.NoError(t, err)
	assert.Equal(t, res.RunID, back.RunID)
	assert.Equal(t, res.Evaluators, back.Evaluators)
	assert.Equal(t, res.Items, back.Items)
	assert.True(t, res.Start.Equal(back.Start))

	require.NoError(t, os.WriteFile(p, []byte("{"), 0o644))
	_, err = experiments.LoadResult(p)
	assert.ErrorContains(t, err, "baseline.json")
}
