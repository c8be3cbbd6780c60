package exporter

import (
	"context"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

var _ sdktrace.SpanExporter = (*Exporter)(nil)

// Exporter is an [sdktrace.SpanExporter] that sends spans to AgentTrace as
// ingestion events, and records (scores, git links) beside them.
type Exporter struct {
	cfg config
}

// New returns an exporter configured by opts, the AGENTTRACE_* environment
// and defaults, in that order of precedence.
func New(ctx context.Context, opts ...Option) (*Exporter, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	return &Exporter{cfg: cfg}, nil
}

// ExportSpans converts spans to ingestion events and sends them.
func (e *Exporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	return nil
}

// ExportScore queues a score.
func (e *Exporter) ExportScore(s Score) error { return nil }

// ExportGitLink queues a git link.
func (e *Exporter) ExportGitLink(l GitLink) error { return nil }

// ForceFlush sends everything queued.
func (e *Exporter) ForceFlush(ctx context.Context) error { return nil }

// Shutdown flushes and stops the exporter.
func (e *Exporter) Shutdown(ctx context.Context) error { return nil }

// Stats is a snapshot of the exporter's counters.
type Stats struct {
	// Requests is the number of HTTP attempts made.
	Requests uint64
	// Retries is the number of attempts that were retried.
	Retries uint64
	// BytesSent is the number of request body bytes sent.
	BytesSent uint64
	// Delivered counts events and records the server accepted, by kind.
	Delivered map[string]uint64
	// Dropped counts events and records given up, by reason.
	Dropped map[string]uint64
	// QueuedRecords is the number of records waiting to be sent.
	QueuedRecords int
}

// Stats returns a snapshot of the exporter's counters.
func (e *Exporter) Stats() Stats { return Stats{} }
