package exporter

import (
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/agenttrace/agenttrace-otel-go/scores"
)

// Score is a score of a trace or of one of its observations, sent as a
// score-create event once the trace exists on the server.
type Score struct {
	// TraceID is the scored trace. Required.
	TraceID trace.TraceID
	// ObservationID, when valid, is the scored observation.
	ObservationID trace.SpanID
	// TraceStart is the start time of the trace's root span, when known. It
	// lets the exporter create the trace row ahead of the score while the
	// trace is still running. Zero means the trace is assumed to exist.
	TraceStart time.Time
	// Name is the score's name. Required.
	Name string
	// Value is the score's value. Required.
	Value scores.Value
	// Comment is optional.
	Comment string
	// Time is when the score was given; zero means when it is queued.
	Time time.Time
}

// GitLinkType says how a commit relates to a trace.
type GitLinkType string

// Git link types, as the server names them.
const (
	// GitLinkCurrent is the commit the agent worked on (the default).
	GitLinkCurrent GitLinkType = "current"
	// GitLinkStart is the commit at the start of the trace.
	GitLinkStart GitLinkType = "start"
	// GitLinkEnd is the commit at the end of the trace.
	GitLinkEnd GitLinkType = "end"
	// GitLinkReferenced is a commit the trace refers to.
	GitLinkReferenced GitLinkType = "referenced"
)

// GitLink links a git commit to a trace. It is sent to
// /api/public/git-links once the trace exists on the server.
type GitLink struct {
	// TraceID is the linked trace. Required.
	TraceID trace.TraceID
	// TraceStart: see [Score.TraceStart].
	TraceStart time.Time
	// CommitSHA is the commit. Required.
	CommitSHA         string
	ParentSHA         string
	Branch            string
	Tag               string
	RepoURL           string
	CommitMessage     string
	CommitAuthor      string
	CommitAuthorEmail string
	CommitTime        time.Time
	FilesAdded        []string
	FilesModified     []string
	FilesDeleted      []string
	Additions         int
	Deletions         int
	// LinkType defaults to GitLinkCurrent.
	LinkType GitLinkType
}
