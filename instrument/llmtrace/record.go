package llmtrace

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	otelsemconv "go.opentelemetry.io/otel/semconv/v1.41.0"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/semconv"
)

// Recorder records how an LLM call ended on its generation, as
// [RequestOption] and [Transport] do. It is for integrations that see a
// call's HTTP attempts themselves (the AWS SDK's middleware stack, say).
type Recorder struct {
	// Generation is the call's generation; Context its context, under
	// which the spans of the attempts start.
	Generation *instrument.Generation
	Context    context.Context
	// SpanName names the spans of the attempts ("POST /v1/messages");
	// Server are their attributes ([ServerAttributes]).
	SpanName string
	Server   []attribute.KeyValue
	// CaptureContent records the output of the generation.
	CaptureContent bool
	// ErrorType returns the error.type of an error. Nil: an [APIError]'s
	// Type, else its status code; context.Canceled and
	// context.DeadlineExceeded by name; else the Go type of the error.
	ErrorType func(error) string
}

// Outcome is how an LLM call ended.
type Outcome struct {
	Result Result
	// Err is the call's error (Result.Err when nil); Warning, when there
	// is no error, a problem that is not one (a stream the application
	// closed early).
	Err     error
	Warning string
	// End is when the generation ends.
	End time.Time
	// Attempts are the call's HTTP attempts, first to last.
	Attempts []Attempt
}

// Attempt is one HTTP attempt of a call.
type Attempt struct {
	// Start and End bound the attempt's span. The last attempt's span
	// carries the call's error; its End is the caller's to choose (the
	// answer of a stream lasts until the stream ends).
	Start, End time.Time
	// Status is the HTTP status of the answer; 0 when none arrived.
	Status int
	// Err is why the attempt failed: an error of the transport, or the
	// [APIError] of an error answer. Nil with an error Status stands for
	// an APIError of that status.
	Err error
}

// Record sets what o says on the generation (response attributes, output,
// usage or why there is none, completion start, error or warning) and ends
// it at o.End. When there was more than one attempt, each becomes a child
// span of the generation: the failed attempts that were retried at level
// WARNING, the last one with the call's error.
func (rec *Recorder) Record(o Outcome) {
	g := rec.Generation
	defer func() {
		if r := recover(); r != nil {
			otel.Handle(fmt.Errorf("agenttrace: recording an LLM call: panic: %v", r))
		}
		g.EndAt(o.End)
	}()
	r, attempts := o.Result, o.Attempts
	var attrs []attribute.KeyValue
	if r.ResponseModel != "" {
		attrs = append(attrs, semconv.GenAIResponseModelKey.String(r.ResponseModel))
	}
	if r.ResponseID != "" {
		attrs = append(attrs, semconv.GenAIResponseIDKey.String(r.ResponseID))
	}
	if len(r.FinishReasons) > 0 {
		attrs = append(attrs, semconv.GenAIResponseFinishReasonsKey.StringSlice(r.FinishReasons))
	}
	if len(attempts) > 0 {
		if last := attempts[len(attempts)-1]; last.Status >= 400 {
			attrs = append(attrs, otelsemconv.HTTPResponseStatusCode(last.Status))
		}
	}
	if len(attempts) > 1 {
		attrs = append(attrs, otelsemconv.HTTPRequestResendCount(len(attempts)-1))
	}
	err := o.Err
	if err == nil {
		err = r.Err
	}
	if err != nil {
		attrs = append(attrs, otelsemconv.ErrorTypeKey.String(rec.errorType(err)))
	}
	g.SetAttributes(attrs...)
	if rec.CaptureContent && r.Output != nil {
		g.SetOutput(r.Output)
	}
	switch {
	case r.Usage != nil:
		g.SetUsage(*r.Usage)
	case r.UsageUnavailable != "":
		g.SetAttributes(semconv.GenerationUsageUnavailableKey.String(r.UsageUnavailable)) // no usage rather than zeros
	}
	if !r.CompletionStart.IsZero() {
		g.SetCompletionStartTime(r.CompletionStart)
	}
	switch {
	case err != nil:
		g.SetError(err)
	case o.Warning != "":
		g.SetLevel(instrument.LevelWarning)
		g.SetStatusMessage(o.Warning)
	}
	if len(attempts) > 1 {
		rec.recordAttempts(attempts, err)
	}
}

// recordAttempts records each attempt of a retried call as a child span of
// its generation: failed attempts that were retried at level WARNING, the
// last one with the call's error.
func (rec *Recorder) recordAttempts(attempts []Attempt, callErr error) {
	for i, a := range attempts {
		attrs := slices.Clip(rec.Server)
		if a.Status != 0 {
			attrs = append(attrs, otelsemconv.HTTPResponseStatusCode(a.Status))
		}
		if i > 0 {
			attrs = append(attrs, otelsemconv.HTTPRequestResendCount(i))
		}
		failure := a.Err
		if failure == nil && a.Status >= 400 {
			failure = &APIError{StatusCode: a.Status}
		}
		lastAttempt := i == len(attempts)-1
		if lastAttempt {
			failure = callErr
		}
		if failure != nil {
			attrs = append(attrs, otelsemconv.ErrorTypeKey.String(rec.errorType(failure)))
		}
		_, s := rec.Generation.Span(rec.Context, rec.SpanName, instrument.WithStartTime(a.Start), instrument.WithAttributes(attrs...))
		switch {
		case failure != nil && lastAttempt:
			s.SetError(failure)
		case failure != nil:
			s.SetLevel(instrument.LevelWarning)
			s.SetStatusMessage("retried after: " + failureText(failure))
		}
		s.EndAt(a.End)
	}
}

func (rec *Recorder) errorType(err error) string {
	if rec.ErrorType != nil {
		return rec.ErrorType(err)
	}
	return errorType(err)
}

// failureText describes a failed attempt: an API error without a message
// by its status and its type alone.
func failureText(err error) string {
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.Message == "" && apiErr.StatusCode != 0 {
		text := fmt.Sprintf("%d %s", apiErr.StatusCode, http.StatusText(apiErr.StatusCode))
		if apiErr.Type != "" {
			text += " (" + apiErr.Type + ")"
		}
		return text
	}
	return err.Error()
}

// errorType is the OpenTelemetry error.type of err: an API error's type,
// else the Go type of the error.
func errorType(err error) string {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.errorType()
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "context.DeadlineExceeded"
	case errors.Is(err, context.Canceled):
		return "context.Canceled"
	}
	return fmt.Sprintf("%T", err)
}
