package wire

import (
	"time"
)

// Event types of the ingestion endpoint (A5).
const (
	TypeTraceCreate      = "trace-create"
	TypeSpanCreate       = "span-create"
	TypeGenerationCreate = "generation-create"
	TypeEventCreate      = "event-create"
	TypeScoreCreate      = "score-create"
)

// TraceID and SpanID are W3C ids, sent as lowercase hex (A3).
type (
	TraceID = [16]byte
	SpanID  = [8]byte
)

// Trace is the body of a trace-create event. A re-send replaces the whole
// row, so it always carries every field and the same StartTime (A5).
type Trace struct {
	ID            TraceID
	Name          string
	UserID        string
	SessionID     string
	Release       string
	Version       string
	Tags          []string
	Metadata      string // JSON
	Input         string // JSON
	Output        string // JSON
	Public        bool
	StartTime     time.Time
	EndTime       time.Time
	Level         string // DEBUG, DEFAULT, WARNING or ERROR, written unescaped
	StatusMessage string
}

// AppendJSON appends the body as a JSON object.
func (t *Trace) AppendJSON(b []byte) []byte {
	o := Begin(b)
	o.HexID("id", t.ID[:])
	o.String("name", t.Name)
	o.String("userId", t.UserID)
	o.String("sessionId", t.SessionID)
	o.String("release", t.Release)
	o.String("version", t.Version)
	o.Strings("tags", t.Tags)
	o.Raw("metadata", t.Metadata)
	o.Raw("input", t.Input)
	o.Raw("output", t.Output)
	if t.Public {
		o.Bool("public", true)
	}
	o.Time("startTime", t.StartTime)
	o.Time("endTime", t.EndTime)
	o.Word("level", t.Level)
	o.String("statusMessage", t.StatusMessage)
	return o.End()
}

// Usage is the token usage of a generation (A7).
type Usage struct {
	Input         int64
	Output        int64
	Total         int64
	CacheRead     int64
	CacheCreation int64
	Reasoning     int64
}

// AppendJSON appends the usage object with camelCase integer keys.
func (u *Usage) AppendJSON(b []byte) []byte {
	o := Begin(b)
	o.Int("inputTokens", u.Input)
	o.Int("outputTokens", u.Output)
	o.Int("totalTokens", u.Total)
	o.IntNonZero("cacheReadTokens", u.CacheRead)
	o.IntNonZero("cacheCreationTokens", u.CacheCreation)
	o.IntNonZero("reasoningTokens", u.Reasoning)
	return o.End()
}

// Observation is the body of a span-, generation- or event-create event.
type Observation struct {
	ID      SpanID
	TraceID TraceID
	// Parent is the parent observation; zero for none.
	Parent        SpanID
	Name          string
	Level         string // DEBUG, DEFAULT, WARNING or ERROR, written unescaped
	StatusMessage string
	Version       string
	StartTime     time.Time
	EndTime       time.Time
	Input         string // JSON
	Output        string // JSON
	Metadata      string // JSON object
	// Extra holds members the SDK adds to Metadata when it is encoded: a
	// fixed array, so adding them allocates nothing.
	Extra  [8]Member
	NExtra int

	// Generation fields.
	Model               string
	ModelParameters     string // JSON object
	Usage               Usage
	HasUsage            bool
	CompletionStartTime time.Time
	PromptName          string
	PromptVersion       int64
}

// AppendJSON appends the body as a JSON object.
func (ob *Observation) AppendJSON(b []byte) []byte {
	o := Begin(b)
	o.HexID("id", ob.ID[:])
	o.HexID("traceId", ob.TraceID[:])
	if ob.Parent != (SpanID{}) {
		o.HexID("parentObservationId", ob.Parent[:])
	}
	o.String("name", ob.Name)
	o.Word("level", ob.Level)
	o.String("statusMessage", ob.StatusMessage)
	o.String("version", ob.Version)
	o.Time("startTime", ob.StartTime)
	o.Time("endTime", ob.EndTime)
	o.Raw("input", ob.Input)
	o.Raw("output", ob.Output)
	if ob.NExtra == 0 {
		o.Raw("metadata", ob.Metadata)
	} else {
		o.Key("metadata")
		o.B = appendMetadata(o.B, ob.Metadata, ob.Extra[:ob.NExtra])
	}
	o.String("model", ob.Model)
	o.Raw("modelParameters", ob.ModelParameters)
	if ob.HasUsage {
		o.Key("usage")
		o.B = ob.Usage.AppendJSON(o.B)
	}
	o.Time("completionStartTime", ob.CompletionStartTime)
	o.String("promptName", ob.PromptName)
	if ob.PromptVersion != 0 {
		o.Int("promptVersion", ob.PromptVersion)
	}
	return o.End()
}

// Score is the body of a score-create event (A13).
type Score struct {
	TraceID       string
	ObservationID string
	Name          string
	Comment       string
	// DataType is NUMERIC, BOOLEAN or CATEGORICAL.
	DataType string
	// Number is the value of NUMERIC and BOOLEAN (0 or 1) scores.
	Number float64
	// Category is the value of CATEGORICAL scores.
	Category string
}

// AppendJSON appends the body. Categorical scores carry stringValue and no
// dataType, the only shape the server accepts for them; observationId is
// omitted when unset, never "".
func (s *Score) AppendJSON(b []byte) []byte {
	o := Begin(b)
	o.StringAlways("traceId", s.TraceID)
	o.String("observationId", s.ObservationID)
	o.StringAlways("name", s.Name)
	if s.DataType == "CATEGORICAL" {
		o.StringAlways("stringValue", s.Category)
	} else {
		o.Float("value", s.Number)
		o.StringAlways("dataType", s.DataType)
	}
	o.String("comment", s.Comment)
	o.StringAlways("source", "API")
	return o.End()
}

// Checkpoint is the body of POST /api/public/checkpoints (Part B 7.1).
type Checkpoint struct {
	TraceID        string
	ObservationID  string
	Name           string
	Description    string
	Type           string
	GitCommitSHA   string
	GitBranch      string
	GitRepoURL     string
	FilesSnapshot  string // JSON text, sent as a string
	FilesChanged   []string
	TotalFiles     int64
	TotalSizeBytes int64
}

// AppendJSON appends the body as a JSON object.
func (c *Checkpoint) AppendJSON(b []byte) []byte {
	o := Begin(b)
	o.StringAlways("traceId", c.TraceID)
	o.String("observationId", c.ObservationID)
	o.StringAlways("name", c.Name)
	o.String("description", c.Description)
	o.String("type", c.Type)
	o.String("gitCommitSha", c.GitCommitSHA)
	o.String("gitBranch", c.GitBranch)
	o.String("gitRepoUrl", c.GitRepoURL)
	o.String("filesSnapshot", c.FilesSnapshot)
	o.Strings("filesChanged", c.FilesChanged)
	o.IntNonZero("totalFiles", c.TotalFiles)
	o.IntNonZero("totalSizeBytes", c.TotalSizeBytes)
	return o.End()
}

// GitLink is the body of POST /api/public/git-links (Part B 7.2).
type GitLink struct {
	TraceID           string
	CommitSHA         string
	ParentSHA         string
	Branch            string
	Tag               string
	RepoURL           string
	CommitMessage     string
	CommitAuthor      string
	CommitAuthorEmail string
	CommitTimestamp   time.Time
	FilesAdded        []string
	FilesModified     []string
	FilesDeleted      []string
	Additions         int64
	Deletions         int64
	LinkType          string
}

// AppendJSON appends the body as a JSON object.
func (g *GitLink) AppendJSON(b []byte) []byte {
	o := Begin(b)
	o.StringAlways("traceId", g.TraceID)
	o.StringAlways("commitSha", g.CommitSHA)
	o.String("parentSha", g.ParentSHA)
	o.String("branch", g.Branch)
	o.String("tag", g.Tag)
	o.String("repoUrl", g.RepoURL)
	o.String("commitMessage", g.CommitMessage)
	o.String("commitAuthor", g.CommitAuthor)
	o.String("commitAuthorEmail", g.CommitAuthorEmail)
	o.Time("commitTimestamp", g.CommitTimestamp)
	o.Strings("filesAdded", g.FilesAdded)
	o.Strings("filesModified", g.FilesModified)
	o.Strings("filesDeleted", g.FilesDeleted)
	o.IntNonZero("additions", g.Additions)
	o.IntNonZero("deletions", g.Deletions)
	o.String("linkType", g.LinkType)
	return o.End()
}

// FileOperation is one item of POST /api/public/file-operations/batch (Part
// B 7.3).
type FileOperation struct {
	TraceID           string
	ObservationID     string
	Operation         string
	FilePath          string
	NewPath           string
	FileSize          int64
	FileMode          string
	ContentHash       string
	MimeType          string
	LinesAdded        int64
	LinesRemoved      int64
	DiffPreview       string
	ContentBeforeHash string
	ContentAfterHash  string
	ToolName          string
	Reason            string
	StartedAt         time.Time
	CompletedAt       time.Time
	DurationMs        int64
	Success           bool
	ErrorMessage      string
}

// AppendJSON appends the body as a JSON object.
func (f *FileOperation) AppendJSON(b []byte) []byte {
	o := Begin(b)
	o.StringAlways("traceId", f.TraceID)
	o.String("observationId", f.ObservationID)
	o.StringAlways("operation", f.Operation)
	o.StringAlways("filePath", f.FilePath)
	o.String("newPath", f.NewPath)
	o.IntNonZero("fileSize", f.FileSize)
	o.String("fileMode", f.FileMode)
	o.String("contentHash", f.ContentHash)
	o.String("mimeType", f.MimeType)
	o.IntNonZero("linesAdded", f.LinesAdded)
	o.IntNonZero("linesRemoved", f.LinesRemoved)
	o.String("diffPreview", f.DiffPreview)
	o.String("contentBeforeHash", f.ContentBeforeHash)
	o.String("contentAfterHash", f.ContentAfterHash)
	o.String("toolName", f.ToolName)
	o.String("reason", f.Reason)
	o.Time("startedAt", f.StartedAt)
	o.Time("completedAt", f.CompletedAt)
	o.IntNonZero("durationMs", f.DurationMs)
	o.Bool("success", f.Success)
	o.String("errorMessage", f.ErrorMessage)
	return o.End()
}

// TerminalCommand is one item of POST
// /api/public/terminal-commands/batch (Part B 7.4).
type TerminalCommand struct {
	TraceID          string
	ObservationID    string
	Command          string
	Args             []string
	WorkingDirectory string
	Shell            string
	EnvVars          string // JSON text, sent as a string
	StartedAt        time.Time
	CompletedAt      time.Time
	DurationMs       int64
	ExitCode         int64
	Stdout           string
	Stderr           string
	StdoutTruncated  bool
	StderrTruncated  bool
	Success          bool
	TimedOut         bool
	Killed           bool
	MaxMemoryBytes   int64
	CPUTimeMs        int64
	ToolName         string
	Reason           string
}

// AppendJSON appends the body as a JSON object.
func (t *TerminalCommand) AppendJSON(b []byte) []byte {
	o := Begin(b)
	o.StringAlways("traceId", t.TraceID)
	o.String("observationId", t.ObservationID)
	o.StringAlways("command", t.Command)
	o.Strings("args", t.Args)
	o.String("workingDirectory", t.WorkingDirectory)
	o.String("shell", t.Shell)
	o.String("envVars", t.EnvVars)
	o.Time("startedAt", t.StartedAt)
	o.Time("completedAt", t.CompletedAt)
	o.IntNonZero("durationMs", t.DurationMs)
	o.Int("exitCode", t.ExitCode)
	o.StringAlways("stdout", t.Stdout)
	o.StringAlways("stderr", t.Stderr)
	o.Bool("stdoutTruncated", t.StdoutTruncated)
	o.Bool("stderrTruncated", t.StderrTruncated)
	o.Bool("success", t.Success)
	o.Bool("timedOut", t.TimedOut)
	o.Bool("killed", t.Killed)
	o.IntNonZero("maxMemoryBytes", t.MaxMemoryBytes)
	o.IntNonZero("cpuTimeMs", t.CPUTimeMs)
	o.String("toolName", t.ToolName)
	o.String("reason", t.Reason)
	return o.End()
}

// Member is a member the SDK adds to an observation's metadata. Its value is
// Raw JSON text when Raw is set, else the string Str.
type Member struct {
	Key string
	Str string
	Raw string
}

// AddExtra adds a metadata member; members beyond the array's size are
// dropped (the SDK adds at most eight).
func (ob *Observation) AddExtra(m Member) {
	if ob.NExtra < len(ob.Extra) {
		ob.Extra[ob.NExtra] = m
		ob.NExtra++
	}
}

// appendMetadata appends the user's metadata with the extra members. A JSON
// object gets them appended (later members win in the server's decoder, so
// the SDK's keys cannot be spoofed); any other JSON value is kept under
// "value".
func appendMetadata(b []byte, user string, extra []Member) []byte {
	user = trimSpace(user)
	switch {
	case len(user) >= 2 && user[0] == '{':
		b = append(b, user[:len(user)-1]...)
		if trimSpace(user[1:len(user)-1]) != "" {
			b = append(b, ',')
		}
	case user != "":
		b = append(b, `{"value":`...)
		b = append(b, user...)
		b = append(b, ',')
	default:
		b = append(b, '{')
	}
	for i, m := range extra {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendString(b, m.Key)
		b = append(b, ':')
		if m.Raw != "" {
			b = append(b, m.Raw...)
		} else {
			b = AppendString(b, m.Str)
		}
	}
	return append(b, '}')
}

func trimSpace(s string) string {
	for len(s) > 0 && isSpace(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isSpace(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
