package experiments

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"time"

	"github.com/agenttrace/agenttrace-otel-go/scores"
)

// A Result is what a run produced. It is saved and loaded as JSON
// ([Result.Save], [LoadResult]) to serve as a baseline.
type Result struct {
	Experiment string        `json:"experiment"`
	RunID      string        `json:"runId"`
	Dataset    string        `json:"dataset"`
	Start      time.Time     `json:"start"`
	Duration   time.Duration `json:"duration"`
	// Evaluators summarises each evaluator's scores, in the order the
	// evaluators were given.
	Evaluators []Summary `json:"evaluators"`
	// Items are the items' results, in the dataset's order.
	Items []ItemResult `json:"items"`
	// Failed counts the items whose task failed or did not run.
	Failed int `json:"failed"`
	// EvalErrors counts the evaluator calls that failed.
	EvalErrors int `json:"evalErrors"`
	// LatencyP50 and LatencyP95 are percentiles (nearest rank) of the
	// tasks' latencies.
	LatencyP50 time.Duration `json:"latencyP50"`
	LatencyP95 time.Duration `json:"latencyP95"`
	// Tokens are the tokens of every item.
	Tokens Tokens `json:"tokens"`
	// ServerRunID is the server's id of the dataset run ([WithDatasetRun]);
	// empty when none was recorded.
	ServerRunID string `json:"serverRunId,omitempty"`
	// Warnings say what of the run could not be recorded on the server.
	Warnings []string `json:"warnings,omitempty"`
}

// ItemResult is the result of one item.
type ItemResult struct {
	ID string `json:"id"`
	// TraceID is the id of the item's trace; empty when the client records
	// nothing.
	TraceID string `json:"traceId,omitempty"`
	Output  any    `json:"output,omitempty"`
	// Scores are the evaluators' scores, by evaluator name.
	Scores  map[string]Score `json:"scores,omitempty"`
	Latency time.Duration    `json:"latency"`
	// Tokens are those of the generations recorded in the item's trace
	// (the task's, and those of evaluators that call a model with the
	// context they are given), when the client's TracerProvider is the
	// OpenTelemetry SDK's.
	Tokens Tokens `json:"tokens"`
	// Error is why the task failed, or why it did not run.
	Error string `json:"error,omitempty"`
	// EvalErrors are the errors of the evaluators that failed, by name.
	EvalErrors map[string]string `json:"evalErrors,omitempty"`
}

// A Score is an evaluator's score as a result holds it.
type Score struct {
	Type scores.DataType `json:"type"`
	// Value is the value of a numeric score; 1 or 0 for a boolean one.
	Value float64 `json:"value"`
	// Label is the label of a categorical score.
	Label string `json:"label,omitempty"`
}

func scoreOf(v scores.Value) Score {
	switch v := v.(type) {
	case scores.Numeric:
		return Score{Type: v.DataType(), Value: float64(v)}
	case scores.Boolean:
		s := Score{Type: v.DataType()}
		if v {
			s.Value = 1
		}
		return s
	}
	return Score{Type: v.DataType(), Label: v.String()}
}

// Summary summarises one evaluator's scores.
type Summary struct {
	Name string `json:"name"`
	// Type is the data type of its scores; empty when it scored nothing.
	Type scores.DataType `json:"type,omitempty"`
	// N is the number of items scored.
	N int `json:"n"`
	// Mean is the mean of numeric scores, the pass rate of boolean ones;
	// 0 for categorical ones.
	Mean float64 `json:"mean"`
	// Low and High bound the 95% confidence interval of Mean: Wilson's
	// score interval for a pass rate, Student's t interval for a mean
	// (equal to Mean when N is 1).
	Low  float64 `json:"low"`
	High float64 `json:"high"`
	// Labels counts the labels of categorical scores.
	Labels map[string]int `json:"labels,omitempty"`
}

// Summary returns the summary of the evaluator called name.
func (r *Result) Summary(name string) (Summary, bool) {
	for _, s := range r.Evaluators {
		if s.Name == name {
			return s, true
		}
	}
	return Summary{}, false
}

// summarize computes the run-wide figures from the items.
func (r *Result) summarize(evs []Evaluator) {
	var lat []time.Duration
	r.Failed, r.EvalErrors, r.Tokens = 0, 0, Tokens{}
	for i := range r.Items {
		it := &r.Items[i]
		if it.Error != "" {
			r.Failed++
		}
		if it.Error == "" || it.Latency > 0 {
			lat = append(lat, it.Latency)
		}
		r.EvalErrors += len(it.EvalErrors)
		r.Tokens.add(it.Tokens)
	}
	slices.Sort(lat)
	r.LatencyP50, r.LatencyP95 = percentile(lat, 0.50), percentile(lat, 0.95)
	r.Evaluators = make([]Summary, len(evs))
	for i, ev := range evs {
		r.Evaluators[i] = summarize(ev.Name, r.Items)
	}
}

func summarize(name string, items []ItemResult) Summary {
	s := Summary{Name: name}
	var vals []float64
	for _, it := range items {
		sc, ok := it.Scores[name]
		if !ok {
			continue
		}
		s.Type = sc.Type
		if sc.Type == scores.DataTypeCategorical {
			if s.Labels == nil {
				s.Labels = map[string]int{}
			}
			s.Labels[sc.Label]++
		} else {
			vals = append(vals, sc.Value)
		}
		s.N++
	}
	if len(vals) == 0 {
		return s
	}
	n := float64(len(vals))
	for _, v := range vals {
		s.Mean += v
	}
	s.Mean /= n
	if s.Type == scores.DataTypeBoolean {
		s.Low, s.High = wilson(s.Mean, n)
		return s
	}
	s.Low, s.High = s.Mean, s.Mean
	if len(vals) > 1 {
		var ss float64
		for _, v := range vals {
			ss += (v - s.Mean) * (v - s.Mean)
		}
		half := tCritical(len(vals)-1) * math.Sqrt(ss/(n-1)/n)
		s.Low, s.High = s.Mean-half, s.Mean+half
	}
	return s
}

// wilson returns Wilson's 95% score interval of a proportion p of n.
func wilson(p, n float64) (lo, hi float64) {
	const z = 1.959963984540054
	den := 1 + z*z/n
	mid := (p + z*z/(2*n)) / den
	half := z * math.Sqrt(p*(1-p)/n+z*z/(4*n*n)) / den
	return max(mid-half, 0), min(mid+half, 1)
}

// t975 are Student's t quantiles at 0.975 for 1 to 30 degrees of freedom.
var t975 = [...]float64{12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
	2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
	2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042}

// tCritical returns Student's t quantile at 0.975 for df degrees of
// freedom: from the table up to 30, else the first term of its
// Cornish-Fisher expansion around the normal quantile (within 0.001).
func tCritical(df int) float64 {
	if df <= len(t975) {
		return t975[df-1]
	}
	const z = 1.959963984540054
	return z + (z*z*z+z)/(4*float64(df))
}

// percentile returns the nearest-rank percentile p of sorted values.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[max(i, 0)]
}

// Save writes r as indented JSON to path, replacing it.
func (r *Result) Save(path string) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("experiments: save result: %w", err)
	}
	if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("experiments: save result: %w", err)
	}
	return nil
}

// LoadResult reads a result saved by [Result.Save].
func LoadResult(path string) (*Result, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("experiments: load result: %w", err)
	}
	var r Result
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("experiments: load result %s: %w", path, err)
	}
	return &r, nil
}
