package instrument

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	"go.opentelemetry.io/contrib/propagators/envcar"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// RunCommand runs cmd, as cmd.Run does, and records it as a terminal
// command under o:
//
//	cmd := exec.CommandContext(ctx, "go", "test", "./...")
//	cmd.Dir = repo
//	err := tr.RunCommand(ctx, cmd, instrument.WithReason("check the fix"))
//
// It returns cmd's error unchanged and records the command line (secrets
// redacted), the exit code, the duration, the standard output and error
// (secrets redacted, the beginning and end kept within the output budget of
// [WithMaxOutputBytes]), the working directory, the environment when
// cmd.Env is set (secret values redacted), whether the command was killed
// by a signal, whether it timed out (it was stopped after ctx's deadline:
// build cmd with exec.CommandContext and the same ctx), and the CPU time and
// peak memory where the operating system reports them. A command that
// fails, or exits with a non-zero code, makes the observation an error.
//
// The caller still receives the output: writers set in cmd.Stdout and
// cmd.Stderr get everything, as they are written to; a writer set in both
// is still written by one goroutine at a time. An *os.File other than
// os.Stdout and os.Stderr (such as the pipe of cmd.StdoutPipe) is left to
// the command as it is, and its output is not captured. cmd's writers are
// restored before RunCommand returns.
//
// The command gets the trace in its environment: TRACEPARENT, naming the
// command's span, and TRACESTATE (from cmd.Env, or this process's
// environment when cmd.Env is nil, with any TRACEPARENT and TRACESTATE
// there replaced), so that a program instrumented with this SDK, or any
// OpenTelemetry SDK reading the environment carrier, records into the same
// trace as a child of the command. cmd.Env is restored before RunCommand
// returns. [WithCommandTrace] turns this off.
//
// Under a disabled client or a sampled-out trace RunCommand only runs cmd.
func (o *Observation) RunCommand(ctx context.Context, cmd *exec.Cmd, opts ...ActionOption) error {
	if !o.live() {
		return cmd.Run()
	}
	cfg := commandConfig{action: actionOf(opts)}
	c := o.client
	limit := c.agent.maxOutput

	stdout, stderr := cmd.Stdout, cmd.Stderr
	defer func() { cmd.Stdout, cmd.Stderr = stdout, stderr }()
	outCap := newCapture(limit)
	var errCap *capture
	if sameWriter(stdout, stderr) {
		// exec.Cmd writes a writer set in both from one goroutine;
		// keeping them one writer keeps that promise.
		w, _ := tee(stdout, outCap)
		cmd.Stdout, cmd.Stderr = w, w
	} else {
		errCap = newCapture(limit)
		var captured bool
		if cmd.Stdout, captured = tee(stdout, outCap); !captured {
			outCap = nil
		}
		if cmd.Stderr, captured = tee(stderr, errCap); !captured {
			errCap = nil
		}
	}

	cfg.workDir = cmd.Dir
	if cfg.workDir == "" {
		cfg.workDir, _ = os.Getwd()
	}
	if cmd.Env != nil {
		cfg.env = envMap(cmd.Env)
	}
	r := commandRecord{args: cmd.Args}
	if len(r.args) == 0 {
		r.args = []string{cmd.Path}
	}

	// The span starts before the command, which gets it as its parent.
	start := time.Now()
	span := o.startRecord(ctx, commandName(c.agent.redactor.Args(r.args)), typeTerminalCommand, start, nil)
	if c.procs.commandTrace {
		env := cmd.Env
		defer func() { cmd.Env = env }()
		cmd.Env = traceEnv(trace.ContextWithSpan(ctx, span), env)
		// The command may record into the trace: it needs the trace on
		// the server, whose row is ours to write (A12, A17).
		if o.trace != nil && !o.trace.start.IsZero() {
			_ = c.records.ExportTraceStart(o.TraceID(), o.trace.start)
		}
	}
	err := cmd.Run()
	end := time.Now()

	r.err = err
	r.exitCode = -1
	if ps := cmd.ProcessState; ps != nil {
		r.exitCode = ps.ExitCode()
		r.cpuTime = ps.UserTime() + ps.SystemTime()
		r.maxMemory = maxRSS(ps)
		if ws, ok := ps.Sys().(interface{ Signaled() bool }); ok {
			cfg.killed = ws.Signaled()
		}
	}
	cfg.timedOut = errors.Is(ctx.Err(), context.DeadlineExceeded) && (cfg.killed || errors.Is(err, context.DeadlineExceeded))
	if outCap != nil {
		r.stdout, r.stdoutCut = outCap.text(c.clean)
	}
	if errCap != nil {
		r.stderr, r.stderrCut = errCap.text(c.clean)
	}
	o.recordCommand(ctx, &cfg, &r, span, start, end)
	return err
}

// tee returns the writer a command gets for w, writing what it receives to
// capture too, and whether it captures. w is kept as it is when it is an
// *os.File other than os.Stdout and os.Stderr.
func tee(w io.Writer, capture *capture) (io.Writer, bool) {
	switch f, isFile := w.(*os.File); {
	case w == nil:
		return capture, true
	case isFile && f != os.Stdout && f != os.Stderr:
		return w, false
	}
	return io.MultiWriter(w, capture), true
}

// sameWriter reports whether a and b are the same writer, as exec.Cmd
// decides it (writers of types that cannot be compared are different).
func sameWriter(a, b io.Writer) (same bool) {
	defer func() {
		if recover() != nil {
			same = false
		}
	}()
	return a != nil && a == b
}

// envMap returns an environment list as a map; the last of duplicate
// names wins, as for exec.Cmd.
func envMap(env []string) map[string]string {
	m := make(map[string]string, len(env))
	for _, kv := range env {
		name, value, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		m[name] = value
	}
	return m
}

// traceContext is the W3C Trace Context propagator, which the environment
// carrier convention uses for TRACEPARENT and TRACESTATE.
var traceContext propagation.TraceContext

// traceEnv returns the environment of a command given env (nil for this
// process's) with TRACEPARENT and TRACESTATE naming the span of ctx, or
// env unchanged when that span is not valid and recording.
func traceEnv(ctx context.Context, env []string) []string {
	span := trace.SpanFromContext(ctx)
	if !span.IsRecording() || !span.SpanContext().IsValid() {
		return env
	}
	if env == nil {
		env = os.Environ()
	}
	out := make([]string, 0, len(env)+2)
	for _, kv := range env {
		if name, _, _ := strings.Cut(kv, "="); name != "TRACEPARENT" && name != "TRACESTATE" {
			out = append(out, kv)
		}
	}
	traceContext.Inject(ctx, &envcar.Carrier{SetEnvFunc: func(name, value string) {
		out = append(out, name+"="+value)
	}})
	return out
}

// processTrace is a client's part in one trace across processes
// (PROTOCOL.md A18).
type processTrace struct {
	// parent is the span TRACEPARENT and TRACESTATE named in the
	// environment at New: the parent of the traces the client starts in a
	// context without a span. Not valid when there is none or joining is
	// off.
	parent trace.SpanContext
	// commandTrace is whether RunCommand passes the trace on to its
	// command.
	commandTrace bool
}

func newProcessTrace(cfg *config) processTrace {
	p := processTrace{commandTrace: cfg.commandTrace}
	if cfg.joinEnvTrace {
		p.parent = trace.SpanContextFromContext(traceContext.Extract(context.Background(), &envcar.Carrier{}))
	}
	return p
}
