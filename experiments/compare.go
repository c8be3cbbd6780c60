package experiments

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/agenttrace/agenttrace-otel-go/scores"
)

// A Comparison is what changed between a baseline run and the current one.
type Comparison struct {
	// Threshold is the largest drop of a mean that is not a regression.
	Threshold float64
	// Evaluators are the deltas of the evaluators of the baseline with a
	// mean (numeric and boolean ones), in the baseline's order.
	Evaluators []Delta
	// Worse are the items whose score went down, or whose task fails now
	// and did not before, in the current run's order.
	Worse []Change
	// Regressed is true when an evaluator's mean dropped by more than
	// Threshold, or is missing from the current run.
	Regressed bool
}

// A Delta is the change of one evaluator's mean.
type Delta struct {
	Name     string  `json:"name"`
	Baseline float64 `json:"baseline"`
	Current  float64 `json:"current"`
	// Missing is true when the current run has no scores of it.
	Missing   bool `json:"missing,omitempty"`
	Regressed bool `json:"regressed,omitempty"`
}

// Change is the drop of one item's score.
type Change struct {
	ItemID string
	// Evaluator is the evaluator whose score dropped; empty when the
	// task fails now.
	Evaluator string
	Baseline  float64
	Current   float64
	// Error is the task's error, when it fails now.
	Error string
}

// Compare compares current with baseline, item by item through their ids.
// An evaluator whose mean dropped by more than threshold (0.05: five
// points of a pass rate) is a regression.
func Compare(baseline, current *Result, threshold float64) *Comparison {
	c := &Comparison{Threshold: threshold}
	for _, b := range baseline.Evaluators {
		if b.N == 0 || b.Type == scores.DataTypeCategorical {
			continue
		}
		d := Delta{Name: b.Name, Baseline: b.Mean}
		cur, ok := current.Summary(b.Name)
		if !ok || cur.N == 0 {
			d.Missing, d.Regressed = true, true
		} else {
			d.Current = cur.Mean
			d.Regressed = b.Mean-cur.Mean > threshold+1e-9 // not on a rounding error
		}
		c.Regressed = c.Regressed || d.Regressed
		c.Evaluators = append(c.Evaluators, d)
	}
	before := make(map[string]*ItemResult, len(baseline.Items))
	for i := range baseline.Items {
		before[baseline.Items[i].ID] = &baseline.Items[i]
	}
	for _, it := range current.Items {
		b := before[it.ID]
		if b == nil {
			continue
		}
		if it.Error != "" {
			if b.Error == "" {
				c.Worse = append(c.Worse, Change{ItemID: it.ID, Error: it.Error})
			}
			continue
		}
		for _, d := range c.Evaluators {
			bs, ok1 := b.Scores[d.Name]
			cs, ok2 := it.Scores[d.Name]
			if ok1 && ok2 && cs.Value < bs.Value {
				c.Worse = append(c.Worse, Change{ItemID: it.ID, Evaluator: d.Name, Baseline: bs.Value, Current: cs.Value})
			}
		}
	}
	return c
}

// Write prints the comparison as a table, followed by the items that got
// worse.
func (c *Comparison) Write(w io.Writer) error {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "EVALUATOR\tBASELINE\tCURRENT\tDELTA\t\n")
	for _, d := range c.Evaluators {
		if d.Missing {
			fmt.Fprintf(tw, "%s\t%.3f\t-\t-\tREGRESSION (not scored)\n", d.Name, d.Baseline)
			continue
		}
		status := ""
		if d.Regressed {
			status = fmt.Sprintf("REGRESSION (more than -%.2f)", c.Threshold)
		}
		fmt.Fprintf(tw, "%s\t%.3f\t%.3f\t%+.3f\t%s\n", d.Name, d.Baseline, d.Current, d.Current-d.Baseline, status)
	}
	tw.Flush()
	if len(c.Worse) == 0 {
		b.WriteString("no item got worse\n")
	} else {
		fmt.Fprintf(&b, "%d got worse:\n", len(c.Worse))
	}
	for _, ch := range c.Worse {
		if ch.Evaluator == "" {
			fmt.Fprintf(&b, "  %s: fails now: %s\n", ch.ItemID, firstLine(ch.Error))
			continue
		}
		fmt.Fprintf(&b, "  %s: %s %g -> %g\n", ch.ItemID, ch.Evaluator, ch.Baseline, ch.Current)
	}
	_, err := io.WriteString(w, trimLines(b.String()))
	return err
}

// WriteTable prints the result's summary table: the evaluators with their
// means and confidence intervals, the items that failed, the latency and
// token figures, and the warnings.
func (r *Result) WriteTable(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "experiment %s, dataset %s, run %s: %d items in %s\n",
		r.Experiment, r.Dataset, r.RunID, len(r.Items), short(r.Duration))
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "EVALUATOR\tTYPE\tN\tMEAN\t95%% CI\t\n")
	for _, s := range r.Evaluators {
		switch s.Type {
		case "":
			fmt.Fprintf(tw, "%s\t-\t0\t-\t-\t\n", s.Name)
		case scores.DataTypeCategorical:
			fmt.Fprintf(tw, "%s\t%s\t%d\t-\t%s\t\n", s.Name, s.Type, s.N, labels(s.Labels))
		default:
			fmt.Fprintf(tw, "%s\t%s\t%d\t%.3f\t[%.3f, %.3f]\t\n", s.Name, s.Type, s.N, s.Mean, s.Low, s.High)
		}
	}
	tw.Flush()
	fmt.Fprintf(&b, "failed %d, evaluator errors %d, latency p50 %s p95 %s, tokens %d (%d in, %d out)\n",
		r.Failed, r.EvalErrors, short(r.LatencyP50), short(r.LatencyP95), r.Tokens.Total, r.Tokens.Input, r.Tokens.Output)
	for _, it := range r.Items {
		if it.Error != "" {
			fmt.Fprintf(&b, "  %s failed: %s\n", it.ID, firstLine(it.Error))
		}
		for _, name := range sortedKeys(it.EvalErrors) {
			fmt.Fprintf(&b, "  %s: evaluator %s: %s\n", it.ID, name, firstLine(it.EvalErrors[name]))
		}
	}
	if r.ServerRunID != "" {
		fmt.Fprintf(&b, "dataset run %s recorded on the server\n", r.ServerRunID)
	}
	for _, warn := range r.Warnings {
		fmt.Fprintf(&b, "warning: %s\n", warn)
	}
	_, err := io.WriteString(w, trimLines(b.String()))
	return err
}

// short rounds d to three or four significant digits.
func short(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}

// trimLines removes the spaces tabwriter leaves at the end of lines.
func trimLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n")
}

func labels(m map[string]int) string {
	var parts []string
	for _, k := range sortedKeys(m) {
		parts = append(parts, fmt.Sprintf("%s=%d", k, m[k]))
	}
	return strings.Join(parts, " ")
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
