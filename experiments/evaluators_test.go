package experiments_test

import (
	"encoding/json"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/agenttrace/agenttrace-otel-go/experiments"
	"github.com/agenttrace/agenttrace-otel-go/scores"
)

func TestBuiltInEvaluators(t *testing.T) {
	for _, tt := range []struct {
		name     string
		ev       experiments.Evaluator
		expected any
		output   any
		want     scores.Value
		err      string
	}{
		{name: "exact", ev: experiments.Exact(), expected: "4", output: "4", want: scores.Boolean(true)},
		{name: "exact differs", ev: experiments.Exact(), expected: "4", output: "4 ", want: scores.Boolean(false)},
		{name: "exact number", ev: experiments.Exact(), expected: json.Number("4"), output: 4, want: scores.Boolean(true)},
		{name: "exact no expected", ev: experiments.Exact(), output: "4", err: experiments.ErrNoExpected.Error()},
		{name: "json equal", ev: experiments.JSONEqual(), expected: map[string]any{"a": 1, "b": []int{2}}, output: `{"b":[2.0],"a":1}`, want: scores.Boolean(true)},
		{name: "json differs", ev: experiments.JSONEqual(), expected: `{"a":1}`, output: map[string]int{"a": 2}, want: scores.Boolean(false)},
		{name: "json not json", ev: experiments.JSONEqual(), expected: `{"a":1}`, output: "a: 1", err: "output: not JSON"},
		{name: "contains", ev: experiments.Contains(), expected: "Paris", output: "It is Paris.", want: scores.Boolean(true)},
		{name: "contains not", ev: experiments.Contains(), expected: "Paris", output: "It is Lyon.", want: scores.Boolean(false)},
		{name: "matches", ev: experiments.Matches(regexp.MustCompile(`^\d+$`)), output: "42", want: scores.Boolean(true)},
		{name: "matches not", ev: experiments.Matches(regexp.MustCompile(`^\d+$`)), output: "forty-two", want: scores.Boolean(false)},
		{name: "tolerance", ev: experiments.WithinTolerance(0.01), expected: "3.14", output: 3.1416, want: scores.Boolean(true)},
		{name: "tolerance out", ev: experiments.WithinTolerance(0.01), expected: json.Number("3"), output: int64(4), want: scores.Boolean(false)},
		{name: "tolerance not a number", ev: experiments.WithinTolerance(1), expected: 3, output: []int{3}, err: "output: []int is not a number"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.ev.Func(t.Context(), experiments.Item{Input: "x", Expected: tt.expected}, tt.output)
			if tt.err != "" {
				assert.ErrorContains(t, err, tt.err)
				return
			}
			assert.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}
