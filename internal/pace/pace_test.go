package pace

import (
	"net/http"
	"strconv"
	"testing"
	"time"
)

// The budget of 100 a minute lets a burst of 10 leave at once, then paces
// the rest so that no window holds more than the budget.
func TestPacerKeepsToTheBudget(t *testing.T) {
	t0 := time.Unix(1_800_000_000, 0)
	p := New(100, time.Minute, t0)
	now := t0
	sent := []time.Time{}
	for len(sent) < 250 {
		at := p.Next(now)
		if at.After(now) {
			now = at
			continue
		}
		p.Take(now)
		sent = append(sent, now)
	}
	if !sent[9].Equal(t0) || !sent[10].After(t0) {
		t.Fatalf("burst: the 10th leaves at %v, the 11th at %v", sent[9].Sub(t0), sent[10].Sub(t0))
	}
	for i := range sent {
		n := 0
		for _, s := range sent[i:] {
			if s.Sub(sent[i]) < time.Minute {
				n++
			}
		}
		if n > 100 {
			t.Fatalf("%d requests in the minute from %v", n, sent[i].Sub(t0))
		}
	}
}

// The headers teach the budget and the window; a spent budget holds every
// request until a second past the reset, and a named wait holds them too.
func TestPacerLearns(t *testing.T) {
	t0 := time.Unix(1_800_000_000, 0)
	p := New(100, time.Minute, t0)
	if p.Answered() {
		t.Fatal("answered before any answer")
	}
	h := http.Header{}
	h.Set("X-RateLimit-Limit", "20")
	h.Set("X-RateLimit-Remaining", "0")
	h.Set("X-RateLimit-Reset", strconv.FormatInt(t0.Add(6*time.Second).Unix(), 10))
	p.Learn(h, t0)
	if !p.Answered() || p.limit != 20 || p.window != 6*time.Second {
		t.Fatalf("learnt limit %d, window %s", p.limit, p.window)
	}
	if got, want := p.Next(t0), t0.Add(7*time.Second); !got.Equal(want) {
		t.Fatalf("a spent budget holds until %v, want %v", got.Sub(t0), want.Sub(t0))
	}
	if p.Waiting(t0) == "" {
		t.Fatal("no reason given for the hold")
	}
	p.HoldUntil(t0.Add(time.Minute), "rate-limited")
	if got := p.Next(t0.Add(10 * time.Second)); !got.Equal(t0.Add(time.Minute)) {
		t.Fatalf("a named wait holds until %v", got.Sub(t0))
	}
	p.Delivered()
	if w := p.Waiting(t0.Add(2 * time.Minute)); w != "" {
		t.Fatalf("still waiting after delivery: %q", w)
	}
}
