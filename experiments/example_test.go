package experiments_test

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/agenttrace/agenttrace-otel-go/experiments"
	"github.com/agenttrace/agenttrace-otel-go/instrument"
)

// Run an agent over a dataset and score its answers. The client here
// records nothing (give it your AgentTrace settings to record one trace
// per item); the result is the same.
func ExampleRun() {
	ctx := context.Background()
	client, _ := instrument.New(ctx, instrument.WithEnabled(false))

	dataset, err := experiments.NewDataset("capitals", []experiments.Item{
		{ID: "fr", Input: "France", Expected: "Paris"},
		{ID: "it", Input: "Italy", Expected: "Rome"},
		{ID: "de", Input: "Germany", Expected: "Berlin"},
	})
	if err != nil {
		panic(err)
	}
	capital := func(ctx context.Context, item experiments.Item) (any, error) {
		answers := map[string]string{"France": "Paris", "Italy": "Rome", "Germany": "Bonn"}
		return "The capital is " + answers[item.Input.(string)] + ".", nil
	}
	res, err := experiments.Run(ctx, client, dataset, capital,
		experiments.WithEvaluators(experiments.Contains()))
	if err != nil {
		panic(err)
	}
	s, _ := res.Summary("contains")
	fmt.Printf("%s: %.2f of %d, 95%% CI [%.2f, %.2f]\n", s.Name, s.Mean, s.N, s.Low, s.High)
	for _, it := range res.Items {
		fmt.Println(it.ID, it.Scores["contains"].Value)
	}
	// Output:
	// contains: 0.67 of 3, 95% CI [0.21, 0.94]
	// fr 1
	// it 1
	// de 0
}

// Compare a run with a saved baseline: the items that got worse, and
// whether a mean dropped by more than the threshold.
func ExampleCompare() {
	ctx := context.Background()
	dataset, _ := experiments.NewDataset("sums", []experiments.Item{
		{ID: "a", Input: "1+1", Expected: "2"},
		{ID: "b", Input: "2+2", Expected: "4"},
	})
	run := func(answers map[string]string) *experiments.Result {
		res, _ := experiments.Run(ctx, nil, dataset, func(_ context.Context, item experiments.Item) (any, error) {
			return answers[item.ID], nil
		}, experiments.WithEvaluators(experiments.Exact()))
		return res
	}
	baseline := run(map[string]string{"a": "2", "b": "4"}) // or experiments.LoadResult(path)
	current := run(map[string]string{"a": "2", "b": "5"})

	cmp := experiments.Compare(baseline, current, 0.05)
	_ = cmp.Write(os.Stdout)
	fmt.Println("regressed:", cmp.Regressed)
	// Output:
	// EVALUATOR  BASELINE  CURRENT  DELTA
	// exact      1.000     0.500    -0.500  REGRESSION (more than -0.05)
	// 1 got worse:
	//   b: exact 1 -> 0
	// regressed: true
}

// Load a dataset from a JSON Lines file: bad rows are reported by line.
func ExampleLoadJSONL() {
	f, _ := os.CreateTemp("", "qa-*.jsonl")
	defer os.Remove(f.Name())
	fmt.Fprintln(f, `{"id":"q1","input":"2+2","expected":"4"}`)
	fmt.Fprintln(f, `{"id":"q2","expected":"5"}`)
	f.Close()

	_, err := experiments.LoadJSONL("qa", f.Name())
	fmt.Println(strings.ReplaceAll(err.Error(), f.Name(), "qa.jsonl"))
	// Output:
	// experiments: dataset "qa": qa.jsonl:2: input is required
}
