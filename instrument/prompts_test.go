package instrument_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/agenttrace/agenttrace-otel-go/connection"

	"golang.org/x/sync/errgroup"

	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttracetest"
	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/internal/attestctl"
	"github.com/agenttrace/agenttrace-otel-go/prompts"
)

// codeReview is the prompt of the Python reference's samples.
const codeReview = "Review this {{language}} code:\n{{code}}"

// seedCodeReview gives srv three versions of "code-review", the second
// labelled production.
func seedCodeReview(t *testing.T, srv *agenttracetest.Server) {
	t.Helper()
	for _, v := range []agenttracetest.PromptVersion{
		{Content: "Review: {{code}}"},
		{Content: codeReview, Labels: []string{"production"}, Config: `{"temperature":0.1}`},
		{Content: "Review this {{language}} code carefully:\n{{code}}", Labels: []string{"staging"}},
	} {
		if _, err := srv.AddPromptVersion("code-review", v); err != nil {
			t.Fatal(err)
		}
	}
}

// Prompts / Fetching Prompts: the default version, a version, a label.
func TestGetPrompt(t *testing.T) {
	c, srv := newServerClient(t)
	seedCodeReview(t, srv)
	tests := []struct {
		name        string
		opts        []prompts.GetOption
		wantVersion int
		wantText    string
	}{
		// The server's default: the version labelled production, else
		// the newest.
		{"default", nil, 2, codeReview},
		{"version", []prompts.GetOption{prompts.WithPromptVersion(3)}, 3, "Review this {{language}} code carefully:\n{{code}}"},
		{"label", []prompts.GetOption{prompts.WithLabel("production")}, 2, codeReview},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := c.GetPrompt(context.Background(), "code-review", tt.opts...)
			if err != nil {
				t.Fatal(err)
			}
			if p.Name != "code-review" || p.Version != tt.wantVersion || p.Text != tt.wantText || p.Source != prompts.SourceServer {
				t.Errorf("prompt %+v", p)
			}
		})
	}
}

// The prompt client uses the client's endpoint: URL, key, project id and
// HTTP client.
func TestGetPromptEndpoint(t *testing.T) {
	transport := &countingTransport{base: &http.Transport{}}
	defer transport.base.(*http.Transport).CloseIdleConnections()
	c, srv := newServerClient(t,
		instrument.WithConnection(connection.Config{ProjectID: "proj-7", HTTPClient: &http.Client{Transport: transport}}))
	seedCodeReview(t, srv)
	if _, err := c.GetPrompt(context.Background(), "code-review"); err != nil {
		t.Fatal(err)
	}
	reqs := srv.Snapshot().Requests
	if len(reqs) != 1 || reqs[0].Path != "/api/public/prompts/code-review" {
		t.Fatalf("requests %+v", reqs)
	}
	if h := reqs[0].Header; h.Get("X-API-Key") != srv.APIKey || h.Get("X-Project-ID") != "proj-7" {
		t.Errorf("headers %v", h)
	}
	if transport.n.Load() != 1 {
		t.Errorf("the client's HTTP client carried %d requests, want 1", transport.n.Load())
	}
}

// The same settings from the environment.
func TestGetPromptEnvironment(t *testing.T) {
	srv := agenttracetest.NewServer(agenttracetest.WithoutRateLimit())
	t.Cleanup(srv.Close)
	seedCodeReview(t, srv)
	t.Setenv("AGENTTRACE_API_URL", srv.URL)
	t.Setenv("AGENTTRACE_API_KEY", srv.APIKey)
	c, err := instrument.New(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Shutdown(context.Background())
	if p, err := c.GetPrompt(context.Background(), "code-review"); err != nil || p.Version != 2 {
		t.Fatalf("GetPrompt: %+v, %v", p, err)
	}
}

// Prompts / Compiling Prompts.
func TestCompilePrompt(t *testing.T) {
	c, srv := newServerClient(t)
	seedCodeReview(t, srv)
	prompt, err := c.GetPrompt(context.Background(), "code-review")
	if err != nil {
		t.Fatal(err)
	}
	compiled, err := prompt.Compile(map[string]string{"language": "Python", "code": "def hello(): print('world')"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "Review this Python code:\ndef hello(): print('world')"; compiled != want {
		t.Errorf("compiled %q, want %q", compiled, want)
	}
	var missing *prompts.MissingVariablesError
	if _, err := prompt.Compile(map[string]string{"language": "Go"}); !errors.As(err, &missing) || len(missing.Names) != 1 || missing.Names[0] != "code" {
		t.Errorf("Compile without code: %v", err)
	}
}

// Prompts / Linking Prompts to Traces: the trace records the prompt in
// its metadata, generations in their prompt fields.
func TestLinkPrompt(t *testing.T) {
	c, srv := newServerClient(t)
	seedCodeReview(t, srv)
	ctx := context.Background()
	prompt, err := c.GetPrompt(ctx, "code-review", prompts.WithLabel("production"))
	if err != nil {
		t.Fatal(err)
	}

	ctx, tr := c.Trace(ctx, "review")
	tr.SetPrompt(prompt)
	compiled, err := prompt.Compile(map[string]string{"language": "Python", "code": "..."})
	if err != nil {
		t.Fatal(err)
	}
	_, byOption := tr.Generation(ctx, "by-option", instrument.WithPrompt(prompt), instrument.WithInput(compiled))
	byOption.End()
	_, bySetter := tr.Generation(ctx, "by-setter")
	bySetter.SetPrompt(prompt)
	bySetter.End()
	_, unlinked := tr.Generation(ctx, "unlinked")
	unlinked.SetPrompt(nil)
	unlinked.End()
	tr.End()
	flush(t, c)

	id := tr.TraceID().String()
	jsonEqual(t, "trace metadata", storedTrace(t, srv, id).Metadata, `{"promptName":"code-review","promptVersion":2}`)
	obs := byName(t, srv, id)
	for _, name := range []string{"by-option", "by-setter"} {
		if g := obs[name]; g.PromptName != "code-review" || g.PromptVersion != 2 {
			t.Errorf("%s: prompt %q version %d", name, g.PromptName, g.PromptVersion)
		}
	}
	if g := obs["unlinked"]; g.PromptName != "" || g.PromptVersion != 0 {
		t.Errorf("unlinked: prompt %q version %d", g.PromptName, g.PromptVersion)
	}
	if root := obs["review"]; root.PromptName != "" {
		t.Errorf("the trace's root span became linked: %+v", root)
	}
}

// The prompt link and the trace's metadata share the trace's metadata, in
// whatever order they are set.
func TestTracePromptMetadata(t *testing.T) {
	p := &prompts.Prompt{Name: "summarize", Version: 4}
	md := map[string]any{"team": "search"}
	tests := []struct {
		name string
		run  func(context.Context, *instrument.Client) *instrument.Trace
		want string
	}{
		{"options", func(ctx context.Context, c *instrument.Client) *instrument.Trace {
			_, tr := c.Trace(ctx, "t", instrument.WithMetadata(md), instrument.WithPrompt(p))
			return tr
		}, `{"team":"search","promptName":"summarize","promptVersion":4}`},
		{"prompt option, then metadata", func(ctx context.Context, c *instrument.Client) *instrument.Trace {
			_, tr := c.Trace(ctx, "t", instrument.WithPrompt(p))
			tr.SetTraceMetadata(md)
			return tr
		}, `{"team":"search","promptName":"summarize","promptVersion":4}`},
		{"metadata option, then prompt", func(ctx context.Context, c *instrument.Client) *instrument.Trace {
			_, tr := c.Trace(ctx, "t", instrument.WithMetadata(md))
			tr.SetPrompt(p)
			return tr
		}, `{"team":"search","promptName":"summarize","promptVersion":4}`},
		{"metadata replaced, link kept", func(ctx context.Context, c *instrument.Client) *instrument.Trace {
			_, tr := c.Trace(ctx, "t", instrument.WithMetadata(md))
			tr.SetPrompt(p)
			tr.SetTraceMetadata(map[string]any{"team": "ads"})
			return tr
		}, `{"team":"ads","promptName":"summarize","promptVersion":4}`},
		{"fallback: no version", func(ctx context.Context, c *instrument.Client) *instrument.Trace {
			fb, err := c.GetPrompt(ctx, "missing", prompts.WithFallback("Summarize {{text}}"))
			if err != nil {
				panic(err)
			}
			_, tr := c.Trace(ctx, "t")
			tr.SetPrompt(fb)
			return tr
		}, `{"promptName":"missing"}`},
		{"Observe's trace", func(ctx context.Context, c *instrument.Client) *instrument.Trace {
			var tr *instrument.Trace
			_ = instrument.Do(ctx, c, "t", func(ctx context.Context) error {
				tr = instrument.TraceFromContext(ctx)
				tr.SetPrompt(p)
				return nil
			})
			return tr
		}, `{"promptName":"summarize","promptVersion":4}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, srv := newServerClient(t)
			tr := tt.run(context.Background(), c)
			tr.End()
			flush(t, c)
			jsonEqual(t, "trace metadata", storedTrace(t, srv, tr.TraceID().String()).Metadata, tt.want)
		})
	}
}

// The mask applies to the application's metadata, not to the link.
func TestTracePromptMetadataMask(t *testing.T) {
	tests := []struct {
		name string
		mask func(any) any
		want string
	}{
		{"map", func(v any) any {
			if m, ok := v.(map[string]any); ok && m["token"] != nil {
				return map[string]any{"token": "[redacted]"}
			}
			return v
		}, `{"token":"[redacted]","promptName":"p","promptVersion":1}`},
		{"other value", func(any) any { return "[redacted]" }, `{"metadata":"[redacted]","promptName":"p","promptVersion":1}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, srv := newServerClient(t, instrument.WithMask(tt.mask))
			_, tr := c.Trace(context.Background(), "t", instrument.WithMetadata(map[string]any{"token": "sk-1"}))
			tr.SetPrompt(&prompts.Prompt{Name: "p", Version: 1})
			tr.End()
			flush(t, c)
			jsonEqual(t, "trace metadata", storedTrace(t, srv, tr.TraceID().String()).Metadata, tt.want)
		})
	}
}

// The link on the spans, for OpenTelemetry backends.
func TestPromptLinkAttributes(t *testing.T) {
	c, rec := newClient(t)
	ctx, tr := c.Trace(context.Background(), "t")
	tr.SetPrompt(&prompts.Prompt{Name: "p", Version: 3})
	_, g := tr.Generation(ctx, "fallback")
	g.SetPrompt(&prompts.Prompt{Name: "p", Version: 0, Source: prompts.SourceFallback})
	g.End()
	_, sp := tr.Span(ctx, "span", instrument.WithPrompt(&prompts.Prompt{Name: "q", Version: 1}))
	sp.End()
	_, anon := tr.Generation(ctx, "anonymous", instrument.WithPrompt(&prompts.Prompt{Text: "hand-made"}))
	anon.End()
	tr.End()

	got := spans(t, rec)
	assertAttrs(t, got["t"], map[string]string{"gen_ai.prompt.name": "p", "agenttrace.generation.prompt.version": "3"})
	assertAttrs(t, got["fallback"], map[string]string{"gen_ai.prompt.name": "p"})
	assertNoAttrs(t, got["fallback"], "agenttrace.generation.prompt.version")
	assertAttrs(t, got["span"], map[string]string{"gen_ai.prompt.name": "q", "agenttrace.generation.prompt.version": "1"})
	assertNoAttrs(t, got["anonymous"], "gen_ai.prompt.name", "agenttrace.generation.prompt.version")
}

// A server that is down: a cached copy is served stale, else the
// fallback, else the error.
func TestGetPromptServerDown(t *testing.T) {
	// A TTL of zero asks the server every time, so the second call meets
	// the server down without waiting for the cache to expire.
	c, srv := newServerClient(t, instrument.WithPromptCacheTTL(0))
	seedCodeReview(t, srv)
	if _, err := c.GetPrompt(context.Background(), "code-review"); err != nil {
		t.Fatal(err)
	}
	attestctl.Of(srv).Down()

	// The fetch fails at once and is retried; the call gives up when its
	// context ends.
	get := func(name string, opts ...prompts.GetOption) (*prompts.Prompt, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		return c.GetPrompt(ctx, name, opts...)
	}
	p, err := get("code-review")
	if err != nil || p.Source != prompts.SourceStale || p.FetchError == nil || p.Version != 2 {
		t.Errorf("cached prompt, server down: %+v, %v", p, err)
	}
	p, err = get("other", prompts.WithFallback("Summarize {{text}}"))
	if err != nil || p.Source != prompts.SourceFallback || p.FetchError == nil || p.Version != 0 || p.Name != "other" {
		t.Errorf("fallback, server down: %+v, %v", p, err)
	}
	if p, err := get("other"); err == nil || errors.Is(err, prompts.ErrNotFound) {
		t.Errorf("no cache, no fallback, server down: %+v, %v", p, err)
	}
}

func TestGetPromptNotFound(t *testing.T) {
	c, srv := newServerClient(t)
	seedCodeReview(t, srv)
	tests := []struct {
		name   string
		prompt string
		opts   []prompts.GetOption
	}{
		{"prompt", "no-such-prompt", nil},
		{"version", "code-review", []prompts.GetOption{prompts.WithPromptVersion(9)}},
		{"label", "code-review", []prompts.GetOption{prompts.WithLabel("canary")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if p, err := c.GetPrompt(context.Background(), tt.prompt, tt.opts...); !errors.Is(err, prompts.ErrNotFound) {
				t.Errorf("GetPrompt: %+v, %v; want ErrNotFound", p, err)
			}
		})
	}
}

// Without a server to ask (tracing disabled, offline mode, a nil client),
// GetPrompt serves fallbacks.
func TestGetPromptNoServer(t *testing.T) {
	disabled, err := instrument.New(context.Background(), instrument.WithEnabled(false))
	if err != nil {
		t.Fatal(err)
	}
	offlineClient, _ := newClient(t)
	tests := []struct {
		name string
		c    *instrument.Client
	}{
		{"disabled", disabled},
		{"offline", offlineClient},
		{"nil", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			p, err := tt.c.GetPrompt(ctx, "code-review", prompts.WithFallback("Review {{code}}"))
			if err != nil || p.Source != prompts.SourceFallback || !errors.Is(p.FetchError, prompts.ErrDisabled) || p.Text != "Review {{code}}" {
				t.Errorf("with fallback: %+v, %v", p, err)
			}
			if _, err := tt.c.GetPrompt(ctx, "code-review"); !errors.Is(err, prompts.ErrDisabled) {
				t.Errorf("without fallback: %v", err)
			}
		})
	}
}

// After Shutdown, cached prompts and fallbacks are still served; nothing
// is fetched.
func TestGetPromptAfterShutdown(t *testing.T) {
	c, srv := newServerClient(t)
	seedCodeReview(t, srv)
	ctx := context.Background()
	if _, err := c.GetPrompt(ctx, "code-review"); err != nil {
		t.Fatal(err)
	}
	if err := c.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	n := len(srv.Snapshot().Requests)
	if p, err := c.GetPrompt(ctx, "code-review"); err != nil || p.Source != prompts.SourceCache {
		t.Errorf("cached: %+v, %v", p, err)
	}
	if _, err := c.GetPrompt(ctx, "other"); !errors.Is(err, prompts.ErrClosed) {
		t.Errorf("not cached: %v", err)
	}
	if len(srv.Snapshot().Requests) != n {
		t.Error("a request was made after Shutdown")
	}
}

func TestPromptCacheTTL(t *testing.T) {
	tests := []struct {
		name     string
		opts     []instrument.Option
		wantReqs int
	}{
		{"default: cached", nil, 1},
		{"zero: fetched every time", []instrument.Option{instrument.WithPromptCacheTTL(0)}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, srv := newServerClient(t, tt.opts...)
			seedCodeReview(t, srv)
			for range 2 {
				if _, err := c.GetPrompt(context.Background(), "code-review"); err != nil {
					t.Fatal(err)
				}
			}
			if n := len(srv.Snapshot().Requests); n != tt.wantReqs {
				t.Errorf("%d requests, want %d", n, tt.wantReqs)
			}
		})
	}
	if _, err := instrument.New(context.Background(), offline(t), instrument.WithPromptCacheTTL(-time.Second)); err == nil {
		t.Error("New accepted a negative prompt cache TTL")
	}
}

// Concurrent GetPrompts of one prompt make one request: they share the
// fetch in flight, or find its answer in the cache.
func TestGetPromptConcurrent(t *testing.T) {
	c, srv := newServerClient(t)
	seedCodeReview(t, srv)
	var g errgroup.Group
	for range 16 {
		g.Go(func() error {
			p, err := c.GetPrompt(context.Background(), "code-review")
			if err == nil && p.Version != 2 {
				err = fmt.Errorf("version %d", p.Version)
			}
			return err
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Snapshot().Requests); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}
