package instrument_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/agenttrace/agenttrace-otel-go/exporter"
	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttracetest"
	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/scores"
)

// scoreBodies returns the bodies of the score-create events of reqs, in
// order.
func scoreBodies(t *testing.T, reqs []agenttracetest.Request) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, r := range reqs {
		if r.Path != "/api/public/ingestion" {
			continue
		}
		var env struct {
			Batch []struct {
				Type string         `json:"type"`
				Body map[string]any `json:"body"`
			} `json:"batch"`
		}
		if err := json.Unmarshal(r.Body, &env); err != nil {
			t.Fatal(err)
		}
		for _, ev := range env.Batch {
			if ev.Type == "score-create" {
				out = append(out, ev.Body)
			}
		}
	}
	return out
}

// endedTrace makes an ended trace with one span and returns them.
func endedTrace(t *testing.T, c *instrument.Client, name string, opts ...instrument.ObservationOption) (*instrument.Trace, *instrument.Observation) {
	t.Helper()
	ctx, tr := c.Trace(context.Background(), name, opts...)
	_, sp := tr.Span(ctx, "step")
	sp.End()
	tr.End()
	return tr, sp
}

// Scores / Scoring Traces and Score Types, with the exact body of each
// type on the wire (exporter/PROTOCOL.md A13) and what the server stored.
func TestScoreWireShape(t *testing.T) {
	c, srv := newServerClient(t)
	tr, sp := endedTrace(t, c, "task")
	flush(t, c)
	id, spanID := tr.TraceID(), sp.ID()
	tid := id.String()
	f := func(v float64) *float64 { return &v }
	s := func(v string) *string { return &v }
	tests := []struct {
		name      string
		score     func(context.Context) error
		wantBody  string
		wantValue *float64
		wantStr   *string
		wantType  string
	}{
		{"by id with comment", func(ctx context.Context) error {
			return c.Score(ctx, id, "quality", scores.Numeric(0.95), instrument.WithComment("Excellent response"))
		}, `{"traceId":"` + tid + `","name":"quality","value":0.95,"dataType":"NUMERIC","comment":"Excellent response","source":"API"}`,
			f(0.95), nil, "NUMERIC"},
		{"within a trace", func(ctx context.Context) error {
			return tr.Score(ctx, "quality", scores.Numeric(0.95))
		}, `{"traceId":"` + tid + `","name":"quality","value":0.95,"dataType":"NUMERIC","source":"API"}`,
			f(0.95), nil, "NUMERIC"},
		{"boolean true", func(ctx context.Context) error {
			return c.Score(ctx, id, "correct", scores.Boolean(true))
		}, `{"traceId":"` + tid + `","name":"correct","value":1,"dataType":"BOOLEAN","source":"API"}`,
			f(1), nil, "BOOLEAN"},
		{"boolean false", func(ctx context.Context) error {
			return c.Score(ctx, id, "correct", scores.Boolean(false))
		}, `{"traceId":"` + tid + `","name":"correct","value":0,"dataType":"BOOLEAN","source":"API"}`,
			f(0), nil, "BOOLEAN"},
		{"categorical", func(ctx context.Context) error {
			return c.Score(ctx, id, "rating", scores.Categorical("good"))
		}, `{"traceId":"` + tid + `","name":"rating","stringValue":"good","source":"API"}`,
			nil, s("good"), "CATEGORICAL"},
		{"observation by handle", func(ctx context.Context) error {
			return sp.Score(ctx, "relevance", scores.Numeric(0.5))
		}, `{"traceId":"` + tid + `","observationId":"` + spanID.String() + `","name":"relevance","value":0.5,"dataType":"NUMERIC","source":"API"}`,
			f(0.5), nil, "NUMERIC"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reqs, stored := len(srv.Snapshot().Requests), len(srv.Snapshot().Scores)
			if err := tt.score(context.Background()); err != nil {
				t.Fatal(err)
			}
			flush(t, c)
			bodies := scoreBodies(t, srv.Snapshot().Requests[reqs:])
			if len(bodies) != 1 {
				t.Fatalf("%d score-create events, want 1", len(bodies))
			}
			got, _ := json.Marshal(bodies[0])
			jsonEqual(t, "score body", string(got), tt.wantBody)
			added := srv.Snapshot().Scores[stored:]
			if len(added) != 1 {
				t.Fatalf("%d scores stored, want 1", len(added))
			}
			sc := added[0]
			if sc.TraceID != tid || sc.DataType != tt.wantType || !reflect.DeepEqual(sc.Value, tt.wantValue) || !reflect.DeepEqual(sc.StringValue, tt.wantStr) {
				t.Errorf("stored score %+v", sc)
			}
		})
	}
}

func TestScoreValidation(t *testing.T) {
	enabled, srv := newServerClient(t)
	disabled, err := instrument.New(context.Background(), instrument.WithEnabled(false))
	if err != nil {
		t.Fatal(err)
	}
	tr, _ := endedTrace(t, enabled, "t")
	id := tr.TraceID()
	tests := []struct {
		name  string
		score string
		value scores.Value
		id    trace.TraceID
		want  error
	}{
		{"no name", "", scores.Numeric(1), id, scores.ErrNameRequired},
		{"no value", "q", nil, id, scores.ErrValueRequired},
		{"NaN", "q", scores.Numeric(math.NaN()), id, scores.ErrNotFinite},
		{"infinite", "q", scores.Numeric(math.Inf(-1)), id, scores.ErrNotFinite},
		{"empty category", "q", scores.Categorical(""), id, scores.ErrEmptyCategory},
		{"no trace id", "q", scores.Numeric(1), trace.TraceID{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			for _, c := range []*instrument.Client{enabled, disabled} {
				err := c.Score(ctx, tt.id, tt.score, tt.value)
				if err == nil || tt.want != nil && !errors.Is(err, tt.want) {
					t.Errorf("Score: %v, want %v", err, tt.want)
				}
			}
			if tt.id.IsValid() {
				// Handles validate too, no-op ones included.
				_, noop := disabled.Trace(ctx, "t")
				for _, h := range []*instrument.Trace{tr, noop} {
					if err := h.Score(ctx, tt.score, tt.value); !errors.Is(err, tt.want) {
						t.Errorf("Trace.Score: %v, want %v", err, tt.want)
					}
				}
			}
		})
	}
	flush(t, enabled)
	if n := len(srv.Snapshot().Scores); n != 0 {
		t.Errorf("%d invalid scores stored", n)
	}
}

// A running trace can be scored from its handle, and by id inside it: a
// provisional trace row goes first, then the final row replaces it (same
// id and start time: one row).
func TestScoreRunningTrace(t *testing.T) {
	tests := []struct {
		name  string
		score func(ctx context.Context, c *instrument.Client, tr *instrument.Trace) error
	}{
		{"by handle", func(ctx context.Context, _ *instrument.Client, tr *instrument.Trace) error {
			return tr.Score(ctx, "progress", scores.Numeric(0.5))
		}},
		{"by id inside the trace", func(ctx context.Context, c *instrument.Client, tr *instrument.Trace) error {
			return c.Score(ctx, tr.TraceID(), "on-track", scores.Boolean(true))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, srv := newServerClient(t)
			ctx, tr := c.Trace(context.Background(), "long-task", instrument.WithUserID("u-1"))
			sctx, step := tr.Span(ctx, "step")
			if err := tt.score(sctx, c, tr); err != nil {
				t.Fatal(err)
			}
			flush(t, c)

			id := tr.TraceID().String()
			sn := srv.Snapshot()
			rows := sn.TraceRows(id)
			start := tr.OTelSpan().(sdktrace.ReadOnlySpan).StartTime()
			if len(rows) != 1 || rows[0].EndTime != nil || !rows[0].StartTime.Equal(start.Truncate(time.Millisecond)) {
				t.Fatalf("provisional rows %+v (trace start %s)", rows, start)
			}
			if got := sn.ScoresOf(id); len(got) != 1 {
				t.Fatalf("scores of the running trace: %+v", got)
			}

			step.End()
			tr.End()
			flush(t, c)
			sn = srv.Snapshot()
			rows = sn.TraceRows(id)
			if len(rows) != 1 || rows[0].Name != "long-task" || rows[0].UserID != "u-1" || rows[0].EndTime == nil {
				t.Errorf("final rows %+v", rows)
			}
			if n := len(sn.ScoresOf(id)); n != 1 {
				t.Errorf("%d scores after the trace ended, want 1", n)
			}
		})
	}
}

// A score of an observation that is still running is delivered once the
// observation ends.
func TestScoreRunningObservation(t *testing.T) {
	c, srv := newServerClient(t)
	ctx, tr := c.Trace(context.Background(), "t")
	_, gen := tr.Generation(ctx, "answer")
	if err := gen.Score(ctx, "helpful", scores.Categorical("very")); err != nil {
		t.Fatal(err)
	}
	gen.End()
	tr.End()
	flush(t, c)
	got := srv.Snapshot().Scores
	if len(got) != 1 || got[0].ObservationID != gen.ID().String() || got[0].DataType != "CATEGORICAL" {
		t.Errorf("scores %+v", got)
	}
}

// A trace the sample rate drops is not scored, by handle or by id; the
// decision is the span processor's, with the client's provider and with
// the application's.
func TestScoreSampledOut(t *testing.T) {
	ratio := sdktrace.TraceIDRatioBased(0.5)
	var kept, dropped trace.TraceID
	for i := 0; !kept.IsValid() || !dropped.IsValid(); i++ {
		id := instrument.TraceIDFromSeed(fmt.Sprint("trace-", i))
		if ratio.ShouldSample(sdktrace.SamplingParameters{ParentContext: context.Background(), TraceID: id}).Decision == sdktrace.RecordAndSample {
			kept = id
		} else {
			dropped = id
		}
	}
	for _, appProvider := range []bool{false, true} {
		t.Run(fmt.Sprint("application's provider: ", appProvider), func(t *testing.T) {
			opts := []instrument.Option{instrument.WithSampleRate(0.5)}
			var tp *sdktrace.TracerProvider
			if appProvider {
				// It records every trace; the client's processor drops by
				// rate.
				tp = sdktrace.NewTracerProvider(sdktrace.WithIDGenerator(instrument.NewIDGenerator()))
				t.Cleanup(func() { tp.Shutdown(context.Background()) })
				opts = append(opts, instrument.WithTracerProvider(tp))
			}
			c, srv := newServerClient(t, opts...)
			if tp != nil {
				tp.RegisterSpanProcessor(c.SpanProcessor())
			}
			ctx := context.Background()
			for _, id := range []trace.TraceID{kept, dropped} {
				_, tr := c.Trace(ctx, "t", instrument.WithTraceID(id))
				if err := tr.Score(ctx, "by-handle", scores.Numeric(1)); err != nil {
					t.Fatal(err)
				}
				tr.End()
			}
			flush(t, c)
			for _, id := range []trace.TraceID{kept, dropped} {
				if err := c.Score(ctx, id, "by-id", scores.Numeric(1)); err != nil {
					t.Fatal(err)
				}
			}
			flush(t, c)

			got := map[string][]string{}
			for _, s := range srv.Snapshot().Scores {
				got[s.TraceID] = append(got[s.TraceID], s.Name)
			}
			want := map[string][]string{kept.String(): {"by-handle", "by-id"}}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("scores by trace %v, want %v", got, want)
			}
			if _, ok := srv.Trace(dropped.String()); ok {
				t.Error("the dropped trace has a row")
			}
		})
	}
}

// A disabled client scores nothing, and says nothing went wrong.
func TestScoreDisabled(t *testing.T) {
	c, srv := newServerClient(t, instrument.WithEnabled(false))
	ctx, tr := c.Trace(context.Background(), "t")
	_, sp := tr.Span(ctx, "s")
	for _, err := range []error{
		tr.Score(ctx, "q", scores.Numeric(1)),
		sp.Score(ctx, "q", scores.Boolean(true)),
		instrument.FromContext(ctx).Score(ctx, "q", scores.Categorical("good")),
		c.Score(ctx, instrument.TraceIDFromSeed("t"), "q", scores.Numeric(1)),
	} {
		if err != nil {
			t.Error(err)
		}
	}
	flush(t, c)
	if n := len(srv.Snapshot().Requests); n != 0 {
		t.Errorf("%d requests", n)
	}
}

func TestScoreAfterShutdown(t *testing.T) {
	c, _ := newServerClient(t)
	tr, _ := endedTrace(t, c, "t")
	if err := c.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := tr.Score(context.Background(), "late", scores.Numeric(1)); !errors.Is(err, exporter.ErrShutdown) {
		t.Errorf("Score after Shutdown: %v", err)
	}
}

// eventAttrs returns the attributes of the events named name of s.
func eventAttrs(s sdktrace.ReadOnlySpan, name string) []map[string]string {
	var out []map[string]string
	for _, ev := range s.Events() {
		if ev.Name != name {
			continue
		}
		m := map[string]string{}
		for _, kv := range ev.Attributes {
			m[string(kv.Key)] = kv.Value.String()
		}
		out = append(out, m)
	}
	return out
}

// A score recorded while its observation's span is live is also an event
// on that span, for OpenTelemetry backends.
func TestScoreSpanEvent(t *testing.T) {
	tests := []struct {
		name  string
		value scores.Value
		opts  []instrument.ScoreOption
		want  map[string]string
	}{
		{"numeric", scores.Numeric(0.9), nil, map[string]string{
			"gen_ai.evaluation.name": "s", "gen_ai.evaluation.score.value": "0.9"}},
		{"boolean true", scores.Boolean(true), nil, map[string]string{
			"gen_ai.evaluation.name": "s", "gen_ai.evaluation.score.value": "1", "gen_ai.evaluation.score.label": "true"}},
		{"boolean false", scores.Boolean(false), nil, map[string]string{
			"gen_ai.evaluation.name": "s", "gen_ai.evaluation.score.value": "0", "gen_ai.evaluation.score.label": "false"}},
		{"categorical with comment", scores.Categorical("good"), []instrument.ScoreOption{instrument.WithComment("clear and short")}, map[string]string{
			"gen_ai.evaluation.name": "s", "gen_ai.evaluation.score.label": "good", "gen_ai.evaluation.explanation": "clear and short"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, rec := newClient(t)
			ctx, tr := c.Trace(context.Background(), "t")
			gctx, gen := tr.Generation(ctx, "g")
			if err := gen.Score(ctx, "s", tt.value, tt.opts...); err != nil {
				t.Fatal(err)
			}
			// By id inside the generation: the event goes on its span.
			if err := c.Score(gctx, tr.TraceID(), "s", tt.value, tt.opts...); err != nil {
				t.Fatal(err)
			}
			gen.End()
			// Ended: no event, the score is still sent.
			if err := gen.Score(ctx, "late", tt.value); err != nil {
				t.Fatal(err)
			}
			if err := tr.Score(ctx, "s", tt.value, tt.opts...); err != nil {
				t.Fatal(err)
			}
			tr.End()

			got := spans(t, rec)
			for name, n := range map[string]int{"g": 2, "t": 1} {
				evs := eventAttrs(got[name], "gen_ai.evaluation.result")
				if len(evs) != n {
					t.Fatalf("span %s: %d evaluation events, want %d", name, len(evs), n)
				}
				for _, ev := range evs {
					if !reflect.DeepEqual(ev, tt.want) {
						t.Errorf("span %s: event %v, want %v", name, ev, tt.want)
					}
				}
			}
		})
	}
}

// Client.Score adds the event only to a span of the scored trace.
func TestScoreSpanEventOtherTrace(t *testing.T) {
	c, rec := newClient(t)
	other, _ := endedTrace(t, c, "other")
	ctx, tr := c.Trace(context.Background(), "t")
	if err := c.Score(ctx, other.TraceID(), "q", scores.Numeric(1)); err != nil {
		t.Fatal(err)
	}
	tr.End()
	if evs := spans(t, rec)["t"].Events(); len(evs) != 0 {
		t.Errorf("events %+v on a span of another trace", evs)
	}
}

func TestParseTraceID(t *testing.T) {
	const hex = "4bf92f3577b34da6a3ce929d0e0e4736"
	want, _ := trace.TraceIDFromHex(hex)
	tests := []struct {
		in      string
		want    trace.TraceID
		wantErr bool
	}{
		{hex, want, false},
		{"4BF92F3577B34DA6A3CE929D0E0E4736", want, false},
		{" " + hex + "\n", want, false},
		{"trace-123", trace.TraceID{}, true},
		{hex[:31], trace.TraceID{}, true},
		{"00000000000000000000000000000000", trace.TraceID{}, true},
		{"", trace.TraceID{}, true},
	}
	for _, tt := range tests {
		got, err := instrument.ParseTraceID(tt.in)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("ParseTraceID(%q) = %s, %v", tt.in, got, err)
		}
	}
}
