package instrument

import (
	"context"
	"fmt"
	"maps"
	"sync"

	"go.opentelemetry.io/otel/attribute"

	"github.com/agenttrace/agenttrace-otel-go/internal/jsonvalue"
	"github.com/agenttrace/agenttrace-otel-go/prompts"
	"github.com/agenttrace/agenttrace-otel-go/semconv"
)

// GetPrompt returns the managed prompt called name: the version
// [prompts.WithPromptVersion] or [prompts.WithLabel] selects, else the server's
// default (the version labelled "production", else the newest). It is
// [prompts.Client.Get] with the client's API URL, key, project id and HTTP
// client, and a cache whose TTL is [WithPromptCacheTTL]:
//
//	prompt, err := client.GetPrompt(ctx, "code-review", prompts.WithLabel("production"))
//	text, err := prompt.Compile(map[string]string{"language": "Go", "code": src})
//
// The result's Source says whether it came from the server, the cache, a
// stale copy or the fallback ([prompts.WithFallback]); a prompt the server
// does not have is an error wrapping [prompts.ErrNotFound]. A disabled
// client, and one in offline mode (a file:// API URL), has no server to
// ask: it returns the fallback, or an error wrapping [prompts.ErrDisabled].
//
// Link what the prompt produced to it with [Generation.SetPrompt] or
// [WithPrompt].
func (c *Client) GetPrompt(ctx context.Context, name string, opts ...prompts.GetOption) (*prompts.Prompt, error) {
	var pc *prompts.Client
	if c != nil {
		pc = c.promptClient
	}
	return pc.Get(ctx, name, opts...)
}

// newPromptClient returns the prompt client of an enabled client, on the
// endpoint the exporter uses; nil in offline mode, where there is no server.
func newPromptClient(cfg *config) (*prompts.Client, error) {
	if cfg.conn.Offline() {
		return nil, nil
	}
	pc, err := prompts.New(prompts.WithConnection(cfg.conn), prompts.WithCacheTTL(cfg.promptCacheTTL))
	if err != nil {
		return nil, fmt.Errorf("agenttrace: %w", err)
	}
	return pc, nil
}

// promptLink is the managed prompt an observation or trace used: its name
// and version (0 for a fallback, which is no version on the server, and is
// not recorded).
type promptLink struct {
	name    string
	version int
}

func linkOf(p *prompts.Prompt) promptLink {
	if p == nil {
		return promptLink{}
	}
	return promptLink{name: p.Name, version: p.Version}
}

// appendAttrs appends gen_ai.prompt.name and, for a version of the server
// (not a fallback's version 0), agenttrace.generation.prompt.version.
func (l promptLink) appendAttrs(attrs []attribute.KeyValue) []attribute.KeyValue {
	attrs = append(attrs, semconv.GenAIPromptNameKey.String(l.name))
	if l.version > 0 {
		attrs = append(attrs, semconv.GenerationPromptVersionKey.Int(l.version))
	}
	return attrs
}

// WithPrompt links the observation to the managed prompt p, as
// [Generation.SetPrompt] does: it records the prompt's name and version
// (gen_ai.prompt.name, agenttrace.generation.prompt.version), which
// AgentTrace shows as the promptName and promptVersion of a generation. On
// [Client.Trace] it links the trace, as
// [Trace.SetPrompt] does. A nil prompt, or one without a name, links
// nothing.
func WithPrompt(p *prompts.Prompt) ObservationOption {
	l := linkOf(p)
	return observationOption(func(c *obsConfig) { c.prompt = l })
}

// SetPrompt links the generation to the managed prompt p it was made from:
// the generation records p's name and version (gen_ai.prompt.name,
// agenttrace.generation.prompt.version), which AgentTrace stores as its
// promptName and promptVersion. The version of a fallback
// ([prompts.SourceFallback], Version 0) is no version of the server and is
// not recorded; its name is. A nil prompt, or one without a name, links
// nothing.
func (g *Generation) SetPrompt(p *prompts.Prompt) {
	if l := linkOf(p); l.name != "" && g.recording() {
		g.span.SetAttributes(l.appendAttrs(make([]attribute.KeyValue, 0, 2))...)
	}
}

// SetPrompt links the trace to the managed prompt p (Python's
// trace.prompt = prompt). AgentTrace traces have no prompt field, so the
// link is kept in the trace's metadata, as "promptName" and
// "promptVersion" (no version for a fallback), beside the metadata of
// [WithMetadata] and [Trace.SetTraceMetadata] (it replaces keys of theirs with
// those names). The root span also records gen_ai.prompt.name and
// agenttrace.generation.prompt.version for OpenTelemetry backends. Link
// the generations made from the prompt too ([Generation.SetPrompt]): they
// carry AgentTrace's own prompt fields. A nil prompt, or one without a
// name, links nothing.
func (t *Trace) SetPrompt(p *prompts.Prompt) {
	l := linkOf(p)
	if l.name == "" || !t.recording() {
		return
	}
	t.span.SetAttributes(l.appendAttrs(make([]attribute.KeyValue, 0, 2))...)
	t.meta.update(t, func(m *traceMetadata) { m.prompt = l })
}

// traceMetadata is what the agenttrace.trace.metadata attribute of a trace
// holds: the metadata the application set and the linked prompt.
type traceMetadata struct {
	mu     sync.Mutex
	md     map[string]any
	prompt promptLink
	// seq counts updates, so that of concurrent updates the last one's
	// attribute is the one kept.
	seq uint64
}

// update changes m with f and sets t's metadata attribute. The value is
// encoded (and masked, which calls the application) without the lock held.
func (m *traceMetadata) update(t *Trace, f func(*traceMetadata)) {
	m.mu.Lock()
	f(m)
	m.seq++
	seq, md, l := m.seq, m.md, m.prompt
	m.mu.Unlock()

	kv := semconv.TraceMetadataKey.String(t.client.traceMetadata(md, l))
	m.mu.Lock()
	if m.seq == seq {
		t.span.SetAttributes(kv)
	}
	m.mu.Unlock()
}

// traceMetadata returns the JSON text of a trace's metadata md with the
// prompt link l added (after the mask, which applies to md only).
func (c *Client) traceMetadata(md map[string]any, l promptLink) string {
	if l.name == "" {
		return c.content(md)
	}
	var v any = md
	if c.mask != nil {
		v = c.masked(md)
	}
	out, ok := v.(map[string]any)
	if ok {
		out = maps.Clone(out)
	}
	if out == nil {
		out = make(map[string]any, 2)
		if !ok && v != nil {
			out["metadata"] = v // what a mask made of it
		}
	}
	out["promptName"] = l.name
	if l.version > 0 {
		out["promptVersion"] = l.version
	}
	return jsonvalue.Encode(out, c.maxContentBytes)
}
