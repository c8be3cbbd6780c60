package exporter

import (
	"strings"

	"go.opentelemetry.io/otel/attribute"

	"github.com/agenttrace/agenttrace-otel-go/exporter/internal/wire"
	"github.com/agenttrace/agenttrace-otel-go/internal/textcut"
	"github.com/agenttrace/agenttrace-otel-go/semconv"
)

// agentRecord is the encoded REST body (or batch item) of an agent record.
type agentRecord struct {
	kind string
	body []byte
	// invalid, when set, says why the record cannot be sent.
	invalid string
}

// recordAttrs collects the attributes of checkpoint, file operation and
// terminal command spans.
type recordAttrs struct {
	cp wire.Checkpoint
	fo wire.FileOperation
	tc wire.TerminalCommand

	commandArgs []string
	success     *bool
}

// attr reads one record attribute; it reports whether the key is known.
func (r *recordAttrs) attr(kv attribute.KeyValue) bool {
	v := kv.Value
	switch kv.Key {
	case semconv.CheckpointNameKey:
		r.cp.Name = v.String()
	case semconv.CheckpointDescriptionKey:
		r.cp.Description = v.String()
	case semconv.CheckpointTypeKey:
		r.cp.Type = v.String()
	case semconv.CheckpointFilesSnapshotKey:
		r.cp.FilesSnapshot = jsonAttr(v)
	case semconv.CheckpointFilesChangedKey:
		r.cp.FilesChanged = stringSlice(v)
	case semconv.CheckpointTotalFilesKey:
		r.cp.TotalFiles = nonNegative(intAttr(v))
	case semconv.CheckpointTotalSizeBytesKey:
		r.cp.TotalSizeBytes = nonNegative(intAttr(v))
	case semconv.VCSRefHeadRevisionKey:
		r.cp.GitCommitSHA = v.String()
	case semconv.VCSRefHeadNameKey:
		r.cp.GitBranch = v.String()
	case semconv.VCSRepositoryURLFullKey:
		r.cp.GitRepoURL = v.String()
	case semconv.FileOperationKey:
		r.fo.Operation = v.String()
	case semconv.FilePathKey:
		r.fo.FilePath = v.String()
	case semconv.FileNewPathKey:
		r.fo.NewPath = v.String()
	case semconv.FileSizeKey:
		r.fo.FileSize = nonNegative(intAttr(v))
	case semconv.FileModeKey:
		r.fo.FileMode = v.String()
	case semconv.FileContentHashKey:
		r.fo.ContentHash = v.String()
	case semconv.FileContentBeforeHashKey:
		r.fo.ContentBeforeHash = v.String()
	case semconv.FileContentAfterHashKey:
		r.fo.ContentAfterHash = v.String()
	case semconv.FileMimeTypeKey:
		r.fo.MimeType = v.String()
	case semconv.FileLinesAddedKey:
		r.fo.LinesAdded = nonNegative(intAttr(v))
	case semconv.FileLinesRemovedKey:
		r.fo.LinesRemoved = nonNegative(intAttr(v))
	case semconv.FileDiffPreviewKey:
		r.fo.DiffPreview = v.String()
	case semconv.FileDiffPreviewTruncatedKey:
		// The server has no field for it: a cut preview ends with a
		// visible marker instead (see cut).
	case semconv.FileSuccessKey:
		b := v.AsBool()
		r.success = &b
	case semconv.FileErrorMessageKey:
		r.fo.ErrorMessage = v.String()
	case semconv.ProcessCommandKey:
		r.tc.Command = v.String()
	case semconv.ProcessCommandArgsKey:
		r.commandArgs = stringSlice(v)
	case semconv.ProcessExitCodeKey:
		r.tc.ExitCode = intAttr(v)
	case semconv.ProcessWorkingDirectoryKey:
		r.tc.WorkingDirectory = v.String()
	case semconv.TerminalShellKey:
		r.tc.Shell = v.String()
	case semconv.TerminalEnvVarsKey:
		r.tc.EnvVars = jsonAttr(v)
	case semconv.TerminalStdoutKey:
		r.tc.Stdout = v.String()
	case semconv.TerminalStderrKey:
		r.tc.Stderr = v.String()
	case semconv.TerminalStdoutTruncatedKey:
		r.tc.StdoutTruncated = v.AsBool()
	case semconv.TerminalStderrTruncatedKey:
		r.tc.StderrTruncated = v.AsBool()
	case semconv.TerminalTimedOutKey:
		r.tc.TimedOut = v.AsBool()
	case semconv.TerminalKilledKey:
		r.tc.Killed = v.AsBool()
	case semconv.TerminalMaxMemoryBytesKey:
		r.tc.MaxMemoryBytes = nonNegative(intAttr(v))
	case semconv.TerminalCPUTimeMsKey:
		r.tc.CPUTimeMs = nonNegative(intAttr(v))
	case semconv.AgentReasonKey:
		r.fo.Reason, r.tc.Reason = v.String(), v.String()
	case semconv.GenAIToolNameKey:
		r.fo.ToolName, r.tc.ToolName = v.String(), v.String()
	default:
		return false
	}
	return true
}

// build encodes the record of a span of type typ.
func (r *recordAttrs) build(typ string, ob *wire.Observation, textLimit int) *agentRecord {
	switch typ {
	case "checkpoint":
		c := r.cp
		c.TraceID, c.ObservationID = hexID(ob.TraceID[:]), hexID(ob.ID[:])
		if c.Name == "" {
			c.Name = ob.Name
		}
		if c.Type == "" {
			c.Type = "manual"
		}
		rec := &agentRecord{kind: KindCheckpoint, body: c.AppendJSON(nil)}
		if !oneOf(c.Type, "manual", "auto", "pre_edit", "post_edit", "rollback") {
			rec.invalid = "invalid checkpoint type " + quoteForMessage(c.Type)
		}
		return rec
	case "file_operation":
		f := r.fo
		f.TraceID, f.ObservationID = hexID(ob.TraceID[:]), hexID(ob.ID[:])
		f.StartedAt, f.CompletedAt = ob.StartTime, ob.EndTime
		f.DurationMs = nonNegative(ob.EndTime.Sub(ob.StartTime).Milliseconds())
		if f.Operation == "edit" || f.Operation == "modify" || f.Operation == "write" {
			f.Operation = "update"
		}
		f.Success = ob.Level != "ERROR"
		if r.success != nil {
			f.Success = *r.success
		}
		if !f.Success && f.ErrorMessage == "" {
			f.ErrorMessage = ob.StatusMessage
		}
		f.DiffPreview, _ = cut(f.DiffPreview, textLimit)
		rec := &agentRecord{kind: KindFileOperation, body: f.AppendJSON(nil)}
		switch {
		case !oneOf(f.Operation, "create", "read", "update", "delete", "rename", "move", "copy"):
			rec.invalid = "invalid file operation " + quoteForMessage(f.Operation)
		case f.FilePath == "":
			rec.invalid = "file operation without file.path"
		}
		return rec
	case "terminal_command":
		t := r.tc
		t.TraceID, t.ObservationID = hexID(ob.TraceID[:]), hexID(ob.ID[:])
		t.StartedAt, t.CompletedAt = ob.StartTime, ob.EndTime
		t.DurationMs = nonNegative(ob.EndTime.Sub(ob.StartTime).Milliseconds())
		t.Args = r.commandArgs
		if len(t.Args) > 0 && (t.Command == "" || t.Args[0] == t.Command) {
			if t.Command == "" {
				t.Command = t.Args[0]
			}
			t.Args = t.Args[1:]
		}
		t.Success = t.ExitCode == 0 && !t.TimedOut && !t.Killed
		var cutOut, cutErr bool
		t.Stdout, cutOut = cut(t.Stdout, textLimit)
		t.Stderr, cutErr = cut(t.Stderr, textLimit)
		t.StdoutTruncated = t.StdoutTruncated || cutOut
		t.StderrTruncated = t.StderrTruncated || cutErr
		rec := &agentRecord{kind: KindTerminalCommand, body: t.AppendJSON(nil)}
		if t.Command == "" {
			rec.invalid = "terminal command without process.command"
		}
		return rec
	}
	return nil
}

// cut shortens s to at most limit bytes with the marker the instrument
// client uses when it captures; it reports whether it cut.
func cut(s string, limit int) (string, bool) {
	return textcut.Head(s, limit, int64(len(s)))
}

// hexID returns an id as lowercase hex.
func hexID(id []byte) string {
	b := wire.AppendHex(nil, id)
	return string(b[1 : len(b)-1])
}

func oneOf(s string, values ...string) bool {
	for _, v := range values {
		if s == v {
			return true
		}
	}
	return false
}

func nonNegative(n int64) int64 { return max(n, 0) }

func quoteForMessage(s string) string {
	if len(s) > 40 {
		s = s[:40] + "..."
	}
	return "\"" + strings.ReplaceAll(s, "\"", "'") + "\""
}
