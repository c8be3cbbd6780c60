package prompts_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agenttrace/agenttrace-otel-go/connection"

	"github.com/stretchr/testify/require"

	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttracetest"
	"github.com/agenttrace/agenttrace-otel-go/prompts"
)

// newServer starts an in-process AgentTrace server closed when the test
// ends.
func newServer(t *testing.T) *agenttracetest.Server {
	t.Helper()
	srv := agenttracetest.NewServer()
	t.Cleanup(srv.Close)
	return srv
}

// seed adds a version to the prompt called name.
func seed(t *testing.T, srv *agenttracetest.Server, name string, v agenttracetest.PromptVersion) {
	t.Helper()
	_, err := srv.AddPromptVersion(name, v)
	require.NoError(t, err)
}

// promptRequests counts the prompt fetches srv received.
func promptRequests(srv *agenttracetest.Server) int {
	n := 0
	for _, r := range srv.Snapshot().Requests {
		if r.Method == http.MethodGet && strings.HasPrefix(r.Path, "/api/public/prompts/") {
			n++
		}
	}
	return n
}

// fakeClock is the time of a Client under test.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock {
	return &fakeClock{t: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// newClient returns a client of srv that does not retry, reads clock, and is
// shut down when the test ends.
func newClient(t *testing.T, srv *agenttracetest.Server, clock *fakeClock, opts ...prompts.Option) *prompts.Client {
	t.Helper()
	base := []prompts.Option{
		prompts.WithConnection(connection.Config{APIURL: srv.URL, APIKey: srv.APIKey, RetryBudget: -1}),
		prompts.WithClock(clock.Now),
	}
	c, err := prompts.New(append(base, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, c.Shutdown(context.Background())) })
	return c
}

// gate is a transport that can hold requests: while held, each request
// signals arrived and waits for release (or for its context to end) before
// it is sent.
type gate struct {
	arrived chan struct{}
	mu      sync.Mutex
	open    chan struct{} // nil when not held
}

func newGate() *gate {
	return &gate{arrived: make(chan struct{}, 100)}
}

// client returns the option that sends a Client's requests through g.
func (g *gate) client() prompts.Option {
	return prompts.WithConnection(connection.Config{HTTPClient: &http.Client{Transport: g}})
}

func (g *gate) hold() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.open = make(chan struct{})
}

func (g *gate) release() {
	g.mu.Lock()
	defer g.mu.Unlock()
	close(g.open)
	g.open = nil
}

func (g *gate) RoundTrip(r *http.Request) (*http.Response, error) {
	g.mu.Lock()
	open := g.open
	g.mu.Unlock()
	if open != nil {
		g.arrived <- struct{}{}
		select {
		case <-open:
		case <-r.Context().Done():
			return nil, r.Context().Err()
		}
	}
	return http.DefaultTransport.RoundTrip(r)
}
