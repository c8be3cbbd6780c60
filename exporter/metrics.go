package exporter

import (
	"context"
	"errors"
	"net/http"
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
func (s *stats) register(mp metric.MeterProvider) error {
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
		metric.WithUnit("{request}"), metric.WithDescription("Requests whose items, or some of them, were sent again.")); err != nil {
		return err
	}
	if sm.duration, err = m.Float64Histogram("agenttrace.sdk.request.duration",
		metric.WithUnit("s"), metric.WithDescription("Duration of HTTP attempts to the AgentTrace API.")); err != nil {
		return err
	}
	_, err = m.Int64ObservableGauge("agenttrace.sdk.queue.depth",
		metric.WithUnit("{record}"), metric.WithDescription("Items queued, in flight or waiting for their trace."),
		metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
			o.Observe(s.pending.Load())
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

func (m *selfMetrics) dropped(kind string, n int, class dropClass) {
	m.droppedC.Add(context.Background(), int64(n), metric.WithAttributes(
		attribute.String("kind", kind), attribute.String("reason", string(class))))
}

func (m *selfMetrics) request(status int, d time.Duration) {
	m.duration.Record(context.Background(), d.Seconds(),
		metric.WithAttributes(attribute.Int("http.response.status_code", status)))
}

// dropClass is the reason attribute of agenttrace.sdk.dropped: why items
// were given up, in a few values (bounded cardinality), decided where the
// cause is known.
type dropClass string

const (
	dropQueueFull     dropClass = "queue_full"     // a queue was full
	dropDeadline      dropClass = "deadline"       // still queued when a flush deadline passed
	dropUnauthorized  dropClass = "unauthorized"   // the server answered 401 or 403
	dropTooLarge      dropClass = "too_large"      // too large for a request even when cut
	dropTraceRejected dropClass = "trace_rejected" // a record whose trace the server refused
	dropRejected      dropClass = "rejected"       // an item the server refused
	dropUnconfirmed   dropClass = "unconfirmed"    // may be stored; not sent again
	dropInvalid       dropClass = "invalid"        // a record the server would refuse
	dropUnconvertible dropClass = "unconvertible"  // a span that could not be read
	dropUndeliverable dropClass = "undeliverable"  // the server could not be reached, or refused the request
)

// errorClass is the class of items given up after a failed request.
func errorClass(err error) dropClass {
	var ae *httpapi.APIError
	switch {
	case errors.As(err, &ae) && ae.IsAuth():
		return dropUnauthorized
	case errors.As(err, &ae) && ae.Status == http.StatusRequestEntityTooLarge:
		return dropTooLarge
	}
	return dropUndeliverable
}
