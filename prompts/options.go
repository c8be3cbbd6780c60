package prompts

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/agenttrace/agenttrace-otel-go/internal/httpapi"
)

// Defaults.
const (
	// DefaultAPIURL is the AgentTrace cloud.
	DefaultAPIURL = httpapi.DefaultAPIURL
	// DefaultCacheTTL is how long a fetched prompt is served from the
	// cache before it is refreshed.
	DefaultCacheTTL = 60 * time.Second
	// DefaultTimeout bounds one HTTP attempt.
	DefaultTimeout = 10 * time.Second
	// DefaultRetryBudget bounds the time one fetch may take with its
	// retries.
	DefaultRetryBudget = 30 * time.Second
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
	apiKey      string
	apiURL      string
	projectID   string
	insecure    bool
	httpClient  *http.Client
	timeout     time.Duration
	retryBudget time.Duration
	ttl         time.Duration
	now         func() time.Time
}

// WithAPIKey sets the AgentTrace public API key (pk-...). Environment:
// AGENTTRACE_API_KEY. Required.
func WithAPIKey(key string) Option {
	return clientOption(func(c *config) { c.apiKey = key })
}

// WithAPIURL sets the base URL of the AgentTrace API, without /api/public.
// Environment: AGENTTRACE_API_URL. Default: https://api.agenttrace.io.
func WithAPIURL(u string) Option {
	return clientOption(func(c *config) { c.apiURL = u })
}

// WithInsecure allows a plain http:// API URL to a host that is not
// loopback, which sends the API key unencrypted. Without it, [New] refuses
// such a URL; http:// to 127.0.0.0/8, ::1 or localhost is always allowed.
// Environment: AGENTTRACE_INSECURE=true. Default: off.
func WithInsecure() Option {
	return clientOption(func(c *config) { c.insecure = true })
}

// WithProjectID sets the project id sent in X-Project-ID. Environment:
// AGENTTRACE_PROJECT_ID. Default: none.
func WithProjectID(id string) Option {
	return clientOption(func(c *config) { c.projectID = id })
}

// WithHTTPClient sets the HTTP client of every request. Its own Timeout, if
// any, applies on top of the per-attempt timeout. Default:
// http.DefaultClient.
func WithHTTPClient(hc *http.Client) Option {
	return clientOption(func(c *config) { c.httpClient = hc })
}

// WithTimeout bounds each HTTP attempt. Default: 10s.
func WithTimeout(d time.Duration) Option {
	return clientOption(func(c *config) { c.timeout = d })
}

// WithRetryBudget bounds the total time of one fetch with its retries
// (429, 5xx, timeouts and connection errors are retried); zero disables
// retries. Default: 30s.
func WithRetryBudget(d time.Duration) Option {
	return clientOption(func(c *config) { c.retryBudget = d })
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
	ep, envErr := httpapi.EndpointFromEnv()
	c := config{
		apiKey:      ep.APIKey,
		apiURL:      ep.URL,
		projectID:   ep.ProjectID,
		insecure:    ep.Insecure,
		timeout:     DefaultTimeout,
		retryBudget: DefaultRetryBudget,
		ttl:         DefaultCacheTTL,
		now:         time.Now,
	}
	for _, o := range opts {
		o.applyClient(&c)
	}
	ep = httpapi.Endpoint{URL: c.apiURL, APIKey: c.apiKey, Insecure: c.insecure}
	errs := []error{envErr, ep.Check(httpapi.OptionNames, false)}
	if c.timeout <= 0 {
		errs = append(errs, fmt.Errorf("timeout %s: want more than 0", c.timeout))
	}
	if c.retryBudget < 0 {
		errs = append(errs, fmt.Errorf("retry budget %s: want 0 or more", c.retryBudget))
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
