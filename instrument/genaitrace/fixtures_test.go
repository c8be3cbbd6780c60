package genaitrace_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/genai"

	"github.com/agenttrace/agenttrace-otel-go/internal/llmreplay"
)

// Every genai fixture, replayed through the real client without tracing:
// the client sends the recorded request (path, headers recorded, body) and
// decodes the answer without error, or, for an error answer, returns it as
// a genai.APIError of its status.
func TestFixturesReplayThroughClient(t *testing.T) {
	var names []string
	for _, n := range llmreplay.Names() {
		if strings.HasPrefix(n, "genai_") {
			names = append(names, n)
		}
	}
	require.Len(t, names, len(fixtureCalls), "every genai fixture has its call in fixtureCalls")
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			f, ok := fixtureCalls[name]
			require.True(t, ok, "no call for %s", name)
			ex := llmreplay.MustLoad(name)
			srv := llmreplay.NewServer()
			defer srv.Close()
			srv.Enqueue(ex.Answer())
			c := newClientHTTP(t, srv.URL, &http.Client{}, f.vertex, nil)
			text, err := f.run(context.Background(), c)

			reqs := srv.Requests()
			require.Len(t, reqs, 1)
			got := reqs[0]
			assert.Equal(t, ex.Request.Method, got.Method)
			assert.Equal(t, ex.Request.Path, got.Path)
			for k, v := range ex.Request.Headers {
				assert.Equal(t, v, got.Headers[k], "header %s", k)
			}
			assert.JSONEq(t, string(ex.Request.Body), string(got.Body))

			if ex.Response.Status >= 400 {
				var apiErr genai.APIError
				require.True(t, errors.As(err, &apiErr), "got %v", err)
				var body struct{ Error genai.APIError }
				require.NoError(t, json.Unmarshal(ex.Response.Body, &body))
				assert.Equal(t, ex.Response.Status, apiErr.Code)
				assert.Equal(t, body.Error.Status, apiErr.Status)
				return
			}
			require.NoError(t, err)
			if name != "genai_generate_function_call" {
				assert.NotEmpty(t, text)
			}
		})
	}
}
