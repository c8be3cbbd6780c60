package instrument

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/agenttrace/agenttrace-otel-go/internal/textcut"
	"github.com/agenttrace/agenttrace-otel-go/semconv"
)

// A TerminalCmdOption configures [Observation.TerminalCmd].
type TerminalCmdOption interface {
	applyTerminalCmd(*commandConfig)
}

// A CommandOption configures [Observation.RunCommand] and [Observation.TerminalCmd].
type CommandOption interface {
	TerminalCmdOption
	applyCommand(*commandConfig)
}

// commandConfig is what the options of a terminal command set.
type commandConfig struct {
	action           actionConfig
	shell            string
	args             []string
	stdout, stderr   string
	workDir          string
	env              map[string]string
	duration         time.Duration
	timedOut, killed bool
	cpuTime          time.Duration
	maxMemory        int64
}

type commandOption func(*commandConfig)

func (f commandOption) applyTerminalCmd(c *commandConfig) { f(c) }
func (f commandOption) applyCommand(c *commandConfig)     { f(c) }

type terminalCmdOption func(*commandConfig)

func (f terminalCmdOption) applyTerminalCmd(c *commandConfig) { f(c) }

// WithShell sets the shell that ran the command ("bash", "zsh"...). Default:
// the program itself when it is a shell (sh -c "..."), else none.
func WithShell(shell string) CommandOption {
	return commandOption(func(c *commandConfig) { c.shell = shell })
}

// WithArgs gives the arguments of the command, without the command itself.
func WithArgs(args ...string) TerminalCmdOption {
	args = slices.Clone(args)
	return terminalCmdOption(func(c *commandConfig) { c.args = args })
}

// WithStdout gives the standard output of the command. It is recorded with
// secrets redacted and cut to the output budget ([WithMaxOutputBytes]).
func WithStdout(s string) TerminalCmdOption {
	return terminalCmdOption(func(c *commandConfig) { c.stdout = s })
}

// WithStderr gives the standard error of the command, recorded as
// [WithStdout] records the standard output.
func WithStderr(s string) TerminalCmdOption {
	return terminalCmdOption(func(c *commandConfig) { c.stderr = s })
}

// WithWorkDir gives the working directory of the command.
func WithWorkDir(dir string) TerminalCmdOption {
	return terminalCmdOption(func(c *commandConfig) { c.workDir = dir })
}

// WithEnv gives the environment the command ran with. Names are recorded;
// the values of secret-looking names are redacted, and secrets in the
// others too.
func WithEnv(env map[string]string) TerminalCmdOption {
	env = maps.Clone(env)
	return terminalCmdOption(func(c *commandConfig) { c.env = env })
}

// WithDuration gives how long the command ran; it ended when it is
// recorded. Default: 0.
func WithDuration(d time.Duration) TerminalCmdOption {
	return terminalCmdOption(func(c *commandConfig) { c.duration = d })
}

// WithTimedOut records that the command was stopped because it ran out of
// time.
func WithTimedOut(timedOut bool) TerminalCmdOption {
	return terminalCmdOption(func(c *commandConfig) { c.timedOut = timedOut })
}

// WithKilled records that the command was killed by a signal.
func WithKilled(killed bool) TerminalCmdOption {
	return terminalCmdOption(func(c *commandConfig) { c.killed = killed })
}

// WithResources gives the CPU time (user plus system) and the peak
// resident memory in bytes the command used; zero values are not recorded.
func WithResources(cpu time.Duration, maxMemoryBytes int64) TerminalCmdOption {
	return terminalCmdOption(func(c *commandConfig) { c.cpuTime, c.maxMemory = cpu, maxMemoryBytes })
}

// TerminalCmd records under o a command the agent ran and its exit code,
// as the Python SDK's trace.terminal_cmd does:
//
//	err := tr.TerminalCmd(ctx, "npm test", 0,
//		instrument.WithStdout("All tests passed"),
//		instrument.WithDuration(12*time.Second))
//
// command is the program, or the command line as typed; [WithArgs] gives
// the arguments separately. Output and environment values are recorded
// with secrets redacted and cut to the output budget; a non-zero exit code
// marks the observation as an error. [Observation.RunCommand] runs an
// *exec.Cmd and records it in one call.
//
// An empty command is an error. Under a disabled client or a sampled-out
// trace TerminalCmd records nothing and returns nil.
func (o *Observation) TerminalCmd(ctx context.Context, command string, exitCode int, opts ...TerminalCmdOption) error {
	if command == "" {
		return errors.New("agenttrace: terminal command: empty command")
	}
	if !o.live() {
		return nil
	}
	var cfg commandConfig
	for _, opt := range opts {
		opt.applyTerminalCmd(&cfg)
	}
	end := time.Now()
	c := o.client
	stdout, stdoutCut := c.output(cfg.stdout)
	stderr, stderrCut := c.output(cfg.stderr)
	r := commandRecord{
		args:      append([]string{command}, cfg.args...),
		exitCode:  exitCode,
		stdout:    stdout,
		stderr:    stderr,
		stdoutCut: stdoutCut,
		stderrCut: stderrCut,
		cpuTime:   cfg.cpuTime,
		maxMemory: cfg.maxMemory,
	}
	if exitCode != 0 {
		r.err = fmt.Errorf("exit status %d", exitCode)
	}
	o.recordCommand(ctx, &cfg, &r, nil, end.Add(-cfg.duration), end)
	return nil
}

// commandRecord is what was observed of a command.
type commandRecord struct {
	// args are the command and its arguments, as typed.
	args                 []string
	exitCode             int
	stdout, stderr       string
	stdoutCut, stderrCut bool
	cpuTime              time.Duration
	maxMemory            int64
	// err is the command's failure, if any.
	err error
}

// recordCommand records a terminal command under o, which is live, as a
// span from start to end: span, when not nil (started at start by
// RunCommand, which passed it on to the command), else a new span. The
// options complete r.
func (o *Observation) recordCommand(ctx context.Context, cfg *commandConfig, r *commandRecord, span trace.Span, start, end time.Time) {
	c := o.client
	red := c.agent.redactor
	args := red.Args(r.args)
	shell := cfg.shell
	if shell == "" {
		shell = shellOf(r.args[0])
	}
	attrs := []attribute.KeyValue{
		semconv.ProcessCommandKey.String(args[0]),
		semconv.ProcessCommandArgsKey.StringSlice(args),
		semconv.ProcessExitCodeKey.Int(r.exitCode),
		semconv.TerminalStdoutKey.String(r.stdout),
		semconv.TerminalStderrKey.String(r.stderr),
		semconv.TerminalStdoutTruncatedKey.Bool(r.stdoutCut),
		semconv.TerminalStderrTruncatedKey.Bool(r.stderrCut),
		semconv.TerminalTimedOutKey.Bool(cfg.timedOut),
		semconv.TerminalKilledKey.Bool(cfg.killed),
	}
	if cfg.workDir != "" {
		attrs = append(attrs, semconv.ProcessWorkingDirectoryKey.String(cfg.workDir))
	}
	if shell != "" {
		attrs = append(attrs, semconv.TerminalShellKey.String(shell))
	}
	if cfg.env != nil {
		attrs = append(attrs, semconv.TerminalEnvVarsKey.String(c.envJSON(cfg.env)))
	}
	if r.cpuTime > 0 {
		attrs = append(attrs, semconv.TerminalCPUTimeMsKey.Int64(r.cpuTime.Milliseconds()))
	}
	if r.maxMemory > 0 {
		attrs = append(attrs, semconv.TerminalMaxMemoryBytesKey.Int64(r.maxMemory))
	}
	attrs = cfg.action.appendAttrs(attrs)
	if span == nil {
		span = o.startRecord(ctx, commandName(args), typeTerminalCommand, start, attrs)
	} else {
		span.SetAttributes(attrs...)
	}
	if r.err != nil {
		c.recordError(span, r.err)
	}
	span.End(trace.WithTimestamp(end))
}

// maxNameBytes bounds the name of a terminal command's observation.
const maxNameBytes = 120

// commandName returns the name of a command's observation: its command
// line on one line, shortened.
func commandName(args []string) string {
	name := strings.Join(strings.Fields(strings.Join(args, " ")), " ")
	if len(name) > maxNameBytes {
		name = textcut.RunePrefix(name, maxNameBytes-3) + "..."
	}
	return name
}

// shellOf returns the name of the shell program is, or "".
func shellOf(program string) string {
	base := strings.TrimSuffix(strings.ToLower(filepath.Base(program)), ".exe")
	switch base {
	case "sh", "bash", "zsh", "dash", "ksh", "fish", "pwsh", "powershell", "cmd":
		return base
	}
	return ""
}

// maxEnvValueBytes bounds each recorded environment value.
const maxEnvValueBytes = 1 << 10

// envJSON returns the JSON object of an environment, secret values
// redacted, within the output budget: long values are cut, and variables
// beyond the budget (by name) are left out and counted under the name
// "agenttrace.omitted".
func (c *Client) envJSON(env map[string]string) string {
	names := slices.Sorted(maps.Keys(env))
	out := make(map[string]string, len(env))
	size := 2
	for i, name := range names {
		v := c.maskText(c.agent.redactor.Env(name, env[name]))
		v, _ = textcut.Head(v, maxEnvValueBytes, int64(len(v)))
		k, _ := json.Marshal(name)
		e, _ := json.Marshal(v)
		if size+len(k)+len(e)+2 > c.agent.maxOutput-64 {
			out["agenttrace.omitted"] = fmt.Sprintf("%d variables", len(names)-i)
			break
		}
		size += len(k) + len(e) + 2
		out[name] = v
	}
	b, _ := json.Marshal(out) // a map of strings always encodes
	return string(b)
}
