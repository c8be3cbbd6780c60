package instrument

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/agenttrace/agenttrace-otel-go/connection"
)

// The per-trace state of checkpoints is forgotten when a trace ends and
// stays bounded while many traces run.
func TestCheckpointState(t *testing.T) {
	ctx := context.Background()
	c, err := New(ctx, WithConnection(connection.Config{APIURL: "file://" + filepath.Join(t.TempDir(), "requests.jsonl")}))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Shutdown(ctx)
	f := filepath.Join(t.TempDir(), "a.txt")
	if err := os.WriteFile(f, []byte("a"), 0o644); err != nil {
		t.Fatal(err)
	}
	noGit := WithGitCommit("3f1c2a9")
	traces := func() int {
		c.agent.mu.Lock()
		defer c.agent.mu.Unlock()
		return len(c.agent.traces)
	}

	ctx1, t1 := c.Trace(ctx, "one")
	if err := t1.Checkpoint(ctx1, "cp", []string{f}, noGit); err != nil {
		t.Fatal(err)
	}
	t1.End()
	ctx2, t2 := c.Trace(ctx, "two")
	if err := t2.Checkpoint(ctx2, "cp", []string{f}, noGit); err != nil {
		t.Fatal(err)
	}
	c.agent.mu.Lock()
	_, kept1 := c.agent.traces[t1.TraceID()]
	_, kept2 := c.agent.traces[t2.TraceID()]
	c.agent.mu.Unlock()
	if kept1 || !kept2 {
		t.Errorf("after the first trace ended: its state kept %v, the running trace's %v", kept1, kept2)
	}

	var running []*Trace
	for range maxCheckpointTraces + 10 {
		ctx, tr := c.Trace(ctx, "many")
		if err := tr.Checkpoint(ctx, "cp", nil, noGit); err != nil {
			t.Fatal(err)
		}
		running = append(running, tr)
	}
	if n := traces(); n > maxCheckpointTraces {
		t.Errorf("%d traces remembered, want at most %d", n, maxCheckpointTraces)
	}
	c.agent.mu.Lock()
	_, newest := c.agent.traces[running[len(running)-1].TraceID()]
	_, oldest := c.agent.traces[t2.TraceID()]
	c.agent.mu.Unlock()
	if !newest || oldest {
		t.Errorf("newest trace remembered %v, least recent %v", newest, oldest)
	}
	for _, tr := range running {
		tr.End()
	}
	t2.End()
	ctx3, t3 := c.Trace(ctx, "last")
	if err := t3.Checkpoint(ctx3, "cp", nil, noGit); err != nil {
		t.Fatal(err)
	}
	t3.End()
	if n := traces(); n != 1 {
		t.Errorf("%d traces remembered after the others ended, want 1", n)
	}
}

func TestCheckpointed(t *testing.T) {
	a := newAgentState(&agentConfig{})
	id := TraceIDFromSeed("t")
	d := func(s string) fileDigest { return fileDigest{Size: int64(len(s)), Hash: s} }
	steps := []struct {
		paths, failed []string
		snapshot      map[string]fileDigest
		changed       []string
		first         bool
	}{
		{[]string{"a", "b"}, nil, map[string]fileDigest{"a": d("a"), "b": d("b")}, []string{}, true},
		// Unchanged, changed, new; b not in this checkpoint.
		{[]string{"a", "c"}, nil, map[string]fileDigest{"a": d("a"), "c": d("c")}, []string{"c"}, false},
		{[]string{"b", "a"}, nil, map[string]fileDigest{"a": d("A"), "b": d("b")}, []string{"a"}, false},
		// Gone (unreadable now), and never seen and unreadable.
		{[]string{"a"}, []string{"c", "x"}, map[string]fileDigest{"a": d("A")}, []string{"c"}, false},
		{[]string{"c"}, nil, map[string]fileDigest{"c": d("c")}, []string{"c"}, false},
	}
	for i, s := range steps {
		changed, first := a.checkpointed(id, nil, s.paths, s.failed, s.snapshot)
		if !slices.Equal(changed, s.changed) || first != s.first {
			t.Errorf("checkpoint %d: changed %q, first %v; want %q, %v", i, changed, first, s.changed, s.first)
		}
	}
}
