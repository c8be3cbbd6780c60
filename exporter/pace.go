package exporter

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Defaults of the request budget (exporter/PROTOCOL.md A11): the AgentTrace
// server admits 100 requests per rolling minute per client address.
const (
	defaultRequestsPerWindow = 100
	defaultRateWindow        = time.Minute
)

// pacer is the one place that decides when the next request may leave
// (A10, A11). It keeps the exporter under the server's request budget with
// a token bucket whose burst plus its refill over one window stay below the
// budget, so that no window of the server's length ever holds more
// requests than it admits; it learns the budget from the server's
// X-RateLimit-* headers, and it holds every request until the time a 429
// or 503 named in Retry-After, or until a backoff after a failure ends.
//
// It is owned by the exporter's loop goroutine.
type pacer struct {
	limit  int           // requests admitted per window
	window time.Duration // the server's rolling window
	tokens float64
	last   time.Time // when tokens were last refilled

	// hold is the earliest time the next request may leave, and why
	// (empty when nothing holds it).
	hold    time.Time
	holdWhy string
	// answered is true once an answer came back: until then one request
	// at a time goes, so that the budget is learned before it is spent.
	answered bool
}

func newPacer(limit int, window time.Duration, now time.Time) *pacer {
	p := &pacer{limit: limit, window: window, last: now}
	p.tokens = p.burst()
	return p
}

// burst is how many requests may leave back to back: a tenth of the budget.
func (p *pacer) burst() float64 { return max(1, float64(p.limit/10)) }

// rate is the refill in requests per second: the rest of the budget, less
// one request, over the window and a twentieth more (at least 250ms): a
// margin for requests that take longer to arrive than the one before.
func (p *pacer) rate() float64 {
	w := p.window + max(p.window/20, 250*time.Millisecond)
	return max(float64(p.limit)-p.burst()-1, 1) / w.Seconds()
}

func (p *pacer) refill(now time.Time) {
	if now.After(p.last) {
		p.tokens = min(p.burst(), p.tokens+now.Sub(p.last).Seconds()*p.rate())
		p.last = now
	}
}

// next returns when a request may leave: now, or a later time.
func (p *pacer) next(now time.Time) time.Time {
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

// take spends a request.
func (p *pacer) take(now time.Time) {
	p.refill(now)
	p.tokens--
}

// holdUntil holds every request until t, for the reason why.
func (p *pacer) holdUntil(t time.Time, why string) {
	if t.After(p.hold) {
		p.hold, p.holdWhy = t, why
	}
}

// waiting says why requests are held at now, empty when they are not.
// Between two attempts after a failure (the hold ended, the next answer
// has not come), the last reason still says why.
func (p *pacer) waiting(now time.Time) string {
	if now.Before(p.hold) || p.holdWhy != "" {
		return p.holdWhy
	}
	if p.next(now).After(now) {
		return "paced to the server's budget of " + strconv.Itoa(p.limit) + " requests per " + p.window.String()
	}
	return ""
}

// delivered says a request went through: no hold reason applies any more.
func (p *pacer) delivered() { p.holdWhy = "" }

// learn reads the X-RateLimit-* headers of an answer (Part B 3): the
// budget, what is left of it (other processes behind the same address
// spend it too) and, from the reset time, the window's length.
func (p *pacer) learn(h http.Header, now time.Time) {
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
