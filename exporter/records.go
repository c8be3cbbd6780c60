package exporter

import (
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/agenttrace/agenttrace-otel-go/internal/pace"
	"github.com/agenttrace/agenttrace-otel-go/internal/records"
)

// The records that are not spans (scores, git links, trace starts) reach
// the exporter from package instrument, through package records: they are
// not part of the exporter's public API.
func init() {
	records.Register(func(x any) records.Sink { return recordSink{x.(*Exporter)} })
}

// recordSink is the records.Sink of an exporter.
type recordSink struct{ e *Exporter }

func (s recordSink) ExportScore(sc records.Score) error    { return s.e.exportScore(sc) }
func (s recordSink) ExportGitLink(l records.GitLink) error { return s.e.exportGitLink(l) }
func (s recordSink) ExportTraceStart(id trace.TraceID, start time.Time) error {
	return s.e.exportTraceStart(id, start)
}
func (s recordSink) Pacer() *pace.Pacer { return s.e.pace }
