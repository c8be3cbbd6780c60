package httpapi

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Environment variables of the connection settings. The exporter, the
// prompt client and the instrument client read them through
// [EndpointFromEnv], so that they resolve the same endpoint.
const (
	EnvAPIKey    = "AGENTTRACE_API_KEY"
	EnvAPIURL    = "AGENTTRACE_API_URL"
	EnvProjectID = "AGENTTRACE_PROJECT_ID"
	EnvInsecure  = "AGENTTRACE_INSECURE"
)

// DefaultAPIURL is the AgentTrace cloud.
const DefaultAPIURL = "https://api.agenttrace.io"

// Endpoint is where the AgentTrace API is and as whom to call it.
type Endpoint struct {
	// URL is the API's base URL, without /api/public.
	URL       string
	APIKey    string
	ProjectID string
	// Insecure allows a plain http:// URL to a host that is not loopback,
	// which sends the API key unencrypted (see [Endpoint.Check]).
	Insecure bool
}

// EndpointFromEnv returns the endpoint of the environment: DefaultAPIURL
// and no key or project, overridden by the variables that are set and not
// blank (their values trimmed). It fails when AGENTTRACE_INSECURE is not a
// boolean.
func EndpointFromEnv() (Endpoint, error) {
	ep := Endpoint{URL: DefaultAPIURL}
	for name, p := range map[string]*string{
		EnvAPIKey:    &ep.APIKey,
		EnvAPIURL:    &ep.URL,
		EnvProjectID: &ep.ProjectID,
	} {
		if v := strings.TrimSpace(os.Getenv(name)); v != "" {
			*p = v
		}
	}
	if v := strings.TrimSpace(os.Getenv(EnvInsecure)); v != "" {
		on, err := strconv.ParseBool(v)
		if err != nil {
			return ep, fmt.Errorf("%s: %q is not a boolean", EnvInsecure, v)
		}
		ep.Insecure = on
	}
	return ep, nil
}
