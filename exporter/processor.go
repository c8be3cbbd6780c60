package exporter

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/agenttrace/agenttrace-otel-go/semconv"
)

// SpanProcessor returns the exporter's own span processor: register it on a
// TracerProvider in place of a batch span processor around the exporter.
//
//	exp, err := exporter.New()
//	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(exp.SpanProcessor()))
//
// It hands every ended, sampled span to the exporter's queue without
// blocking, so the exporter batches, paces and bounds one queue, dropping
// whole traces when the work outgrows the server's budget rather than
// single spans as a batch span processor does. It also knows the spans
// that started and have not ended: its Shutdown ends them, with level
// WARNING and a status message, so that the trees on the server are whole,
// reports them, then shuts the exporter down. Its ForceFlush is the
// exporter's.
func (e *Exporter) SpanProcessor() sdktrace.SpanProcessor { return &e.processor }

// spanProcessor is the exporter's span processor.
type spanProcessor struct {
	e    *Exporter
	mu   sync.Mutex
	open map[spanKey]sdktrace.ReadWriteSpan
}

type spanKey struct {
	trace trace.TraceID
	span  trace.SpanID
}

func key(sc trace.SpanContext) spanKey { return spanKey{sc.TraceID(), sc.SpanID()} }

func (p *spanProcessor) OnStart(_ context.Context, s sdktrace.ReadWriteSpan) {
	if !s.SpanContext().IsSampled() {
		return
	}
	p.mu.Lock()
	if p.open == nil {
		p.open = map[spanKey]sdktrace.ReadWriteSpan{}
	}
	p.open[key(s.SpanContext())] = s
	p.mu.Unlock()
}

func (p *spanProcessor) OnEnd(s sdktrace.ReadOnlySpan) {
	if !s.SpanContext().IsSampled() {
		return
	}
	p.mu.Lock()
	delete(p.open, key(s.SpanContext()))
	p.mu.Unlock()
	if p.e.down.Load() {
		return
	}
	p.e.offerSpan(s)
}

func (p *spanProcessor) ForceFlush(ctx context.Context) error { return p.e.ForceFlush(ctx) }

// Shutdown ends the spans still open, then shuts the exporter down. The
// error reports the spans it ended and what the exporter could not
// deliver.
func (p *spanProcessor) Shutdown(ctx context.Context) error {
	return errors.Join(p.endOpen(), p.e.Shutdown(ctx))
}

// endOpen ends the spans that started and never ended, and says which.
func (p *spanProcessor) endOpen() error {
	p.mu.Lock()
	open := p.open
	p.open = nil
	p.mu.Unlock()
	if len(open) == 0 {
		return nil
	}
	traces, observations := 0, 0
	var names []string
	for _, s := range open {
		if !s.Parent().IsValid() || s.Parent().IsRemote() {
			traces++
		} else {
			observations++
		}
		if len(names) < 5 {
			names = append(names, s.Name())
		}
		s.SetAttributes(semconv.ObservationLevelKey.String("WARNING"),
			semconv.ObservationStatusMessageKey.String("not ended before the exporter shut down: ended by it"))
	}
	// Children first, so each ends inside its parent's time.
	for _, s := range open {
		if s.Parent().IsValid() && !s.Parent().IsRemote() {
			s.End()
		}
	}
	for _, s := range open {
		if s.EndTime().IsZero() {
			s.End()
		}
	}
	if len(open) > len(names) {
		names = append(names, "...")
	}
	return fmt.Errorf("agenttrace: %s never ended; ended at shutdown with level WARNING: %s",
		plural(traces, "trace", observations, "observation"), strings.Join(names, ", "))
}

// plural says "1 trace and 2 observations were", "3 observations were".
func plural(a int, an string, b int, bn string) string {
	var parts []string
	for _, p := range []struct {
		n    int
		name string
	}{{a, an}, {b, bn}} {
		switch {
		case p.n == 1:
			parts = append(parts, "1 "+p.name)
		case p.n > 1:
			parts = append(parts, fmt.Sprintf("%d %ss", p.n, p.name))
		}
	}
	verb := " were"
	if a+b == 1 {
		verb = " was"
	}
	return strings.Join(parts, " and ") + verb
}
