package prompts_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agenttrace/agenttrace-otel-go/prompts"
)

// fakeClock is the time of a Client under test.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
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
func newClient(t *testing.T, srv *promptServer, clock *fakeClock, opts ...prompts.Option) *prompts.Client {
	t.Helper()
	base := []prompts.Option{
		prompts.WithAPIURL(srv.URL),
		prompts.WithAPIKey("pk-test"),
		prompts.WithRetryBudget(0),
		prompts.WithClock(clock.Now),
	}
	c, err := prompts.New(append(base, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, c.Shutdown(context.Background())) })
	return c
}

func newClock() *fakeClock {
	return &fakeClock{t: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func TestGetSelectsVersion(t *testing.T) {
	srv := newPromptServer(t)
	srv.seed("code-review", "text", "v1 {{language}}", nil)
	srv.seed("code-review", "text", "v2 {{language}}", nil, "production")
	srv.seed("code-review", "text", "v3 {{language}}", nil, "staging")
	srv.seed("draft", "text", "d1", nil)
	srv.seed("draft", "text", "d2", nil, "staging")
	c := newClient(t, srv, newClock())

	tests := []struct {
		name       string
		prompt     string
		opts       []prompts.GetOption
		wantVer    int
		wantText   string
		wantLabels []string
	}{
		{"default is production", "code-review", nil, 2, "v2 {{language}}", []string{"production"}},
		{"version", "code-review", []prompts.GetOption{prompts.WithVersion(3)}, 3, "v3 {{language}}", []string{"staging"}},
		{"old version", "code-review", []prompts.GetOption{prompts.WithVersion(1)}, 1, "v1 {{language}}", nil},
		{"label", "code-review", []prompts.GetOption{prompts.WithLabel("production")}, 2, "v2 {{language}}", []string{"production"}},
		{"other label", "code-review", []prompts.GetOption{prompts.WithLabel("staging")}, 3, "v3 {{language}}", []string{"staging"}},
		{"default without production is newest", "draft", nil, 2, "d2", []string{"staging"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := c.Get(context.Background(), tt.prompt, tt.opts...)
			require.NoError(t, err)
			assert.Equal(t, tt.prompt, p.Name)
			assert.Equal(t, tt.wantVer, p.Version)
			assert.Equal(t, prompts.TypeText, p.Type)
			assert.Equal(t, tt.wantText, p.Text)
			assert.Equal(t, tt.wantLabels, p.Labels)
			assert.Equal(t, []string{"agent"}, p.Tags)
			assert.Equal(t, prompts.SourceServer, p.Source)
			assert.NoError(t, p.FetchError)
		})
	}
	assert.Equal(t, int64(len(tests)), srv.requests.Load(), "each key is fetched once")
}

func TestGetDecodes(t *testing.T) {
	chat := `[{"role":"system","content":"You review {{language}}."},{"role":"user","content":"{{code}}"}]`
	msgs := []prompts.Message{{Role: "system", Content: "You review {{language}}."}, {Role: "user", Content: "{{code}}"}}
	tests := []struct {
		name       string
		typ        string
		content    string
		config     string // wire value of latestVersion.config; "" for none
		wantText   string
		wantMsgs   []prompts.Message
		wantConfig string // "" for nil
	}{
		{"text with config", "text", "hi", `"{\"temperature\": 0.1}"`, "hi", nil, `{"temperature":0.1}`},
		{"config encoded twice", "text", "hi", `"\"{\\\"temperature\\\":0.1,\\\"model\\\":\\\"gpt-4o\\\"}\""`, "hi", nil, `{"temperature":0.1,"model":"gpt-4o"}`},
		{"no config", "text", "hi", "", "hi", nil, ""},
		{"chat", "chat", chat, `"{\"temperature\":0}"`, "", msgs, `{"temperature":0}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newPromptServer(t)
			var config json.RawMessage
			if tt.config != "" {
				config = json.RawMessage(tt.config)
			}
			srv.seed("p", tt.typ, tt.content, config)
			c := newClient(t, srv, newClock())
			p, err := c.Get(context.Background(), "p")
			require.NoError(t, err)
			assert.Equal(t, prompts.Type(tt.typ), p.Type)
			assert.Equal(t, tt.wantText, p.Text)
			assert.Equal(t, tt.wantMsgs, p.Messages)
			if tt.wantConfig == "" {
				assert.Nil(t, p.Config)
			} else {
				assert.JSONEq(t, tt.wantConfig, string(p.Config))
			}
		})
	}
}

func TestGetNotFound(t *testing.T) {
	srv := newPromptServer(t)
	srv.seed("code-review", "text", "v1", nil, "production")
	srv.seedEmpty("empty")
	c := newClient(t, srv, newClock())
	tests := []struct {
		name   string
		prompt string
		opts   []prompts.GetOption
	}{
		{"unknown name", "nope", nil},
		{"unknown version", "code-review", []prompts.GetOption{prompts.WithVersion(9)}},
		{"unknown label", "code-review", []prompts.GetOption{prompts.WithLabel("staging")}},
		{"prompt without versions", "empty", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := c.Get(context.Background(), tt.prompt, tt.opts...)
			require.ErrorIs(t, err, prompts.ErrNotFound)
			assert.Nil(t, p)

			p, err = c.Get(context.Background(), tt.prompt, append(tt.opts, prompts.WithFallback("fallback"))...)
			require.NoError(t, err)
			assert.Equal(t, prompts.SourceFallback, p.Source)
			assert.ErrorIs(t, p.FetchError, prompts.ErrNotFound)
			assert.Equal(t, tt.prompt, p.Name)
			assert.Equal(t, "fallback", p.Text)
		})
	}
}

func TestServerDownServesStale(t *testing.T) {
	srv := newPromptServer(t)
	srv.seed("code-review", "text", "Review {{code}}", nil, "production")
	clock := newClock()
	c := newClient(t, srv, clock)
	ctx := context.Background()

	p, err := c.Get(ctx, "code-review")
	require.NoError(t, err)
	require.Equal(t, prompts.SourceServer, p.Source)
	srv.Close()
	clock.Advance(prompts.DefaultCacheTTL)

	// The first stale Get returns at once; its refresh is still running.
	p, err = c.Get(ctx, "code-review")
	require.NoError(t, err)
	assert.Equal(t, prompts.SourceStale, p.Source)
	assert.NoError(t, p.FetchError)
	assert.Equal(t, "Review {{code}}", p.Text)
	c.WaitFetches()

	// Later Gets say why the copy is stale.
	p, err = c.Get(ctx, "code-review")
	require.NoError(t, err)
	assert.Equal(t, prompts.SourceStale, p.Source)
	assert.ErrorContains(t, p.FetchError, "connection refused")
	assert.Equal(t, 1, p.Version)

	// A Get that must ask the server (TTL zero) falls back on the stale copy.
	p, err = c.Get(ctx, "code-review", prompts.WithCacheTTL(0))
	require.NoError(t, err)
	assert.Equal(t, prompts.SourceStale, p.Source)
	assert.ErrorContains(t, p.FetchError, "connection refused")
	assert.Equal(t, "Review {{code}}", p.Text)
}

func TestServerErrorServesStale(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
	}{
		{"503", http.StatusServiceUnavailable, `{"error":"Service Unavailable","message":"down"}`},
		{"401", http.StatusUnauthorized, `{"error":"Unauthorized","message":"Invalid API key"}`},
		{"routing defect 400", http.StatusBadRequest, `{"error":"Bad Request","message":"Prompt name required"}`},
		{"route missing 404", http.StatusNotFound, `{"error":{"code":404,"message":"Cannot GET /api/public/prompts/code-review"}}`},
		{"not JSON", http.StatusOK, `<html>proxy</html>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newPromptServer(t)
			srv.seed("code-review", "text", "Review", nil)
			c := newClient(t, srv, newClock())
			_, err := c.Get(context.Background(), "code-review")
			require.NoError(t, err)
			srv.fail(tt.status, tt.body)

			p, err := c.Get(context.Background(), "code-review", prompts.WithCacheTTL(0))
			require.NoError(t, err)
			assert.Equal(t, prompts.SourceStale, p.Source)
			require.Error(t, p.FetchError)
			assert.NotErrorIs(t, p.FetchError, prompts.ErrNotFound)
			assert.NotContains(t, p.FetchError.Error(), "pk-test")

			_, err = c.Get(context.Background(), "other")
			require.Error(t, err, "nothing cached, no fallback")
			assert.NotErrorIs(t, err, prompts.ErrNotFound)
		})
	}
}

func TestServerDownFallback(t *testing.T) {
	srv := newPromptServer(t)
	c := newClient(t, srv, newClock())
	srv.Close()
	ctx := context.Background()

	_, err := c.Get(ctx, "code-review")
	require.ErrorContains(t, err, "connection refused")
	assert.NotErrorIs(t, err, prompts.ErrNotFound)

	p, err := c.Get(ctx, "code-review", prompts.WithFallback("Review this {{language}} code: {{code}}"))
	require.NoError(t, err)
	assert.Equal(t, prompts.SourceFallback, p.Source)
	assert.ErrorContains(t, p.FetchError, "connection refused")
	assert.Equal(t, "code-review", p.Name)
	assert.Equal(t, 0, p.Version)
	assert.True(t, p.FetchedAt.IsZero())
	got, err := p.Compile(map[string]string{"language": "Go", "code": "x := 1"})
	require.NoError(t, err)
	assert.Equal(t, "Review this Go code: x := 1", got)

	p, err = c.Get(ctx, "code-review", prompts.WithChatFallback(prompts.Message{Role: "user", Content: "Review {{code}}"}))
	require.NoError(t, err)
	assert.Equal(t, prompts.SourceFallback, p.Source)
	msgs, err := p.CompileChat(map[string]string{"code": "x"})
	require.NoError(t, err)
	assert.Equal(t, []prompts.Message{{Role: "user", Content: "Review x"}}, msgs)
}

func TestConcurrentGetsShareOneRequest(t *testing.T) {
	srv := newPromptServer(t)
	srv.seed("code-review", "text", "Review", nil, "production")
	c := newClient(t, srv, newClock())
	arrived, release := srv.holdRequests()

	const n = 20
	var started, done sync.WaitGroup
	started.Add(n)
	done.Add(n)
	results := make([]*prompts.Prompt, n)
	errs := make([]error, n)
	for i := range n {
		go func() {
			defer done.Done()
			started.Done()
			results[i], errs[i] = c.Get(context.Background(), "code-review", prompts.WithLabel("production"))
		}()
	}
	started.Wait()
	<-arrived
	release()
	done.Wait()

	assert.Equal(t, int64(1), srv.requests.Load())
	for i := range n {
		require.NoError(t, errs[i])
		assert.Equal(t, 1, results[i].Version)
		assert.Contains(t, []prompts.Source{prompts.SourceServer, prompts.SourceCache}, results[i].Source)
	}
}

func TestCacheTTL(t *testing.T) {
	tests := []struct {
		name       string
		clientOpts []prompts.Option
		getOpts    []prompts.GetOption
		ttl        time.Duration
	}{
		{"default", nil, nil, prompts.DefaultCacheTTL},
		{"per client", []prompts.Option{prompts.WithCacheTTL(5 * time.Second)}, nil, 5 * time.Second},
		{"per call", []prompts.Option{prompts.WithCacheTTL(5 * time.Second)}, []prompts.GetOption{prompts.WithCacheTTL(time.Hour)}, time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newPromptServer(t)
			srv.seed("code-review", "text", "v1", nil, "production")
			clock := newClock()
			c := newClient(t, srv, clock, tt.clientOpts...)
			get := func() *prompts.Prompt {
				t.Helper()
				p, err := c.Get(context.Background(), "code-review", tt.getOpts...)
				require.NoError(t, err)
				return p
			}

			assert.Equal(t, prompts.SourceServer, get().Source)
			fetchedAt := clock.Now()
			clock.Advance(tt.ttl - time.Nanosecond)
			p := get()
			assert.Equal(t, prompts.SourceCache, p.Source)
			assert.Equal(t, fetchedAt, p.FetchedAt)
			assert.Equal(t, int64(1), srv.requests.Load())

			srv.seed("code-review", "text", "v2", nil, "production")
			clock.Advance(time.Nanosecond)
			p = get()
			assert.Equal(t, prompts.SourceStale, p.Source)
			assert.Equal(t, "v1", p.Text)
			c.WaitFetches()
			assert.Equal(t, int64(2), srv.requests.Load())

			p = get()
			assert.Equal(t, prompts.SourceCache, p.Source)
			assert.Equal(t, "v2", p.Text)
			assert.Equal(t, clock.Now(), p.FetchedAt)
		})
	}
}

func TestTTLZeroAlwaysFetches(t *testing.T) {
	srv := newPromptServer(t)
	srv.seed("code-review", "text", "v1", nil)
	c := newClient(t, srv, newClock(), prompts.WithCacheTTL(0))
	for i := range 3 {
		p, err := c.Get(context.Background(), "code-review")
		require.NoError(t, err)
		assert.Equal(t, prompts.SourceServer, p.Source)
		assert.Equal(t, int64(i+1), srv.requests.Load())
	}
}

func TestBackgroundRefreshServesCache(t *testing.T) {
	srv := newPromptServer(t)
	srv.seed("code-review", "text", "v1", nil, "production")
	clock := newClock()
	c := newClient(t, srv, clock)
	ctx := context.Background()
	_, err := c.Get(ctx, "code-review")
	require.NoError(t, err)

	srv.seed("code-review", "text", "v2", nil, "production")
	clock.Advance(prompts.DefaultCacheTTL)
	arrived, release := srv.holdRequests()

	// While the refresh is held by the server, every Get is served the
	// cached copy at once, and starts no other request.
	for range 5 {
		p, err := c.Get(ctx, "code-review")
		require.NoError(t, err)
		assert.Equal(t, prompts.SourceStale, p.Source)
		assert.Equal(t, "v1", p.Text)
		assert.NoError(t, p.FetchError)
	}
	<-arrived
	release()
	c.WaitFetches()
	assert.Equal(t, int64(2), srv.requests.Load())

	p, err := c.Get(ctx, "code-review")
	require.NoError(t, err)
	assert.Equal(t, prompts.SourceCache, p.Source)
	assert.Equal(t, "v2", p.Text)
	assert.Equal(t, 2, p.Version)
}

func TestFailedRefreshRetriedAfterTTL(t *testing.T) {
	srv := newPromptServer(t)
	srv.seed("code-review", "text", "v1", nil)
	clock := newClock()
	c := newClient(t, srv, clock)
	ctx := context.Background()
	get := func() *prompts.Prompt {
		t.Helper()
		p, err := c.Get(ctx, "code-review")
		require.NoError(t, err)
		c.WaitFetches()
		return p
	}
	get()
	srv.fail(http.StatusServiceUnavailable, `{"error":"Service Unavailable","message":"down"}`)
	clock.Advance(prompts.DefaultCacheTTL)
	assert.NoError(t, get().FetchError) // starts the refresh, which fails
	assert.Equal(t, int64(2), srv.requests.Load())

	// No new attempt until another TTL has passed since the failure.
	clock.Advance(prompts.DefaultCacheTTL - time.Second)
	p := get()
	assert.Equal(t, prompts.SourceStale, p.Source)
	assert.ErrorContains(t, p.FetchError, "503")
	assert.Equal(t, int64(2), srv.requests.Load())

	srv.fail(0, "")
	clock.Advance(time.Second)
	get() // a new refresh, which succeeds
	assert.Equal(t, int64(3), srv.requests.Load())
	p = get()
	assert.Equal(t, prompts.SourceCache, p.Source)
	assert.NoError(t, p.FetchError)
}

func TestDeletedPromptIsNotServedStale(t *testing.T) {
	srv := newPromptServer(t)
	srv.seed("code-review", "text", "v1", nil)
	clock := newClock()
	c := newClient(t, srv, clock)
	ctx := context.Background()
	_, err := c.Get(ctx, "code-review")
	require.NoError(t, err)

	srv.remove("code-review")
	clock.Advance(prompts.DefaultCacheTTL)
	p, err := c.Get(ctx, "code-review")
	require.NoError(t, err)
	assert.Equal(t, prompts.SourceStale, p.Source, "served while the refresh runs")
	c.WaitFetches()

	_, err = c.Get(ctx, "code-review")
	require.ErrorIs(t, err, prompts.ErrNotFound, "the refresh's 404 dropped the copy")
	p, err = c.Get(ctx, "code-review", prompts.WithFallback("fb"))
	require.NoError(t, err)
	assert.Equal(t, prompts.SourceFallback, p.Source)
	assert.ErrorIs(t, p.FetchError, prompts.ErrNotFound)
}

func TestNotFoundWithCopyAndTTLZero(t *testing.T) {
	srv := newPromptServer(t)
	srv.seed("code-review", "text", "v1", nil)
	c := newClient(t, srv, newClock())
	_, err := c.Get(context.Background(), "code-review")
	require.NoError(t, err)
	srv.remove("code-review")
	_, err = c.Get(context.Background(), "code-review", prompts.WithCacheTTL(0))
	require.ErrorIs(t, err, prompts.ErrNotFound)
}

func TestInvalidateAndClear(t *testing.T) {
	tests := []struct {
		name  string
		drop  func(*prompts.Client)
		other prompts.Source // Source of another prompt's next Get
	}{
		{"invalidate", func(c *prompts.Client) { c.Invalidate("code-review") }, prompts.SourceCache},
		{"clear", (*prompts.Client).Clear, prompts.SourceServer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newPromptServer(t)
			srv.seed("code-review", "text", "v1", nil, "production")
			srv.seed("other", "text", "o1", nil)
			c := newClient(t, srv, newClock())
			ctx := context.Background()
			for _, opts := range [][]prompts.GetOption{nil, {prompts.WithVersion(1)}} {
				_, err := c.Get(ctx, "code-review", opts...)
				require.NoError(t, err)
			}
			_, err := c.Get(ctx, "other")
			require.NoError(t, err)
			srv.seed("code-review", "text", "v2", nil, "production")

			tt.drop(c)
			p, err := c.Get(ctx, "code-review")
			require.NoError(t, err)
			assert.Equal(t, prompts.SourceServer, p.Source)
			assert.Equal(t, "v2", p.Text)
			p, err = c.Get(ctx, "code-review", prompts.WithVersion(1))
			require.NoError(t, err)
			assert.Equal(t, prompts.SourceServer, p.Source)
			p, err = c.Get(ctx, "other")
			require.NoError(t, err)
			assert.Equal(t, tt.other, p.Source)
		})
	}
}

func TestInvalidateDuringFetch(t *testing.T) {
	srv := newPromptServer(t)
	srv.seed("code-review", "text", "v1", nil)
	c := newClient(t, srv, newClock())
	arrived, release := srv.holdRequests()
	got := make(chan *prompts.Prompt)
	go func() {
		p, _ := c.Get(context.Background(), "code-review")
		got <- p
	}()
	<-arrived
	c.Invalidate("code-review")
	release()
	p := <-got
	assert.Equal(t, "v1", p.Text, "the caller gets the answer")
	c.WaitFetches()

	p, err := c.Get(context.Background(), "code-review")
	require.NoError(t, err)
	assert.Equal(t, prompts.SourceServer, p.Source, "the answer begun before Invalidate was not cached")
	assert.Equal(t, int64(2), srv.requests.Load())
}

func TestContextEndsFirst(t *testing.T) {
	srv := newPromptServer(t)
	srv.seed("code-review", "text", "v1", nil)
	c := newClient(t, srv, newClock())
	arrived, release := srv.holdRequests()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()

	_, err := c.Get(ctx, "code-review")
	require.ErrorIs(t, err, context.Canceled)
	p, err := c.Get(ctx, "code-review", prompts.WithFallback("fb"))
	require.NoError(t, err)
	assert.Equal(t, prompts.SourceFallback, p.Source)
	assert.ErrorIs(t, p.FetchError, context.Canceled)

	// The fetch goes on, and fills the cache.
	<-arrived
	release()
	c.WaitFetches()
	p, err = c.Get(context.Background(), "code-review")
	require.NoError(t, err)
	assert.Equal(t, prompts.SourceCache, p.Source)
	assert.Equal(t, int64(1), srv.requests.Load())
}

func TestShutdown(t *testing.T) {
	srv := newPromptServer(t)
	srv.seed("code-review", "text", "v1", nil)
	clock := newClock()
	c := newClient(t, srv, clock)
	ctx := context.Background()
	_, err := c.Get(ctx, "code-review")
	require.NoError(t, err)

	// Shutdown cancels a fetch in flight.
	arrived, release := srv.holdRequests()
	defer release()
	errc := make(chan error)
	go func() {
		_, err := c.Get(ctx, "other")
		errc <- err
	}()
	<-arrived
	require.NoError(t, c.Shutdown(ctx))
	assert.ErrorIs(t, <-errc, prompts.ErrClosed)
	require.NoError(t, c.Shutdown(ctx), "a second Shutdown is harmless")

	p, err := c.Get(ctx, "code-review")
	require.NoError(t, err)
	assert.Equal(t, prompts.SourceCache, p.Source)
	clock.Advance(prompts.DefaultCacheTTL)
	p, err = c.Get(ctx, "code-review")
	require.NoError(t, err)
	assert.Equal(t, prompts.SourceStale, p.Source)
	assert.ErrorIs(t, p.FetchError, prompts.ErrClosed)
	_, err = c.Get(ctx, "other")
	assert.ErrorIs(t, err, prompts.ErrClosed)
	p, err = c.Get(ctx, "other", prompts.WithFallback("fb"))
	require.NoError(t, err)
	assert.Equal(t, prompts.SourceFallback, p.Source)
	assert.Equal(t, int64(2), srv.requests.Load(), "no request after Shutdown")
}

// blockingTransport holds every request until release is closed, deaf to
// its context, as a misbehaving transport would.
type blockingTransport struct {
	arrived chan struct{}
	release chan struct{}
}

func (b *blockingTransport) RoundTrip(*http.Request) (*http.Response, error) {
	b.arrived <- struct{}{}
	<-b.release
	return nil, errors.New("released")
}

func TestShutdownDeadline(t *testing.T) {
	bt := &blockingTransport{arrived: make(chan struct{}, 1), release: make(chan struct{})}
	c, err := prompts.New(prompts.WithAPIURL("http://127.0.0.1:1"), prompts.WithAPIKey("k"),
		prompts.WithRetryBudget(0), prompts.WithHTTPClient(&http.Client{Transport: bt}))
	require.NoError(t, err)
	go func() { _, _ = c.Get(context.Background(), "code-review") }()
	<-bt.arrived

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.ErrorIs(t, c.Shutdown(ctx), context.Canceled, "gives up waiting when ctx ends")
	close(bt.release)
	assert.NoError(t, c.Shutdown(context.Background()), "then waits for the fetch to end")
}

func TestNilClient(t *testing.T) {
	for _, c := range []*prompts.Client{nil, new(prompts.Client)} {
		_, err := c.Get(context.Background(), "code-review")
		require.ErrorIs(t, err, prompts.ErrDisabled)
		p, err := c.Get(context.Background(), "code-review", prompts.WithFallback("fb"))
		require.NoError(t, err)
		assert.Equal(t, prompts.SourceFallback, p.Source)
		assert.ErrorIs(t, p.FetchError, prompts.ErrDisabled)
		c.Invalidate("code-review")
		c.Clear()
		assert.NoError(t, c.Shutdown(context.Background()))
	}
}

func TestGetOptionErrors(t *testing.T) {
	srv := newPromptServer(t)
	c := newClient(t, srv, newClock())
	tests := []struct {
		name   string
		prompt string
		opts   []prompts.GetOption
		want   string
	}{
		{"empty name", "", nil, "empty prompt name"},
		{"version 0", "p", []prompts.GetOption{prompts.WithVersion(0)}, "version 0: want 1 or more"},
		{"negative version", "p", []prompts.GetOption{prompts.WithVersion(-2)}, "version -2"},
		{"empty label", "p", []prompts.GetOption{prompts.WithLabel("")}, "empty label"},
		{"version and label", "p", []prompts.GetOption{prompts.WithVersion(1), prompts.WithLabel("production")}, "exclude each other"},
		{"negative TTL", "p", []prompts.GetOption{prompts.WithCacheTTL(-time.Second)}, "cache TTL -1s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Get(context.Background(), tt.prompt, append(tt.opts, prompts.WithFallback("fb"))...)
			assert.ErrorContains(t, err, tt.want, "a fallback does not hide a wrong call")
		})
	}
	assert.Zero(t, srv.requests.Load())
}

func TestNew(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		opts []prompts.Option
		want string // "" for success
	}{
		{"no key", nil, []prompts.Option{prompts.WithAPIURL("http://127.0.0.1:1")}, "no API key"},
		{"file URL", nil, []prompts.Option{prompts.WithAPIKey("k"), prompts.WithAPIURL("file:///tmp/x")}, "want http:// or https://"},
		{"no host", nil, []prompts.Option{prompts.WithAPIKey("k"), prompts.WithAPIURL("http://")}, "want http:// or https://"},
		{"zero timeout", nil, []prompts.Option{prompts.WithAPIKey("k"), prompts.WithTimeout(0)}, "timeout 0s"},
		{"negative budget", nil, []prompts.Option{prompts.WithAPIKey("k"), prompts.WithRetryBudget(-1)}, "retry budget"},
		{"negative TTL", nil, []prompts.Option{prompts.WithAPIKey("k"), prompts.WithCacheTTL(-1)}, "cache TTL"},
		{"key from env", map[string]string{"AGENTTRACE_API_KEY": "pk-env"}, nil, ""},
		{"option wins over env", map[string]string{"AGENTTRACE_API_URL": "ftp://x"}, []prompts.Option{prompts.WithAPIKey("k"), prompts.WithAPIURL("https://example.invalid")}, ""},
		{"bad URL from env", map[string]string{"AGENTTRACE_API_KEY": "k", "AGENTTRACE_API_URL": "ftp://x"}, nil, "want http:// or https://"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, k := range []string{"AGENTTRACE_API_KEY", "AGENTTRACE_API_URL", "AGENTTRACE_PROJECT_ID"} {
				t.Setenv(k, tt.env[k])
			}
			c, err := prompts.New(tt.opts...)
			if tt.want != "" {
				assert.ErrorContains(t, err, tt.want)
				return
			}
			require.NoError(t, err)
			assert.NoError(t, c.Shutdown(context.Background()))
		})
	}
}

func TestNewFromEnvironment(t *testing.T) {
	srv := newPromptServer(t)
	srv.seed("code-review", "text", "v1", nil)
	t.Setenv("AGENTTRACE_API_URL", srv.URL)
	t.Setenv("AGENTTRACE_API_KEY", "pk-env")
	c, err := prompts.New(prompts.WithRetryBudget(0))
	require.NoError(t, err)
	defer func() { require.NoError(t, c.Shutdown(context.Background())) }()
	p, err := c.Get(context.Background(), "code-review")
	require.NoError(t, err)
	assert.Equal(t, "v1", p.Text)
}

func TestNameIsEscaped(t *testing.T) {
	srv := newPromptServer(t)
	names := []string{"code review", "team/review", "what?#%", "ünïcode"}
	for _, n := range names {
		srv.seed(n, "text", "text of "+n, nil)
	}
	c := newClient(t, srv, newClock())
	for _, n := range names {
		p, err := c.Get(context.Background(), n)
		require.NoError(t, err, n)
		assert.Equal(t, n, p.Name)
		assert.Equal(t, "text of "+n, p.Text)
	}
}

func TestReturnedPromptIsTheCallers(t *testing.T) {
	srv := newPromptServer(t)
	srv.seed("chat", "chat", `[{"role":"user","content":"hi"}]`, json.RawMessage(`"{\"t\":1}"`), "production")
	c := newClient(t, srv, newClock())
	p, err := c.Get(context.Background(), "chat")
	require.NoError(t, err)
	p.Messages[0].Content = "changed"
	p.Labels[0] = "changed"
	p.Tags[0] = "changed"
	p.Config[0] = '['

	p, err = c.Get(context.Background(), "chat")
	require.NoError(t, err)
	assert.Equal(t, prompts.SourceCache, p.Source)
	assert.Equal(t, "hi", p.Messages[0].Content)
	assert.Equal(t, []string{"production"}, p.Labels)
	assert.Equal(t, []string{"agent"}, p.Tags)
	assert.JSONEq(t, `{"t":1}`, string(p.Config))
}

func TestSourceString(t *testing.T) {
	for s, want := range map[prompts.Source]string{
		0: "none", prompts.SourceServer: "server", prompts.SourceCache: "cache",
		prompts.SourceStale: "stale", prompts.SourceFallback: "fallback",
	} {
		assert.Equal(t, want, s.String())
	}
}
