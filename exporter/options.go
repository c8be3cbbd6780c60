package exporter

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/agenttrace/agenttrace-otel-go/connection"
	"github.com/agenttrace/agenttrace-otel-go/internal/connmerge"
	"github.com/agenttrace/agenttrace-otel-go/internal/pace"
)

// Defaults of the options.
const (
	defaultMaxQueueSize       = 16384
	defaultBatchSize          = 100
	defaultMaxRequestBytes    = 3.5 * (1 << 20)
	defaultFlushInterval      = 5 * time.Second
	defaultMaxRecordTextBytes = 64 << 10
)

// An Option configures an [Exporter].
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// SpanFilter decides whether a span becomes an AgentTrace observation. Spans
// it rejects are not sent, and their exported descendants are attached to
// their nearest exported ancestor.
type SpanFilter func(sdktrace.ReadOnlySpan) bool

type config struct {
	// conn is the resolved connection: every field set.
	conn            connection.Config
	batchSize       int
	maxRequestBytes int
	flushInterval   time.Duration
	gzip            bool
	// logger is WithLogger's; debug (WithDebug, AGENTTRACE_DEBUG) gives
	// a logger to standard error when there is none.
	logger    *slog.Logger
	debug     bool
	filter    SpanFilter
	exportAll bool
	// exportAllOpt is set by WithExportAllSpans, not by the environment.
	exportAllOpt bool
	maxQueue     int
	// requestsPerWindow and rateWindow are the server's request budget
	// until its headers say otherwise.
	requestsPerWindow int
	rateWindow        time.Duration
	// maxInFlight is the most requests in flight at once.
	maxInFlight   int
	maxRecordText int
	meterProvider metric.MeterProvider
}

// WithConnection sets where the AgentTrace API is, the API key, the
// project, the HTTP client, the per-attempt timeout and the retry budget,
// as for the other clients of the SDK (see package connection). The
// exporter's attempts may take 10ms more per item they carry, since the
// server stores items one by one; the retry budget is per item, and waits
// the server asks for (429 or 503 with Retry-After) never use it up: the
// item stays queued. A file:// API URL selects offline mode: the exact
// request bodies are appended to that file as JSON Lines instead of being
// sent. Zero fields take their environment variable, then their default;
// the fields a later WithConnection sets replace those of an earlier one.
func WithConnection(c connection.Config) Option {
	return optionFunc(func(cfg *config) { cfg.conn = connmerge.Merge(cfg.conn, c) })
}

// WithBatchSize sets how many waiting items (events and records) start a
// request ahead of the flush interval, as the Python SDK's batch_size. It
// does not cap a request: a request takes as many items as fit its body
// budget (WithMaxRequestBytes), so that under load the exporter sends
// fewer, fuller requests. Environment: AGENTTRACE_BATCH_SIZE. Default: 100.
func WithBatchSize(n int) Option {
	return optionFunc(func(c *config) { c.batchSize = n })
}

// WithRateLimit sets the server's request budget the exporter keeps to
// until the server's X-RateLimit-* headers say otherwise: at most requests
// in any window of length per (exporter/PROTOCOL.md A11). Every process
// behind one address shares the server's budget: give each a share of it.
// No environment variable. Default: 100 per minute.
func WithRateLimit(requests int, per time.Duration) Option {
	return optionFunc(func(c *config) { c.requestsPerWindow, c.rateWindow = requests, per })
}

// WithMaxRequestBytes sets the largest request body. An event that alone is
// larger has its largest fields truncated, with a visible marker, until it
// fits. Environment: AGENTTRACE_MAX_REQUEST_BYTES. Default: 3.5 MiB.
func WithMaxRequestBytes(n int) Option {
	return optionFunc(func(c *config) { c.maxRequestBytes = n })
}

// WithFlushInterval sets the longest an item waits in the queue before a
// request takes it, pacing allowing. Environment: AGENTTRACE_FLUSH_INTERVAL
// (a Go duration or seconds). Default: 5s.
func WithFlushInterval(d time.Duration) Option {
	return optionFunc(func(c *config) { c.flushInterval = d })
}

// WithGzip compresses request bodies with gzip. Environment: AGENTTRACE_GZIP.
// Default: off.
func WithGzip(on bool) Option {
	return optionFunc(func(c *config) { c.gzip = on })
}

// WithLogger sets the logger of debug output (requests, retries, dropped
// items). API keys never appear in it. It is used whatever [WithDebug] or
// AGENTTRACE_DEBUG say: they only choose whether, without a logger, debug
// output goes to standard error. Default: none.
func WithLogger(l *slog.Logger) Option {
	return optionFunc(func(c *config) { c.logger = l })
}

// WithDebug logs debug output to standard error when on and no
// [WithLogger] logger is given; off, it turns off only that logger to
// standard error (the one AGENTTRACE_DEBUG=true would install), never a
// WithLogger logger. Environment: AGENTTRACE_DEBUG. Default: off.
func WithDebug(on bool) Option {
	return optionFunc(func(c *config) { c.debug = on })
}

// WithSpanFilter replaces the default span filter, which keeps AgentTrace
// spans, GenAI spans and spans of known LLM instrumentations. A filter
// decides alone: [New] refuses it together with [WithExportAllSpans], and
// it overrides AGENTTRACE_EXPORT_ALL_SPANS. A nil filter keeps the default.
func WithSpanFilter(f SpanFilter) Option {
	return optionFunc(func(c *config) { c.filter = f })
}

// WithExportAllSpans makes every span an observation, HTTP and database
// spans included. [New] refuses it together with a [WithSpanFilter]
// filter. Environment: AGENTTRACE_EXPORT_ALL_SPANS (which a WithSpanFilter
// filter overrides).
func WithExportAllSpans() Option {
	return optionFunc(func(c *config) { c.exportAll, c.exportAllOpt = true, true })
}

// WithMaxQueueSize bounds the items (observations, trace rows, scores,
// agent records) queued, in flight or waiting for their trace. When the
// work outgrows what the server's request budget lets through, whole
// traces are dropped, never part of one: a new trace is refused while the
// queue is three quarters full, and a trace whose next span finds it full
// is dropped with what it has queued, unless part of it was already sent.
// Each dropped trace is counted (Stats, agenttrace.sdk.dropped) and
// reported. Default: 16384.
func WithMaxQueueSize(n int) Option {
	return optionFunc(func(c *config) { c.maxQueue = n })
}

// WithMaxRecordTextBytes bounds the captured stdout and stderr of terminal
// commands and the diff preview of file operations; longer text is cut with
// a visible marker and the *Truncated flags set. Default: 64 KiB.
func WithMaxRecordTextBytes(n int) Option {
	return optionFunc(func(c *config) { c.maxRecordText = n })
}

// WithMeterProvider makes the exporter report its own metrics
// (agenttrace.sdk.*) to mp. Default: none.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return optionFunc(func(c *config) { c.meterProvider = mp })
}

func debugLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// newConfig applies defaults, then the environment, then opts, and
// validates the result.
func newConfig(opts []Option) (config, error) {
	c := config{
		batchSize:         defaultBatchSize,
		maxRequestBytes:   defaultMaxRequestBytes,
		flushInterval:     defaultFlushInterval,
		maxQueue:          defaultMaxQueueSize,
		requestsPerWindow: pace.DefaultRequestsPerWindow,
		rateWindow:        pace.DefaultWindow,
		maxInFlight:       16,
		maxRecordText:     defaultMaxRecordTextBytes,
	}
	var errs []error
	env := func(name string, set func(string) error) {
		if v, ok := os.LookupEnv(name); ok && strings.TrimSpace(v) != "" {
			if err := set(strings.TrimSpace(v)); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", name, err))
			}
		}
	}
	env("AGENTTRACE_BATCH_SIZE", intSetter(&c.batchSize))
	env("AGENTTRACE_MAX_REQUEST_BYTES", intSetter(&c.maxRequestBytes))
	env("AGENTTRACE_FLUSH_INTERVAL", durationSetter(&c.flushInterval))
	env("AGENTTRACE_GZIP", boolSetter(&c.gzip))
	env("AGENTTRACE_EXPORT_ALL_SPANS", boolSetter(&c.exportAll))
	env("AGENTTRACE_DEBUG", boolSetter(&c.debug))
	for _, o := range opts {
		o.apply(&c)
	}
	conn, err := c.conn.Resolve()
	if err != nil {
		errs = append(errs, err)
	}
	c.conn = conn
	if c.logger == nil && c.debug {
		c.logger = debugLogger()
	}
	if c.filter != nil {
		if c.exportAllOpt {
			errs = append(errs, errors.New("WithSpanFilter and WithExportAllSpans both given: a span filter decides alone, give one of them"))
		}
		c.exportAll = false
	}
	if err := c.validate(); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return c, fmt.Errorf("agenttrace exporter: %w", errors.Join(errs...))
	}
	return c, nil
}

func (c *config) validate() error {
	var errs []error
	if c.batchSize < 1 {
		errs = append(errs, fmt.Errorf("batch size %d: want at least 1", c.batchSize))
	}
	if c.maxRequestBytes < 4096 {
		errs = append(errs, fmt.Errorf("max request bytes %d: want at least 4096", c.maxRequestBytes))
	}
	if c.flushInterval <= 0 {
		errs = append(errs, fmt.Errorf("flush interval %s: want more than 0", c.flushInterval))
	}
	if c.maxRecordText < 256 {
		errs = append(errs, fmt.Errorf("max record text bytes %d: want at least 256", c.maxRecordText))
	}
	if c.maxQueue < 1 {
		errs = append(errs, fmt.Errorf("max queue size %d: want at least 1", c.maxQueue))
	}
	if c.requestsPerWindow < 1 || c.rateWindow <= 0 {
		errs = append(errs, fmt.Errorf("rate limit %d per %s: want at least 1 per a positive window", c.requestsPerWindow, c.rateWindow))
	}
	return errors.Join(errs...)
}

func intSetter(p *int) func(string) error {
	return func(v string) error {
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("%q is not an integer", v)
		}
		*p = n
		return nil
	}
}

// durationSetter accepts a Go duration ("5s", "250ms") or a number of
// seconds ("5", "0.5"), as the Python SDK's flush_interval.
func durationSetter(p *time.Duration) func(string) error {
	return func(v string) error {
		if d, err := time.ParseDuration(v); err == nil {
			*p = d
			return nil
		}
		s, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return fmt.Errorf("%q is neither a duration nor a number of seconds", v)
		}
		*p = time.Duration(s * float64(time.Second))
		return nil
	}
}

func boolSetter(p *bool) func(string) error {
	return func(v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("%q is not a boolean", v)
		}
		*p = b
		return nil
	}
}
