package prompts

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDecodeTolerates covers answers the server does not send today but
// that the client accepts: config as a plain JSON value, uppercase types,
// chat content as an array rather than a string holding one.
func TestDecodeTolerates(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	msgs := []Message{{Role: "user", Content: "{{code}}"}}
	tests := []struct {
		name       string
		body       string
		wantType   Type
		wantText   string
		wantMsgs   []Message
		wantConfig string // "" for nil
	}{
		{"config object", `{"name":"p","type":"text","latestVersion":{"version":1,"content":"hi","config":{"max_tokens": 100}}}`,
			TypeText, "hi", nil, `{"max_tokens":100}`},
		{"config string", `{"name":"p","type":"text","latestVersion":{"version":1,"content":"hi","config":"{\"t\": 1}"}}`,
			TypeText, "hi", nil, `{"t":1}`},
		{"config encoded twice", `{"name":"p","type":"text","latestVersion":{"version":1,"content":"hi","config":"\"{\\\"t\\\":1}\""}}`,
			TypeText, "hi", nil, `{"t":1}`},
		{"config string not JSON", `{"name":"p","latestVersion":{"version":1,"content":"hi","config":"fast"}}`,
			TypeText, "hi", nil, `"fast"`},
		{"config empty string", `{"name":"p","latestVersion":{"version":1,"content":"hi","config":""}}`,
			TypeText, "hi", nil, ""},
		{"config null", `{"name":"p","latestVersion":{"version":1,"content":"hi","config":null}}`,
			TypeText, "hi", nil, ""},
		{"no type is text", `{"name":"p","latestVersion":{"version":1,"content":"hi"}}`,
			TypeText, "hi", nil, ""},
		{"uppercase TEXT", `{"name":"p","type":"TEXT","latestVersion":{"version":1,"content":"hi"}}`,
			TypeText, "hi", nil, ""},
		{"uppercase CHAT", `{"name":"p","type":"CHAT","latestVersion":{"version":1,"content":"[{\"role\":\"user\",\"content\":\"{{code}}\"}]"}}`,
			TypeChat, "", msgs, ""},
		{"chat content as an array", `{"name":"p","type":"chat","latestVersion":{"version":1,"content":[{"role":"user","content":"{{code}}","name":"x"}]}}`,
			TypeChat, "", msgs, ""},
		{"chat content empty", `{"name":"p","type":"chat","latestVersion":{"version":1,"content":""}}`,
			TypeChat, "", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := decode([]byte(tt.body), cacheKey{name: "p"}, now)
			require.NoError(t, err)
			assert.Equal(t, "p", p.Name)
			assert.Equal(t, 1, p.Version)
			assert.Equal(t, tt.wantType, p.Type)
			assert.Equal(t, tt.wantText, p.Text)
			assert.Equal(t, tt.wantMsgs, p.Messages)
			assert.Equal(t, now, p.FetchedAt)
			if tt.wantConfig == "" {
				assert.Nil(t, p.Config)
			} else {
				assert.JSONEq(t, tt.wantConfig, string(p.Config))
			}
		})
	}
}

func TestDecodeRejects(t *testing.T) {
	tests := []struct {
		name, body, want string
		notFound         bool
	}{
		{"no latestVersion", `{"name":"p","type":"text"}`, "it has no version", true},
		{"null body", `null`, "it has no version", true},
		{"not JSON", `<html>`, "decode", false},
		{"unknown type", `{"type":"audio","latestVersion":{"version":1,"content":"hi"}}`, `unknown prompt type "audio"`, false},
		{"chat content not an array", `{"type":"chat","latestVersion":{"version":1,"content":"hello"}}`, "not a JSON array of messages", false},
		{"text content not a string", `{"type":"text","latestVersion":{"version":1,"content":3}}`, "decode", false},
		{"config not JSON", `{"latestVersion":{"version":1,"content":"hi","config":{"a":}}}`, "decode", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decode([]byte(tt.body), cacheKey{name: "p"}, time.Time{})
			require.ErrorContains(t, err, tt.want)
			assert.Equal(t, tt.notFound, errors.Is(err, ErrNotFound))
		})
	}
}

func TestNameFromKeyWhenAbsent(t *testing.T) {
	p, err := decode([]byte(`{"latestVersion":{"version":2,"content":"hi"}}`), cacheKey{name: "fallback-name"}, time.Time{})
	require.NoError(t, err)
	assert.Equal(t, "fallback-name", p.Name)
}

func TestKeyPathAndQuery(t *testing.T) {
	tests := []struct {
		key       cacheKey
		path      string
		query     string
		described string
	}{
		{cacheKey{name: "code-review"}, "/api/public/prompts/code-review", "", `"code-review"`},
		{cacheKey{name: "a b/c", version: 3}, "/api/public/prompts/a%20b%2Fc", "version=3", `"a b/c" version 3`},
		{cacheKey{name: "x", label: "prod uction"}, "/api/public/prompts/x", "label=prod+uction", `"x" label "prod uction"`},
		{cacheKey{name: ".."}, "/api/public/prompts/%2E%2E", "", `".."`},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.path, tt.key.path())
		assert.Equal(t, tt.query, tt.key.query().Encode())
		assert.Equal(t, tt.described, tt.key.String())
	}
}
