// Package records holds the records that are not spans (scores, git links,
// trace starts) as package instrument hands them to the exporter, and lends
// instrument the exporter's pacer. They are not part of the exporter's
// public API: package exporter registers, when it
// is loaded, the function that gives instrument an exporter's [Sink].
package records

import (
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/agenttrace/agenttrace-otel-go/internal/pace"
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
	// LinkType is "current" (the default when empty), "start", "end" or
	// "referenced".
	LinkType string
}

// Sink is what an exporter does with records. Each method queues its
// record and never blocks on the network.
type Sink interface {
	// ExportScore queues a score, sent once its trace exists on the
	// server (A12).
	ExportScore(Score) error
	// ExportGitLink queues a git link, sent once its trace exists on the
	// server (A12).
	ExportGitLink(GitLink) error
	// ExportTraceStart makes sure the trace exists on the server while it
	// still runs (a provisional row), before the trace is handed to
	// another process (A18).
	ExportTraceStart(id trace.TraceID, start time.Time) error
	// Pacer returns the exporter's pacer, which the API calls made on the
	// same connection (package experiments) share, so that all of them
	// keep to the one request budget of the server.
	Pacer() *pace.Pacer
}

// sinkOf is registered by package exporter.
var sinkOf func(exporter any) Sink

// Register sets the function that returns the Sink of an exporter; package
// exporter calls it once, when it is initialised.
func Register(f func(exporter any) Sink) { sinkOf = f }

// SinkOf returns the Sink of exporter (an *exporter.Exporter).
func SinkOf(exporter any) Sink { return sinkOf(exporter) }
