package prompts

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/agenttrace/agenttrace-otel-go/connection"
	"github.com/agenttrace/agenttrace-otel-go/internal/connmerge"
)

// Defaults.
const (
	// DefaultCacheTTL is how long a fetched prompt is served from the
	// cache before it is refreshed.
	DefaultCacheTTL = 60 * time.Second
)

// An Option configures a [Client] made by [New].
type Option interface {
	applyClient(*config)
}

// A GetOption configures one [Client.Get].
type GetOption interface {
	applyGet(*getConfig)
}

// A CacheOption configures the cache of a Client when given to [New], and of
// one call when given to [Client.Get].
type CacheOption interface {
	Option
	GetOption
}

type clientOption func(*config)

func (f clientOption) applyClient(c *config) { f(c) }

type getOption func(*getConfig)

func (f getOption) applyGet(g *getConfig) { f(g) }

type config struct {
	// conn is the resolved connection: every field set.
	conn connection.Config
	ttl  time.Duration
	now  func() time.Time
}

// WithConnection sets where the AgentTrace API is, the API key, the
// project, the HTTP client, the per-attempt timeout and the retry budget
// of one fetch, as for the other clients of the SDK (see package
// connection). The API URL must be http:// or https://: prompts need a
// server. Zero fields take their environment variable, then their default;
// the fields a later WithConnection sets replace those of an earlier one.
func WithConnection(c connection.Config) Option {
	return clientOption(func(cfg *config) { cfg.conn = connmerge.Merge(cfg.conn, c) })
}

type ttlOption time.Duration

func (o ttlOption) applyClient(c *config) { c.ttl = time.Duration(o) }
func (o ttlOption) applyGet(g *getConfig) { g.ttl = time.Duration(o) }

// WithCacheTTL sets how long a fetched prompt is served from the cache
// before it is refreshed: for every call when given to [New] (default 60s),
// for one call when given to [Client.Get]. Zero makes the call fetch from
// the server, using a cached copy only if the fetch fails. It must not be
// negative.
func WithCacheTTL(d time.Duration) CacheOption {
	return ttlOption(d)
}

// newConfig applies defaults, then the environment, then opts, and
// validates the result.
func newConfig(opts []Option) (config, error) {
	c := config{ttl: DefaultCacheTTL, now: time.Now}
	for _, o := range opts {
		o.applyClient(&c)
	}
	conn, err := c.conn.Resolve()
	c.conn = conn
	errs := []error{err}
	if err == nil && conn.Offline() {
		errs = append(errs, fmt.Errorf("API URL %q: prompts need a server, want http:// or https://", conn.APIURL))
	}
	if c.ttl < 0 {
		errs = append(errs, fmt.Errorf("cache TTL %s: want 0 or more", c.ttl))
	}
	if err := errors.Join(errs...); err != nil {
		return c, fmt.Errorf("prompts: %w", err)
	}
	return c, nil
}

type getConfig struct {
	version    int
	label      string
	hasVersion bool
	hasLabel   bool
	ttl        time.Duration
	fallback   *Prompt
}

// WithPromptVersion selects a version of the prompt by number (from 1).
// Without WithPromptVersion or [WithLabel], Get selects the version
// labelled "production", else the newest (the server's rule). It is not
// instrument.WithVersion, which records the version of the code an
// observation or trace ran.
func WithPromptVersion(v int) GetOption {
	return getOption(func(g *getConfig) { g.version, g.hasVersion = v, true })
}

// WithLabel selects the version that carries a label, such as
// "production". It cannot be combined with [WithPromptVersion].
func WithLabel(label string) GetOption {
	return getOption(func(g *getConfig) { g.label, g.hasLabel = label, true })
}

// WithFallback gives a text prompt to return, with Source SourceFallback and
// Version 0, when there is no cached copy and the fetch fails (the prompt
// does not exist, the server cannot be reached, the context ends first).
func WithFallback(text string) GetOption {
	return getOption(func(g *getConfig) {
		g.fallback = &Prompt{Type: TypeText, Text: text}
	})
}

// WithChatFallback is [WithFallback] for a chat prompt.
func WithChatFallback(msgs ...Message) GetOption {
	return getOption(func(g *getConfig) {
		g.fallback = &Prompt{Type: TypeChat, Messages: slices.Clone(msgs)}
	})
}

// newGetConfig applies opts over the client's defaults and validates the
// result.
func newGetConfig(name string, ttl time.Duration, opts []GetOption) (getConfig, error) {
	g := getConfig{ttl: ttl}
	for _, o := range opts {
		o.applyGet(&g)
	}
	var errs []error
	if name == "" {
		errs = append(errs, errors.New("empty prompt name"))
	}
	if g.hasVersion && g.version < 1 {
		errs = append(errs, fmt.Errorf("version %d: want 1 or more", g.version))
	}
	if g.hasLabel && g.label == "" {
		errs = append(errs, errors.New("empty label"))
	}
	if g.hasVersion && g.hasLabel {
		errs = append(errs, errors.New("WithPromptVersion and WithLabel exclude each other"))
	}
	if g.ttl < 0 {
		errs = append(errs, fmt.Errorf("cache TTL %s: want 0 or more", g.ttl))
	}
	if len(errs) > 0 {
		return g, fmt.Errorf("prompts: get %q: %w", name, errors.Join(errs...))
	}
	return g, nil
}
