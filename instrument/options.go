package instrument

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/agenttrace/agenttrace-otel-go/connection"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/agenttrace/agenttrace-otel-go/exporter"
	"github.com/agenttrace/agenttrace-otel-go/internal/connmerge"
	"github.com/agenttrace/agenttrace-otel-go/internal/jsonvalue"
	"github.com/agenttrace/agenttrace-otel-go/prompts"
)

// Environment variables read by [New] besides those of package connection
// and of the exporter (see the package documentation). Options given to
// New win over them.
const (
	envEnabled      = "AGENTTRACE_ENABLED"
	envSampleRate   = "AGENTTRACE_SAMPLE_RATE"
	envJoinEnvTrace = "AGENTTRACE_JOIN_ENV_TRACE"
)

// The standard OTLP variables that turn on dual export (see
// [WithOTLPEndpoint]).
const (
	envOTLPEndpoint       = "OTEL_EXPORTER_OTLP_ENDPOINT"
	envOTLPTracesEndpoint = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
	envSpanAttributeCount = "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT"
)

// Defaults.
const (
	// defaultMaxContentBytes is the budget of each captured input, output
	// and metadata value.
	defaultMaxContentBytes = 32 << 10
	// defaultAttributeCountLimit is the attribute count limit of the
	// client's own TracerProvider, raised from OpenTelemetry's 128 so that
	// trace-level attributes set late on a busy span are kept.
	defaultAttributeCountLimit = 1024
)

// An Option configures a [Client].
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	// exporterOpts go to exporter.New, which validates them and reads the
	// exporter's environment variables.
	exporterOpts  []exporter.Option
	enabled       bool
	sampleRate    float64
	sampleRateSet bool

	tracerProvider trace.TracerProvider
	processors     []sdktrace.SpanProcessor
	resource       *resource.Resource
	otlpEndpoint   string
	otlpOptions    []otlptracehttp.Option

	mask            func(any) any
	maxContentBytes int

	// joinEnvTrace and commandTrace turn on the two halves of the trace
	// propagation between processes (A18).
	joinEnvTrace bool
	commandTrace bool

	// agent configures the agent features (checkpoints, file
	// operations, terminal commands, git links).
	agent agentConfig

	// conn is the connection of the exporter and the prompt client,
	// resolved by newConfig when the client is enabled.
	conn           connection.Config
	promptCacheTTL time.Duration
}

// WithConnection sets where the AgentTrace API is, the API key (required
// while tracing is enabled, unless the API URL is a file:// URL), the
// project, the HTTP client, the per-attempt timeout and the retry budget,
// for the exporter and for [Client.GetPrompt] alike (not for OTLP export:
// see [WithOTLPOptions]). Zero fields take their environment variable
// (AGENTTRACE_API_KEY, AGENTTRACE_API_URL...), then their default; the
// fields a later WithConnection sets replace those of an earlier one. See
// package connection.
func WithConnection(conn connection.Config) Option {
	return optionFunc(func(c *config) { c.conn = connmerge.Merge(c.conn, conn) })
}

// WithExporterOptions passes options to the AgentTrace exporter: how it
// batches and queues ([exporter.WithBatchSize],
// [exporter.WithFlushInterval], [exporter.WithMaxQueueSize],
// [exporter.WithRateLimit]), [exporter.WithGzip], [exporter.WithLogger],
// [exporter.WithSpanFilter]... They apply to the exporter only, after
// [WithConnection] (which [Client.GetPrompt] uses too).
func WithExporterOptions(opts ...exporter.Option) Option {
	return optionFunc(func(c *config) { c.exporterOpts = append(c.exporterOpts, opts...) })
}

// WithEnabled turns tracing on or off. A disabled client needs no API key,
// starts no goroutine, sends nothing and hands out no-op observations.
// Environment: AGENTTRACE_ENABLED. Default: on.
func WithEnabled(on bool) Option {
	return optionFunc(func(c *config) { c.enabled = on })
}

// WithSampleRate sets the fraction of traces recorded and sent, from 0 to
// 1. The decision is made once per trace from its trace id, so a trace is
// kept or dropped whole, and every service and record (score, git link)
// sharing the trace id decides alike. With the client's own
// TracerProvider, dropped traces are not recorded at all (the sampler is
// ParentBased(TraceIDRatioBased(rate)), so a remote parent's decision is
// followed); in every case only kept traces reach AgentTrace. Environment:
// AGENTTRACE_SAMPLE_RATE. Default: 1 (and OTEL_TRACES_SAMPLER, when set,
// chooses the own provider's sampler).
func WithSampleRate(rate float64) Option {
	return optionFunc(func(c *config) { c.sampleRate, c.sampleRateSet = rate, true })
}

// WithTracerProvider makes the client create its spans through tp, an
// OpenTelemetry setup the application already has, instead of its own
// provider. AgentTrace export is then added to tp by registering
// [Client.SpanProcessor] on it. [Client.Shutdown] does not shut tp down.
// Options that configure the client's own provider (WithOTLPEndpoint,
// WithSpanProcessor, WithResource) cannot be combined with it.
//
// For one trace row per trace when a trace crosses processes (services
// calling each other, sub-agents run as processes), give tp the owner mark
// the client's own provider has:
//
//	sdktrace.WithSampler(exporter.TraceOwnerSampler(sdktrace.ParentBased(sdktrace.AlwaysSample())))
//
// Without it, each process of ours whose spans come in with a remote parent
// writes its own row for the trace, and the server holds several rows of
// one trace id.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return optionFunc(func(c *config) { c.tracerProvider = tp })
}

// WithJoinEnvTrace makes a client whose context holds no span start its
// traces as children of the span that the TRACEPARENT and TRACESTATE
// variables of its environment name (the OpenTelemetry environment
// carrier, read once by [New]), so that a program run as a child process
// by an instrumented agent ([Observation.RunCommand] sets them) records
// into the agent's trace; the trace row stays the agent's. Off, or without
// a valid TRACEPARENT, such traces start new OpenTelemetry traces. Traces
// started in the context of a span (an HTTP request's, say) are that
// span's children either way. Environment: AGENTTRACE_JOIN_ENV_TRACE.
// Default: on.
func WithJoinEnvTrace(on bool) Option {
	return optionFunc(func(c *config) { c.joinEnvTrace = on })
}

// WithCommandTrace makes [Observation.RunCommand] pass the trace on to the
// command it runs: TRACEPARENT (naming the command's span) and TRACESTATE
// in the command's environment, replacing any already there, as the
// OpenTelemetry environment carrier says. An instrumented program run that
// way joins the trace (see [WithJoinEnvTrace]). Off, the command's
// environment is left as it is. Default: on.
func WithCommandTrace(on bool) Option {
	return optionFunc(func(c *config) { c.commandTrace = on })
}

// WithSpanProcessor adds sp to the client's own TracerProvider, beside the
// AgentTrace export: another exporter, an enriching processor, a
// tracetest.SpanRecorder. The client shuts it down with the provider.
func WithSpanProcessor(sp sdktrace.SpanProcessor) Option {
	return optionFunc(func(c *config) { c.processors = append(c.processors, sp) })
}

// WithResource sets the resource of the client's own TracerProvider.
// Default: OpenTelemetry's default resource merged with
// OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME.
func WithResource(r *resource.Resource) Option {
	return optionFunc(func(c *config) { c.resource = r })
}

// WithOTLPEndpoint adds plain OTLP/HTTP export of the same spans to the
// OTLP endpoint at url (a Collector, Jaeger, Tempo...), for example
// "http://localhost:4318". As with OTEL_EXPORTER_OTLP_ENDPOINT, spans are
// posted to its path followed by /v1/traces (unless the path already ends
// with it). Environment: OTEL_EXPORTER_OTLP_ENDPOINT or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (and the other OTEL_EXPORTER_OTLP_*
// variables otlptracehttp reads). Default: no OTLP export.
func WithOTLPEndpoint(url string) Option {
	return optionFunc(func(c *config) { c.otlpEndpoint = url })
}

// WithOTLPOptions passes options to the OTLP/HTTP exporter of dual export
// (headers, TLS, HTTP client...). They apply after the endpoint.
func WithOTLPOptions(opts ...otlptracehttp.Option) Option {
	return optionFunc(func(c *config) { c.otlpOptions = append(c.otlpOptions, opts...) })
}

// WithMask sets a function applied to every captured input, output and
// metadata value (and event data) before it is encoded, to remove secrets
// or personal data. It receives the value as the application passed it and
// must not modify it; what it returns is encoded instead. A mask that
// panics yields the placeholder "[masking failed]", never the unmasked
// value. Default: none.
func WithMask(mask func(v any) any) Option {
	return optionFunc(func(c *config) { c.mask = mask })
}

// WithMaxContentBytes sets the budget of each captured value as JSON text
// (at least 128). Larger values are cut in a way that keeps them valid JSON
// and says so: long strings keep their beginning and a marker
// "...[agenttrace: truncated N of M bytes]"; values with too many elements
// become {"agenttrace.truncated":true,"bytes":M,"preview":"..."}. Default:
// 32 KiB.
func WithMaxContentBytes(n int) Option {
	return optionFunc(func(c *config) { c.maxContentBytes = n })
}

// WithPromptCacheTTL sets how long [Client.GetPrompt] serves a fetched
// prompt from its cache before refreshing it (see [prompts.WithCacheTTL],
// which also sets it for one call). Zero fetches on every call, using the
// cache only when the fetch fails. Default: 60s.
func WithPromptCacheTTL(d time.Duration) Option {
	return optionFunc(func(c *config) { c.promptCacheTTL = d })
}

// newConfig applies defaults, then the environment, then opts, and
// validates the result. The exporter's settings are validated by
// exporter.New.
func newConfig(opts []Option) (config, error) {
	c := config{
		enabled:         true,
		sampleRate:      1,
		maxContentBytes: defaultMaxContentBytes,
		promptCacheTTL:  prompts.DefaultCacheTTL,
		joinEnvTrace:    true,
		commandTrace:    true,
	}
	var errs []error
	if v, ok := lookupEnv(envEnabled); ok {
		on, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %q is not a boolean", envEnabled, v))
		} else {
			c.enabled = on
		}
	}
	if v, ok := lookupEnv(envSampleRate); ok {
		r, err := strconv.ParseFloat(v, 64)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %q is not a number", envSampleRate, v))
		} else {
			c.sampleRate, c.sampleRateSet = r, true
		}
	}
	if v, ok := lookupEnv(envJoinEnvTrace); ok {
		on, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %q is not a boolean", envJoinEnvTrace, v))
		} else {
			c.joinEnvTrace = on
		}
	}
	for _, o := range opts {
		o.apply(&c)
	}
	if c.enabled {
		conn, err := c.conn.Resolve()
		if err != nil {
			errs = append(errs, err)
		}
		c.conn = conn
	}
	c.agent.apiKey = c.conn.APIKey // redacted from captured text
	if c.sampleRate < 0 || c.sampleRate > 1 || c.sampleRate != c.sampleRate {
		errs = append(errs, fmt.Errorf("sample rate %v: want 0 to 1", c.sampleRate))
	}
	if c.promptCacheTTL < 0 {
		errs = append(errs, fmt.Errorf("prompt cache TTL %s: want 0 or more", c.promptCacheTTL))
	}
	if c.maxContentBytes < jsonvalue.MinLimit {
		errs = append(errs, fmt.Errorf("max content bytes %d: want at least %d", c.maxContentBytes, jsonvalue.MinLimit))
	}
	if c.tracerProvider != nil {
		switch {
		case c.otlpEndpoint != "":
			errs = append(errs, errors.New("WithOTLPEndpoint configures the client's own TracerProvider: add OTLP export to the provider given to WithTracerProvider"))
		case len(c.processors) > 0:
			errs = append(errs, errors.New("WithSpanProcessor configures the client's own TracerProvider: register the processor on the provider given to WithTracerProvider"))
		case c.resource != nil:
			errs = append(errs, errors.New("WithResource configures the client's own TracerProvider, not the one given to WithTracerProvider"))
		}
	}
	if len(errs) > 0 {
		return c, fmt.Errorf("agenttrace: %w", errors.Join(errs...))
	}
	return c, nil
}

// otlpEnabled reports whether dual export is asked for.
func (c *config) otlpEnabled() bool {
	if c.otlpEndpoint != "" {
		return true
	}
	_, a := lookupEnv(envOTLPEndpoint)
	_, b := lookupEnv(envOTLPTracesEndpoint)
	return a || b
}

// lookupEnv returns the trimmed value of a set, non-blank variable.
func lookupEnv(name string) (string, bool) {
	v, ok := os.LookupEnv(name)
	v = strings.TrimSpace(v)
	return v, ok && v != ""
}
