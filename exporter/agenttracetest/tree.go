package agenttracetest

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Node is an observation in the tree of its trace.
type Node struct {
	Observation
	// Children are the observations whose parentObservationId is this
	// one's id, ordered by start time.
	Children []*Node
}

// ObservationTree returns the observations of a trace as trees, ordered by
// start time. An observation is a root when it has no parent or its parent
// is not among the trace's observations. When an id has several rows, the
// children hang under the earliest; a parent cycle is broken where it would
// close.
func (sn Snapshot) ObservationTree(traceID string) []*Node {
	obs := sn.ObservationsOf(traceID)
	byID := make(map[string]*Node, len(obs))
	nodes := make([]*Node, len(obs))
	for i, o := range obs {
		nodes[i] = &Node{Observation: o}
		if _, ok := byID[o.ID]; !ok {
			byID[o.ID] = nodes[i]
		}
	}
	parent := make(map[*Node]*Node, len(obs))
	var roots []*Node
	for _, n := range nodes {
		p := byID[n.ParentObservationID]
		if n.ParentObservationID == "" || p == nil || isAncestor(n, p, parent) {
			roots = append(roots, n)
			continue
		}
		parent[n] = p
		p.Children = append(p.Children, n)
	}
	return roots
}

// isAncestor reports whether a is p or one of p's ancestors.
func isAncestor(a, p *Node, parent map[*Node]*Node) bool {
	for ; p != nil; p = parent[p] {
		if p == a {
			return true
		}
	}
	return false
}

// RenderTrace writes the trace as an indented tree of text: the trace's name,
// id and duration, its observations with their type, name, duration, model,
// token usage (input/output/total), prompt, and level and status message
// when the level is not DEFAULT, then the trace's scores. The output depends
// only on the stored data. It fails when nothing of the trace is stored.
//
//	trace fix-flaky-test 5c0ffee0d15ea5e5a1b2c3d4e5f60718 3.2s
//	└─ SPAN read-files 3.19s
//	   └─ GENERATION plan 2.2s model=claude-sonnet tokens=812/96/908 prompt=triage@3
//	scores:
//	  tests-pass = 1 BOOLEAN "green on rerun"
func (sn Snapshot) RenderTrace(w io.Writer, traceID string) error {
	rows := sn.TraceRows(traceID)
	roots := sn.ObservationTree(traceID)
	if len(rows) == 0 && len(roots) == 0 {
		return fmt.Errorf("agenttracetest: no trace %q", traceID)
	}
	var b strings.Builder
	if len(rows) == 0 {
		fmt.Fprintf(&b, "trace %s (no trace row)\n", traceID)
	} else {
		t := rows[len(rows)-1]
		name := t.Name
		if name == "" {
			name = "(unnamed)"
		}
		line := []string{"trace", name, t.ID}
		if t.EndTime != nil {
			line = append(line, t.Duration().String())
		}
		if len(rows) > 1 {
			line = append(line, fmt.Sprintf("(%d rows)", len(rows)))
		}
		if t.Level != "" && t.Level != "DEFAULT" {
			line = append(line, levelText(t.Level, t.StatusMessage))
		}
		if t.UserID != "" {
			line = append(line, "user="+t.UserID)
		}
		if t.SessionID != "" {
			line = append(line, "session="+t.SessionID)
		}
		if len(t.Tags) > 0 {
			line = append(line, "tags="+strings.Join(t.Tags, ","))
		}
		b.WriteString(strings.Join(line, " ") + "\n")
	}
	var start time.Time
	if len(rows) > 0 {
		start = rows[len(rows)-1].StartTime
	} else if len(roots) > 0 {
		start = roots[0].StartTime
	}
	for i, n := range roots {
		renderNode(&b, n, start, "", i == len(roots)-1)
	}
	if scores := sn.ScoresOf(traceID); len(scores) > 0 {
		names := map[string]string{}
		for _, o := range sn.ObservationsOf(traceID) {
			names[o.ID] = o.Name
		}
		b.WriteString("scores:\n")
		for _, sc := range scores {
			b.WriteString("  " + scoreText(sc, names) + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// RenderTrace writes the trace as an indented tree of text; see
// [Snapshot.RenderTrace].
func (s *Server) RenderTrace(w io.Writer, traceID string) error {
	return s.Snapshot().RenderTrace(w, traceID)
}

func renderNode(b *strings.Builder, n *Node, start time.Time, indent string, last bool) {
	branch, next := "├─ ", "│  "
	if last {
		branch, next = "└─ ", "   "
	}
	line := []string{observationType(n), n.Name}
	if n.Name == "" {
		line[1] = "(unnamed)"
	}
	line = append(line, "+"+n.StartTime.Sub(start).String())
	if n.EndTime != nil {
		line = append(line, n.Duration().String())
	}
	if n.CompletionStartTime != nil {
		line = append(line, "ttft="+n.CompletionStartTime.Sub(n.StartTime).String())
	}
	if n.Model != "" {
		line = append(line, "model="+n.Model)
	}
	if u := n.Usage; u != nil {
		line = append(line, fmt.Sprintf("tokens=%d/%d/%d", u.InputTokens, u.OutputTokens, u.TotalTokens))
		if u.CacheReadTokens != 0 || u.CacheCreationTokens != 0 {
			line = append(line, fmt.Sprintf("cache=%d/%d", u.CacheReadTokens, u.CacheCreationTokens))
		}
	}
	if n.PromptName != "" {
		line = append(line, fmt.Sprintf("prompt=%s@%d", n.PromptName, n.PromptVersion))
	}
	if n.Level != "DEFAULT" {
		line = append(line, levelText(n.Level, n.StatusMessage))
	}
	b.WriteString(indent + branch + strings.Join(line, " ") + "\n")
	for i, c := range n.Children {
		renderNode(b, c, start, indent+next, i == len(n.Children)-1)
	}
}

// observationType returns the row's type, or the SDK's finer type kept in
// the metadata's observationType (TOOL, AGENT, RETRIEVER...) when it has one.
func observationType(n *Node) string {
	if n.Metadata != "" {
		var md struct {
			ObservationType string `json:"observationType"`
		}
		if json.Unmarshal([]byte(n.Metadata), &md) == nil && md.ObservationType != "" {
			return strings.ToUpper(md.ObservationType)
		}
	}
	return n.Type
}

func levelText(level, msg string) string {
	if msg == "" {
		return "level=" + level
	}
	return fmt.Sprintf("level=%s status=%q", level, msg)
}

// scoreText renders a score; names maps observation ids to names, so a
// score of an observation says which one.
func scoreText(sc Score, names map[string]string) string {
	var v string
	switch {
	case sc.Value != nil:
		v = strconv.FormatFloat(*sc.Value, 'g', -1, 64)
	case sc.StringValue != nil:
		v = strconv.Quote(*sc.StringValue)
	}
	parts := []string{sc.Name, "=", v, sc.DataType}
	if sc.ObservationID != "" {
		on := sc.ObservationID
		if name := names[on]; name != "" {
			on = name + " (" + on + ")"
		}
		parts = append(parts, "on "+on)
	}
	if sc.Comment != "" {
		parts = append(parts, strconv.Quote(sc.Comment))
	}
	return strings.Join(parts, " ")
}
