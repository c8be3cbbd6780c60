package httpapi

import (
	"os"
	"strings"
)

// Environment variables of the connection settings. The exporter, the
// prompt client and the instrument client read them through
// [EndpointFromEnv], so that they resolve the same endpoint.
const (
	EnvAPIKey    = "AGENTTRACE_API_KEY"
	EnvAPIURL    = "AGENTTRACE_API_URL"
	EnvProjectID = "AGENTTRACE_PROJECT_ID"
)

// DefaultAPIURL is the AgentTrace cloud.
const DefaultAPIURL = "https://api.agenttrace.io"

// Endpoint is where the AgentTrace API is and as whom to call it.
type Endpoint struct {
	// URL is the API's base URL, without /api/public.
	URL       string
	APIKey    string
	ProjectID string
}

// EndpointFromEnv returns the endpoint of the environment: DefaultAPIURL
// and no key or project, overridden by the variables that are set and not
// blank (their values trimmed).
func EndpointFromEnv() Endpoint {
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
	return ep
}
