package instrument

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/agenttrace/agenttrace-otel-go/instrument/internal/gitinfo"
	"github.com/agenttrace/agenttrace-otel-go/semconv"
)

// CheckpointType is the kind of a checkpoint.
type CheckpointType string

// Checkpoint types, as AgentTrace names them.
const (
	// CheckpointManual is a checkpoint the agent or user asked for (the
	// default).
	CheckpointManual CheckpointType = "manual"
	// CheckpointAuto is a checkpoint taken automatically.
	CheckpointAuto CheckpointType = "auto"
	// CheckpointPreEdit is a checkpoint taken before an edit.
	CheckpointPreEdit CheckpointType = "pre_edit"
	// CheckpointPostEdit is a checkpoint taken after an edit.
	CheckpointPostEdit CheckpointType = "post_edit"
	// CheckpointRollback is a checkpoint that restores an earlier one.
	CheckpointRollback CheckpointType = "rollback"
)

func (t CheckpointType) valid() bool {
	switch t {
	case CheckpointManual, CheckpointAuto, CheckpointPreEdit, CheckpointPostEdit, CheckpointRollback:
		return true
	}
	return false
}

// Checkpoint is a snapshot of files, for [Observation.Checkpoint].
type Checkpoint struct {
	// Name names the checkpoint. Required.
	Name string
	// Description says what the checkpoint is for.
	Description string
	// Type is the kind of checkpoint. Default: [CheckpointManual].
	Type CheckpointType
	// Files are the files recorded, read as given (relative to the
	// working directory).
	Files []string
	// GitDir is a directory inside the repository whose state is
	// recorded. Default: the working directory. With GitDir set, a
	// directory outside a repository, or a missing git, is an error.
	GitDir string
	// GitCommit, GitBranch and GitRepoURL give the git state by hand
	// instead of reading it from the repository: with GitCommit set and
	// GitDir not, git is not run at all.
	GitCommit, GitBranch, GitRepoURL string
}

// fileDigest is what a checkpoint records of a file.
type fileDigest struct {
	Size int64  `json:"size"`
	Hash string `json:"hash"`
}

// checkpointState is what a client remembers of the checkpoints of a
// trace: the last digest of every file they covered.
type checkpointState struct {
	root  trace.Span
	files map[string]fileDigest
	used  uint64
}

// Checkpoint records a snapshot of files under o: the size and SHA-256 of
// each file, their number and total size, the files that changed since
// the previous checkpoint of the same trace, and the git commit, branch
// and repository URL of the working directory (or of cp.GitDir, or as
// cp gives them). It is the Python SDK's trace.checkpoint:
//
//	err := tr.Checkpoint(ctx, instrument.Checkpoint{
//		Name:        "before-edit",
//		Description: "State before code modification",
//		Type:        instrument.CheckpointPreEdit,
//		Files:       []string{"main.go", "util.go"},
//	})
//
// Paths are read as given (relative to the working directory) and named
// in the snapshot in their cleaned form. The files that changed are those
// whose size or hash differ from the last checkpoint of the trace that
// included them, those no earlier checkpoint included, and those that
// can no longer be read; the first checkpoint of a trace has none.
//
// A file that cannot be read is left out of the snapshot: Checkpoint
// records the others, records the failure on the checkpoint (level ERROR)
// and returns an error that wraps each failure (errors.Is(err,
// fs.ErrNotExist) works). Outside a git repository, or without git
// installed, the checkpoint has no git fields and no error, unless
// cp.GitDir asked for a repository. An empty name or an unknown type is
// an error, and nothing is recorded. Under a disabled client or a
// sampled-out trace Checkpoint reads nothing and returns nil (an empty
// name is still an error).
func (o *Observation) Checkpoint(ctx context.Context, cp Checkpoint) error {
	name, files := cp.Name, cp.Files
	if name == "" {
		return errors.New("agenttrace: checkpoint: empty name")
	}
	if !o.live() {
		return nil
	}
	if cp.Type == "" {
		cp.Type = CheckpointManual
	}
	if !cp.Type.valid() {
		return fmt.Errorf("agenttrace: checkpoint %q: type %q: want manual, auto, pre_edit, post_edit or rollback", name, cp.Type)
	}
	git := gitConfig{dir: cp.GitDir, commit: cp.GitCommit, branch: cp.GitBranch, repoURL: cp.GitRepoURL}
	c := o.client
	start := time.Now()

	snapshot := make(map[string]fileDigest, len(files))
	paths := make([]string, 0, len(files))
	seen := make(map[string]bool, len(files))
	var total int64
	var failed []string
	var errs []error
	for _, f := range files {
		p := filepath.Clean(f)
		if seen[p] {
			continue
		}
		seen[p] = true
		d, err := digestFile(p)
		if err != nil {
			failed = append(failed, p)
			errs = append(errs, err)
			continue
		}
		snapshot[p] = d
		paths = append(paths, p)
		total += d.Size
	}
	changed, first := c.agent.checkpointed(o.TraceID(), o.trace, paths, failed, snapshot)

	js, err := json.Marshal(snapshot)
	if err != nil { // a map of strings and ints always encodes
		return fmt.Errorf("agenttrace: checkpoint %q: %w", name, err)
	}
	attrs := []attribute.KeyValue{
		semconv.CheckpointNameKey.String(name),
		semconv.CheckpointTypeKey.String(string(cp.Type)),
		semconv.CheckpointFilesSnapshotKey.String(string(js)),
		semconv.CheckpointTotalFilesKey.Int(len(paths)),
		semconv.CheckpointTotalSizeBytesKey.Int64(total),
	}
	if cp.Description != "" {
		attrs = append(attrs, semconv.CheckpointDescriptionKey.String(cp.Description))
	}
	if !first {
		attrs = append(attrs, semconv.CheckpointFilesChangedKey.StringSlice(changed))
	}
	head, gitErr := git.head(ctx)
	attrs = head.appendAttrs(attrs)

	span := o.startRecord(ctx, name, typeCheckpoint, start, attrs)
	var fileErr error
	if len(errs) > 0 {
		fileErr = fmt.Errorf("agenttrace: checkpoint %q: %d of %d files unreadable: %w", name, len(errs), len(paths)+len(errs), errors.Join(errs...))
		c.recordError(span, fileErr)
	}
	span.End()
	return errors.Join(fileErr, gitErr)
}

// digestFile returns the size and SHA-256 of the file at path.
func digestFile(path string) (fileDigest, error) {
	f, err := os.Open(path)
	if err != nil {
		return fileDigest{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return fileDigest{}, &os.PathError{Op: "read", Path: path, Err: err}
	}
	return fileDigest{Size: n, Hash: hex.EncodeToString(h.Sum(nil))}, nil
}

// checkpointed records the digests of a checkpoint of the trace id (whose
// handle is root) and returns the files that changed since the trace's
// previous checkpoints, in the order of paths then failed; first is true
// when the trace had none.
func (a *agentState) checkpointed(id trace.TraceID, root *Trace, paths, failed []string, snapshot map[string]fileDigest) (changed []string, first bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.tick++
	a.forgetEnded(id)
	st := a.traces[id]
	if st == nil {
		a.makeRoom()
		st = &checkpointState{files: make(map[string]fileDigest, len(paths))}
		if root != nil {
			st.root = root.span
		}
		if a.traces == nil {
			a.traces = make(map[trace.TraceID]*checkpointState)
		}
		a.traces[id] = st
		first = true
	}
	st.used = a.tick
	if !first {
		changed = []string{}
	}
	for _, p := range paths {
		d := snapshot[p]
		if prev, ok := st.files[p]; !first && (!ok || prev != d) {
			changed = append(changed, p)
		}
		st.files[p] = d
	}
	for _, p := range failed {
		if _, ok := st.files[p]; ok {
			changed = append(changed, p)
			delete(st.files, p)
		}
	}
	return changed, first
}

// forgetEnded forgets the checkpoints of the traces that have ended, but
// the trace keep's. a.mu is held.
func (a *agentState) forgetEnded(keep trace.TraceID) {
	for id, st := range a.traces {
		if id != keep && (st.root == nil || !st.root.IsRecording()) {
			delete(a.traces, id)
		}
	}
}

// makeRoom forgets the least recently checkpointed traces until there is
// room for one more. a.mu is held.
func (a *agentState) makeRoom() {
	for len(a.traces) >= maxCheckpointTraces {
		var oldest trace.TraceID
		var used uint64
		for id, st := range a.traces {
			if oldest == (trace.TraceID{}) || st.used < used {
				oldest, used = id, st.used
			}
		}
		delete(a.traces, oldest)
	}
}

// gitState is the git state of a checkpoint.
type gitState struct {
	commit, branch, repoURL string
}

func (g gitState) appendAttrs(attrs []attribute.KeyValue) []attribute.KeyValue {
	if g.commit != "" {
		attrs = append(attrs, semconv.VCSRefHeadRevisionKey.String(g.commit))
	}
	if g.branch != "" {
		attrs = append(attrs, semconv.VCSRefHeadNameKey.String(g.branch))
	}
	if g.repoURL != "" {
		attrs = append(attrs, semconv.VCSRepositoryURLFullKey.String(g.repoURL))
	}
	return attrs
}

// head returns the git state given by hand, completed from the repository
// when the commit is not given or a directory names the repository.
// Detection errors are returned only for a repository named by its
// directory.
func (g *gitConfig) head(ctx context.Context) (gitState, error) {
	s := gitState{commit: g.commit, branch: g.branch, repoURL: g.repoURL}
	if g.commit != "" && g.dir == "" {
		return s.stripped(), nil
	}
	h, err := gitinfo.ReadHead(ctx, g.directory())
	if err != nil {
		if g.dir != "" {
			return s.stripped(), fmt.Errorf("agenttrace: checkpoint git state: %w", err)
		}
		return s.stripped(), nil
	}
	if s.commit == "" {
		s.commit = h.Commit
	}
	if s.branch == "" {
		s.branch = h.Branch
	}
	if s.repoURL == "" {
		s.repoURL = h.RepoURL
	}
	return s.stripped(), nil
}

func (g gitState) stripped() gitState {
	g.repoURL = gitinfo.StripCredentials(g.repoURL)
	return g
}
