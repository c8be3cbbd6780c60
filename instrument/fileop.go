package instrument

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pmezard/go-difflib/difflib"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/agenttrace/agenttrace-otel-go/internal/textcut"
	"github.com/agenttrace/agenttrace-otel-go/semconv"
)

// FileOperation is what an agent did to a file.
type FileOperation string

// File operations, as AgentTrace names them, and [FileEdit], the Python
// SDK's name of an update.
const (
	// FileCreate is the creation of a file.
	FileCreate FileOperation = "create"
	// FileRead is a read of a file.
	FileRead FileOperation = "read"
	// FileUpdate is a change to an existing file.
	FileUpdate FileOperation = "update"
	// FileEdit is the Python SDK's name of an update; it is recorded as
	// [FileUpdate].
	FileEdit FileOperation = "edit"
	// FileDelete is the removal of a file.
	FileDelete FileOperation = "delete"
	// FileRename is a rename of a file; FileOp.NewPath is the new name.
	FileRename FileOperation = "rename"
	// FileMove is a move of a file; FileOp.NewPath is the destination.
	FileMove FileOperation = "move"
	// FileCopy is a copy of a file; FileOp.NewPath is the copy's path.
	FileCopy FileOperation = "copy"
)

// canonical returns the operation as AgentTrace records it.
func (op FileOperation) canonical() (FileOperation, error) {
	switch op {
	case FileCreate, FileRead, FileUpdate, FileDelete, FileRename, FileMove, FileCopy:
		return op, nil
	case FileEdit:
		return FileUpdate, nil
	}
	return "", fmt.Errorf("agenttrace: file operation %q: unknown: want create, read, update (or edit), delete, rename, move or copy", op)
}

// An ActionOption says why and with which tool an agent acted, for the
// helpers that do the work and record it ([Observation.ReadFile],
// [Observation.WriteFile], [Observation.EditFile] and
// [Observation.RunCommand]).
type ActionOption interface {
	applyAction(*actionConfig)
}

// actionConfig is what the action options set.
type actionConfig struct {
	reason, toolName string
}

func (a *actionConfig) appendAttrs(attrs []attribute.KeyValue) []attribute.KeyValue {
	if a.reason != "" {
		attrs = append(attrs, semconv.AgentReasonKey.String(a.reason))
	}
	if a.toolName != "" {
		attrs = append(attrs, semconv.GenAIToolNameKey.String(a.toolName))
	}
	return attrs
}

func actionOf(opts []ActionOption) actionConfig {
	var a actionConfig
	for _, o := range opts {
		o.applyAction(&a)
	}
	return a
}

type actionOption func(*actionConfig)

func (f actionOption) applyAction(c *actionConfig) { f(c) }

// WithReason sets the reason the agent gave for the action.
func WithReason(reason string) ActionOption {
	return actionOption(func(c *actionConfig) { c.reason = reason })
}

// WithToolName sets the name of the tool that performed the action
// (gen_ai.tool.name), for example the agent's "edit_file" tool.
func WithToolName(name string) ActionOption {
	return actionOption(func(c *actionConfig) { c.toolName = name })
}

// FileOp is an operation of the agent on a file, for [Observation.FileOp].
type FileOp struct {
	// Operation is what was done. Required.
	Operation FileOperation
	// Path is the file. Required.
	Path string
	// NewPath is the destination of a rename, move or copy (required for
	// them).
	NewPath string
	// Before is the content of the file before the operation; nil when
	// not given (an empty, non-nil slice is an empty file). Only its hash,
	// the line counts and a diff preview are recorded, never the content.
	Before []byte
	// After is the content after the operation: what was written, or
	// what was read; nil when not given. Its hash and size are recorded,
	// and with Before (or for a create) the lines added and removed and a
	// diff preview.
	After []byte
	// Size is the size of the file after the operation, recorded when
	// After is not given and Size is above zero.
	Size int64
	// Mode is the file's permission bits; zero is not recorded.
	Mode fs.FileMode
	// MIMEType is the file's MIME type.
	MIMEType string
	// Err records that the operation failed (nil: it succeeded).
	Err error
	// Reason is the reason the agent gave, ToolName the tool that
	// performed the operation (gen_ai.tool.name).
	Reason, ToolName string
}

// fileOpConfig is what the options of a file operation set.
type fileOpConfig struct {
	action              actionConfig
	before, after       []byte
	hasBefore, hasAfter bool
	newPath             string
	mode                fs.FileMode
	modeSet             bool
	mimeType            string
	size                int64
	sizeSet             bool
	err                 error
}

// FileOp records an operation of the agent on a file under o, as the
// Python SDK's trace.file_op does:
//
//	err := tr.FileOp(ctx, instrument.FileOp{
//		Operation: instrument.FileEdit, Path: "src/main.go",
//		Before: old, After: updated, Reason: "fix the off-by-one",
//	})
//
// With the content before and after, it records their SHA-256 hashes, the
// size, the lines added and removed and a unified diff preview (secrets
// redacted, cut to the output budget of [WithMaxOutputBytes]); contents
// themselves are never recorded. [Observation.ReadFile],
// [Observation.WriteFile] and [Observation.EditFile] do the work and
// record it in one call.
//
// An operation AgentTrace does not know (chmod, say) is an error, as is a
// rename, move or copy without a NewPath, and an empty path. Nothing is recorded then. Under a
// disabled client or a sampled-out trace FileOp records nothing and
// returns nil (an unknown operation or an empty path is still an error).
func (o *Observation) FileOp(ctx context.Context, f FileOp) error {
	op, path := f.Operation, f.Path
	op, err := op.canonical()
	if err != nil {
		return err
	}
	if path == "" {
		return fmt.Errorf("agenttrace: file operation %s: empty path", op)
	}
	if !o.live() {
		return nil
	}
	cfg := fileOpConfig{
		action:    actionConfig{reason: f.Reason, toolName: f.ToolName},
		before:    f.Before,
		after:     f.After,
		hasBefore: f.Before != nil,
		hasAfter:  f.After != nil,
		newPath:   f.NewPath,
		mode:      f.Mode,
		modeSet:   f.Mode != 0,
		mimeType:  f.MIMEType,
		size:      f.Size,
		sizeSet:   f.Size > 0,
		err:       f.Err,
	}
	if (op == FileRename || op == FileMove || op == FileCopy) && cfg.newPath == "" {
		return fmt.Errorf("agenttrace: file operation %s of %s: no new path (FileOp.NewPath)", op, path)
	}
	now := time.Now()
	o.recordFileOp(ctx, op, path, &cfg, now, now)
	return nil
}

// recordFileOp records the file operation op (canonical) under o, which is
// live, as a span from start to end.
func (o *Observation) recordFileOp(ctx context.Context, op FileOperation, path string, cfg *fileOpConfig, start, end time.Time) {
	c := o.client
	attrs := []attribute.KeyValue{
		semconv.FileOperationKey.String(string(op)),
		semconv.FilePathKey.String(path),
		semconv.FileSuccessKey.Bool(cfg.err == nil),
	}
	if cfg.newPath != "" {
		attrs = append(attrs, semconv.FileNewPathKey.String(cfg.newPath))
	}
	if cfg.hasBefore {
		attrs = append(attrs, semconv.FileContentBeforeHashKey.String(sha256Hex(cfg.before)))
	}
	if cfg.hasAfter {
		h := sha256Hex(cfg.after)
		attrs = append(attrs,
			semconv.FileContentAfterHashKey.String(h),
			semconv.FileContentHashKey.String(h),
			semconv.FileSizeKey.Int(len(cfg.after)))
	} else if cfg.sizeSet {
		attrs = append(attrs, semconv.FileSizeKey.Int64(cfg.size))
	}
	if cfg.modeSet {
		attrs = append(attrs, semconv.FileModeKey.String(fmt.Sprintf("%04o", cfg.mode.Perm())))
	}
	if cfg.mimeType != "" {
		attrs = append(attrs, semconv.FileMimeTypeKey.String(cfg.mimeType))
	}
	if before, after, ok := diffInputs(op, cfg); ok {
		if d, ok := diffFiles(path, before, after); ok {
			preview, cut := cleanHead(d.preview, c.agent.maxOutput, c.clean)
			attrs = append(attrs,
				semconv.FileLinesAddedKey.Int(d.added),
				semconv.FileLinesRemovedKey.Int(d.removed),
				semconv.FileDiffPreviewKey.String(preview),
				semconv.FileDiffPreviewTruncatedKey.Bool(cut))
		}
	}
	if cfg.err != nil {
		attrs = append(attrs, semconv.FileErrorMessageKey.String(cfg.err.Error()))
	}
	attrs = cfg.action.appendAttrs(attrs)
	span := o.startRecord(ctx, string(op)+" "+path, typeFileOperation, start, attrs)
	if cfg.err != nil {
		c.recordError(span, cfg.err)
	}
	span.End(trace.WithTimestamp(end))
}

// diffInputs returns the contents to compare for a change: before and
// after, or nothing and after for a create, or before and nothing for a
// delete. A read changes nothing.
func diffInputs(op FileOperation, cfg *fileOpConfig) (before, after []byte, ok bool) {
	switch {
	case cfg.hasBefore && cfg.hasAfter && op != FileRead:
		return cfg.before, cfg.after, true
	case op == FileCreate && cfg.hasAfter:
		return nil, cfg.after, true
	case op == FileDelete && cfg.hasBefore:
		return cfg.before, nil, true
	}
	return nil, nil, false
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// maxDiffBytes bounds the contents compared line by line; larger files get
// hashes and sizes but no line counts or preview.
const maxDiffBytes = 4 << 20

// fileDiff is the comparison of two contents.
type fileDiff struct {
	added, removed int
	// preview is the unified diff.
	preview string
}

// diffFiles compares two text contents line by line. It reports false for
// binary content (not UTF-8, or with NUL bytes) and contents over
// maxDiffBytes.
func diffFiles(path string, before, after []byte) (fileDiff, bool) {
	if len(before)+len(after) > maxDiffBytes || !isText(before) || !isText(after) {
		return fileDiff{}, false
	}
	a, b := splitLines(before), splitLines(after)
	var d fileDiff
	m := difflib.NewMatcher(a, b)
	for _, op := range m.GetOpCodes() {
		switch op.Tag {
		case 'r':
			d.removed += op.I2 - op.I1
			d.added += op.J2 - op.J1
		case 'd':
			d.removed += op.I2 - op.I1
		case 'i':
			d.added += op.J2 - op.J1
		}
	}
	from, to := path, path
	if !filepath.IsAbs(path) {
		from, to = "a/"+path, "b/"+path // as git names them
	}
	var buf strings.Builder
	err := difflib.WriteUnifiedDiff(&buf, difflib.UnifiedDiff{A: a, B: b, FromFile: from, ToFile: to, Context: 3})
	if err != nil { // a strings.Builder does not fail
		return fileDiff{}, false
	}
	d.preview = buf.String()
	return d, true
}

// cleanHead returns the beginning of s cleaned by clean (secrets
// redacted), within limit bytes, and whether it was cut. Only a prefix of s
// that can fill the budget is cleaned, with captureMargin bytes more, so
// that a secret that straddles the end of the prefix (and is not redacted
// there) is never kept in part; when redaction shortened the prefix so much
// that its end could be kept, a longer prefix is cleaned. The text is cut
// only when its cleaned form is over limit or a part of s was left out, and
// the marker counts the bytes left out of the cleaned text (the part never
// cleaned as it is).
func cleanHead(s string, limit int, clean func(string) string) (string, bool) {
	for n := limit + captureMargin; ; n *= 2 {
		raw := textcut.RunePrefix(s, n)
		cleaned := clean(raw)
		if len(raw) == len(s) || len(cleaned) >= limit+captureMargin {
			return textcut.Head(cleaned, limit, int64(len(cleaned)+len(s)-len(raw)))
		}
	}
}

// isText reports whether b looks like text.
func isText(b []byte) bool {
	return bytes.IndexByte(b, 0) < 0 && utf8.Valid(b)
}

// splitLines splits text into lines that each end with "\n" (the last one
// given one if it has none), as difflib wants them.
func splitLines(b []byte) []string {
	if len(b) == 0 {
		return nil
	}
	lines := strings.SplitAfter(string(b), "\n")
	if last := lines[len(lines)-1]; last == "" {
		lines = lines[:len(lines)-1]
	} else {
		lines[len(lines)-1] = last + "\n"
	}
	return lines
}
