package llmtrace_test

import (
	"context"
	"errors"
	"testing"
	"time"

	otelsemconv "go.opentelemetry.io/otel/semconv/v1.41.0"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/instrument/llmtrace"
	"github.com/agenttrace/agenttrace-otel-go/internal/llmtest"
	"github.com/agenttrace/agenttrace-otel-go/semconv"
)

func TestRecorder(t *testing.T) {
	e := llmtest.New(t)
	start := time.Now()
	end := start.Add(3 * time.Second)
	callErr := errors.New("refused")
	id := e.Traced(func(ctx context.Context) {
		genCtx, g := instrument.FromContext(ctx).Generation(ctx, "chat m")
		rec := llmtrace.Recorder{
			Generation: g, Context: genCtx, SpanName: "POST /chat",
			ErrorType: func(err error) string { return "custom:" + err.Error() },
		}
		rec.Record(llmtrace.Outcome{Err: callErr, End: end, Attempts: []llmtrace.Attempt{
			{Start: start, End: start.Add(time.Second), Status: 429, Err: &llmtrace.APIError{StatusCode: 429, Type: "Throttled"}},
			{Start: start.Add(2 * time.Second), End: end.Add(-time.Second), Status: 400},
		}})
	})
	var attempts []int
	for i, s := range e.SpansOf(id) {
		if s.Name == "POST /chat" {
			attempts = append(attempts, i)
		}
	}
	if len(attempts) != 2 {
		t.Fatalf("got %d attempt spans, want 2", len(attempts))
	}
	spans := e.SpansOf(id)
	first, last := spans[attempts[0]], spans[attempts[1]]
	if got, want := llmtest.Value(first, semconv.ObservationStatusMessageKey), "retried after: 429 Too Many Requests (Throttled)"; got != want {
		t.Errorf("retried attempt: status message %v, want %v", got, want)
	}
	if got, want := llmtest.Value(last, otelsemconv.ErrorTypeKey), "custom:refused"; got != want {
		t.Errorf("last attempt: error.type %v, want %v", got, want)
	}
	if !last.EndTime.Equal(end.Add(-time.Second)) {
		t.Errorf("last attempt ends at %v, want its own End", last.EndTime)
	}
	_, gen := e.OneGeneration(t, id)
	if !gen.EndTime.Equal(end) {
		t.Errorf("the generation ends at %v, want %v", gen.EndTime, end)
	}
	if last.Parent.SpanID() != gen.SpanContext.SpanID() {
		t.Error("the attempt spans are not children of the generation")
	}
}
