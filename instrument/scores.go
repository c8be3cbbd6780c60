package instrument

import (
	"context"
	"fmt"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/agenttrace/agenttrace-otel-go/internal/records"
	"github.com/agenttrace/agenttrace-otel-go/scores"
	"github.com/agenttrace/agenttrace-otel-go/semconv"
)

// evaluationEvent is the name of the span event of a score: the GenAI
// semantic conventions' evaluation result.
const evaluationEvent = "gen_ai.evaluation.result"

// A ScoreOption configures a score ([Client.Score], [Observation.Score]).
type ScoreOption interface {
	applyScore(*scoreConfig)
}

type scoreOption func(*scoreConfig)

func (f scoreOption) applyScore(c *scoreConfig) { f(c) }

type scoreConfig struct {
	observationID trace.SpanID
	comment       string
	time          time.Time
}

// WithComment sets the score's comment: why it was given.
func WithComment(comment string) ScoreOption {
	return scoreOption(func(c *scoreConfig) { c.comment = comment })
}

// Score records a score of the trace with id traceID, as Python's
// at.score(trace_id=..., name=..., value=..., comment=...):
//
//	err := client.Score(ctx, traceID, "quality", scores.Numeric(0.95),
//		instrument.WithComment("Excellent response"))
//
// The value is one of [scores.Numeric], [scores.Boolean] and
// [scores.Categorical], so its data type is never guessed. Trace ids are
// OpenTelemetry ids: [Observation.TraceID] of a trace this process made,
// [ParseTraceID] of the 32 hex digits of one stored elsewhere, or
// [TraceIDFromSeed] of an id the application chose (the Go form of
// trace_id="trace-123": the same seed given to [WithTraceID] when the
// trace was made).
//
// The score is sent as a score-create event once its trace exists on the
// server; Score only queues it and never blocks on the network. When ctx
// carries an observation of the scored trace, the score also uses that
// trace's start time (so that a running trace can be scored by id) and is
// recorded on the observation's span as a gen_ai.evaluation.result event.
//
// An invalid score (see [scores.Validate]; an invalid trace id) is an
// error even when nothing is sent, so that tests with tracing off catch
// it. A score of a trace the sample rate drops, and any score of a
// disabled client, is not sent and is no error. The other errors say why
// the score could not be queued (the client is shut down, the record
// queue is full).
func (c *Client) Score(ctx context.Context, traceID trace.TraceID, name string, value scores.Value, opts ...ScoreOption) error {
	if err := validScore(name, value); err != nil {
		return err
	}
	if !traceID.IsValid() {
		return fmt.Errorf("agenttrace: score %q: invalid trace id %s", name, traceID)
	}
	if !c.enabled() || !c.keeps(traceID) {
		return nil
	}
	s := records.Score{TraceID: traceID, Name: name, Value: value}
	applyScoreOptions(&s, opts)
	var span trace.Span
	if o := current(ctx); o != nil && o.span != nil && o.TraceID() == traceID {
		s.TraceStart = o.trace.start
		span = o.span
	}
	return c.score(span, s)
}

// Score records a score of o: of the whole trace when o is a [Trace] (or
// the root observation an [Observe] started), of the observation o
// otherwise (its id is the score's observation id). It is Python's
// trace.score(name=..., value=...):
//
//	ctx, tr := client.Trace(ctx, "task")
//	defer tr.End()
//	result := process(ctx)
//	err := tr.Score(ctx, "quality", scores.Numeric(0.95))
//
// A running trace can be scored: the score carries the trace's start time,
// so that the exporter creates the trace on the server before sending it.
// While o records, the score is also recorded on its span as a
// gen_ai.evaluation.result event (gen_ai.evaluation.name,
// gen_ai.evaluation.score.value, gen_ai.evaluation.score.label,
// gen_ai.evaluation.explanation), so that OpenTelemetry backends see it.
//
// Errors are those of [Client.Score]. The no-op observations of a disabled
// client or a sampled-out trace send nothing and return nil (after
// validating the score).
func (o *Observation) Score(_ context.Context, name string, value scores.Value, opts ...ScoreOption) error {
	if err := validScore(name, value); err != nil {
		return err
	}
	if o.span == nil || !o.span.SpanContext().IsSampled() || !o.client.keeps(o.TraceID()) {
		return nil
	}
	s := records.Score{TraceID: o.TraceID(), TraceStart: o.trace.start, Name: name, Value: value}
	if o != &o.trace.Observation {
		s.ObservationID = o.ID()
	}
	applyScoreOptions(&s, opts)
	return o.client.score(o.span, s)
}

func validScore(name string, value scores.Value) error {
	if err := scores.Validate(name, value); err != nil {
		return fmt.Errorf("agenttrace: %w", err)
	}
	return nil
}

func applyScoreOptions(s *records.Score, opts []ScoreOption) {
	var cfg scoreConfig
	for _, o := range opts {
		o.applyScore(&cfg)
	}
	if cfg.observationID.IsValid() {
		s.ObservationID = cfg.observationID
	}
	s.Comment = cfg.comment
	s.Time = cfg.time
	if s.Time.IsZero() {
		s.Time = time.Now()
	}
}

// keeps reports whether the sample rate keeps the trace with id: the
// decision of the client's span processor, so that the scores of a trace
// are sent exactly when its spans are.
func (c *Client) keeps(id trace.TraceID) bool {
	return c.processor.ratio == nil || keep(c.processor.ratio, id)
}

// score records s as an event on span, when it records, and queues it.
func (c *Client) score(span trace.Span, s records.Score) error {
	if span != nil && span.IsRecording() {
		span.AddEvent(evaluationEvent, trace.WithTimestamp(s.Time), trace.WithAttributes(evaluationAttrs(s)...))
	}
	if err := c.records.ExportScore(s); err != nil {
		return fmt.Errorf("agenttrace: score %q: %w", s.Name, err)
	}
	return nil
}

// evaluationAttrs returns the attributes of the gen_ai.evaluation.result
// event of s: the value of numeric and boolean scores (1 or 0), the label of
// categorical and boolean ones ("true" or "false"), the comment as the
// explanation.
func evaluationAttrs(s records.Score) []attribute.KeyValue {
	attrs := make([]attribute.KeyValue, 0, 4)
	attrs = append(attrs, semconv.GenAIEvaluationNameKey.String(s.Name))
	switch v := s.Value.(type) {
	case scores.Numeric:
		attrs = append(attrs, semconv.GenAIEvaluationScoreValueKey.Float64(float64(v)))
	case scores.Boolean:
		n := 0.0
		if v {
			n = 1
		}
		attrs = append(attrs, semconv.GenAIEvaluationScoreValueKey.Float64(n), semconv.GenAIEvaluationScoreLabelKey.String(v.String()))
	case scores.Categorical:
		attrs = append(attrs, semconv.GenAIEvaluationScoreLabelKey.String(string(v)))
	}
	if s.Comment != "" {
		attrs = append(attrs, semconv.GenAIEvaluationExplanationKey.String(s.Comment))
	}
	return attrs
}
