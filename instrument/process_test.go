package instrument_test

import (
	"bytes"
	"context"
	"os/exec"
	"slices"
	"strings"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/semconv"
)

// printTraceEnv is a command that prints its TRACEPARENT and TRACESTATE
// variables, how many of each it has, and PROBE.
const printTraceEnv = `echo "$TRACEPARENT"; echo "$TRACESTATE"; env | grep -c '^TRACE\(PARENT\|STATE\)='; echo "$PROBE"`

// runPrinting runs printTraceEnv with env through tr.RunCommand and returns
// its output lines.
func runPrinting(t *testing.T, ctx context.Context, tr *instrument.Trace, env []string) []string {
	t.Helper()
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, "sh", "-c", printTraceEnv)
	cmd.Env = env
	cmd.Stdout = &out
	if err := tr.RunCommand(ctx, cmd); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cmd.Env, env) {
		t.Errorf("cmd.Env not restored: %q, want %q", cmd.Env, env)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 4 {
		t.Fatalf("command output %q", out.String())
	}
	return lines
}

// commandSpan returns the one terminal command span rec ended.
func commandSpan(t *testing.T, rec *tracetest.SpanRecorder) sdktrace.ReadOnlySpan {
	t.Helper()
	var found []sdktrace.ReadOnlySpan
	for _, s := range rec.Ended() {
		if v, _ := value(s, semconv.ObservationTypeKey); v.AsString() == "terminal_command" {
			found = append(found, s)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d terminal command spans, want 1", len(found))
	}
	return found[0]
}

func TestRunCommandPassesTrace(t *testing.T) {
	t.Setenv("PROBE", "inherited")
	t.Setenv("TRACEPARENT", "00-0123456789abcdef0123456789abcdef-0123456789abcdef-01")
	t.Setenv("TRACESTATE", "stale=1")
	c, rec := newClient(t, instrument.WithJoinEnvTrace(false))

	for _, tc := range []struct {
		name  string
		env   []string
		probe string
	}{
		// nil Env: this process's environment, its TRACEPARENT replaced.
		{"nil env", nil, "inherited"},
		{"own env", []string{"PROBE=own", "TRACEPARENT=00-stale", "TRACESTATE=stale=1", "TRACEPARENT=00-stale-again"}, "own"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec.Reset()
			ctx, tr := c.Trace(context.Background(), "agent")
			lines := runPrinting(t, ctx, tr, tc.env)
			tr.End()

			cmd := commandSpan(t, rec)
			sc := cmd.SpanContext()
			want := "00-" + sc.TraceID().String() + "-" + sc.SpanID().String() + "-01"
			if lines[0] != want {
				t.Errorf("TRACEPARENT %q, want the command span's %q", lines[0], want)
			}
			if want := "agenttrace=o+:" + trace.SpanContextFromContext(ctx).SpanID().String(); lines[1] != want {
				t.Errorf("TRACESTATE %q, want %q: owner, an observation, under the trace's root", lines[1], want)
			}
			if lines[2] != "2" {
				t.Errorf("%s TRACEPARENT/TRACESTATE entries, want 2", lines[2])
			}
			if lines[3] != tc.probe {
				t.Errorf("PROBE %q, want %q", lines[3], tc.probe)
			}
			if cmd.Parent().SpanID() != tr.ID() {
				t.Errorf("command span's parent %s, want the trace's %s", cmd.Parent().SpanID(), tr.ID())
			}
		})
	}
}

func TestRunCommandTraceOff(t *testing.T) {
	env := []string{"TRACEPARENT=00-keep", "PROBE=x"}

	c, _ := newClient(t, instrument.WithCommandTrace(false))
	ctx, tr := c.Trace(context.Background(), "agent")
	defer tr.End()
	if lines := runPrinting(t, ctx, tr, env); lines[0] != "00-keep" || lines[1] != "" {
		t.Errorf("WithCommandTrace(false): the command got TRACEPARENT %q, TRACESTATE %q", lines[0], lines[1])
	}

	// A sampled-out trace is not passed on.
	c, _ = newClient(t, instrument.WithSampleRate(0))
	ctx, tr = c.Trace(context.Background(), "agent")
	defer tr.End()
	if lines := runPrinting(t, ctx, tr, env); lines[0] != "00-keep" {
		t.Errorf("sampled out: the command got TRACEPARENT %q", lines[0])
	}
}

const (
	envTraceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	envSpanID  = "00f067aa0ba902b7"
)

// setTraceEnv sets the TRACEPARENT and TRACESTATE a parent process would
// have given; an empty state leaves TRACESTATE unset.
func setTraceEnv(t *testing.T, state string) {
	t.Helper()
	t.Setenv("TRACEPARENT", "00-"+envTraceID+"-"+envSpanID+"-01")
	if state != "" {
		t.Setenv("TRACESTATE", state)
	}
}

// assertJoined checks that s is a child of the span of the environment,
// with the AgentTrace entry mark and the vendor entries of want.
func assertJoined(t *testing.T, s sdktrace.ReadOnlySpan, mark string, want map[string]string) {
	t.Helper()
	if s.SpanContext().TraceID().String() != envTraceID || s.Parent().SpanID().String() != envSpanID || !s.Parent().IsRemote() {
		t.Errorf("span %q: trace %s, parent %s (remote %t), want a child of the environment's %s-%s",
			s.Name(), s.SpanContext().TraceID(), s.Parent().SpanID(), s.Parent().IsRemote(), envTraceID, envSpanID)
	}
	assertMark(t, s, mark)
	for k, v := range want {
		if got := s.SpanContext().TraceState().Get(k); got != v {
			t.Errorf("span %q: tracestate %s=%q, want %q", s.Name(), k, got, v)
		}
	}
}

// assertMark checks the role of a span's AgentTrace tracestate entry: its
// first letter (the rest says whether it is an observation and names the
// nearest one above it).
func assertMark(t *testing.T, s sdktrace.ReadOnlySpan, mark string) {
	t.Helper()
	if got := s.SpanContext().TraceState().Get(semconv.TraceStateKey); !strings.HasPrefix(got, mark) {
		t.Errorf("span %q: tracestate %s=%q, want role %q", s.Name(), semconv.TraceStateKey, got, mark)
	}
}

func TestJoinEnvTrace(t *testing.T) {
	t.Run("owned upstream", func(t *testing.T) {
		setTraceEnv(t, "vendor=x,agenttrace=o")
		c, rec := newClient(t)

		ctx, tr := c.Trace(context.Background(), "sub-agent")
		_, g := tr.Generation(ctx, "llm")
		g.End()
		tr.End()
		_ = instrument.Do(context.Background(), c, "observed", func(context.Context) error { return nil })
		_, st := c.Trace(context.Background(), "in-session", instrument.WithSessionID("s-1"))
		st.End()
		_, cg := c.Generation(context.Background(), "lone-generation")
		cg.End()

		got := spans(t, rec)
		for _, name := range []string{"sub-agent", "observed", "in-session", "lone-generation"} {
			assertJoined(t, got[name], semconv.TraceStateJoined, map[string]string{"vendor": "x"})
		}
		assertChild(t, got["sub-agent"], got["llm"])
		assertMark(t, got["llm"], semconv.TraceStateJoined)
	})

	t.Run("no entry upstream", func(t *testing.T) {
		setTraceEnv(t, "vendor=x")
		c, rec := newClient(t)
		_, tr := c.Trace(context.Background(), "first-of-ours")
		tr.End()
		assertJoined(t, spans(t, rec)["first-of-ours"], semconv.TraceStateOwner, map[string]string{"vendor": "x"})
	})

	t.Run("span in ctx wins", func(t *testing.T) {
		setTraceEnv(t, "agenttrace=o")
		c, rec := newClient(t)
		ctx, outer := c.TracerProvider().Tracer("http").Start(context.Background(), "request")
		_, tr := c.Trace(ctx, "handler")
		tr.End()
		outer.End()
		got := spans(t, rec)
		assertChild(t, got["request"], got["handler"])
		if got["request"].Parent().IsValid() {
			t.Error("a span started by another instrumentation joined the environment's trace")
		}
	})

	for _, tc := range []struct {
		name string
		opt  []instrument.Option
		env  string
	}{
		{name: "option off", opt: []instrument.Option{instrument.WithJoinEnvTrace(false)}},
		{name: "environment off", env: "false"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			setTraceEnv(t, "agenttrace=o")
			if tc.env != "" {
				t.Setenv("AGENTTRACE_JOIN_ENV_TRACE", tc.env)
			}
			c, rec := newClient(t, tc.opt...)
			_, tr := c.Trace(context.Background(), "alone")
			tr.End()
			s := spans(t, rec)["alone"]
			if s.Parent().IsValid() || s.SpanContext().TraceID().String() == envTraceID {
				t.Errorf("joined the environment's trace: parent %s", s.Parent().SpanID())
			}
			assertMark(t, s, semconv.TraceStateOwner)
		})
	}

	t.Run("environment not a boolean", func(t *testing.T) {
		t.Setenv("AGENTTRACE_JOIN_ENV_TRACE", "sometimes")
		if _, err := instrument.New(context.Background(), offline(t)); err == nil || !strings.Contains(err.Error(), "AGENTTRACE_JOIN_ENV_TRACE") {
			t.Errorf("New: %v, want an error naming %s", err, "AGENTTRACE_JOIN_ENV_TRACE")
		}
	})
}

// TestCommandTraceRoundTrip: what RunCommand gives a command is what a
// client in that command joins.
func TestCommandTraceRoundTrip(t *testing.T) {
	c, rec := newClient(t)
	ctx, tr := c.Trace(context.Background(), "agent")
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, "sh", "-c", `echo "$TRACEPARENT"; echo "$TRACESTATE"`)
	cmd.Stdout = &out
	if err := tr.RunCommand(ctx, cmd); err != nil {
		t.Fatal(err)
	}
	tr.End()
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("command output %q", out.String())
	}
	t.Setenv("TRACEPARENT", lines[0])
	t.Setenv("TRACESTATE", lines[1])

	child, childRec := newClient(t)
	_, sub := child.Trace(context.Background(), "sub-agent")
	sub.End()
	s := spans(t, childRec)["sub-agent"]
	cmdSpan := commandSpan(t, rec)
	assertChild(t, cmdSpan, s)
	assertMark(t, s, semconv.TraceStateJoined)
	if s.SpanContext().TraceID() != trace.SpanContextFromContext(ctx).TraceID() {
		t.Error("the child's trace is not the agent's")
	}
}
