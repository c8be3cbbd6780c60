package instrument

import (
	"slices"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// An ObservationOption configures a trace or observation when it is
// created ([Client.Trace], [Observation.Span], [Observation.Generation],
// [Observation.Event], [Observe], [Wrap]). Setting a field at creation
// records the same attribute as the matching setter.
type ObservationOption interface {
	ObserveOption
	applyObservation(*obsConfig)
}

// An ObserveOption configures [Observe], [Do] and [Wrap]. Every
// [ObservationOption] is one.
type ObserveOption interface {
	applyObserve(*observeConfig)
}

// obsConfig is what the options of one creation set.
type obsConfig struct {
	typ                 ObservationType
	input, output       any
	hasInput, hasOutput bool
	metadata            map[string]any
	level               Level
	statusMessage       string
	version             string
	userID, sessionID   string
	release             string
	tags                []string
	model, provider     string
	modelParameters     map[string]any
	usage               Usage
	usageSet            bool
	prompt              promptLink
	traceID             trace.TraceID
	start               time.Time
	attrs               []attribute.KeyValue
}

func newObsConfig(opts []ObservationOption) *obsConfig {
	cfg := new(obsConfig)
	for _, o := range opts {
		o.applyObservation(cfg)
	}
	return cfg
}

// observeConfig is the configuration of an Observe, Do or Wrap call.
type observeConfig struct {
	obs                         obsConfig
	captureInput, captureOutput bool
}

func newObserveConfig(opts []ObserveOption) *observeConfig {
	cfg := &observeConfig{captureInput: true, captureOutput: true}
	for _, o := range opts {
		o.applyObserve(cfg)
	}
	return cfg
}

type observationOption func(*obsConfig)

func (f observationOption) applyObservation(c *obsConfig) { f(c) }
func (f observationOption) applyObserve(c *observeConfig) { f(&c.obs) }

// The options most often given as constants are not closures, so that
// passing one allocates nothing.

type typeOption ObservationType

func (t typeOption) applyObservation(c *obsConfig) { c.typ = ObservationType(t) }
func (t typeOption) applyObserve(c *observeConfig) { c.obs.typ = ObservationType(t) }

type modelOption string

func (m modelOption) applyObservation(c *obsConfig) { c.model = string(m) }
func (m modelOption) applyObserve(c *observeConfig) { c.obs.model = string(m) }

type levelOption Level

func (l levelOption) applyObservation(c *obsConfig) { c.level = Level(l) }
func (l levelOption) applyObserve(c *observeConfig) { c.obs.level = Level(l) }

// WithType sets the type of the observation (default: span for
// [Observation.Span], [Observe] and [Wrap], generation for
// [Observation.Generation]). On [Client.Trace] it is the type of the trace's
// root observation.
func WithType(t ObservationType) ObservationOption { return typeOption(t) }

// WithInput sets the input (see [Observation.SetInput]).
func WithInput(v any) ObservationOption {
	return observationOption(func(c *obsConfig) { c.input, c.hasInput = v, true })
}

// WithOutput sets the output (see [Observation.SetOutput]).
func WithOutput(v any) ObservationOption {
	return observationOption(func(c *obsConfig) { c.output, c.hasOutput = v, true })
}

// WithMetadata sets the metadata: the trace's for [Client.Trace] (see
// [Trace.SetTraceMetadata]), the observation's otherwise (see
// [Observation.SetMetadata]).
func WithMetadata(md map[string]any) ObservationOption {
	return observationOption(func(c *obsConfig) { c.metadata = md })
}

// WithLevel sets the level (see [Observation.SetLevel]).
func WithLevel(l Level) ObservationOption { return levelOption(l) }

// WithStatusMessage sets the status message (see
// [Observation.SetStatusMessage]).
func WithStatusMessage(msg string) ObservationOption {
	return observationOption(func(c *obsConfig) { c.statusMessage = msg })
}

// WithVersion sets the version of the code that ran: the trace's for
// [Client.Trace] (see [Trace.SetTraceVersion]), the observation's otherwise
// (see [Observation.SetVersion]).
func WithVersion(v string) ObservationOption {
	return observationOption(func(c *obsConfig) { c.version = v })
}

// WithUserID sets the trace's user id. Like the other trace-level options
// (WithSessionID, WithTags, WithRelease) it may be given to any
// observation of the trace.
func WithUserID(id string) ObservationOption {
	return observationOption(func(c *obsConfig) { c.userID = id })
}

// WithSessionID sets the trace's session id: the traces given the same id
// are grouped as one session (the turns of a conversation, the tasks of
// one user visit), as the Python SDK's at.session(id) does.
func WithSessionID(id string) ObservationOption {
	return observationOption(func(c *obsConfig) { c.sessionID = id })
}

// WithTags sets the trace's tags.
func WithTags(tags ...string) ObservationOption {
	tags = slices.Clone(tags)
	return observationOption(func(c *obsConfig) { c.tags = tags })
}

// WithRelease sets the release of the application that produced the trace.
func WithRelease(r string) ObservationOption {
	return observationOption(func(c *obsConfig) { c.release = r })
}

// WithModel sets the model a generation calls (gen_ai.request.model).
func WithModel(model string) ObservationOption { return modelOption(model) }

// WithProvider sets the provider of a generation's model
// (gen_ai.provider.name: "openai", "anthropic", ...).
func WithProvider(name string) ObservationOption {
	return observationOption(func(c *obsConfig) { c.provider = name })
}

// WithModelParameters sets the parameters a generation calls its model
// with (see [Generation.SetModelParameters]).
func WithModelParameters(params map[string]any) ObservationOption {
	return observationOption(func(c *obsConfig) { c.modelParameters = params })
}

// WithUsage sets the token usage of a generation.
func WithUsage(u Usage) ObservationOption {
	return observationOption(func(c *obsConfig) { c.usage, c.usageSet = u, true })
}

// WithTraceID sets the id of a new trace, for example one from
// [TraceIDFromSeed] so that the trace can be scored later by an id the
// application knows. It applies where a trace starts ([Client.Trace], an
// [Observe] or [Wrap] with no trace in its context) and needs the client's
// own TracerProvider or one with [NewIDGenerator]; an invalid id is
// ignored.
func WithTraceID(id trace.TraceID) ObservationOption {
	return observationOption(func(c *obsConfig) { c.traceID = id })
}

// WithStartTime sets the start time of the observation (default: now).
func WithStartTime(t time.Time) ObservationOption {
	return observationOption(func(c *obsConfig) { c.start = t })
}

// WithAttributes adds OpenTelemetry attributes to the observation's span.
func WithAttributes(kv ...attribute.KeyValue) ObservationOption {
	kv = slices.Clone(kv)
	return observationOption(func(c *obsConfig) { c.attrs = append(c.attrs, kv...) })
}

type observeOption func(*observeConfig)

func (f observeOption) applyObserve(c *observeConfig) { f(c) }

// WithCaptureInput sets whether [Wrap] records the wrapped function's
// argument as the observation's input. (The functions of [Observe] and
// [Do] take no argument; give them [WithInput].) Default: true.
func WithCaptureInput(on bool) ObserveOption {
	return observeOption(func(c *observeConfig) { c.captureInput = on })
}

// WithCaptureOutput sets whether [Observe] and [Wrap] record the wrapped
// function's result as the observation's output. Default: true.
func WithCaptureOutput(on bool) ObserveOption {
	return observeOption(func(c *observeConfig) { c.captureOutput = on })
}
