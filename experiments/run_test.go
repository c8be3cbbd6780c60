package experiments_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agenttrace/agenttrace-otel-go/experiments"
	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/scores"
)

// arithmetic is a dataset of n sums, "a+b" with the expected sum as text.
func arithmetic(t *testing.T, n int) *experiments.Dataset {
	t.Helper()
	items := make([]experiments.Item, n)
	for i := range items {
		items[i] = experiments.Item{
			ID:       fmt.Sprintf("sum-%02d", i),
			Input:    fmt.Sprintf("%d+%d", i, i),
			Expected: fmt.Sprint(2 * i),
			Metadata: map[string]any{"n": i},
		}
	}
	d, err := experiments.NewDataset("sums", items)
	require.NoError(t, err)
	return d
}

// add answers "a+b", recording one generation of 10 input and 3 output
// tokens.
func add(ctx context.Context, item experiments.Item) (any, error) {
	var a, b int
	if _, err := fmt.Sscanf(item.Input.(string), "%d+%d", &a, &b); err != nil {
		return nil, err
	}
	_, gen := instrument.FromContext(ctx).Generation(ctx, "model",
		instrument.WithModel("replayed"), instrument.WithInput(item.Input))
	gen.SetOutput(a + b)
	gen.SetUsage(instrument.Usage{InputTokens: 10, OutputTokens: 3})
	gen.End()
	return fmt.Sprint(a + b), nil
}

// Items run at most the concurrency at once, and at that many; each is one
// trace of the run's session, with the experiment's tags and the item's
// metadata, the task's generation inside, its scores, and its tokens.
func TestRunConcurrency(t *testing.T) {
	srv, client := newClient(t)
	const n, limit = 20, 4
	var inflight, most atomic.Int32
	full := make(chan struct{})
	var once sync.Once
	task := func(ctx context.Context, item experiments.Item) (any, error) {
		cur := inflight.Add(1)
		defer inflight.Add(-1)
		for {
			m := most.Load()
			if cur <= m || most.CompareAndSwap(m, cur) {
				break
			}
		}
		if cur == limit {
			once.Do(func() { close(full) })
		}
		select {
		case <-full: // every slot was taken once
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		return add(ctx, item)
	}
	res, err := experiments.Run(t.Context(), client, arithmetic(t, n), task,
		experiments.WithName("adder"), experiments.WithConcurrency(limit),
		experiments.WithEvaluators(experiments.Exact(), experiments.WithinTolerance(0.5)))
	require.NoError(t, err)
	assert.EqualValues(t, limit, most.Load())

	assert.Equal(t, "adder", res.Experiment)
	assert.Equal(t, "sums", res.Dataset)
	assert.Zero(t, res.Failed)
	require.Len(t, res.Items, n)
	assert.Equal(t, experiments.Tokens{Input: 10 * n, Output: 3 * n, Total: 13 * n}, res.Tokens)
	s, ok := res.Summary("exact")
	require.True(t, ok)
	assert.Equal(t, experiments.Summary{Name: "exact", Type: scores.DataTypeBoolean, N: n, Mean: 1, Low: s.Low, High: 1}, s)
	assert.InDelta(t, 0.839, s.Low, 0.001, "Wilson's interval of 20 of 20")

	require.NoError(t, client.Flush(t.Context()))
	traces := srv.Snapshot().Traces
	require.Len(t, traces, n)
	for i, it := range res.Items {
		assert.Equal(t, fmt.Sprintf("sum-%02d", i), it.ID)
		assert.Equal(t, fmt.Sprint(2*i), it.Output)
		assert.Equal(t, experiments.Tokens{Input: 10, Output: 3, Total: 13}, it.Tokens)
		assert.Equal(t, map[string]experiments.Score{
			"exact":            {Type: scores.DataTypeBoolean, Value: 1},
			"within_tolerance": {Type: scores.DataTypeBoolean, Value: 1},
		}, it.Scores)
		tr, ok := srv.Trace(it.TraceID)
		require.True(t, ok, it.ID)
		assert.Equal(t, "adder", tr.Name)
		assert.Equal(t, res.RunID, tr.SessionID)
		assert.ElementsMatch(t, []string{"experiment:adder", "run:" + res.RunID}, tr.Tags)
		var md map[string]any
		require.NoError(t, json.Unmarshal([]byte(tr.Metadata), &md))
		assert.Equal(t, it.ID, md["item_id"])
		assert.Equal(t, fmt.Sprint(2*i), md["expected"])
		assert.Equal(t, map[string]any{"n": float64(i)}, md["item_metadata"])
		obs := srv.Observations(it.TraceID)
		require.Len(t, obs, 2, "the root and the task's generation")
	}
	var perTrace = map[string]int{}
	for _, sc := range srv.Snapshot().Scores {
		perTrace[sc.TraceID]++
	}
	assert.Len(t, perTrace, n)
	for id, k := range perTrace {
		assert.Equal(t, 2, k, id)
	}
}

// Cancelling ctx mid-run stops the run: the items not started are not
// run, Run returns what was done and ctx's error.
func TestRunCancel(t *testing.T) {
	_, client := newClient(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	task := func(ctx context.Context, item experiments.Item) (any, error) {
		if item.ID == "sum-05" {
			cancel()
			<-ctx.Done()
			return nil, ctx.Err()
		}
		return add(ctx, item)
	}
	res, err := experiments.Run(ctx, client, arithmetic(t, 20), task, experiments.WithConcurrency(1),
		experiments.WithEvaluators(experiments.Exact()))
	require.ErrorIs(t, err, context.Canceled)
	require.NotNil(t, res)
	for i, it := range res.Items {
		switch {
		case i < 5:
			assert.Empty(t, it.Error, it.ID)
		case i == 5:
			assert.Equal(t, "context canceled", it.Error)
		default:
			assert.Equal(t, "not run: context canceled", it.Error, it.ID)
		}
	}
	assert.Equal(t, 15, res.Failed)
	s, _ := res.Summary("exact")
	assert.Equal(t, 5, s.N)
}

// A task that panics or fails fails its item only.
func TestRunTaskPanicsAndFails(t *testing.T) {
	srv, client := newClient(t)
	task := func(ctx context.Context, item experiments.Item) (any, error) {
		switch item.ID {
		case "sum-01":
			panic(errors.New("tokenizer crashed"))
		case "sum-02":
			return nil, errors.New("model unavailable")
		}
		return add(ctx, item)
	}
	res, err := experiments.Run(t.Context(), client, arithmetic(t, 4), task, experiments.WithEvaluators(experiments.Exact()))
	require.NoError(t, err)
	assert.Equal(t, 2, res.Failed)
	assert.True(t, strings.HasPrefix(res.Items[1].Error, "panic: tokenizer crashed\n"), res.Items[1].Error)
	assert.Equal(t, "model unavailable", res.Items[2].Error)
	assert.Nil(t, res.Items[1].Scores)
	assert.Len(t, res.Items[3].Scores, 1)
	s, _ := res.Summary("exact")
	assert.Equal(t, 2, s.N)

	require.NoError(t, client.Flush(t.Context()))
	tr, ok := srv.Trace(res.Items[2].TraceID)
	require.True(t, ok)
	root := srv.Observations(tr.ID)
	require.NotEmpty(t, root)
	assert.Equal(t, "ERROR", root[0].Level)
	assert.Equal(t, "model unavailable", root[0].StatusMessage)
	assert.Len(t, srv.Snapshot().Scores, 2)
}

// An evaluator that fails or panics leaves its item without that score,
// and the other evaluators score it.
func TestRunEvaluatorError(t *testing.T) {
	srv, client := newClient(t)
	flaky := experiments.Evaluator{Name: "flaky", Func: func(_ context.Context, item experiments.Item, _ any) (scores.Value, error) {
		switch item.ID {
		case "sum-00":
			return nil, errors.New("judge timed out")
		case "sum-01":
			panic("judge broke")
		case "sum-02":
			return scores.Numeric(math.NaN()), nil // invalid
		}
		return scores.Numeric(0.5), nil
	}}
	res, err := experiments.Run(t.Context(), client, arithmetic(t, 5), add,
		experiments.WithEvaluators(flaky, experiments.Exact()))
	require.NoError(t, err)
	assert.Zero(t, res.Failed)
	assert.Equal(t, 3, res.EvalErrors)
	assert.Equal(t, map[string]string{"flaky": "judge timed out"}, res.Items[0].EvalErrors)
	assert.Contains(t, res.Items[1].EvalErrors["flaky"], "panic: judge broke")
	assert.Contains(t, res.Items[2].EvalErrors["flaky"], "must be finite")
	for _, it := range res.Items {
		assert.Contains(t, it.Scores, "exact")
	}
	s, _ := res.Summary("flaky")
	assert.Equal(t, experiments.Summary{Name: "flaky", Type: scores.DataTypeNumeric, N: 2, Mean: 0.5, Low: 0.5, High: 0.5}, s)

	require.NoError(t, client.Flush(t.Context()))
	assert.Len(t, srv.Snapshot().Scores, 5+2)

	var table strings.Builder
	require.NoError(t, res.WriteTable(&table))
	assert.Contains(t, table.String(), "sum-00: evaluator flaky: judge timed out")
}

// A disabled client runs the experiment all the same, recording nothing.
func TestRunDisabledClient(t *testing.T) {
	client, err := instrument.New(t.Context(), instrument.WithEnabled(false))
	require.NoError(t, err)
	res, err := experiments.Run(t.Context(), client, arithmetic(t, 3), add,
		experiments.WithEvaluators(experiments.Exact()), experiments.WithDatasetRun())
	require.NoError(t, err)
	assert.Empty(t, res.Items[0].TraceID)
	s, _ := res.Summary("exact")
	assert.Equal(t, 1.0, s.Mean)
	assert.Equal(t, []string{"dataset run not recorded on the server: " + experiments.ErrNoServer.Error()}, res.Warnings)
}

func TestRunOptionErrors(t *testing.T) {
	_, err := experiments.Run(t.Context(), nil, arithmetic(t, 1), add,
		experiments.WithConcurrency(0),
		experiments.WithEvaluators(experiments.Exact(), experiments.Exact(), experiments.Evaluator{Name: "x"}))
	assert.ErrorContains(t, err, "concurrency 0: want at least 1")
	assert.ErrorContains(t, err, `two evaluators are named "exact"`)
	assert.ErrorContains(t, err, `evaluator "x" has no Func`)
}
