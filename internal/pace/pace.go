// Package pace keeps the clients of one AgentTrace API address under the
// server's request budget (exporter/PROTOCOL.md A10, A11): the exporter,
// and the API calls of the packages that share its connection.
package pace

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Defaults of the request budget (exporter/PROTOCOL.md A11): the AgentTrace
// server admits 100 requests per rolling minute per client address.
const (
	DefaultRequestsPerWindow = 100
	DefaultWindow            = time.Minute
)

// Pacer is the one place that decides when the next request may leave
// (A10, A11). It keeps its users under the server's request budget with
// a token bucket whose burst plus its refill over one window stay below the
// budget, so that no window of the server's length ever holds more
// requests than it admits; it learns the budget from the server's
// X-RateLimit-* headers, and it holds every request until the time a 429
// or 503 named in Retry-After, or until a backoff after a failure ends.
//
// It is safe for concurrent use: the exporter's loop and other API calls on
// the same connection share one.
type Pacer struct {
	mu     sync.Mutex
	limit  int           // requests admitted per window
	window time.Duration // the server's rolling window
	tokens float64
	last   time.Time // when tokens were last refilled

	// hold is the earliest time the next request may leave, and why
	// (empty when nothing holds it).
	hold    time.Time
	holdWhy string
	// answered is true once an answer came back (see Answered).
	answered bool
}

// New returns a pacer of a budget of limit requests per window, until the
// server's headers say otherwise.
func New(limit int, window time.Duration, now time.Time) *Pacer {
	p := &Pacer{limit: limit, window: window, last: now}
	p.tokens = p.burst()
	return p
}

// burst is how many requests may leave back to back: a tenth of the budget.
func (p *Pacer) burst() float64 { return max(1, float64(p.limit/10)) }

// rate is the refill in requests per second: the rest of the budget, less
// one request, over the window and a twentieth more (at least 250ms): a
// margin for requests that take longer to arrive than the one before.
func (p *Pacer) rate() float64 {
	w := p.window + max(p.window/20, 250*time.Millisecond)
	return max(float64(p.limit)-p.burst()-1, 1) / w.Seconds()
}

func (p *Pacer) refill(now time.Time) {
	if now.After(p.last) {
		p.tokens = min(p.burst(), p.tokens+now.Sub(p.last).Seconds()*p.rate())
		p.last = now
	}
}

// Next returns when a request may leave: now, or a later time.
func (p *Pacer) Next(now time.Time) time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.next(now)
}

func (p *Pacer) next(now time.Time) time.Time {
	if now.Before(p.hold) {
		return p.hold
	}
	p.refill(now)
	if p.tokens >= 1 {
		return now
	}
	wait := time.Duration((1 - p.tokens) / p.rate() * float64(time.Second))
	return now.Add(max(wait, time.Millisecond))
}

// Take spends a request.
func (p *Pacer) Take(now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.refill(now)
	p.tokens--
}

// HoldUntil holds every request until t, for the reason why.
func (p *Pacer) HoldUntil(t time.Time, why string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.holdUntil(t, why)
}

func (p *Pacer) holdUntil(t time.Time, why string) {
	if t.After(p.hold) {
		p.hold, p.holdWhy = t, why
	}
}

// Waiting says why requests are held at now, empty when they are not.
// Between two attempts after a failure (the hold ended, the next answer
// has not come), the last reason still says why.
func (p *Pacer) Waiting(now time.Time) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if now.Before(p.hold) || p.holdWhy != "" {
		return p.holdWhy
	}
	if p.next(now).After(now) {
		return "paced to the server's budget of " + strconv.Itoa(p.limit) + " requests per " + p.window.String()
	}
	return ""
}

// Delivered says a request went through: no hold reason applies any more.
func (p *Pacer) Delivered() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.holdWhy = ""
}

// Answered reports whether an answer came back: until then its users send
// one request at a time, so that the budget is learned before it is spent.
func (p *Pacer) Answered() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.answered
}

// Learn reads the X-RateLimit-* headers of an answer to a request sent at
// now (Part B 3): the budget, what is left of it (other processes behind
// the same address spend it too) and, from the reset time, the window's
// length.
func (p *Pacer) Learn(h http.Header, now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.answered = true
	limit, okLimit := headerInt(h, "X-RateLimit-Limit")
	remaining, okRemaining := headerInt(h, "X-RateLimit-Remaining")
	reset, okReset := headerInt(h, "X-RateLimit-Reset")
	if okLimit && limit > 0 && int(limit) != p.limit {
		p.limit = int(limit)
		p.tokens = min(p.tokens, p.burst())
	}
	if okReset {
		// The server sets the reset to now plus its window, in whole
		// seconds: rounding up gives the window back.
		if w := time.Duration(math.Ceil(time.Unix(reset, 0).Sub(now).Seconds())) * time.Second; w >= time.Second && w <= time.Hour {
			p.window = w
		}
	}
	if okRemaining {
		p.refill(now)
		p.tokens = min(p.tokens, float64(remaining))
		if remaining <= 0 && okReset {
			// The reset is in whole seconds: up to one before the window
			// frees a request.
			until := time.Unix(reset+1, 0)
			p.holdUntil(until, "the server's request budget is spent until "+until.Format(time.TimeOnly))
		}
	}
}

func headerInt(h http.Header, name string) (int64, bool) {
	v := strings.TrimSpace(h.Get(name))
	if v == "" {
		return 0, false
	}
	n, err := strconv.ParseInt(v, 10, 64)
	return n, err == nil
}
