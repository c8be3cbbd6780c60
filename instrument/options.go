package instrument

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/agenttrace/agenttrace-otel-go/exporter"
	"github.com/agenttrace/agenttrace-otel-go/internal/httpapi"
	"github.com/agenttrace/agenttrace-otel-go/internal/jsonvalue"
	"github.com/agenttrace/agenttrace-otel-go/prompts"
)

// Environment variables read by [New] besides the exporter's
// (AGENTTRACE_API_KEY, AGENTTRACE_API_URL, AGENTTRACE_PROJECT_ID,
// AGENTTRACE_DEBUG, AGENTTRACE_FLUSH_INTERVAL, AGENTTRACE_BATCH_SIZE: see
// [exporter.EnvAPIKey] and the constants beside it). Options given to New
// win over them.
const (
	// EnvEnabled turns tracing off when false ("false", "0").
	EnvEnabled = "AGENTTRACE_ENABLED"
	// EnvSampleRate is the fraction of traces kept, from 0 to 1.
	EnvSampleRate = "AGENTTRACE_SAMPLE_RATE"
	// EnvJoinEnvTrace, when false, makes the client ignore the
	// TRACEPARENT and TRACESTATE of its environment (see
	// [WithJoinEnvTrace]).
	EnvJoinEnvTrace = "AGENTTRACE_JOIN_ENV_TRACE"
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
	// DefaultMaxContentBytes is the budget of each captured input, output
	// and metadata value.
	DefaultMaxContentBytes = 32 << 10
	// DefaultAttributeCountLimit is the attribute count limit of the
	// client's own TracerProvider, raised from OpenTelemetry's 128 so that
	// trace-level attributes set late on a busy span are kept.
	DefaultAttributeCountLimit = 1024
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

	// endpoint and httpClient are the connection settings, resolved from
	// the environment and the options above, for the prompt client (the
	// exporter resolves the same from the same options).
	endpoint       httpapi.Endpoint
	httpClient     *http.Client
	promptCacheTTL time.Duration
}

// WithAPIKey sets the AgentTrace API key. Environment: AGENTTRACE_API_KEY.
// Required while tracing is enabled, unless the API URL is a file:// URL.
func WithAPIKey(key string) Option {
	return optionFunc(func(c *config) {
		c.endpoint.APIKey = key
		c.exporterOpts = append(c.exporterOpts, exporter.WithAPIKey(key))
	})
}

// WithProjectID sets the project id sent with every request. Environment:
// AGENTTRACE_PROJECT_ID. Default: none.
func WithProjectID(id string) Option {
	return optionFunc(func(c *config) {
		c.endpoint.ProjectID = id
		c.exporterOpts = append(c.exporterOpts, exporter.WithProjectID(id))
	})
}

// WithAPIURL sets the base URL of the AgentTrace API (for self-hosted
// servers). A file:// URL selects offline mode: requests are appended to
// that file instead of being sent, and no API key is needed. Environment:
// AGENTTRACE_API_URL. Default: https://api.agenttrace.io.
func WithAPIURL(u string) Option {
	return optionFunc(func(c *config) {
		c.endpoint.URL = u
		c.exporterOpts = append(c.exporterOpts, exporter.WithAPIURL(u))
	})
}

// WithInsecure allows a plain http:// API URL to a host that is not
// loopback, which sends the API key unencrypted, for exports and prompt
// fetches. Without it, [New] refuses such a URL; http:// to 127.0.0.0/8,
// ::1 or localhost is always allowed. Environment: AGENTTRACE_INSECURE=true.
// Default: off.
func WithInsecure() Option {
	return optionFunc(func(c *config) {
		c.endpoint.Insecure = true
		c.exporterOpts = append(c.exporterOpts, exporter.WithInsecure())
	})
}

// WithDebug logs what the exporter does (requests, retries, dropped items)
// to standard error when on; API keys never appear in it. A logger given
// with [WithExporterOptions]([exporter.WithLogger]) is used instead, on or
// off. Environment: AGENTTRACE_DEBUG. Default: off.
func WithDebug(on bool) Option {
	return withExporter(exporter.WithDebug(on))
}

// WithFlushInterval sets the longest ended spans and queued records wait
// before a request takes them, pacing allowing (the exporter's flush
// interval). Environment:
// AGENTTRACE_FLUSH_INTERVAL (a Go duration or seconds). Default: 5s.
func WithFlushInterval(d time.Duration) Option {
	return optionFunc(func(c *config) { c.exporterOpts = append(c.exporterOpts, exporter.WithFlushInterval(d)) })
}

// DefaultMaxQueueSize is the default of [WithMaxQueueSize].
const DefaultMaxQueueSize = exporter.DefaultMaxQueueSize

// WithMaxQueueSize bounds the items (observations, trace rows, scores,
// agent records) waiting to be sent; it also bounds memory while AgentTrace
// is unreachable. Ending a span never blocks: when the work outgrows what
// the server's request budget lets through, whole traces are dropped,
// never part of one, and [Client.Flush] and [Client.Shutdown] report them.
// Default: 16384.
func WithMaxQueueSize(n int) Option {
	return optionFunc(func(c *config) { c.exporterOpts = append(c.exporterOpts, exporter.WithMaxQueueSize(n)) })
}

// WithBatchSize sets how many waiting items start a request ahead of the
// flush interval; a request takes as many items as fit its byte budget.
// Environment: AGENTTRACE_BATCH_SIZE. Default: 100.
func WithBatchSize(n int) Option {
	return optionFunc(func(c *config) { c.exporterOpts = append(c.exporterOpts, exporter.WithBatchSize(n)) })
}

// WithMeterProvider makes the client report the SDK's own metrics
// (agenttrace.sdk.exported, .dropped, .retries, .request.duration and
// .queue.depth) to mp. Default: none.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return optionFunc(func(c *config) {
		c.exporterOpts = append(c.exporterOpts, exporter.WithMeterProvider(mp))
	})
}

// WithHTTPClient sets the HTTP client of the requests to AgentTrace
// (exports and prompt fetches; not OTLP export: see [WithOTLPOptions]).
// Default: a client with its own transport for exports,
// http.DefaultClient for prompt fetches.
func WithHTTPClient(hc *http.Client) Option {
	return optionFunc(func(c *config) {
		c.httpClient = hc
		c.exporterOpts = append(c.exporterOpts, exporter.WithHTTPClient(hc))
	})
}

// WithExporterOptions passes options to the AgentTrace exporter
// ([exporter.WithGzip], [exporter.WithTimeout], [exporter.WithLogger],
// [exporter.WithSpanFilter], ...). They apply after the options above, and
// to the exporter only: give the API key, URL, project id and HTTP client
// with the options above, which [Client.GetPrompt] uses too.
func WithExporterOptions(opts ...exporter.Option) Option {
	return optionFunc(func(c *config) { c.exporterOpts = append(c.exporterOpts, opts...) })
}

func withExporter(o exporter.Option) Option {
	return optionFunc(func(c *config) { c.exporterOpts = append(c.exporterOpts, o) })
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
	endpoint, envErr := httpapi.EndpointFromEnv()
	c := config{
		enabled:         true,
		sampleRate:      1,
		maxContentBytes: DefaultMaxContentBytes,
		endpoint:        endpoint,
		promptCacheTTL:  prompts.DefaultCacheTTL,
		joinEnvTrace:    true,
		commandTrace:    true,
	}
	var errs []error
	if envErr != nil {
		errs = append(errs, envErr)
	}
	if v, ok := lookupEnv(EnvEnabled); ok {
		on, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %q is not a boolean", EnvEnabled, v))
		} else {
			c.enabled = on
		}
	}
	if v, ok := lookupEnv(EnvSampleRate); ok {
		r, err := strconv.ParseFloat(v, 64)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %q is not a number", EnvSampleRate, v))
		} else {
			c.sampleRate, c.sampleRateSet = r, true
		}
	}
	if v, ok := lookupEnv(EnvJoinEnvTrace); ok {
		on, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %q is not a boolean", EnvJoinEnvTrace, v))
		} else {
			c.joinEnvTrace = on
		}
	}
	for _, o := range opts {
		o.apply(&c)
	}
	c.agent.apiKey = c.endpoint.APIKey // redacted from captured text
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
