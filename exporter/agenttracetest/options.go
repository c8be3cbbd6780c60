package agenttracetest

import (
	"net/http"
	"time"

	"github.com/agenttrace/agenttrace-otel-go/internal/attestctl/emu"
)

// An Option configures a [Server].
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	emu.Config
	// sleep waits until a time for the event delay; tests replace it.
	sleep func(s *Server, r *http.Request, until time.Time) bool
}

func newConfig(opts []Option) config {
	c := config{Config: emu.NewConfig(), sleep: (*Server).sleepUntil}
	for _, o := range opts {
		o.apply(&c)
	}
	return c
}

// WithoutRateLimit disables rate limiting: no request gets 429 and no
// X-RateLimit-* header is sent. By default the server limits each client
// address to 100 requests per rolling minute, as the real server does; a
// test whose agent makes more requests than that uses this option.
func WithoutRateLimit() Option {
	return optionFunc(func(c *config) { c.RateLimit = 0 })
}

func init() {
	emu.Option = func(f func(*emu.Config)) any {
		return optionFunc(func(c *config) { f(&c.Config) })
	}
	emu.ControlsOf = func(srv any) emu.Controls { return controls{srv.(*Server)} }
}
