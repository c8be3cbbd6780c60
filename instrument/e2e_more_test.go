package instrument_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/agenttrace/agenttrace-otel-go/connection"
	"github.com/agenttrace/agenttrace-otel-go/semconv"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/goleak"
	"golang.org/x/sync/errgroup"

	"github.com/agenttrace/agenttrace-otel-go/exporter"
	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttracetest"
	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/internal/attestctl"
	"github.com/agenttrace/agenttrace-otel-go/scores"
)

// More end-to-end tests: what the instrument records, as the server
// stores it after the real exporter converted and sent it.

func TestE2ECompletionStartTime(t *testing.T) {
	c, srv := newServerClient(t)
	start := time.Date(2026, 11, 25, 9, 30, 0, 0, time.UTC)
	first := start.Add(420*time.Millisecond + 999*time.Microsecond)
	ctx, tr := c.Trace(context.Background(), "t")
	_, gen := tr.Generation(ctx, "stream", instrument.WithModel("gpt-4"), instrument.WithStartTime(start))
	gen.SetCompletionStartTime(first)
	gen.End()
	tr.End()
	flush(t, c)

	g := byName(t, srv, tr.TraceID().String())["stream"]
	// Timestamps travel with millisecond precision (A4).
	if want := first.Truncate(time.Millisecond); g.CompletionStartTime == nil || !g.CompletionStartTime.Equal(want) {
		t.Errorf("completionStartTime %v, want %v", g.CompletionStartTime, want)
	}
}

// Trace-level fields may be set on any observation; the trace row has
// them all.
func TestE2ETraceFieldsFromChildren(t *testing.T) {
	c, srv := newServerClient(t)
	ctx, tr := c.Trace(context.Background(), "conversation-turn", instrument.WithTags("chat"))
	sctx, step := tr.Span(ctx, "auth", instrument.WithUserID("u-9"), instrument.WithSessionID("s-3"))
	_, gen := step.Generation(sctx, "reply", instrument.WithRelease("v2.4.1"), instrument.WithAttributes(semconv.TracePublicKey.Bool(true)))
	gen.End()
	step.End()
	instrument.TraceFromContext(sctx).SetTraceVersion("agent-7")
	tr.End()
	flush(t, c)

	row := storedTrace(t, srv, tr.TraceID().String())
	want := agenttracetest.Trace{Name: "conversation-turn", UserID: "u-9", SessionID: "s-3", Release: "v2.4.1", Version: "agent-7", Tags: []string{"chat"}, Public: true}
	got := agenttracetest.Trace{Name: row.Name, UserID: row.UserID, SessionID: row.SessionID, Release: row.Release, Version: row.Version, Tags: row.Tags, Public: row.Public}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("trace row %+v, want %+v", got, want)
	}
}

func TestE2ELevels(t *testing.T) {
	c, srv := newServerClient(t)
	tests := []struct {
		level instrument.Level
		want  string
	}{
		{instrument.LevelDebug, "DEBUG"},
		{instrument.LevelDefault, "DEFAULT"},
		{instrument.LevelWarning, "WARNING"},
		{instrument.LevelError, "ERROR"},
		{"INFO", "DEFAULT"},
		{"warn", "WARNING"},
		{"fatal", "ERROR"},
		{"trace", "DEBUG"},
	}
	ctx, tr := c.Trace(context.Background(), "levels")
	for i, tt := range tests {
		_, sp := tr.Span(ctx, fmt.Sprint("by-option-", i), instrument.WithLevel(tt.level))
		sp.End()
		_, sp = tr.Span(ctx, fmt.Sprint("by-setter-", i))
		sp.SetLevel(tt.level)
		sp.End()
	}
	tr.End()
	flush(t, c)
	handled.take() // the unknown levels are reported

	obs := byName(t, srv, tr.TraceID().String())
	for i, tt := range tests {
		for _, name := range []string{fmt.Sprint("by-option-", i), fmt.Sprint("by-setter-", i)} {
			if got := obs[name].Level; got != tt.want {
				t.Errorf("level %q (%s): stored %q, want %q", tt.level, name, got, tt.want)
			}
		}
	}
}

// The types AgentTrace's ingestion has no event for go out as spans that
// name their type in metadata; embeddings are generations.
func TestE2EObservationTypes(t *testing.T) {
	c, srv := newServerClient(t)
	ctx, tr := c.Trace(context.Background(), "types")
	types := []instrument.ObservationType{
		instrument.TypeAgent, instrument.TypeTool, instrument.TypeChain,
		instrument.TypeRetriever, instrument.TypeGuardrail, instrument.TypeEvaluator,
	}
	for _, typ := range types {
		_, sp := tr.Span(ctx, string(typ), instrument.WithType(typ), instrument.WithMetadata(map[string]any{"k": "v"}))
		sp.End()
	}
	_, emb := tr.Generation(ctx, "embedding", instrument.WithType(instrument.TypeEmbedding), instrument.WithModel("text-embedding-3-small"))
	emb.SetUsage(instrument.Usage{InputTokens: 8})
	emb.End()
	tr.End()
	flush(t, c)

	obs := byName(t, srv, tr.TraceID().String())
	for _, typ := range types {
		o := obs[string(typ)]
		var md map[string]any
		if err := json.Unmarshal([]byte(o.Metadata), &md); err != nil {
			t.Fatalf("%s: metadata %q: %v", typ, o.Metadata, err)
		}
		if o.Type != "SPAN" || md["observationType"] != string(typ) || md["k"] != "v" {
			t.Errorf("%s: type %s, metadata %s", typ, o.Type, o.Metadata)
		}
	}
	if e := obs["embedding"]; e.Type != "GENERATION" || e.Model != "text-embedding-3-small" || e.Usage == nil || e.Usage.InputTokens != 8 {
		t.Errorf("embedding %+v", e)
	}
}

// What the mask removed stays removed, and truncation markers arrive as
// valid JSON.
func TestE2EMaskingAndTruncation(t *testing.T) {
	mask := func(v any) any {
		if s, ok := v.(string); ok && strings.HasPrefix(s, "sk-") {
			return "[redacted]"
		}
		return v
	}
	c, srv := newServerClient(t, instrument.WithMask(mask), instrument.WithMaxContentBytes(256))
	ctx, tr := c.Trace(context.Background(), "t", instrument.WithInput("sk-live-123"))
	_, long := tr.Span(ctx, "long-string", instrument.WithInput(strings.Repeat("x", 1000)))
	long.End()
	big := map[string]any{}
	for i := range 100 {
		big[fmt.Sprint("key-", i)] = i
	}
	_, many := tr.Span(ctx, "big-object", instrument.WithOutput(big))
	many.End()
	tr.End()
	flush(t, c)

	id := tr.TraceID().String()
	obs := byName(t, srv, id)
	jsonEqual(t, "masked input", obs["t"].Input, `"[redacted]"`)
	jsonEqual(t, "trace input", storedTrace(t, srv, id).Input, `"[redacted]"`)

	var s string
	if err := json.Unmarshal([]byte(obs["long-string"].Input), &s); err != nil {
		t.Fatalf("long string input %q: %v", obs["long-string"].Input, err)
	}
	if !strings.HasPrefix(s, "xxx") || !strings.Contains(s, "[agenttrace: truncated") || len(s) > 256 {
		t.Errorf("long string input %q", s)
	}
	var preview map[string]any
	if err := json.Unmarshal([]byte(obs["big-object"].Output), &preview); err != nil {
		t.Fatalf("big object output %q: %v", obs["big-object"].Output, err)
	}
	if preview["agenttrace.truncated"] != true || preview["preview"] == nil {
		t.Errorf("big object output %s", obs["big-object"].Output)
	}
}

// At rate 0.5 the server holds exactly the traces the rate keeps, whole,
// with the client's provider and with the application's.
func TestE2ESampleRate(t *testing.T) {
	ratio := sdktrace.TraceIDRatioBased(0.5)
	for _, appProvider := range []bool{false, true} {
		t.Run(fmt.Sprint("application's provider: ", appProvider), func(t *testing.T) {
			opts := []instrument.Option{instrument.WithSampleRate(0.5)}
			var tp *sdktrace.TracerProvider
			if appProvider {
				tp = sdktrace.NewTracerProvider()
				t.Cleanup(func() { tp.Shutdown(context.Background()) })
				opts = append(opts, instrument.WithTracerProvider(tp))
			}
			c, srv := newServerClient(t, opts...)
			if tp != nil {
				tp.RegisterSpanProcessor(c.SpanProcessor())
			}
			var want []string
			for i := range 60 {
				ctx, tr := c.Trace(context.Background(), fmt.Sprint("t", i))
				_, sp := tr.Span(ctx, "child")
				sp.End()
				tr.End()
				id := tr.TraceID()
				if ratio.ShouldSample(sdktrace.SamplingParameters{ParentContext: context.Background(), TraceID: id}).Decision == sdktrace.RecordAndSample {
					want = append(want, id.String())
				}
			}
			flush(t, c)

			var got []string
			for _, row := range srv.Snapshot().Traces {
				got = append(got, row.ID)
				if n := len(srv.Observations(row.ID)); n != 2 {
					t.Errorf("trace %s: %d observations, want 2", row.ID, n)
				}
			}
			slices.Sort(got)
			slices.Sort(want)
			if len(want) == 0 || len(want) == 60 || !slices.Equal(got, want) {
				t.Errorf("server holds %d traces %v, want the %d kept: %v", len(got), got, len(want), want)
			}
		})
	}
}

// A server that cannot be reached: Flush says what was not delivered.
func TestE2EFlushServerDown(t *testing.T) {
	c, srv := newServerClient(t)
	attestctl.Of(srv).Down()
	ctx, tr := c.Trace(context.Background(), "t")
	_, sp := tr.Span(ctx, "s")
	sp.End()
	tr.End()

	fctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	err := c.Flush(fctx)
	var de *exporter.DeliveryError
	if !errors.As(err, &de) || de.Pending["observation"]+de.Lost["observation"] != 2 {
		t.Fatalf("Flush with the server down: %v", err)
	}
	if !strings.Contains(err.Error(), "observation") {
		t.Errorf("the error does not name what was not delivered: %v", err)
	}

	// Back up: the next flush delivers what waited.
	if err := attestctl.Of(srv).Up(); err != nil {
		t.Fatal(err)
	}
	flush(t, c)
	if n := len(srv.Observations(tr.TraceID().String())); n != 2 {
		t.Errorf("%d observations after the server came back, want 2", n)
	}
}

// A server that is down or never answers: Flush says what was not
// delivered when its deadline passes, Shutdown returns by its deadline, and
// no goroutine is left behind.
func TestE2EServerUnreachable(t *testing.T) {
	tests := []struct {
		name  string
		fault func(*agenttracetest.Server)
	}{
		{"down", func(srv *agenttracetest.Server) { attestctl.Of(srv).Down() }},
		{"hangs", func(srv *agenttracetest.Server) { attestctl.Of(srv).SetFault(attestctl.Hang()) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := goleak.IgnoreCurrent()
			srv := agenttracetest.NewServer(agenttracetest.WithoutRateLimit())
			c, err := instrument.New(context.Background(), instrument.WithConnection(connection.Config{APIURL: srv.URL, APIKey: srv.APIKey}))
			if err != nil {
				t.Fatal(err)
			}
			tt.fault(srv)
			ctx, tr := c.Trace(context.Background(), "t")
			_, sp := tr.Span(ctx, "s")
			sp.End()
			if err := tr.Score(ctx, "q", scores.Numeric(1)); err != nil {
				t.Fatal(err)
			}
			tr.End()

			fctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			err = c.Flush(fctx)
			var de *exporter.DeliveryError
			if !errors.As(err, &de) || len(de.Pending)+len(de.Lost) == 0 || !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("Flush: %v; want what was not delivered and the deadline", err)
			}

			sctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			if err := c.Shutdown(sctx); err == nil {
				t.Error("Shutdown delivered to an unreachable server")
			}
			srv.Close()
			goleak.VerifyNone(t, before)
		})
	}
}

// Context propagation through an errgroup fan-out: every worker's
// observations hang under the span that started it.
func TestE2EErrgroupFanOut(t *testing.T) {
	c, srv := newServerClient(t)
	ctx, tr := c.Trace(context.Background(), "fan-out")
	sctx, parallel := tr.Span(ctx, "parallel")
	g, gctx := errgroup.WithContext(sctx)
	const workers = 8
	for i := range workers {
		g.Go(func() error {
			return instrument.Do(gctx, nil, fmt.Sprint("worker-", i), func(ctx context.Context) error {
				_, gen := instrument.FromContext(ctx).Generation(ctx, fmt.Sprint("call-", i))
				gen.End()
				return nil
			})
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	parallel.End()
	tr.End()
	flush(t, c)

	roots := srv.Snapshot().ObservationTree(tr.TraceID().String())
	if len(roots) != 1 || roots[0].Name != "fan-out" || len(roots[0].Children) != 1 {
		t.Fatalf("tree %+v", roots)
	}
	p := roots[0].Children[0]
	if p.Name != "parallel" || len(p.Children) != workers {
		t.Fatalf("span %q has %d children, want %d workers", p.Name, len(p.Children), workers)
	}
	for _, w := range p.Children {
		i := strings.TrimPrefix(w.Name, "worker-")
		if len(w.Children) != 1 || w.Children[0].Name != "call-"+i || w.Children[0].Type != "GENERATION" {
			t.Errorf("worker %s: children %+v", w.Name, w.Children)
		}
	}
}

// client.Trace inside an observation starts a second trace.
func TestE2ENestedTrace(t *testing.T) {
	c, srv := newServerClient(t)
	ctx, outer := c.Trace(context.Background(), "outer")
	sctx, step := outer.Span(ctx, "step")
	ictx, inner := c.Trace(sctx, "inner")
	_, innerStep := inner.Span(ictx, "inner-step")
	innerStep.End()
	inner.End()
	step.End()
	outer.End()
	flush(t, c)

	if outer.TraceID() == inner.TraceID() {
		t.Fatal("the nested trace has its parent's trace id")
	}
	for _, tt := range []struct {
		tr   *instrument.Trace
		want []string
	}{
		{outer, []string{"outer", "step"}},
		{inner, []string{"inner", "inner-step"}},
	} {
		id := tt.tr.TraceID().String()
		if row := storedTrace(t, srv, id); row.Name != tt.want[0] {
			t.Errorf("trace %s: name %q", id, row.Name)
		}
		roots := srv.Snapshot().ObservationTree(id)
		if len(roots) != 1 || roots[0].Name != tt.want[0] || len(roots[0].Children) != 1 || roots[0].Children[0].Name != tt.want[1] {
			t.Errorf("trace %s: tree %+v", tt.want[0], roots)
		}
	}
}

// A panic in an observed function arrives as an ERROR observation, and
// the panic goes on.
func TestE2EObservePanic(t *testing.T) {
	c, srv := newServerClient(t)
	var traceID trace.TraceID
	func() {
		defer func() {
			if r := recover(); r != "index out of range" {
				t.Errorf("recovered %v", r)
			}
		}()
		_ = instrument.Do(context.Background(), c, "job", func(ctx context.Context) error {
			traceID = instrument.FromContext(ctx).TraceID()
			return instrument.Do(ctx, nil, "step", func(context.Context) error {
				panic("index out of range")
			})
		})
	}()
	flush(t, c)

	obs := byName(t, srv, traceID.String())
	for _, name := range []string{"job", "step"} {
		if o := obs[name]; o.Level != "ERROR" || o.StatusMessage != "panic: index out of range" {
			t.Errorf("%s: level %q, status %q", name, o.Level, o.StatusMessage)
		}
	}
	if row := storedTrace(t, srv, traceID.String()); row.Level != "ERROR" {
		t.Errorf("trace level %q", row.Level)
	}
}
