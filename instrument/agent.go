package instrument

import (
	"context"
	"regexp"
	"slices"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/agenttrace/agenttrace-otel-go/exporter"
	"github.com/agenttrace/agenttrace-otel-go/instrument/internal/redact"
	"github.com/agenttrace/agenttrace-otel-go/internal/jsonvalue"
	"github.com/agenttrace/agenttrace-otel-go/semconv"
)

// defaultMaxOutputBytes is the default budget of each captured standard
// output, standard error and diff preview (see [WithMaxOutputBytes]), the
// exporter's (exporter.WithMaxRecordTextBytes).
const defaultMaxOutputBytes = 64 << 10

// Observation types of the agent records. They are created by
// [Observation.Checkpoint], [Observation.FileOp] and
// [Observation.TerminalCmd], which set the attributes the types need.
const (
	typeCheckpoint      ObservationType = "checkpoint"
	typeFileOperation   ObservationType = "file_operation"
	typeTerminalCommand ObservationType = "terminal_command"
)

// agentConfig is what the client options of the agent features set. Its
// zero value is the default.
type agentConfig struct {
	redactionOff   bool
	patterns       []*regexp.Regexp
	maxOutputBytes int
	// apiKey is the client's API key, redacted wherever it occurs.
	apiKey string
}

// WithRedaction turns the built-in secret redaction of captured command
// output, command arguments, environment values, diff previews and commit
// messages on or off. It recognises API keys (OpenAI, Anthropic,
// AgentTrace, GitHub, Slack, Google), AWS access key ids, JSON Web Tokens,
// bearer and basic authorisation headers, passwords in URLs, assignments to
// secret-looking names (GITHUB_TOKEN=..., "password": "...") and private
// key blocks, and the values of environment variables whose names look
// secret (containing TOKEN, SECRET, PASSWORD, KEY...). Matches are replaced
// by "[REDACTED]". Patterns of [WithRedactionPatterns], the mask of
// [WithMask] and the redaction of the client's own API key ([WithConnection] or
// AGENTTRACE_API_KEY, replaced wherever it occurs, whatever its shape, when
// it has at least 8 characters) apply either way. Default: on.
func WithRedaction(on bool) Option {
	return optionFunc(func(c *config) { c.agent.redactionOff = !on })
}

// WithRedactionPatterns adds patterns whose matches are replaced by
// "[REDACTED]" in the text [WithRedaction] covers, after the built-in
// rules. Default: none.
func WithRedactionPatterns(patterns ...*regexp.Regexp) Option {
	patterns = slices.Clone(patterns)
	return optionFunc(func(c *config) { c.agent.patterns = append(c.agent.patterns, patterns...) })
}

// WithMaxOutputBytes sets the budget of each captured standard output,
// standard error and diff preview, at least 256. Longer text keeps its
// beginning and end (a diff preview its beginning) around a marker
// "[agenttrace: N bytes truncated]", and the record says it was truncated.
// It also sets the exporter's limit ([exporter.WithMaxRecordTextBytes]).
// Default: 64 KiB.
func WithMaxOutputBytes(n int) Option {
	return optionFunc(func(c *config) {
		c.agent.maxOutputBytes = n
		c.exporterOpts = append(c.exporterOpts, exporter.WithMaxRecordTextBytes(n))
	})
}

// Bounds of the per-trace state of checkpoints.
const (
	// maxCheckpointTraces is the most traces whose last checkpoint is
	// remembered; the least recently checkpointed is forgotten first.
	maxCheckpointTraces = 1024
	// minOutputBytes is the smallest output budget (the exporter's).
	minOutputBytes = 256
)

// agentState is the configuration and the state of the agent features of
// one client.
type agentState struct {
	redactor  *redact.Redactor
	maxOutput int

	mu sync.Mutex
	// traces holds the files of the checkpoints of running traces, for the
	// files changed since the previous checkpoint. The entries of traces
	// that have ended are removed by the next checkpoint of any trace.
	traces map[trace.TraceID]*checkpointState
	// tick orders the entries by last use.
	tick uint64
}

func newAgentState(cfg *agentConfig) *agentState {
	n := cfg.maxOutputBytes
	if n <= 0 {
		n = defaultMaxOutputBytes
	}
	return &agentState{
		redactor:  redact.New(!cfg.redactionOff, cfg.patterns...).WithSecrets(cfg.apiKey),
		maxOutput: max(n, minOutputBytes),
	}
}

// clean returns captured text as it may be recorded: secrets redacted,
// then the client's mask applied.
func (c *Client) clean(s string) string {
	return c.maskText(c.agent.redactor.String(s))
}

// maskText returns the client's mask applied to s: s when there is no
// mask, the mask's string, or the JSON of what else it returns.
func (c *Client) maskText(s string) string {
	if c.mask == nil {
		return s
	}
	switch v := c.masked(s).(type) {
	case string:
		return v
	case nil:
		return ""
	default:
		return jsonvalue.Encode(v, c.agent.maxOutput)
	}
}

// startRecord starts the span of an agent record of type typ under o, which
// is live, at start, with attrs and the start time of o's trace, so that
// the exporter can create the trace on the server before the record.
func (o *Observation) startRecord(ctx context.Context, name string, typ ObservationType, start time.Time, attrs []attribute.KeyValue) trace.Span {
	if ts := o.trace.start; !ts.IsZero() {
		attrs = append(attrs, semconv.TraceStartTimeKey.Int64(ts.UnixNano()))
	}
	_, span := o.startChild(ctx, name, kindSpan, &obsConfig{typ: typ, start: start, attrs: attrs})
	return span
}

// recordError records err on span as [Observation.SetError] does.
func (c *Client) recordError(span trace.Span, err error) {
	(&Observation{span: span, client: c}).SetError(err)
}
