package prompts

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"go.opentelemetry.io/otel"
	"golang.org/x/sync/singleflight"

	"github.com/agenttrace/agenttrace-otel-go/internal/clientapi"
	"github.com/agenttrace/agenttrace-otel-go/internal/httpapi"
)

var (
	// ErrNotFound is the error (wrapped) of a prompt, version or label the
	// server does not have.
	ErrNotFound = errors.New("prompt not found")
	// ErrClosed is the fetch error of a Client after Shutdown: it serves
	// what it has cached, and fallbacks, without asking the server.
	ErrClosed = errors.New("prompts: client is shut down")
	// ErrDisabled is the fetch error of a nil or zero Client (for example
	// the prompt client of a disabled instrument client): it serves
	// fallbacks only.
	ErrDisabled = errors.New("prompts: client is disabled")
)

// Client fetches prompts from the AgentTrace API and caches them. It is safe
// for concurrent use. Call Shutdown when done with it: it stops the
// background refreshes.
//
// A nil *Client is valid: its Get returns the fallback, or ErrDisabled.
type Client struct {
	api *httpapi.Client
	ttl time.Duration
	now func() time.Time

	// ctx bounds every fetch; Shutdown cancels it.
	ctx    context.Context
	cancel context.CancelCauseFunc
	group  singleflight.Group
	// wg counts the fetch goroutines.
	wg sync.WaitGroup

	mu      sync.Mutex
	entries map[cacheKey]*entry
	// seq stamps stored entries, increasing.
	seq uint64
	// epoch is bumped by Invalidate and Clear: fetches begun before do not
	// store their answer, and later fetches do not join them.
	epoch  uint64
	closed bool
}

// entry is a cached prompt.
type entry struct {
	prompt *Prompt // as fetched; never modified
	seq    uint64
	// checkedAt is when the last fetch of the key ended: FetchedAt, or the
	// end of a failed refresh.
	checkedAt time.Time
	// err is the error of the last refresh, if it failed.
	err        error
	refreshing bool
}

// result is what a fetch goroutine hands its caller.
type result struct {
	prompt *Prompt
	err    error
}

// New returns a Client configured by opts, the AGENTTRACE_* environment and
// defaults, in that order of precedence.
func New(opts ...Option) (*Client, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	return &Client{
		api:     clientapi.New(cfg.conn),
		ttl:     cfg.ttl,
		now:     cfg.now,
		ctx:     ctx,
		cancel:  cancel,
		entries: make(map[cacheKey]*entry),
	}, nil
}

// Get returns the prompt called name: the version [WithPromptVersion] or
// [WithLabel] selects, else the server's default (the version labelled
// "production", else the newest). The result's Source says where it came
// from:
//
//   - SourceCache: a copy younger than the cache TTL ([WithCacheTTL]).
//   - SourceStale: an older copy, returned at once, while one background
//     refresh of the key runs (a failed refresh is tried again a TTL
//     later). If the last refresh failed, FetchError holds its error.
//   - SourceServer: nothing was cached (or the TTL is zero), so Get asked
//     the server and waited. Concurrent Gets of the same key share one
//     request.
//   - SourceStale, with FetchError: that fetch failed and a copy was cached.
//   - SourceFallback, with FetchError: that fetch failed, nothing was
//     cached, and the caller gave [WithFallback] or [WithChatFallback].
//
// A prompt the server does not have is an error wrapping [ErrNotFound],
// answered with the fallback if given. Once the server says so, the cached
// copy of the key is dropped and no longer served stale: the prompt, version
// or label is gone.
// Other failures (the server down or answering 5xx, 401, a malformed
// answer, ctx ending first) are returned when there is neither a cached copy
// nor a fallback.
func (c *Client) Get(ctx context.Context, name string, opts ...GetOption) (*Prompt, error) {
	ttl := DefaultCacheTTL
	if c != nil && c.api != nil {
		ttl = c.ttl
	}
	g, err := newGetConfig(name, ttl, opts)
	if err != nil {
		return nil, err
	}
	if c == nil || c.api == nil {
		return g.fallbackOr(name, ErrDisabled)
	}
	key := cacheKey{name: name, version: g.version, label: g.label}
	now := c.now()
	c.mu.Lock()
	e := c.entries[key]
	if e != nil && g.ttl > 0 {
		if now.Sub(e.prompt.FetchedAt) < g.ttl {
			c.mu.Unlock()
			return e.prompt.served(SourceCache, nil), nil
		}
		ferr := e.err
		switch {
		case c.closed:
			ferr = ErrClosed
		case !e.refreshing && now.Sub(e.checkedAt) >= g.ttl:
			e.refreshing = true
			c.launch(key, e.seq, true)
		}
		c.mu.Unlock()
		return e.prompt.served(SourceStale, ferr), nil
	}
	var seen uint64
	if e != nil {
		seen = e.seq
	}
	ch := c.launch(key, seen, false)
	c.mu.Unlock()

	res := result{err: fmt.Errorf("prompts: fetch %s: %w", key, ErrClosed)}
	if ch != nil {
		select {
		case res = <-ch:
		case <-ctx.Done():
			res.err = fmt.Errorf("prompts: fetch %s: %w", key, context.Cause(ctx))
		}
	}
	if res.err == nil {
		return res.prompt.served(SourceServer, nil), nil
	}
	if !errors.Is(res.err, ErrNotFound) {
		c.mu.Lock()
		e := c.entries[key]
		c.mu.Unlock()
		if e != nil {
			return e.prompt.served(SourceStale, res.err), nil
		}
	}
	return g.fallbackOr(name, res.err)
}

// fallbackOr returns the caller's fallback for a fetch that failed with
// err, or err if there is none.
func (g *getConfig) fallbackOr(name string, err error) (*Prompt, error) {
	if g.fallback == nil {
		return nil, err
	}
	p := g.fallback.served(SourceFallback, err)
	p.Name = name
	return p, nil
}

// launch starts a goroutine that fetches key, or joins the fetch of key in
// flight, and returns the channel of its result; nil after Shutdown. seen is
// the seq of the entry the caller found (0 for none). The caller holds c.mu.
func (c *Client) launch(key cacheKey, seen uint64, background bool) <-chan result {
	if c.closed {
		return nil
	}
	epoch := c.epoch
	flight := strconv.FormatUint(epoch, 10) + " " + strconv.Itoa(key.version) + " " + strconv.Quote(key.label) + " " + key.name
	ch := make(chan result, 1)
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		v, err, _ := c.group.Do(flight, func() (any, error) {
			if p := c.newer(key, seen); p != nil {
				return p, nil
			}
			return c.fetch(key, epoch, seen)
		})
		p, _ := v.(*Prompt)
		if err != nil && background && c.ctx.Err() == nil {
			otel.Handle(err)
		}
		ch <- result{prompt: p, err: err}
	}()
	return ch
}

// newer returns the cached prompt of key if it was stored after the caller
// found the entry seen: a fetch that ended between the caller's look at the
// cache and its joining the flight.
func (c *Client) newer(key cacheKey, seen uint64) *Prompt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.entries[key]; e != nil && e.seq > seen {
		return e.prompt
	}
	return nil
}

// fetch asks the server for key and stores the answer.
func (c *Client) fetch(key cacheKey, epoch, seen uint64) (p *Prompt, err error) {
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, fmt.Errorf("prompts: fetch %s: panic: %v", key, r)
		}
		c.store(key, epoch, seen, p, err)
	}()
	resp, err := c.api.Do(c.ctx, http.MethodGet, key.path(), key.query(), nil)
	if err != nil {
		if c.ctx.Err() != nil {
			return nil, fmt.Errorf("prompts: fetch %s: %w", key, ErrClosed)
		}
		return nil, fetchError(key, err)
	}
	return decode(resp.Body, key, c.now())
}

// store records the answer of a fetch of key begun in epoch by a caller
// that found the entry seen (0 for none).
func (c *Client) store(key cacheKey, epoch, seen uint64, p *Prompt, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cur := c.entries[key]
	if cur != nil && cur.seq != seen {
		cur = nil // a newer copy: not this fetch's business
	}
	if cur != nil {
		cur.refreshing = false
	}
	switch {
	case epoch != c.epoch:
		// Invalidated meanwhile: the answer may predate the invalidation.
	case err == nil:
		c.seq++
		c.entries[key] = &entry{prompt: p, seq: c.seq, checkedAt: p.FetchedAt}
	case cur == nil:
	case errors.Is(err, ErrNotFound):
		delete(c.entries, key)
	default:
		cur.err = err
		cur.checkedAt = c.now()
	}
}

// Invalidate drops the cached copies of the prompt called name (every
// version and label): the next Get of it asks the server, and has no stale
// copy to fall back on. Fetches in flight do not store their answers.
func (c *Client) Invalidate(name string) {
	if c == nil || c.api == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range c.entries {
		if k.name == name {
			delete(c.entries, k)
		}
	}
	c.epoch++
}

// Clear drops every cached prompt, as Invalidate does for one.
func (c *Client) Clear() {
	if c == nil || c.api == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.entries)
	c.epoch++
}

// Shutdown cancels the fetches in flight and waits for their goroutines to
// end, or for ctx to end first (its error is returned then). Afterwards, Get
// serves cached copies (stale ones with FetchError wrapping ErrClosed) and
// fallbacks, and makes no request. A second Shutdown is harmless.
func (c *Client) Shutdown(ctx context.Context) error {
	if c == nil || c.api == nil {
		return nil
	}
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.cancel(ErrClosed)
	done := make(chan struct{})
	go func() {
		c.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("prompts: shutdown: %w", context.Cause(ctx))
	}
}
