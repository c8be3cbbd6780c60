package exporter

import (
	"context"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/agenttrace/agenttrace-otel-go/internal/httpapi"
)

// ScopeName is the instrumentation scope of the exporter's own metrics.
const ScopeName = "github.com/agenttrace/agenttrace-otel-go/exporter"

// selfMetrics are the exporter's own metrics (agenttrace.sdk.*).
type selfMetrics struct {
	exportedC metric.Int64Counter
	droppedC  metric.Int64Counter
	retriesC  metric.Int64Counter
	duration  metric.Float64Histogram
}

// register creates the instruments of the exporter's metrics.
func (s *stats) register(mp metric.MeterProvider, e *Exporter) error {
	m := mp.Meter(ScopeName, metric.WithInstrumentationVersion(httpapi.Version))
	var sm selfMetrics
	var err error
	if sm.exportedC, err = m.Int64Counter("agenttrace.sdk.exported",
		metric.WithUnit("{record}"), metric.WithDescription("Items the AgentTrace server accepted, by kind.")); err != nil {
		return err
	}
	if sm.droppedC, err = m.Int64Counter("agenttrace.sdk.dropped",
		metric.WithUnit("{record}"), metric.WithDescription("Items given up, by kind and reason.")); err != nil {
		return err
	}
	if sm.retriesC, err = m.Int64Counter("agenttrace.sdk.retries",
		metric.WithUnit("{request}"), metric.WithDescription("HTTP attempts that were followed by another.")); err != nil {
		return err
	}
	if sm.duration, err = m.Float64Histogram("agenttrace.sdk.request.duration",
		metric.WithUnit("s"), metric.WithDescription("Duration of HTTP attempts to the AgentTrace API.")); err != nil {
		return err
	}
	_, err = m.Int64ObservableGauge("agenttrace.sdk.queue.depth",
		metric.WithUnit("{record}"), metric.WithDescription("Records and events waiting to be sent."),
		metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
			o.Observe(e.pending.Load() + e.retryLen.Load())
			return nil
		}))
	if err != nil {
		return err
	}
	s.metrics = &sm
	return nil
}

func (m *selfMetrics) exported(kind string, n int) {
	m.exportedC.Add(context.Background(), int64(n), metric.WithAttributes(attribute.String("kind", kind)))
}

func (m *selfMetrics) dropped(kind string, n int, reason string) {
	m.droppedC.Add(context.Background(), int64(n), metric.WithAttributes(
		attribute.String("kind", kind), attribute.String("reason", reasonClass(reason))))
}

func (m *selfMetrics) request(status int, retry bool, d time.Duration) {
	if retry {
		m.retriesC.Add(context.Background(), 1)
	}
	m.duration.Record(context.Background(), d.Seconds(),
		metric.WithAttributes(attribute.Int("http.response.status_code", status)))
}

// reasonClass maps a drop reason to a small set of values, so the reason
// attribute has bounded cardinality.
func reasonClass(reason string) string {
	switch {
	case strings.Contains(reason, "queue full") || strings.Contains(reason, "queue was full"):
		return "queue_full"
	case strings.Contains(reason, "deadline passed"):
		return "deadline"
	case strings.Contains(reason, "401") || strings.Contains(reason, "403"):
		return "unauthorized"
	case strings.Contains(reason, "larger than"):
		return "too_large"
	case strings.HasPrefix(reason, "trace rejected"):
		return "trace_rejected"
	case strings.HasPrefix(reason, "server rejected"):
		return "rejected"
	case strings.HasPrefix(reason, "not confirmed"):
		return "unconfirmed"
	case strings.HasPrefix(reason, "invalid") || strings.Contains(reason, " without "):
		return "invalid"
	case strings.Contains(reason, "could not be converted"):
		return "unconvertible"
	}
	return "undeliverable"
}
