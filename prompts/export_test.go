package prompts

import "time"

// WithClock makes the client read the time from now, for TTL tests.
func WithClock(now func() time.Time) Option {
	return clientOption(func(c *config) { c.now = now })
}

// WaitFetches waits for the fetch goroutines started so far, background
// refreshes included, to end.
func (c *Client) WaitFetches() { c.wg.Wait() }
