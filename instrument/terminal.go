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

// TerminalCmd is a command the agent ran, for [Observation.TerminalCmd].
type TerminalCmd struct {
	// Command is the program, or the command line as typed. Required.
	Command string
	// Args are the arguments, without the command itself.
	Args []string
	// ExitCode is the command's exit code; not zero marks the
	// observation as an error.
	ExitCode int
	// Stdout and Stderr are the command's output, recorded with secrets
	// redacted and cut to the output budget ([WithMaxOutputBytes]).
	Stdout, Stderr string
	// WorkDir is the command's working directory.
	WorkDir string
	// Env is the environment the command ran with. Names are recorded;
	// the values of secret-looking names are redacted, and secrets in
	// the others too.
	Env map[string]string
	// Shell is the shell that ran the command ("bash", "zsh"...).
	// Default: the program itself when it is a shell (sh -c "..."), else
	// none.
	Shell string
	// Duration is how long the command ran; it ended when it is recorded.
	Duration time.Duration
	// TimedOut records that the command was stopped because it ran out of
	// time, Killed that a signal killed it.
	TimedOut, Killed bool
	// CPUTime (user plus system) and MaxMemoryBytes (peak resident memory)
	// are what the command used; zero values are not recorded.
	CPUTime        time.Duration
	MaxMemoryBytes int64
	// Reason is the reason the agent gave, ToolName the tool that ran the
	// command (gen_ai.tool.name).
	Reason, ToolName string
}

// commandConfig is what is known of a terminal command besides its
// arguments, exit code and output.
type commandConfig struct {
	action           actionConfig
	shell            string
	workDir          string
	env              map[string]string
	timedOut, killed bool
}

// TerminalCmd records under o a command the agent ran and its exit code,
// as the Python SDK's trace.terminal_cmd does:
//
//	err := tr.TerminalCmd(ctx, instrument.TerminalCmd{
//		Command: "npm test", ExitCode: 0,
//		Stdout: "All tests passed", Duration: 12 * time.Second,
//	})
//
// Command is the program, or the command line as typed; Args gives the
// arguments separately. Output and environment values are recorded
// with secrets redacted and cut to the output budget; a non-zero exit code
// marks the observation as an error. [Observation.RunCommand] runs an
// *exec.Cmd and records it in one call.
//
// An empty command is an error. Under a disabled client or a sampled-out
// trace TerminalCmd records nothing and returns nil.
func (o *Observation) TerminalCmd(ctx context.Context, tc TerminalCmd) error {
	command, exitCode := tc.Command, tc.ExitCode
	if command == "" {
		return errors.New("agenttrace: terminal command: empty command")
	}
	if !o.live() {
		return nil
	}
	cfg := commandConfig{
		action:   actionConfig{reason: tc.Reason, toolName: tc.ToolName},
		shell:    tc.Shell,
		workDir:  tc.WorkDir,
		env:      tc.Env,
		timedOut: tc.TimedOut,
		killed:   tc.Killed,
	}
	end := time.Now()
	c := o.client
	stdout, stdoutCut := c.output(tc.Stdout)
	stderr, stderrCut := c.output(tc.Stderr)
	r := commandRecord{
		args:      append([]string{command}, tc.Args...),
		exitCode:  exitCode,
		stdout:    stdout,
		stderr:    stderr,
		stdoutCut: stdoutCut,
		stderrCut: stderrCut,
		cpuTime:   tc.CPUTime,
		maxMemory: tc.MaxMemoryBytes,
	}
	if exitCode != 0 {
		r.err = fmt.Errorf("exit status %d", exitCode)
	}
	o.recordCommand(ctx, &cfg, &r, nil, end.Add(-tc.Duration), end)
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
