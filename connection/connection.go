package connection

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/agenttrace/agenttrace-otel-go/internal/httpapi"
)

// Config is where the AgentTrace API is, as whom to call it, and how. A
// zero field takes its environment variable, then its default (see
// [Config.Resolve]).
type Config struct {
	// APIURL is the base URL of the AgentTrace API (for self-hosted
	// servers). A file:// URL selects offline mode: the exporter appends
	// its requests to that file instead of sending them, and no API key
	// is needed. Environment: AGENTTRACE_API_URL. Default:
	// https://api.agenttrace.io.
	APIURL string
	// APIKey authenticates the requests; it is never logged unmasked.
	// Environment: AGENTTRACE_API_KEY. Required unless APIURL is file://.
	APIKey string
	// ProjectID is sent with every request. Environment:
	// AGENTTRACE_PROJECT_ID. Default: none.
	ProjectID string
	// Insecure allows a plain http:// APIURL to a host that is not
	// loopback, which sends the API key unencrypted. http:// to
	// 127.0.0.0/8, ::1 or localhost is always allowed. Environment:
	// AGENTTRACE_INSECURE=true. Default: off.
	Insecure bool
	// HTTPClient sends the requests (for proxies, custom TLS,
	// instrumented transports). Its own Timeout, if any, also applies.
	// Default: a client of the SDK's own.
	HTTPClient *http.Client
	// Timeout bounds one HTTP attempt (the exporter adds 10ms per item a
	// request carries). Environment: AGENTTRACE_TIMEOUT (a Go duration).
	// Default: 10s.
	Timeout time.Duration
	// RetryBudget is how long a failed request is retried (429, 5xx,
	// timeouts and connection errors) before it is given up: per item for
	// the exporter, per fetch for the prompt client. A negative budget
	// turns retries off. Environment: AGENTTRACE_RETRY_BUDGET (a Go
	// duration). Default: 30s.
	RetryBudget time.Duration
}

// Defaults of the fields of a Config.
const (
	defaultAPIURL      = httpapi.DefaultAPIURL
	defaultTimeout     = 10 * time.Second
	defaultRetryBudget = 30 * time.Second
)

// names are the names the error messages of Resolve give the settings.
var names = httpapi.Names{
	URL:      "API URL",
	APIKey:   httpapi.EnvAPIKey + " or Config.APIKey",
	Insecure: "Config.Insecure or " + httpapi.EnvInsecure + "=true",
}

// Resolve returns c with its zero fields taken from the environment, then
// from the defaults, and checks the result: the URL's scheme and host, a key
// for any URL that is not file://, plain HTTP only to loopback unless
// Insecure, a positive timeout. A retry budget resolved negative becomes 0
// (no retries). The error lists every problem found.
func (c Config) Resolve() (Config, error) {
	ep, envErr := httpapi.EndpointFromEnv()
	errs := []error{envErr}
	setString(&c.APIURL, ep.URL)
	setString(&c.APIKey, ep.APIKey)
	setString(&c.ProjectID, ep.ProjectID)
	c.Insecure = c.Insecure || ep.Insecure
	for _, d := range []struct {
		field *time.Duration
		env   string
		def   time.Duration
	}{
		{&c.Timeout, "AGENTTRACE_TIMEOUT", defaultTimeout},
		{&c.RetryBudget, "AGENTTRACE_RETRY_BUDGET", defaultRetryBudget},
	} {
		if *d.field != 0 {
			continue
		}
		*d.field = d.def
		if v := strings.TrimSpace(os.Getenv(d.env)); v != "" {
			p, err := time.ParseDuration(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %q is not a duration", d.env, v))
				continue
			}
			*d.field = p
		}
	}
	errs = append(errs, httpapi.Endpoint{URL: c.APIURL, APIKey: c.APIKey, Insecure: c.Insecure}.Check(names))
	if c.Timeout <= 0 {
		errs = append(errs, fmt.Errorf("timeout %s: want more than 0", c.Timeout))
	}
	c.RetryBudget = max(c.RetryBudget, 0)
	if err := errors.Join(errs...); err != nil {
		return c, err
	}
	return c, nil
}

func setString(field *string, env string) {
	if *field == "" {
		*field = env
	}
}

// Offline reports whether c's APIURL is a file:// URL.
func (c Config) Offline() bool {
	return strings.HasPrefix(strings.ToLower(c.APIURL), "file:")
}

// String describes c with its API key masked, so that a Config printed or
// logged with %v shows no secret.
func (c Config) String() string {
	key := ""
	if c.APIKey != "" {
		key = httpapi.RedactKey(c.APIKey)
	}
	return fmt.Sprintf("{APIURL:%s APIKey:%s ProjectID:%s Insecure:%s Timeout:%s RetryBudget:%s}",
		c.APIURL, key, c.ProjectID, strconv.FormatBool(c.Insecure), c.Timeout, c.RetryBudget)
}

// GoString is String for %#v.
func (c Config) GoString() string { return "connection.Config" + c.String() }
