package readme_test

import (
	"context"
	"strings"
	"testing"

	"github.com/agenttrace/agenttrace-otel-go/experiments"
)

// supportAgent is the code under test of the experiments snippet: canned
// answers, one of them wrong.
var supportAgent = struct {
	Answer experiments.Task
}{
	Answer: func(_ context.Context, item experiments.Item) (any, error) {
		q := item.Input.(string)
		switch {
		case strings.Contains(q, "8812"):
			return "It shipped and arrives tomorrow.", nil
		case strings.Contains(q, "9001"):
			return "It was delivered on Monday.", nil
		case strings.Contains(q, "return"):
			return "Yes, within 30 days.", nil
		case strings.Contains(q, "refund"):
			return "It takes a week.", nil
		}
		return "We are open 9 to 17.", nil
	},
}

// The snippet runs the dataset as a go test: it passes, with 4 of 5
// answers right, against its stored baseline.
func TestExperimentsCheck(t *testing.T) {
	_, client := newClient(t)
	// README: experiments-check
	dataset, err := experiments.LoadJSONL("support-questions", "testdata/experiments/questions.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	experiments.Check(t, client, dataset, supportAgent.Answer, experiments.Expect{
		Min:      map[string]float64{"contains": 0.75}, // at least 75% right
		Baseline: "testdata/experiments/baseline.json", // written by the first run: commit it
		MaxDrop:  0.05,                                 // fail on a drop of more than 5 points
	}, experiments.WithEvaluators(experiments.Contains()))
	// README end
}
