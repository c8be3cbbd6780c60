package connection_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agenttrace/agenttrace-otel-go/connection"
)

// clearEnv empties the variables Resolve reads, for the test.
func clearEnv(t *testing.T) {
	for _, v := range []string{"AGENTTRACE_API_URL", "AGENTTRACE_API_KEY", "AGENTTRACE_PROJECT_ID",
		"AGENTTRACE_INSECURE", "AGENTTRACE_TIMEOUT", "AGENTTRACE_RETRY_BUDGET"} {
		t.Setenv(v, "")
	}
}

func TestResolveDefaultsAndEnvironment(t *testing.T) {
	clearEnv(t)
	t.Setenv("AGENTTRACE_API_KEY", "at-env-key-123456")
	t.Setenv("AGENTTRACE_PROJECT_ID", "proj-env")
	t.Setenv("AGENTTRACE_TIMEOUT", "3s")
	c, err := connection.Config{}.Resolve()
	require.NoError(t, err)
	assert.Equal(t, "https://api.agenttrace.io", c.APIURL)
	assert.Equal(t, "at-env-key-123456", c.APIKey)
	assert.Equal(t, "proj-env", c.ProjectID)
	assert.Equal(t, 3*time.Second, c.Timeout)
	assert.Equal(t, 30*time.Second, c.RetryBudget)

	// A field that is set wins over its variable.
	c, err = connection.Config{APIKey: "at-field-key-987654", Timeout: time.Second, RetryBudget: -1}.Resolve()
	require.NoError(t, err)
	assert.Equal(t, "at-field-key-987654", c.APIKey)
	assert.Equal(t, time.Second, c.Timeout)
	assert.Zero(t, c.RetryBudget, "a negative budget means no retries")
}

func TestResolveErrors(t *testing.T) {
	for name, tc := range map[string]struct {
		cfg  connection.Config
		env  map[string]string
		want []string
	}{
		"no key":         {connection.Config{APIURL: "https://at.example"}, nil, []string{"no API key: set AGENTTRACE_API_KEY or Config.APIKey"}},
		"plain http":     {connection.Config{APIURL: "http://at.example", APIKey: "k"}, nil, []string{"plain HTTP", "Config.Insecure or AGENTTRACE_INSECURE=true"}},
		"bad scheme":     {connection.Config{APIURL: "ftp://at.example", APIKey: "k"}, nil, []string{"want http://, https:// or file://"}},
		"bad duration":   {connection.Config{APIKey: "k"}, map[string]string{"AGENTTRACE_TIMEOUT": "soon"}, []string{`AGENTTRACE_TIMEOUT: "soon" is not a duration`}},
		"bad insecure":   {connection.Config{APIKey: "k"}, map[string]string{"AGENTTRACE_INSECURE": "maybe"}, []string{"AGENTTRACE_INSECURE"}},
		"every problem":  {connection.Config{APIURL: "http://at.example", Timeout: -time.Second}, nil, []string{"plain HTTP", "no API key", "timeout -1s"}},
		"file needs one": {connection.Config{APIURL: "file://"}, nil, []string{"needs a path"}},
	} {
		t.Run(name, func(t *testing.T) {
			clearEnv(t)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			_, err := tc.cfg.Resolve()
			require.Error(t, err)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestResolveAllows(t *testing.T) {
	clearEnv(t)
	for _, c := range []connection.Config{
		{APIURL: "file:///tmp/agenttrace.jsonl"},
		{APIURL: "http://127.0.0.1:8080", APIKey: "k"},
		{APIURL: "http://localhost:8080", APIKey: "k"},
		{APIURL: "http://at.example", APIKey: "k", Insecure: true},
	} {
		_, err := c.Resolve()
		assert.NoError(t, err, c.APIURL)
	}
	t.Setenv("AGENTTRACE_INSECURE", "true")
	_, err := connection.Config{APIURL: "http://at.example", APIKey: "k"}.Resolve()
	assert.NoError(t, err, "AGENTTRACE_INSECURE allows plain HTTP")
}

// Printing a Config, with any verb, never shows its key.
func TestConfigMasksTheKey(t *testing.T) {
	c := connection.Config{APIURL: "https://at.example", APIKey: "at-secret-key-0123456789"}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		s := fmt.Sprintf(verb, c)
		assert.NotContains(t, s, "secret", verb)
		assert.True(t, strings.Contains(s, "at-...6789"), "%s: %s", verb, s)
	}
}
