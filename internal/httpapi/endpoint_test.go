package httpapi

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestEndpointCheck(t *testing.T) {
	collector := Names{URL: "endpoint", APIKey: "api_key", Insecure: "insecure: true"}
	for _, tt := range []struct {
		name  string
		ep    Endpoint
		names Names
		want  []string // substrings of the error; none for success
	}{
		{name: "https", ep: Endpoint{URL: "https://api.example.com", APIKey: "k"}},
		{name: "loopback v4", ep: Endpoint{URL: "http://127.0.0.1:3000", APIKey: "k"}},
		{name: "loopback v4 /8", ep: Endpoint{URL: "http://127.1.2.3", APIKey: "k"}},
		{name: "loopback v6", ep: Endpoint{URL: "http://[::1]:3000", APIKey: "k"}},
		{name: "localhost", ep: Endpoint{URL: "http://LocalHost:3000/base", APIKey: "k"}},
		{name: "file offline", ep: Endpoint{URL: "file:///tmp/x.jsonl"}},
		{name: "relative file offline", ep: Endpoint{URL: "file://rel/x.jsonl"}},
		{name: "plain http allowed", ep: Endpoint{URL: "http://example.com", APIKey: "k", Insecure: true}},
		{
			name: "plain http refused",
			ep:   Endpoint{URL: "http://example.com", APIKey: "k"},
			want: []string{`API URL "http://example.com": plain HTTP to a host that is not loopback would send the API key unencrypted: use https://, or allow it with Config.Insecure or AGENTTRACE_INSECURE=true`},
		},
		{
			name:  "plain http refused, Collector names",
			ep:    Endpoint{URL: "http://agenttrace.internal:3000", APIKey: "k"},
			names: collector,
			want:  []string{`endpoint "http://agenttrace.internal:3000": plain HTTP`, "allow it with insecure: true"},
		},
		{
			name: "a name ending in localhost is not loopback",
			ep:   Endpoint{URL: "http://evil-localhost", APIKey: "k"},
			want: []string{"plain HTTP"},
		},
		{
			name: "private address is not loopback",
			ep:   Endpoint{URL: "http://10.0.0.1", APIKey: "k"},
			want: []string{"plain HTTP"},
		},
		{
			name: "userinfo is not shown",
			ep:   Endpoint{URL: "http://user:secret@example.com", APIKey: "k"},
			want: []string{`"http://user:xxxxx@example.com"`},
		},
		{
			name: "refusal and missing key together",
			ep:   Endpoint{URL: "http://example.com"},
			want: []string{"plain HTTP", "no API key: set AGENTTRACE_API_KEY or Config.APIKey (a file:// URL needs none)"},
		},
		{name: "no key", ep: Endpoint{URL: "https://x"}, want: []string{"no API key: set AGENTTRACE_API_KEY or Config.APIKey (a file:// URL needs none)"}},
		{name: "no key, Collector names", ep: Endpoint{URL: "https://x"}, names: collector, want: []string{"no API key: set api_key (a file:// URL needs none)"}},
		{name: "empty", ep: Endpoint{APIKey: "k"}, names: collector, want: []string{"endpoint: required"}},
		{name: "unparsable", ep: Endpoint{URL: "http://[::1", APIKey: "k"}, want: []string{`API URL "http://[::1": parse`}},
		{name: "no host", ep: Endpoint{URL: "http://", APIKey: "k"}, want: []string{`API URL "http://": want http://, https:// or file://`}},
		{name: "bad scheme", ep: Endpoint{URL: "ftp://x", APIKey: "k"}, want: []string{`API URL "ftp://x": want http://, https:// or file://`}},
		{name: "file without path", ep: Endpoint{URL: "file://"}, want: []string{"a file:// URL needs a path"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			names := tt.names
			if names == (Names{}) {
				names = Names{URL: "API URL", APIKey: EnvAPIKey + " or Config.APIKey", Insecure: "Config.Insecure or " + EnvInsecure + "=true"}
			}
			err := tt.ep.Check(names)
			if len(tt.want) == 0 {
				assert.NoError(t, err)
				return
			}
			for _, w := range tt.want {
				assert.ErrorContains(t, err, w)
			}
			assert.NotContains(t, err.Error(), "secret")
		})
	}
}

func TestEndpointFromEnv(t *testing.T) {
	t.Setenv(EnvAPIURL, " http://agenttrace.internal:3000 ")
	t.Setenv(EnvAPIKey, "pk-1")
	t.Setenv(EnvProjectID, "")
	t.Setenv(EnvInsecure, " true ")
	ep, err := EndpointFromEnv()
	assert.NoError(t, err)
	assert.Equal(t, Endpoint{URL: "http://agenttrace.internal:3000", APIKey: "pk-1", Insecure: true}, ep)

	t.Setenv(EnvInsecure, "yes please")
	_, err = EndpointFromEnv()
	assert.EqualError(t, err, `AGENTTRACE_INSECURE: "yes please" is not a boolean`)

	t.Setenv(EnvInsecure, "")
	t.Setenv(EnvAPIURL, "")
	ep, err = EndpointFromEnv()
	assert.NoError(t, err)
	assert.Equal(t, Endpoint{URL: DefaultAPIURL, APIKey: "pk-1"}, ep)
}
