package agenttracetest

import (
	"net/http"
	"slices"
	"time"

	"github.com/google/uuid"
)

// Enum values of the agent record columns (§7).
var (
	checkpointTypes = []string{"manual", "auto", "pre_edit", "post_edit", "rollback"}
	gitLinkTypes    = []string{"current", "start", "end", "referenced"}
	fileOperations  = []string{"create", "read", "update", "delete", "rename", "move", "copy"}
)

// maxRecordBatch is the most records of a /batch request.
const maxRecordBatch = 100

// storeRecords stores records of a trace when the trace exists (§7: every
// create first looks the trace up; batches look up only the first item's).
func (s *Server) storeRecords(traceID string, add func(*store)) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.data.traceExists(traceID) {
		return false
	}
	add(&s.data)
	s.notifyLocked()
	return true
}

// listRecords answers a filtered, paginated list:
// {"data":[...],"totalCount":n,"hasMore":b}, in creation order.
func listRecords[T any](c *call, items []T, keep func(T) bool) {
	var match []T
	for _, it := range items {
		if keep(it) {
			match = append(match, it)
		}
	}
	limit, offset := c.page()
	data, more := paginate(match, limit, offset)
	c.json(http.StatusOK, map[string]any{"data": data, "totalCount": len(match), "hasMore": more})
}

// traceRecords answers {"data":[...]} with the records of the route's trace.
func traceRecords[T any](c *call, items []T, traceID func(T) string) {
	data := []T{}
	for _, it := range items {
		if traceID(it) == c.params["traceId"] {
			data = append(data, it)
		}
	}
	c.json(http.StatusOK, map[string]any{"data": data})
}

// recordByID answers one record by its UUID: 400 for an id that is not a
// UUID, 500 (not 404, as on the server) for an unknown one.
func recordByID[T any](c *call, what string, items []T, id func(T) string) {
	if _, err := uuid.Parse(c.params["id"]); err != nil {
		c.error(http.StatusBadRequest, "Invalid "+what+" ID format")
		return
	}
	for _, it := range items {
		if id(it) == c.params["id"] {
			c.json(http.StatusOK, it)
			return
		}
	}
	c.error(http.StatusInternalServerError, "Failed to get "+what)
}

// createBatch answers a /batch endpoint of agent records (§7.3, §7.4):
// 1 to 100 items, each built by build, stored all together or not at all;
// only the first item's trace is looked up. noun names an item in the
// 400 messages ("At least one operation required"), failure is the 500
// message.
func createBatch[B, R any](s *Server, c *call, items []B, noun, failure string, build func(time.Time, B) (R, bool),
	traceOf func(R) string, add func(*store, []R)) {
	switch {
	case len(items) == 0:
		c.error(http.StatusBadRequest, "At least one "+noun+" required")
		return
	case len(items) > maxRecordBatch:
		c.error(http.StatusBadRequest, "Maximum 100 "+noun+"s per batch")
		return
	}
	s.process(c, len(items))
	records := make([]R, len(items))
	valid := true
	for i, b := range items {
		var ok bool
		records[i], ok = build(c.now, b)
		valid = valid && ok
	}
	if !valid || !s.storeRecords(traceOf(records[0]), func(st *store) { add(st, records) }) {
		c.error(http.StatusInternalServerError, failure)
		return
	}
	c.json(http.StatusCreated, map[string]any{"data": records})
}

// durationMs is the server's computed duration: completedAt - startedAt in
// milliseconds, wrapping around when negative.
func durationMs(started, completed time.Time) uint32 {
	return uint32(completed.Sub(started).Milliseconds()) //nolint:gosec // wraps like the server
}

// Checkpoints (§7.1).

type checkpointBody struct {
	TraceID        string   `json:"traceId"`
	ObservationID  string   `json:"observationId"`
	Name           string   `json:"name"`
	Description    string   `json:"description"`
	Type           string   `json:"type"`
	GitCommitSha   string   `json:"gitCommitSha"`
	GitBranch      string   `json:"gitBranch"`
	GitRepoURL     string   `json:"gitRepoUrl"`
	FilesSnapshot  string   `json:"filesSnapshot"`
	FilesChanged   []string `json:"filesChanged"`
	TotalFiles     uint32   `json:"totalFiles"`
	TotalSizeBytes uint64   `json:"totalSizeBytes"`
}

func (s *Server) handleCreateCheckpoint(c *call) {
	var b checkpointBody
	if err := c.decode(&b); err != nil {
		c.badBody(err)
		return
	}
	if !c.require("traceId", b.TraceID, "name", b.Name) {
		return
	}
	cp := Checkpoint{
		ID:             uuid.NewString(),
		ProjectID:      s.ProjectID,
		TraceID:        b.TraceID,
		ObservationID:  b.ObservationID,
		Name:           b.Name,
		Description:    b.Description,
		Type:           b.Type,
		GitCommitSha:   b.GitCommitSha,
		GitBranch:      b.GitBranch,
		GitRepoURL:     b.GitRepoURL,
		FilesSnapshot:  b.FilesSnapshot,
		FilesChanged:   b.FilesChanged,
		TotalFiles:     b.TotalFiles,
		TotalSizeBytes: b.TotalSizeBytes,
		CreatedAt:      c.now,
	}
	if cp.Type == "" {
		cp.Type = "manual"
	}
	s.process(c, 1)
	if !slices.Contains(checkpointTypes, cp.Type) || fixedString("checkpoint", cp.ObservationID, 16) != nil ||
		!s.storeRecords(cp.TraceID, func(st *store) { st.checkpoints = append(st.checkpoints, cp) }) {
		c.error(http.StatusInternalServerError, "Failed to create checkpoint")
		return
	}
	c.json(http.StatusCreated, cp)
}

// handleRestoreCheckpoint is POST /checkpoints/{id}/restore: a new rollback
// checkpoint copying the original's git and file fields. The body's traceId
// is not validated; when empty, the original's trace is used.
func (s *Server) handleRestoreCheckpoint(c *call) {
	if _, err := uuid.Parse(c.params["id"]); err != nil {
		c.error(http.StatusBadRequest, "Invalid checkpoint ID format")
		return
	}
	var b struct {
		TraceID string `json:"traceId"`
	}
	if err := c.decode(&b); err != nil {
		c.badBody(err)
		return
	}
	s.process(c, 1)
	cp, ok := s.restoreCheckpoint(c.params["id"], b.TraceID, c.now)
	if !ok {
		c.error(http.StatusInternalServerError, "Failed to restore checkpoint")
		return
	}
	c.json(http.StatusCreated, cp)
}

func (s *Server) restoreCheckpoint(id, traceID string, now time.Time) (Checkpoint, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := slices.IndexFunc(s.data.checkpoints, func(cp Checkpoint) bool { return cp.ID == id })
	if i < 0 {
		return Checkpoint{}, false
	}
	orig := s.data.checkpoints[i]
	cp := orig.clone()
	cp.ID = uuid.NewString()
	cp.Name = "Rollback from " + orig.Name
	cp.Description = ""
	cp.Type = "rollback"
	cp.RestoredFrom = orig.ID
	cp.RestoredAt = &now
	cp.CreatedAt = now
	if traceID != "" {
		cp.TraceID = traceID
	}
	s.data.checkpoints = append(s.data.checkpoints, cp)
	s.notifyLocked()
	return cp.clone(), true
}

func (s *Server) handleListCheckpoints(c *call) {
	q := c.r.URL.Query()
	from, to := c.timeQuery("fromTimestamp"), c.timeQuery("toTimestamp")
	listRecords(c, s.checkpoints(), func(cp Checkpoint) bool {
		return queryMatch(q, "traceId", cp.TraceID) && queryMatch(q, "type", cp.Type) &&
			queryMatch(q, "gitBranch", cp.GitBranch) && inRange(cp.CreatedAt, from, to)
	})
}

func (s *Server) handleGetCheckpoint(c *call) {
	recordByID(c, "checkpoint", s.checkpoints(), func(cp Checkpoint) string { return cp.ID })
}

func (s *Server) handleTraceCheckpoints(c *call) {
	traceRecords(c, s.checkpoints(), func(cp Checkpoint) string { return cp.TraceID })
}

// Git links (§7.2).

type gitLinkBody struct {
	TraceID           string     `json:"traceId"`
	CommitSha         string     `json:"commitSha"`
	ParentSha         string     `json:"parentSha"`
	Branch            string     `json:"branch"`
	Tag               string     `json:"tag"`
	RepoURL           string     `json:"repoUrl"`
	CommitMessage     string     `json:"commitMessage"`
	CommitAuthor      string     `json:"commitAuthor"`
	CommitAuthorEmail string     `json:"commitAuthorEmail"`
	CommitTimestamp   *time.Time `json:"commitTimestamp"`
	FilesAdded        []string   `json:"filesAdded"`
	FilesModified     []string   `json:"filesModified"`
	FilesDeleted      []string   `json:"filesDeleted"`
	Additions         uint32     `json:"additions"`
	Deletions         uint32     `json:"deletions"`
	LinkType          string     `json:"linkType"`
	CIRunID           string     `json:"ciRunId"`
}

func (s *Server) handleCreateGitLink(c *call) {
	var b gitLinkBody
	if err := c.decode(&b); err != nil {
		c.badBody(err)
		return
	}
	if !c.require("traceId", b.TraceID, "commitSha", b.CommitSha) {
		return
	}
	gl := GitLink{
		ID:                uuid.NewString(),
		ProjectID:         s.ProjectID,
		TraceID:           b.TraceID,
		CommitSha:         b.CommitSha,
		ParentSha:         b.ParentSha,
		Branch:            b.Branch,
		Tag:               b.Tag,
		RepoURL:           b.RepoURL,
		CommitMessage:     b.CommitMessage,
		CommitAuthor:      b.CommitAuthor,
		CommitAuthorEmail: b.CommitAuthorEmail,
		CommitTimestamp:   timeOr(c.now, b.CommitTimestamp),
		FilesAdded:        b.FilesAdded,
		FilesModified:     b.FilesModified,
		FilesDeleted:      b.FilesDeleted,
		FilesChangedCount: len(b.FilesAdded) + len(b.FilesModified) + len(b.FilesDeleted),
		Additions:         b.Additions,
		Deletions:         b.Deletions,
		LinkType:          b.LinkType,
		CreatedAt:         c.now,
	}
	if gl.LinkType == "" {
		gl.LinkType = "current"
	}
	if _, err := uuid.Parse(b.CIRunID); err == nil {
		gl.CIRunID = b.CIRunID
	}
	s.process(c, 1)
	if !slices.Contains(gitLinkTypes, gl.LinkType) ||
		!s.storeRecords(gl.TraceID, func(st *store) { st.gitLinks = append(st.gitLinks, gl) }) {
		c.error(http.StatusInternalServerError, "Failed to create git link")
		return
	}
	c.json(http.StatusCreated, gl)
}

func (s *Server) handleListGitLinks(c *call) {
	q := c.r.URL.Query()
	listRecords(c, s.gitLinks(), func(gl GitLink) bool {
		return queryMatch(q, "traceId", gl.TraceID) && queryMatch(q, "branch", gl.Branch) &&
			queryMatch(q, "commitSha", gl.CommitSha) && queryMatch(q, "linkType", gl.LinkType)
	})
}

func (s *Server) handleGetGitLink(c *call) {
	recordByID(c, "git link", s.gitLinks(), func(gl GitLink) string { return gl.ID })
}

func (s *Server) handleTraceGitLinks(c *call) {
	traceRecords(c, s.gitLinks(), func(gl GitLink) string { return gl.TraceID })
}

// File operations (§7.3).

type fileOperationBody struct {
	TraceID           string     `json:"traceId"`
	ObservationID     string     `json:"observationId"`
	Operation         string     `json:"operation"`
	FilePath          string     `json:"filePath"`
	NewPath           string     `json:"newPath"`
	FileSize          uint64     `json:"fileSize"`
	FileMode          string     `json:"fileMode"`
	ContentHash       string     `json:"contentHash"`
	MimeType          string     `json:"mimeType"`
	LinesAdded        uint32     `json:"linesAdded"`
	LinesRemoved      uint32     `json:"linesRemoved"`
	DiffPreview       string     `json:"diffPreview"`
	ContentBeforeHash string     `json:"contentBeforeHash"`
	ContentAfterHash  string     `json:"contentAfterHash"`
	ToolName          string     `json:"toolName"`
	Reason            string     `json:"reason"`
	StartedAt         *time.Time `json:"startedAt"`
	CompletedAt       *time.Time `json:"completedAt"`
	DurationMs        uint32     `json:"durationMs"` // parsed, ignored
	Success           *bool      `json:"success"`
	ErrorMessage      string     `json:"errorMessage"`
}

// fileOperation builds a stored file operation; ok is false when the insert
// would fail (bad operation, observation id too long).
func (s *Server) fileOperation(now time.Time, b fileOperationBody) (FileOperation, bool) {
	op := FileOperation{
		ID:                uuid.NewString(),
		ProjectID:         s.ProjectID,
		TraceID:           b.TraceID,
		ObservationID:     b.ObservationID,
		Operation:         b.Operation,
		FilePath:          b.FilePath,
		NewPath:           b.NewPath,
		FileSize:          b.FileSize,
		FileMode:          b.FileMode,
		ContentHash:       b.ContentHash,
		MimeType:          b.MimeType,
		LinesAdded:        b.LinesAdded,
		LinesRemoved:      b.LinesRemoved,
		DiffPreview:       b.DiffPreview,
		ContentBeforeHash: b.ContentBeforeHash,
		ContentAfterHash:  b.ContentAfterHash,
		ToolName:          b.ToolName,
		Reason:            b.Reason,
		StartedAt:         timeOr(now, b.StartedAt),
		CompletedAt:       timeOr(now, b.CompletedAt),
		Success:           b.Success == nil || *b.Success,
		ErrorMessage:      b.ErrorMessage,
		CreatedAt:         now,
	}
	op.DurationMs = durationMs(op.StartedAt, op.CompletedAt)
	ok := slices.Contains(fileOperations, op.Operation) && fixedString("file operation", op.ObservationID, 16) == nil
	return op, ok
}

func (s *Server) handleCreateFileOperation(c *call) {
	var b fileOperationBody
	if err := c.decode(&b); err != nil {
		c.badBody(err)
		return
	}
	if !c.require("traceId", b.TraceID, "filePath", b.FilePath, "operation", b.Operation) {
		return
	}
	s.process(c, 1)
	op, ok := s.fileOperation(c.now, b)
	if !ok || !s.storeRecords(op.TraceID, func(st *store) { st.fileOperations = append(st.fileOperations, op) }) {
		c.error(http.StatusInternalServerError, "Failed to create file operation")
		return
	}
	c.json(http.StatusCreated, op)
}

func (s *Server) handleFileOperationBatch(c *call) {
	var req struct {
		Operations []fileOperationBody `json:"operations"`
	}
	if err := c.decode(&req); err != nil {
		c.badBody(err)
		return
	}
	createBatch(s, c, req.Operations, "operation", "Failed to create file operations", s.fileOperation,
		func(op FileOperation) string { return op.TraceID },
		func(st *store, ops []FileOperation) { st.fileOperations = append(st.fileOperations, ops...) })
}

func (s *Server) handleListFileOperations(c *call) {
	q := c.r.URL.Query()
	listRecords(c, s.fileOperations(), func(op FileOperation) bool {
		return queryMatch(q, "traceId", op.TraceID) && queryMatch(q, "observationId", op.ObservationID) &&
			queryMatch(q, "operation", op.Operation) && queryMatch(q, "filePath", op.FilePath)
	})
}

func (s *Server) handleTraceFileOperations(c *call) {
	traceRecords(c, s.fileOperations(), func(op FileOperation) string { return op.TraceID })
}

// Terminal commands (§7.4).

type terminalCommandBody struct {
	TraceID          string     `json:"traceId"`
	ObservationID    string     `json:"observationId"`
	Command          string     `json:"command"`
	Args             []string   `json:"args"`
	WorkingDirectory string     `json:"workingDirectory"`
	Shell            string     `json:"shell"`
	EnvVars          string     `json:"envVars"`
	StartedAt        *time.Time `json:"startedAt"`
	CompletedAt      *time.Time `json:"completedAt"`
	DurationMs       uint32     `json:"durationMs"` // parsed, ignored
	ExitCode         int32      `json:"exitCode"`
	Stdout           string     `json:"stdout"`
	Stderr           string     `json:"stderr"`
	StdoutTruncated  bool       `json:"stdoutTruncated"`
	StderrTruncated  bool       `json:"stderrTruncated"`
	Success          *bool      `json:"success"`
	TimedOut         bool       `json:"timedOut"`
	Killed           bool       `json:"killed"`
	MaxMemoryBytes   uint64     `json:"maxMemoryBytes"`
	CPUTimeMs        uint32     `json:"cpuTimeMs"`
	ToolName         string     `json:"toolName"`
	Reason           string     `json:"reason"`
}

// terminalCommand builds a stored terminal command; ok is false when the
// insert would fail (observation id too long).
func (s *Server) terminalCommand(now time.Time, b terminalCommandBody) (TerminalCommand, bool) {
	tc := TerminalCommand{
		ID:               uuid.NewString(),
		ProjectID:        s.ProjectID,
		TraceID:          b.TraceID,
		ObservationID:    b.ObservationID,
		Command:          b.Command,
		Args:             b.Args,
		WorkingDirectory: b.WorkingDirectory,
		Shell:            b.Shell,
		EnvVars:          b.EnvVars,
		StartedAt:        timeOr(now, b.StartedAt),
		CompletedAt:      timeOr(now, b.CompletedAt),
		ExitCode:         b.ExitCode,
		Stdout:           b.Stdout,
		Stderr:           b.Stderr,
		StdoutTruncated:  b.StdoutTruncated,
		StderrTruncated:  b.StderrTruncated,
		Success:          b.ExitCode == 0,
		TimedOut:         b.TimedOut,
		Killed:           b.Killed,
		MaxMemoryBytes:   b.MaxMemoryBytes,
		CPUTimeMs:        b.CPUTimeMs,
		ToolName:         b.ToolName,
		Reason:           b.Reason,
		CreatedAt:        now,
	}
	if b.Success != nil {
		tc.Success = *b.Success
	}
	tc.DurationMs = durationMs(tc.StartedAt, tc.CompletedAt)
	return tc, fixedString("terminal command", tc.ObservationID, 16) == nil
}

func (s *Server) handleCreateTerminalCommand(c *call) {
	var b terminalCommandBody
	if err := c.decode(&b); err != nil {
		c.badBody(err)
		return
	}
	if !c.require("traceId", b.TraceID, "command", b.Command) {
		return
	}
	s.process(c, 1)
	tc, ok := s.terminalCommand(c.now, b)
	if !ok || !s.storeRecords(tc.TraceID, func(st *store) { st.terminalCommands = append(st.terminalCommands, tc) }) {
		c.error(http.StatusInternalServerError, "Failed to create terminal command")
		return
	}
	c.json(http.StatusCreated, tc)
}

func (s *Server) handleTerminalCommandBatch(c *call) {
	var req struct {
		Commands []terminalCommandBody `json:"commands"`
	}
	if err := c.decode(&req); err != nil {
		c.badBody(err)
		return
	}
	createBatch(s, c, req.Commands, "command", "Failed to create terminal commands", s.terminalCommand,
		func(tc TerminalCommand) string { return tc.TraceID },
		func(st *store, cmds []TerminalCommand) { st.terminalCommands = append(st.terminalCommands, cmds...) })
}

func (s *Server) handleListTerminalCommands(c *call) {
	q := c.r.URL.Query()
	listRecords(c, s.terminalCommands(), func(tc TerminalCommand) bool {
		return queryMatch(q, "traceId", tc.TraceID) && queryMatch(q, "observationId", tc.ObservationID) &&
			queryMatch(q, "command", tc.Command)
	})
}

func (s *Server) handleTraceTerminalCommands(c *call) {
	traceRecords(c, s.terminalCommands(), func(tc TerminalCommand) string { return tc.TraceID })
}
