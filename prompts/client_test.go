package prompts_test

import (
	"context"
	"errors"
	"net/http"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/agenttrace/agenttrace-otel-go/connection"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttracetest"
	"github.com/agenttrace/agenttrace-otel-go/internal/attestctl"
	"github.com/agenttrace/agenttrace-otel-go/prompts"
)

type version = agenttracetest.PromptVersion

func TestGetSelectsVersion(t *testing.T) {
	srv := newServer(t)
	require.NoError(t, attestctl.Of(srv).CreatePrompt("code-review", "", "", []string{"agent"}))
	seed(t, srv, "code-review", version{Content: "v1 {{language}}"})
	seed(t, srv, "code-review", version{Content: "v2 {{language}}", Labels: []string{"production"}})
	seed(t, srv, "code-review", version{Content: "v3 {{language}}", Labels: []string{"staging"}})
	seed(t, srv, "draft", version{Content: "d1"})
	seed(t, srv, "draft", version{Content: "d2", Labels: []string{"staging"}})
	c := newClient(t, srv, newClock())

	tests := []struct {
		name       string
		prompt     string
		opts       []prompts.GetOption
		wantVer    int
		wantText   string
		wantLabels []string
		wantTags   []string
	}{
		{"default is production", "code-review", nil, 2, "v2 {{language}}", []string{"production"}, []string{"agent"}},
		{"version", "code-review", []prompts.GetOption{prompts.WithPromptVersion(3)}, 3, "v3 {{language}}", []string{"staging"}, []string{"agent"}},
		{"old version", "code-review", []prompts.GetOption{prompts.WithPromptVersion(1)}, 1, "v1 {{language}}", []string{}, []string{"agent"}},
		{"label", "code-review", []prompts.GetOption{prompts.WithLabel("production")}, 2, "v2 {{language}}", []string{"production"}, []string{"agent"}},
		{"other label", "code-review", []prompts.GetOption{prompts.WithLabel("staging")}, 3, "v3 {{language}}", []string{"staging"}, []string{"agent"}},
		{"default without production is newest", "draft", nil, 2, "d2", []string{"staging"}, []string{}},
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
			assert.Equal(t, tt.wantTags, p.Tags)
			assert.Equal(t, prompts.SourceServer, p.Source)
			assert.NoError(t, p.FetchError)
		})
	}
	assert.Equal(t, len(tests), promptRequests(srv), "each key is fetched once")
}

func TestGetDecodes(t *testing.T) {
	msgs := []agenttracetest.ChatMessage{{Role: "system", Content: "You review {{language}}."}, {Role: "user", Content: "{{code}}"}}
	tests := []struct {
		name       string
		v          version
		wantType   prompts.Type
		wantText   string
		wantMsgs   []prompts.Message
		wantConfig string // "" for nil
	}{
		{"text with config", version{Content: "hi", Config: `{"temperature": 0.1}`}, prompts.TypeText, "hi", nil, `{"temperature":0.1}`},
		{"config encoded twice", version{Content: "hi", Config: `"{\"temperature\":0.1,\"model\":\"gpt-4o\"}"`}, prompts.TypeText, "hi", nil, `{"temperature":0.1,"model":"gpt-4o"}`},
		{"config a string", version{Content: "hi", Config: `"fast"`}, prompts.TypeText, "hi", nil, `"fast"`},
		{"no config", version{Content: "hi"}, prompts.TypeText, "hi", nil, ""},
		{"chat", version{Messages: msgs, Config: `{"temperature":0}`}, prompts.TypeChat, "",
			[]prompts.Message{{Role: "system", Content: "You review {{language}}."}, {Role: "user", Content: "{{code}}"}}, `{"temperature":0}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t)
			seed(t, srv, "p", tt.v)
			c := newClient(t, srv, newClock())
			p, err := c.Get(context.Background(), "p")
			require.NoError(t, err)
			assert.Equal(t, tt.wantType, p.Type)
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
	srv := newServer(t)
	seed(t, srv, "code-review", version{Content: "v1", Labels: []string{"production"}})
	require.NoError(t, attestctl.Of(srv).CreatePrompt("empty", "", "", nil))
	c := newClient(t, srv, newClock())
	tests := []struct {
		name   string
		prompt string
		opts   []prompts.GetOption
	}{
		{"unknown name", "nope", nil},
		{"unknown version", "code-review", []prompts.GetOption{prompts.WithPromptVersion(9)}},
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

func TestWrongURLIsNotNotFound(t *testing.T) {
	srv := newServer(t)
	seed(t, srv, "code-review", version{Content: "v1"})
	c := newClient(t, srv, newClock(), prompts.WithConnection(connection.Config{APIURL: srv.URL + "/wrong"}))
	_, err := c.Get(context.Background(), "code-review")
	require.ErrorContains(t, err, "404")
	assert.NotErrorIs(t, err, prompts.ErrNotFound, "a missing route is a wrong URL, not a missing prompt")
}

func TestServerDownServesStale(t *testing.T) {
	srv := newServer(t)
	seed(t, srv, "code-review", version{Content: "Review {{code}}", Labels: []string{"production"}})
	clock := newClock()
	c := newClient(t, srv, clock)
	ctx := context.Background()

	p, err := c.Get(ctx, "code-review")
	require.NoError(t, err)
	require.Equal(t, prompts.SourceServer, p.Source)
	attestctl.Of(srv).Down()
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
		name  string
		fault attestctl.Fault
		want  string
	}{
		{"503", attestctl.Status(http.StatusServiceUnavailable), "503"},
		{"401", attestctl.Status(http.StatusUnauthorized), "Invalid API key"},
		{"400", attestctl.Status(http.StatusBadRequest), "400"},
		{"not JSON", attestctl.Garbage(), "decode"},
		{"connection reset", attestctl.ConnReset(), "fetch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t)
			seed(t, srv, "code-review", version{Content: "Review"})
			c := newClient(t, srv, newClock())
			_, err := c.Get(context.Background(), "code-review")
			require.NoError(t, err)
			attestctl.Of(srv).SetFault(tt.fault)

			p, err := c.Get(context.Background(), "code-review", prompts.WithCacheTTL(0))
			require.NoError(t, err)
			assert.Equal(t, prompts.SourceStale, p.Source)
			assert.ErrorContains(t, p.FetchError, tt.want)
			assert.NotErrorIs(t, p.FetchError, prompts.ErrNotFound)
			assert.NotContains(t, p.FetchError.Error(), srv.APIKey)

			_, err = c.Get(context.Background(), "other")
			require.ErrorContains(t, err, tt.want, "nothing cached, no fallback")
			assert.NotErrorIs(t, err, prompts.ErrNotFound)
		})
	}
}

func TestRoutingDefect(t *testing.T) {
	srv := agenttracetest.NewServer(attestctl.WithHEADDefects(attestctl.DefectPromptRouting))
	defer srv.Close()
	seed(t, srv, "code-review", version{Content: "v1"})
	c := newClient(t, srv, newClock())
	p, err := c.Get(context.Background(), "code-review", prompts.WithFallback("fb"))
	require.NoError(t, err)
	assert.Equal(t, prompts.SourceFallback, p.Source)
	assert.ErrorContains(t, p.FetchError, "Prompt name required")
	assert.NotErrorIs(t, p.FetchError, prompts.ErrNotFound)
}

func TestServerDownFallback(t *testing.T) {
	srv := newServer(t)
	c := newClient(t, srv, newClock())
	attestctl.Of(srv).Down()
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
	srv := newServer(t)
	seed(t, srv, "code-review", version{Content: "Review", Labels: []string{"production"}})
	g := newGate()
	c := newClient(t, srv, newClock(), g.client())
	g.hold()

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
	<-g.arrived
	g.release()
	done.Wait()

	assert.Equal(t, 1, promptRequests(srv))
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
			srv := newServer(t)
			seed(t, srv, "code-review", version{Content: "v1", Labels: []string{"production"}})
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
			assert.Equal(t, 1, promptRequests(srv))

			seed(t, srv, "code-review", version{Content: "v2", Labels: []string{"production"}})
			clock.Advance(time.Nanosecond)
			p = get()
			assert.Equal(t, prompts.SourceStale, p.Source)
			assert.Equal(t, "v1", p.Text)
			c.WaitFetches()
			assert.Equal(t, 2, promptRequests(srv))

			p = get()
			assert.Equal(t, prompts.SourceCache, p.Source)
			assert.Equal(t, "v2", p.Text)
			assert.Equal(t, clock.Now(), p.FetchedAt)
		})
	}
}

func TestTTLZeroAlwaysFetches(t *testing.T) {
	srv := newServer(t)
	seed(t, srv, "code-review", version{Content: "v1"})
	c := newClient(t, srv, newClock(), prompts.WithCacheTTL(0))
	for i := range 3 {
		p, err := c.Get(context.Background(), "code-review")
		require.NoError(t, err)
		assert.Equal(t, prompts.SourceServer, p.Source)
		assert.Equal(t, i+1, promptRequests(srv))
	}
}

func TestBackgroundRefreshServesCache(t *testing.T) {
	srv := newServer(t)
	seed(t, srv, "code-review", version{Content: "v1", Labels: []string{"production"}})
	clock := newClock()
	g := newGate()
	c := newClient(t, srv, clock, g.client())
	ctx := context.Background()
	_, err := c.Get(ctx, "code-review")
	require.NoError(t, err)

	seed(t, srv, "code-review", version{Content: "v2", Labels: []string{"production"}})
	clock.Advance(prompts.DefaultCacheTTL)
	g.hold()

	// While the refresh is held, every Get is served the cached copy at
	// once, and starts no other request, nor a goroutine to join the
	// refresh.
	_, err = c.Get(ctx, "code-review")
	require.NoError(t, err)
	<-g.arrived
	before := runtime.NumGoroutine()
	for range 200 {
		p, err := c.Get(ctx, "code-review")
		require.NoError(t, err)
		assert.Equal(t, prompts.SourceStale, p.Source)
		assert.Equal(t, "v1", p.Text)
		assert.NoError(t, p.FetchError)
	}
	assert.Less(t, runtime.NumGoroutine()-before, 50)
	assert.Empty(t, g.arrived, "one refresh only")
	g.release()
	c.WaitFetches()
	assert.Equal(t, 2, promptRequests(srv))

	p, err := c.Get(ctx, "code-review")
	require.NoError(t, err)
	assert.Equal(t, prompts.SourceCache, p.Source)
	assert.Equal(t, "v2", p.Text)
	assert.Equal(t, 2, p.Version)
}

func TestFailedRefreshRetriedAfterTTL(t *testing.T) {
	srv := newServer(t)
	seed(t, srv, "code-review", version{Content: "v1"})
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
	attestctl.Of(srv).SetFault(attestctl.Status(http.StatusServiceUnavailable))
	clock.Advance(prompts.DefaultCacheTTL)
	assert.NoError(t, get().FetchError) // starts the refresh, which fails
	assert.Equal(t, 2, promptRequests(srv))

	// No new attempt until another TTL has passed since the failure.
	clock.Advance(prompts.DefaultCacheTTL - time.Second)
	p := get()
	assert.Equal(t, prompts.SourceStale, p.Source)
	assert.ErrorContains(t, p.FetchError, "503")
	assert.Equal(t, 2, promptRequests(srv))

	attestctl.Of(srv).ClearFaults()
	clock.Advance(time.Second)
	get() // a new refresh, which succeeds
	assert.Equal(t, 3, promptRequests(srv))
	p = get()
	assert.Equal(t, prompts.SourceCache, p.Source)
	assert.NoError(t, p.FetchError)
}

func TestDeletedPromptIsNotServedStale(t *testing.T) {
	srv := newServer(t)
	seed(t, srv, "code-review", version{Content: "v1"})
	clock := newClock()
	c := newClient(t, srv, clock)
	ctx := context.Background()
	_, err := c.Get(ctx, "code-review")
	require.NoError(t, err)

	attestctl.Of(srv).SetFault(attestctl.Status(http.StatusNotFound)) // the prompt is deleted
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
	srv := newServer(t)
	seed(t, srv, "code-review", version{Content: "v1"})
	c := newClient(t, srv, newClock())
	_, err := c.Get(context.Background(), "code-review")
	require.NoError(t, err)
	attestctl.Of(srv).SetFault(attestctl.Status(http.StatusNotFound))
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
			srv := newServer(t)
			seed(t, srv, "code-review", version{Content: "v1", Labels: []string{"production"}})
			seed(t, srv, "other", version{Content: "o1"})
			c := newClient(t, srv, newClock())
			ctx := context.Background()
			for _, opts := range [][]prompts.GetOption{nil, {prompts.WithPromptVersion(1)}} {
				_, err := c.Get(ctx, "code-review", opts...)
				require.NoError(t, err)
			}
			_, err := c.Get(ctx, "other")
			require.NoError(t, err)
			seed(t, srv, "code-review", version{Content: "v2", Labels: []string{"production"}})

			tt.drop(c)
			p, err := c.Get(ctx, "code-review")
			require.NoError(t, err)
			assert.Equal(t, prompts.SourceServer, p.Source)
			assert.Equal(t, "v2", p.Text)
			p, err = c.Get(ctx, "code-review", prompts.WithPromptVersion(1))
			require.NoError(t, err)
			assert.Equal(t, prompts.SourceServer, p.Source)
			p, err = c.Get(ctx, "other")
			require.NoError(t, err)
			assert.Equal(t, tt.other, p.Source)
		})
	}
}

func TestInvalidateDuringFetch(t *testing.T) {
	srv := newServer(t)
	seed(t, srv, "code-review", version{Content: "v1"})
	g := newGate()
	c := newClient(t, srv, newClock(), g.client())
	g.hold()
	got := make(chan *prompts.Prompt)
	go func() {
		p, _ := c.Get(context.Background(), "code-review")
		got <- p
	}()
	<-g.arrived
	c.Invalidate("code-review")
	g.release()
	p := <-got
	assert.Equal(t, "v1", p.Text, "the caller gets the answer")
	c.WaitFetches()

	p, err := c.Get(context.Background(), "code-review")
	require.NoError(t, err)
	assert.Equal(t, prompts.SourceServer, p.Source, "the answer begun before Invalidate was not cached")
	assert.Equal(t, 2, promptRequests(srv))
}

func TestContextEndsFirst(t *testing.T) {
	srv := newServer(t)
	seed(t, srv, "code-review", version{Content: "v1"})
	g := newGate()
	c := newClient(t, srv, newClock(), g.client())
	g.hold()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()

	_, err := c.Get(ctx, "code-review")
	require.ErrorIs(t, err, context.Canceled)
	p, err := c.Get(ctx, "code-review", prompts.WithFallback("fb"))
	require.NoError(t, err)
	assert.Equal(t, prompts.SourceFallback, p.Source)
	assert.ErrorIs(t, p.FetchError, context.Canceled)

	// The fetch goes on, and fills the cache.
	<-g.arrived
	g.release()
	c.WaitFetches()
	p, err = c.Get(context.Background(), "code-review")
	require.NoError(t, err)
	assert.Equal(t, prompts.SourceCache, p.Source)
	assert.Equal(t, 1, promptRequests(srv))
}

func TestShutdown(t *testing.T) {
	srv := newServer(t)
	seed(t, srv, "code-review", version{Content: "v1"})
	clock := newClock()
	c := newClient(t, srv, clock)
	ctx := context.Background()
	_, err := c.Get(ctx, "code-review")
	require.NoError(t, err)

	// Shutdown cancels a fetch in flight.
	attestctl.Of(srv).FailNext(1, attestctl.Hang())
	errc := make(chan error)
	go func() {
		_, err := c.Get(ctx, "other")
		errc <- err
	}()
	require.NoError(t, srv.WaitFor(ctx, func(sn agenttracetest.Snapshot) bool { return len(sn.Requests) >= 2 }))
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
	assert.Equal(t, 2, promptRequests(srv), "no request after Shutdown")
}

func TestShutdownDeadline(t *testing.T) {
	deaf := deafTransport{arrived: make(chan struct{}, 1), release: make(chan struct{})}
	c, err := prompts.New(prompts.WithConnection(connection.Config{APIURL: "http://127.0.0.1:1", APIKey: "k", RetryBudget: -1, HTTPClient: &http.Client{Transport: deaf}}))
	require.NoError(t, err)
	go func() { _, _ = c.Get(context.Background(), "code-review") }()
	<-deaf.arrived

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.ErrorIs(t, c.Shutdown(ctx), context.Canceled, "gives up waiting when ctx ends")
	close(deaf.release)
	assert.NoError(t, c.Shutdown(context.Background()), "then waits for the fetch to end")
}

// deafTransport holds each request until released, deaf to the request's
// context, as a misbehaving transport would; then fails it. It sends
// nothing.
type deafTransport struct {
	arrived chan struct{}
	release chan struct{}
}

func (d deafTransport) RoundTrip(*http.Request) (*http.Response, error) {
	d.arrived <- struct{}{}
	<-d.release
	return nil, errors.New("deaf transport")
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
	srv := newServer(t)
	c := newClient(t, srv, newClock())
	tests := []struct {
		name   string
		prompt string
		opts   []prompts.GetOption
		want   string
	}{
		{"empty name", "", nil, "empty prompt name"},
		{"version 0", "p", []prompts.GetOption{prompts.WithPromptVersion(0)}, "version 0: want 1 or more"},
		{"negative version", "p", []prompts.GetOption{prompts.WithPromptVersion(-2)}, "version -2"},
		{"empty label", "p", []prompts.GetOption{prompts.WithLabel("")}, "empty label"},
		{"version and label", "p", []prompts.GetOption{prompts.WithPromptVersion(1), prompts.WithLabel("production")}, "exclude each other"},
		{"negative TTL", "p", []prompts.GetOption{prompts.WithCacheTTL(-time.Second)}, "cache TTL -1s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Get(context.Background(), tt.prompt, append(tt.opts, prompts.WithFallback("fb"))...)
			assert.ErrorContains(t, err, tt.want, "a fallback does not hide a wrong call")
		})
	}
	assert.Zero(t, promptRequests(srv))
}

func TestNew(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		opts []prompts.Option
		want string // "" for success
	}{
		{"no key", nil, []prompts.Option{prompts.WithConnection(connection.Config{APIURL: "http://127.0.0.1:1"})}, "no API key"},
		{"file URL", nil, []prompts.Option{prompts.WithConnection(connection.Config{APIKey: "k", APIURL: "file:///tmp/x"})}, "prompts need a server, want http:// or https://"},
		{"no host", nil, []prompts.Option{prompts.WithConnection(connection.Config{APIKey: "k", APIURL: "http://"})}, "want http://, https:// or file://"},
		{"negative timeout", nil, []prompts.Option{prompts.WithConnection(connection.Config{APIKey: "k", Timeout: -1})}, "timeout -1ns"},
		{"bad timeout from env", map[string]string{"AGENTTRACE_TIMEOUT": "soon"}, []prompts.Option{prompts.WithConnection(connection.Config{APIKey: "k"})}, `AGENTTRACE_TIMEOUT: "soon" is not a duration`},
		{"negative TTL", nil, []prompts.Option{prompts.WithConnection(connection.Config{APIKey: "k"}), prompts.WithCacheTTL(-1)}, "cache TTL"},
		{"key from env", map[string]string{"AGENTTRACE_API_KEY": "pk-env"}, nil, ""},
		{"option wins over env", map[string]string{"AGENTTRACE_API_URL": "ftp://x"}, []prompts.Option{prompts.WithConnection(connection.Config{APIKey: "k", APIURL: "https://example.invalid"})}, ""},
		{"bad URL from env", map[string]string{"AGENTTRACE_API_KEY": "k", "AGENTTRACE_API_URL": "ftp://x"}, nil, "want http://, https:// or file://"},
		{"loopback http", nil, []prompts.Option{prompts.WithConnection(connection.Config{APIKey: "k", APIURL: "http://localhost:3000"})}, ""},
		{"plain http refused", nil, []prompts.Option{prompts.WithConnection(connection.Config{APIKey: "k", APIURL: "http://agenttrace.example.com"})}, "allow it with Config.Insecure or AGENTTRACE_INSECURE=true"},
		{"plain http with WithInsecure", nil, []prompts.Option{prompts.WithConnection(connection.Config{APIKey: "k", APIURL: "http://agenttrace.example.com", Insecure: true})}, ""},
		{"plain http with AGENTTRACE_INSECURE", map[string]string{"AGENTTRACE_INSECURE": "1"}, []prompts.Option{prompts.WithConnection(connection.Config{APIKey: "k", APIURL: "http://agenttrace.example.com"})}, ""},
		{"AGENTTRACE_INSECURE not a boolean", map[string]string{"AGENTTRACE_INSECURE": "sure"}, []prompts.Option{prompts.WithConnection(connection.Config{APIKey: "k"})}, `AGENTTRACE_INSECURE: "sure" is not a boolean`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, k := range []string{"AGENTTRACE_API_KEY", "AGENTTRACE_API_URL", "AGENTTRACE_PROJECT_ID", "AGENTTRACE_INSECURE", "AGENTTRACE_TIMEOUT", "AGENTTRACE_RETRY_BUDGET"} {
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
	srv := newServer(t)
	seed(t, srv, "code-review", version{Content: "v1"})
	t.Setenv("AGENTTRACE_API_URL", srv.URL)
	t.Setenv("AGENTTRACE_API_KEY", srv.APIKey)
	t.Setenv("AGENTTRACE_PROJECT_ID", srv.ProjectID)
	c, err := prompts.New(prompts.WithConnection(connection.Config{RetryBudget: -1}))
	require.NoError(t, err)
	defer func() { require.NoError(t, c.Shutdown(context.Background())) }()
	p, err := c.Get(context.Background(), "code-review")
	require.NoError(t, err)
	assert.Equal(t, "v1", p.Text)
	reqs := srv.Snapshot().Requests
	require.Len(t, reqs, 1)
	assert.Equal(t, srv.ProjectID, reqs[0].Header.Get("X-Project-ID"))
}

func TestNameIsEscaped(t *testing.T) {
	srv := newServer(t)
	names := []string{"code review", "team/review", "what?#%", "ünïcode"}
	for _, n := range names {
		seed(t, srv, n, version{Content: "text of " + n})
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
	srv := newServer(t)
	require.NoError(t, attestctl.Of(srv).CreatePrompt("chat", "chat", "", []string{"agent"}))
	seed(t, srv, "chat", version{Messages: []agenttracetest.ChatMessage{{Role: "user", Content: "hi"}}, Config: `{"t":1}`, Labels: []string{"production"}})
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
