package agenttracetest

import (
	"net/http"
	"slices"
	"time"
)

// The stored types below are what the server keeps of what it accepted. Their
// JSON form is the object the real server answers with (field names and JSON
// types), which is how the single-entity and record routes echo them.
// JSON-valued fields (metadata, input, output, model parameters) hold JSON
// text, as the server's columns do; "" means absent.
//
// All times are UTC with millisecond precision, as ClickHouse keeps them.

// Trace is a stored trace row. Rows are keyed by (ID, StartTime): a
// trace-create with the same id and start time replaces the whole row, one
// with another start time adds a second row (exporter/PROTOCOL.md §4.7).
type Trace struct {
	ID        string   `json:"id"`
	ProjectID string   `json:"projectId"`
	Name      string   `json:"name"`
	UserID    string   `json:"userId,omitempty"`
	SessionID string   `json:"sessionId,omitempty"`
	Release   string   `json:"release,omitempty"`
	Version   string   `json:"version,omitempty"`
	Tags      []string `json:"tags"`
	// Metadata is JSON text.
	Metadata string `json:"metadata,omitempty"`
	Public   bool   `json:"public"`
	// StartTime is the body's startTime, else its timestamp, else the time
	// the server received it.
	StartTime time.Time  `json:"startTime"`
	EndTime   *time.Time `json:"endTime,omitempty"`
	// Input and Output are JSON text. Level and StatusMessage are kept
	// as sent (the handler does not validate a trace's level).
	Input         string    `json:"input,omitempty"`
	Output        string    `json:"output,omitempty"`
	Level         string    `json:"level"`
	StatusMessage string    `json:"statusMessage,omitempty"`
	GitCommitSha  string    `json:"gitCommitSha,omitempty"`
	GitBranch     string    `json:"gitBranch,omitempty"`
	GitRepoURL    string    `json:"gitRepoUrl,omitempty"`
	CreatedAt     time.Time `json:"createdAt"`
	UpdatedAt     time.Time `json:"updatedAt"`
}

// Duration is EndTime - StartTime, or zero when the trace has no end time.
func (t Trace) Duration() time.Duration {
	if t.EndTime == nil {
		return 0
	}
	return t.EndTime.Sub(t.StartTime)
}

// The types of a stored [Observation] (its Type field), from the ingestion
// event type, in the server's upper case.
const (
	storedSpan       = "SPAN"
	storedGeneration = "GENERATION"
	storedEvent      = "EVENT"
)

// Observation is a stored observation row, keyed by (TraceID, StartTime, ID)
// like the server's (exporter/PROTOCOL.md §4.7).
type Observation struct {
	ID                  string `json:"id"`
	TraceID             string `json:"traceId"`
	ParentObservationID string `json:"parentObservationId,omitempty"`
	ProjectID           string `json:"projectId"`
	// Type is "SPAN", "GENERATION" or "EVENT", from the ingestion event
	// type, in the server's upper case. They are not instrument's
	// ObservationType values ("span", "generation", "tool", ...), which the
	// exporter maps to these; the finer type is kept in the metadata's
	// observationType.
	Type          string `json:"type"`
	Name          string `json:"name"`
	Level         string `json:"level"`
	StatusMessage string `json:"statusMessage,omitempty"`
	Version       string `json:"version,omitempty"`
	// Metadata, Input and Output are JSON text.
	Metadata  string     `json:"metadata,omitempty"`
	Input     string     `json:"input,omitempty"`
	Output    string     `json:"output,omitempty"`
	StartTime time.Time  `json:"startTime"`
	EndTime   *time.Time `json:"endTime,omitempty"`

	// The generation fields below are kept (the real server at the commit
	// exporter/PROTOCOL.md calls HEAD parses and drops them).

	CompletionStartTime *time.Time `json:"completionStartTime,omitempty"`
	Model               string     `json:"model,omitempty"`
	// ModelParameters is JSON text.
	ModelParameters string `json:"modelParameters,omitempty"`
	// Usage is the usage as the server's normaliser reads it (integer
	// inputTokens or promptTokens, outputTokens or completionTokens,
	// totalTokens defaulting to their sum, cacheReadTokens,
	// cacheCreationTokens); nil when none was sent.
	Usage *Usage `json:"usage,omitempty"`
	// UsageJSON is the usage exactly as sent (compacted JSON text), in
	// whatever shape, for asserting the keys a client used.
	UsageJSON     string    `json:"-"`
	PromptID      string    `json:"promptId,omitempty"`
	PromptName    string    `json:"promptName,omitempty"`
	PromptVersion int       `json:"promptVersion,omitempty"`
	CreatedAt     time.Time `json:"createdAt"`
	UpdatedAt     time.Time `json:"updatedAt"`
}

// Duration is EndTime - StartTime, or zero when the observation has no end
// time.
func (o Observation) Duration() time.Duration {
	if o.EndTime == nil {
		return 0
	}
	return o.EndTime.Sub(o.StartTime)
}

// Usage is a generation's token usage, normalised as the server does.
type Usage struct {
	InputTokens         int64 `json:"inputTokens"`
	OutputTokens        int64 `json:"outputTokens"`
	TotalTokens         int64 `json:"totalTokens"`
	CacheReadTokens     int64 `json:"cacheReadTokens,omitempty"`
	CacheCreationTokens int64 `json:"cacheCreationTokens,omitempty"`
}

// Score data types and sources (the values of Score.DataType and
// Score.Source).
const (
	dataTypeNumeric     = "NUMERIC"
	dataTypeBoolean     = "BOOLEAN"
	dataTypeCategorical = "CATEGORICAL"

	sourceAPI        = "API"
	sourceEval       = "EVAL"
	sourceAnnotation = "ANNOTATION"
)

// Score is a stored score. Every accepted score gets a fresh server UUID,
// so a re-sent score is stored twice (exporter/PROTOCOL.md §4.7).
type Score struct {
	ID            string `json:"id"`
	ProjectID     string `json:"projectId"`
	TraceID       string `json:"traceId"`
	ObservationID string `json:"observationId,omitempty"`
	Name          string `json:"name"`
	// Source is "API" (the default), "EVAL" or "ANNOTATION".
	Source string `json:"source"`
	// DataType is "NUMERIC", "BOOLEAN" or "CATEGORICAL".
	DataType string `json:"dataType"`
	// Value is nil for a boolean inferred from stringValue "true"/"false"
	// and for categorical scores.
	Value       *float64  `json:"value,omitempty"`
	StringValue *string   `json:"stringValue,omitempty"`
	Comment     string    `json:"comment,omitempty"`
	CreatedAt   time.Time `json:"createdAt"`
	UpdatedAt   time.Time `json:"updatedAt"`
}

// Checkpoint is a stored checkpoint (exporter/PROTOCOL.md §7.1).
type Checkpoint struct {
	ID            string `json:"id"`
	ProjectID     string `json:"projectId"`
	TraceID       string `json:"traceId"`
	ObservationID string `json:"observationId,omitempty"`
	Name          string `json:"name"`
	Description   string `json:"description,omitempty"`
	Type          string `json:"type"`
	GitCommitSha  string `json:"gitCommitSha,omitempty"`
	GitBranch     string `json:"gitBranch,omitempty"`
	GitRepoURL    string `json:"gitRepoUrl,omitempty"`
	// FilesSnapshot is JSON text, as sent.
	FilesSnapshot  string     `json:"filesSnapshot,omitempty"`
	FilesChanged   []string   `json:"filesChanged,omitempty"`
	TotalFiles     uint32     `json:"totalFiles"`
	TotalSizeBytes uint64     `json:"totalSizeBytes"`
	RestoredFrom   string     `json:"restoredFrom,omitempty"`
	RestoredAt     *time.Time `json:"restoredAt,omitempty"`
	CreatedAt      time.Time  `json:"createdAt"`
}

// GitLink is a stored git link (exporter/PROTOCOL.md §7.2).
type GitLink struct {
	ID                string    `json:"id"`
	ProjectID         string    `json:"projectId"`
	TraceID           string    `json:"traceId"`
	CommitSha         string    `json:"commitSha"`
	ParentSha         string    `json:"parentSha,omitempty"`
	Branch            string    `json:"branch,omitempty"`
	Tag               string    `json:"tag,omitempty"`
	RepoURL           string    `json:"repoUrl,omitempty"`
	CommitMessage     string    `json:"commitMessage,omitempty"`
	CommitAuthor      string    `json:"commitAuthor,omitempty"`
	CommitAuthorEmail string    `json:"commitAuthorEmail,omitempty"`
	CommitTimestamp   time.Time `json:"commitTimestamp"`
	FilesAdded        []string  `json:"filesAdded,omitempty"`
	FilesModified     []string  `json:"filesModified,omitempty"`
	FilesDeleted      []string  `json:"filesDeleted,omitempty"`
	// FilesChangedCount is computed: the number of added, modified and
	// deleted files.
	FilesChangedCount int    `json:"filesChangedCount"`
	Additions         uint32 `json:"additions"`
	Deletions         uint32 `json:"deletions"`
	LinkType          string `json:"linkType"`
	// CIRunID is kept only when it is a UUID.
	CIRunID   string    `json:"ciRunId,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
}

// FileOperation is a stored file operation (exporter/PROTOCOL.md §7.3).
type FileOperation struct {
	ID                string `json:"id"`
	ProjectID         string `json:"projectId"`
	TraceID           string `json:"traceId"`
	ObservationID     string `json:"observationId,omitempty"`
	Operation         string `json:"operation"`
	FilePath          string `json:"filePath"`
	NewPath           string `json:"newPath,omitempty"`
	FileSize          uint64 `json:"fileSize"`
	FileMode          string `json:"fileMode,omitempty"`
	ContentHash       string `json:"contentHash,omitempty"`
	MimeType          string `json:"mimeType,omitempty"`
	LinesAdded        uint32 `json:"linesAdded"`
	LinesRemoved      uint32 `json:"linesRemoved"`
	DiffPreview       string `json:"diffPreview,omitempty"`
	ContentBeforeHash string `json:"contentBeforeHash,omitempty"`
	ContentAfterHash  string `json:"contentAfterHash,omitempty"`
	ToolName          string `json:"toolName,omitempty"`
	Reason            string `json:"reason,omitempty"`
	// StartedAt and CompletedAt default to the receive time.
	StartedAt   time.Time `json:"startedAt"`
	CompletedAt time.Time `json:"completedAt"`
	// DurationMs is computed from the timestamps (a sent durationMs is
	// ignored); a negative duration wraps around, as on the server.
	DurationMs   uint32    `json:"durationMs"`
	Success      bool      `json:"success"`
	ErrorMessage string    `json:"errorMessage,omitempty"`
	CreatedAt    time.Time `json:"createdAt"`
}

// TerminalCommand is a stored terminal command (exporter/PROTOCOL.md §7.4).
type TerminalCommand struct {
	ID               string   `json:"id"`
	ProjectID        string   `json:"projectId"`
	TraceID          string   `json:"traceId"`
	ObservationID    string   `json:"observationId,omitempty"`
	Command          string   `json:"command"`
	Args             []string `json:"args,omitempty"`
	WorkingDirectory string   `json:"workingDirectory"`
	Shell            string   `json:"shell"`
	// EnvVars is JSON text, as sent.
	EnvVars     string    `json:"envVars,omitempty"`
	StartedAt   time.Time `json:"startedAt"`
	CompletedAt time.Time `json:"completedAt"`
	// DurationMs is computed from the timestamps, as for [FileOperation].
	DurationMs      uint32    `json:"durationMs"`
	ExitCode        int32     `json:"exitCode"`
	Stdout          string    `json:"stdout,omitempty"`
	Stderr          string    `json:"stderr,omitempty"`
	StdoutTruncated bool      `json:"stdoutTruncated"`
	StderrTruncated bool      `json:"stderrTruncated"`
	Success         bool      `json:"success"`
	TimedOut        bool      `json:"timedOut"`
	Killed          bool      `json:"killed"`
	MaxMemoryBytes  uint64    `json:"maxMemoryBytes,omitempty"`
	CPUTimeMs       uint32    `json:"cpuTimeMs,omitempty"`
	ToolName        string    `json:"toolName,omitempty"`
	Reason          string    `json:"reason,omitempty"`
	CreatedAt       time.Time `json:"createdAt"`
}

// Request is an HTTP request the server received, recorded before any fault,
// authentication or validation, so that every attempt of a client is
// visible.
type Request struct {
	Method string
	// Path is the request path (unescaped); RawQuery the query string.
	Path     string
	RawQuery string
	Header   http.Header
	// Body is the request body after Content-Encoding (gzip, deflate)
	// decoding; the wire bytes when decoding failed; nil when the body
	// exceeded the size limit. The log keeps the bodies of the latest
	// requests only, 64 MiB of them in all: an older body is released (nil)
	// when newer ones need the room, so that a long load test does not keep
	// every body it sent. The other fields are kept for every request.
	Body []byte
	// WireBytes is the body's size on the wire (for a chunked body over the
	// size limit, the limit plus one).
	WireBytes  int64
	RemoteAddr string
	// Status is the status the server answered with; 0 while the request is
	// being handled and when no response was sent (connection reset, hang,
	// server down).
	Status int
	// Items is how many items the server processed: the events of an
	// ingestion batch, the records of a /batch request, 1 for a single
	// create; 0 for reads and for requests refused as a whole (401, 413,
	// 429, 400). Set when the handler ends; a request cut short counts the
	// items it finished.
	Items      int
	ReceivedAt time.Time
}

func (t Trace) clone() Trace {
	t.Tags = slices.Clone(t.Tags)
	t.EndTime = cloneTime(t.EndTime)
	return t
}

func (o Observation) clone() Observation {
	o.EndTime = cloneTime(o.EndTime)
	o.CompletionStartTime = cloneTime(o.CompletionStartTime)
	if o.Usage != nil {
		u := *o.Usage
		o.Usage = &u
	}
	return o
}

func (s Score) clone() Score {
	if s.Value != nil {
		v := *s.Value
		s.Value = &v
	}
	if s.StringValue != nil {
		v := *s.StringValue
		s.StringValue = &v
	}
	return s
}

func (c Checkpoint) clone() Checkpoint {
	c.FilesChanged = slices.Clone(c.FilesChanged)
	c.RestoredAt = cloneTime(c.RestoredAt)
	return c
}

func (g GitLink) clone() GitLink {
	g.FilesAdded = slices.Clone(g.FilesAdded)
	g.FilesModified = slices.Clone(g.FilesModified)
	g.FilesDeleted = slices.Clone(g.FilesDeleted)
	return g
}

func (f FileOperation) clone() FileOperation { return f }

func (t TerminalCommand) clone() TerminalCommand {
	t.Args = slices.Clone(t.Args)
	return t
}

func (r Request) clone() Request {
	r.Header = r.Header.Clone()
	r.Body = slices.Clone(r.Body)
	return r
}

func cloneTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := *t
	return &v
}

func cloneAll[T any](in []T, clone func(T) T) []T {
	if in == nil {
		return nil
	}
	out := make([]T, len(in))
	for i, v := range in {
		out[i] = clone(v)
	}
	return out
}
