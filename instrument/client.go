package instrument

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/agenttrace/agenttrace-otel-go/connection"
	"github.com/agenttrace/agenttrace-otel-go/exporter"
	"github.com/agenttrace/agenttrace-otel-go/internal/httpapi"
	"github.com/agenttrace/agenttrace-otel-go/internal/records"
	"github.com/agenttrace/agenttrace-otel-go/prompts"
)

// scopeName is the instrumentation scope of the spans the client creates.
const scopeName = "github.com/agenttrace/agenttrace-otel-go/instrument"

// A Client creates traces and observations and sends them to AgentTrace.
// Create one with [New] and share it: it is safe for concurrent use. End
// it with [Client.Shutdown].
//
// A nil *Client, like a disabled one, hands out no-op observations.
type Client struct {
	// tracer is nil when tracing is disabled.
	tracer trace.Tracer
	// provider is the client's own TracerProvider; nil with
	// WithTracerProvider.
	provider     *sdktrace.TracerProvider
	userProvider trace.TracerProvider
	exporter     *exporter.Exporter
	// records takes the scores, git links and trace starts to the exporter.
	records records.Sink
	// processor sends spans to AgentTrace: the exporter's own span
	// processor, filtered by the sample rate.
	processor *processor
	// otlp is the batch span processor of dual export, nil without;
	// otlpFailures keeps what its exporter could not send.
	otlp         sdktrace.SpanProcessor
	otlpFailures *failureRecorder
	// conn is the resolved connection of the exporter and the prompt
	// client.
	conn connection.Config
	// promptClient fetches prompts; nil (fallbacks only) when tracing is
	// disabled or offline.
	promptClient *prompts.Client

	mask            func(any) any
	maxContentBytes int
	// agent holds the configuration and per-trace state of the agent
	// features.
	agent *agentState

	// shutdownSem is a one-slot semaphore serialising Shutdown; down,
	// guarded by it, is true once Shutdown ran.
	shutdownSem chan struct{}
	down        bool

	// procs carries traces to and from other processes (A18).
	procs processTrace
}

// New returns a client configured by defaults, then the AGENTTRACE_*
// environment, then opts. While tracing is enabled it needs an API key
// (AGENTTRACE_API_KEY or [WithConnection]) unless the API URL is a file:// URL,
// and it starts the exporter's goroutines; a disabled client starts none.
func New(ctx context.Context, opts ...Option) (*Client, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	c := &Client{
		mask:            cfg.mask,
		maxContentBytes: cfg.maxContentBytes,
		agent:           newAgentState(&cfg.agent),
		shutdownSem:     make(chan struct{}, 1),
		procs:           newProcessTrace(&cfg),
	}
	if !cfg.enabled {
		return c, nil
	}

	exp, err := exporter.New(append([]exporter.Option{exporter.WithConnection(cfg.conn)}, cfg.exporterOpts...)...)
	if err != nil {
		return nil, err
	}
	c.conn = cfg.conn
	c.promptClient, err = newPromptClient(&cfg)
	if err != nil {
		return nil, errors.Join(err, exp.Shutdown(ctx))
	}
	var otlpExp sdktrace.SpanExporter
	if cfg.tracerProvider == nil && cfg.otlpEnabled() {
		var o []otlptracehttp.Option
		if cfg.otlpEndpoint != "" {
			o = append(o, otlptracehttp.WithEndpointURL(tracesURL(cfg.otlpEndpoint)))
		}
		otlpExp, err = otlptracehttp.New(ctx, append(o, cfg.otlpOptions...)...)
		if err != nil {
			return nil, errors.Join(fmt.Errorf("agenttrace: OTLP exporter: %w", err), exp.Shutdown(ctx))
		}
	}

	c.exporter = exp
	c.records = records.SinkOf(exp)
	c.processor = &processor{sp: exp.SpanProcessor()}
	if cfg.sampleRate < 1 {
		c.processor.ratio = sdktrace.TraceIDRatioBased(cfg.sampleRate)
	}

	if tp := cfg.tracerProvider; tp != nil {
		c.userProvider = tp
		c.tracer = tp.Tracer(scopeName, trace.WithInstrumentationVersion(httpapi.Version))
		return c, nil
	}
	popts := []sdktrace.TracerProviderOption{
		sdktrace.WithSpanProcessor(c.processor),
		sdktrace.WithIDGenerator(idGenerator{}),
		sdktrace.WithRawSpanLimits(spanLimits()),
	}
	// The owner mark (PROTOCOL.md A17) around the sampler: a nil base is
	// OTEL_TRACES_SAMPLER or ParentBased(AlwaysSample()).
	var sampler sdktrace.Sampler
	if cfg.sampleRateSet {
		sampler = sdktrace.ParentBased(sdktrace.TraceIDRatioBased(cfg.sampleRate))
	}
	popts = append(popts, sdktrace.WithSampler(exporter.TraceOwnerSampler(sampler)))
	res := cfg.resource
	if res == nil {
		// Default() is computed once per process; Environment() reads
		// OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES now.
		res, err = resource.Merge(resource.Default(), resource.Environment())
		if err != nil {
			otel.Handle(fmt.Errorf("agenttrace: resource: %w", err))
		}
	}
	popts = append(popts, sdktrace.WithResource(res))
	if otlpExp != nil {
		c.otlpFailures = &failureRecorder{SpanExporter: otlpExp}
		c.otlp = sdktrace.NewBatchSpanProcessor(c.otlpFailures)
		popts = append(popts, sdktrace.WithSpanProcessor(c.otlp))
	}
	for _, sp := range cfg.processors {
		popts = append(popts, sdktrace.WithSpanProcessor(sp))
	}
	c.provider = sdktrace.NewTracerProvider(popts...)
	c.tracer = c.provider.Tracer(scopeName, trace.WithInstrumentationVersion(httpapi.Version))
	return c, nil
}

// tracesURL returns the OTLP/HTTP traces URL of an OTLP endpoint, as
// OTEL_EXPORTER_OTLP_ENDPOINT is read: with /v1/traces appended to its
// path unless it ends with it.
func tracesURL(endpoint string) string {
	u, err := url.Parse(endpoint)
	if err != nil || strings.HasSuffix(u.Path, "/v1/traces") {
		return endpoint // otlptracehttp reports a bad URL
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + "/v1/traces"
	return u.String()
}

// spanLimits are OpenTelemetry's limits (with their OTEL_SPAN_* variables)
// with the attribute count raised unless the environment sets it.
func spanLimits() sdktrace.SpanLimits {
	l := sdktrace.NewSpanLimits()
	if _, ok := lookupEnv(envSpanAttributeCount); !ok {
		l.AttributeCountLimit = defaultAttributeCountLimit
	}
	return l
}

// enabled reports whether c records anything.
func (c *Client) enabled() bool { return c != nil && c.tracer != nil }

// TracerProvider returns the provider the client creates its spans with:
// its own, the one given to [WithTracerProvider], or a no-op provider when
// tracing is disabled. Give it to other instrumentations (otelhttp, ...) so
// that their spans join the same traces and exports.
func (c *Client) TracerProvider() trace.TracerProvider {
	switch {
	case !c.enabled():
		return noop.NewTracerProvider()
	case c.provider != nil:
		return c.provider
	default:
		return c.userProvider
	}
}

// SpanProcessor returns the processor that sends spans to AgentTrace (the
// exporter's own processor, honouring the sample rate). Register it on a
// TracerProvider the application already has to add AgentTrace export to
// it:
//
//	client, err := instrument.New(ctx, instrument.WithTracerProvider(tp))
//	tp.RegisterSpanProcessor(client.SpanProcessor())
//
// Its lifecycle is the client's: [Client.Shutdown] shuts it down, and so
// does shutting down a provider it is registered on. A disabled client
// returns a processor that does nothing.
func (c *Client) SpanProcessor() sdktrace.SpanProcessor {
	if !c.enabled() {
		return noopProcessor{}
	}
	return c.processor
}

// Flush sends every span that has ended and every queued record (scores,
// git links) now, and waits until they are delivered or ctx is done. It
// returns what could not be delivered. With [WithTracerProvider], only the
// AgentTrace processor is flushed, not the rest of the application's
// provider.
func (c *Client) Flush(ctx context.Context) error {
	if !c.enabled() {
		return nil
	}
	var err error
	if c.provider != nil {
		err = c.provider.ForceFlush(ctx)
	} else {
		err = c.processor.ForceFlush(ctx)
	}
	if err = errors.Join(err, c.otlpFailures.take()); err != nil {
		return fmt.Errorf("agenttrace: flush: %w", err)
	}
	return nil
}

// Stats returns the counters of the client's AgentTrace exporter: spans
// received, requests, retries, bytes, items delivered by kind and dropped
// by reason. A disabled client returns zero Stats.
func (c *Client) Stats() exporter.Stats {
	if !c.enabled() {
		return exporter.Stats{}
	}
	return c.exporter.Stats()
}

// Shutdown flushes what is pending, stops the client's goroutines and
// returns what could not be delivered before ctx was done. Observations
// started afterwards are not sent. A second call does nothing and returns
// nil. With [WithTracerProvider], the application's provider is left
// running.
func (c *Client) Shutdown(ctx context.Context) error {
	if !c.enabled() {
		return nil
	}
	// Take the semaphore if it is free even when ctx is done: a Shutdown
	// with an expired deadline still stops the client's goroutines.
	select {
	case c.shutdownSem <- struct{}{}:
	default:
		select {
		case c.shutdownSem <- struct{}{}:
		case <-ctx.Done():
			return fmt.Errorf("agenttrace: shutdown: %w", ctx.Err())
		}
	}
	defer func() { <-c.shutdownSem }()
	if c.down {
		return nil
	}
	c.down = true
	// Prompt fetches in flight are cancelled (cached prompts and
	// fallbacks are still served).
	err := c.promptClient.Shutdown(ctx)
	// OpenTelemetry's order: the provider shuts down its processors, ours
	// first (it ends the spans still open, flushes and shuts the exporter
	// down within ctx), then the OTLP one. The provider gives up at the
	// first processor when ctx is done, so the processors that own
	// goroutines are shut down here too; a second Shutdown of each does
	// nothing.
	if c.provider != nil {
		err = errors.Join(err, c.provider.Shutdown(ctx))
	}
	err = errors.Join(err, c.processor.Shutdown(ctx))
	if c.otlp != nil {
		err = errors.Join(err, c.otlp.Shutdown(ctx), c.otlpFailures.take())
	}
	if err != nil {
		return fmt.Errorf("agenttrace: shutdown: %w", err)
	}
	return nil
}

// processor is the AgentTrace span processor: the exporter's own, given
// only the traces the sample rate keeps.
type processor struct {
	sp sdktrace.SpanProcessor
	// ratio is nil when every trace is kept.
	ratio sdktrace.Sampler
	// shut makes Shutdown run once: the provider and Client.Shutdown both
	// call it.
	shut sync.Once
}

func (p *processor) OnStart(ctx context.Context, s sdktrace.ReadWriteSpan) {
	if p.ratio == nil || keep(p.ratio, s.SpanContext().TraceID()) {
		p.sp.OnStart(ctx, s)
	}
}

func (p *processor) OnEnd(s sdktrace.ReadOnlySpan) {
	if p.ratio == nil || keep(p.ratio, s.SpanContext().TraceID()) {
		p.sp.OnEnd(s)
	}
}

func (p *processor) ForceFlush(ctx context.Context) error { return p.sp.ForceFlush(ctx) }

func (p *processor) Shutdown(ctx context.Context) error {
	var err error
	p.shut.Do(func() { err = p.sp.Shutdown(ctx) })
	return err
}

// keep reports whether the trace with id is kept by ratio.
func keep(ratio sdktrace.Sampler, id trace.TraceID) bool {
	r := ratio.ShouldSample(sdktrace.SamplingParameters{ParentContext: context.Background(), TraceID: id})
	return r.Decision == sdktrace.RecordAndSample
}

// noopProcessor is the SpanProcessor of a disabled client.
type noopProcessor struct{}

func (noopProcessor) OnStart(context.Context, sdktrace.ReadWriteSpan) {}
func (noopProcessor) OnEnd(sdktrace.ReadOnlySpan)                     {}
func (noopProcessor) ForceFlush(context.Context) error                { return nil }
func (noopProcessor) Shutdown(context.Context) error                  { return nil }

// failureRecorder wraps the OTLP exporter of dual export and keeps its
// failures, so that Flush and Shutdown report them (the batch span
// processor passes them only to otel.Handle): an unreachable Jaeger or
// Collector is then visible to the caller.
type failureRecorder struct {
	sdktrace.SpanExporter
	mu     sync.Mutex
	spans  int
	reason error
}

func (r *failureRecorder) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	err := r.SpanExporter.ExportSpans(ctx, spans)
	if err != nil {
		r.mu.Lock()
		r.spans += len(spans)
		r.reason = err
		r.mu.Unlock()
	}
	return err
}

// take returns the failures since the previous call; nil when there were
// none, or for a nil recorder.
func (r *failureRecorder) take() error {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.spans == 0 {
		return nil
	}
	err := fmt.Errorf("OTLP export: %d spans not exported: %w", r.spans, r.reason)
	r.spans, r.reason = 0, nil
	return err
}
