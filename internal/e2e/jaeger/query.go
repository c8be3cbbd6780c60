package jaeger

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"go.opentelemetry.io/otel/trace"
)

// ErrTraceNotFound is returned by [Instance.Trace] when Jaeger holds no span
// of the trace.
var ErrTraceNotFound = errors.New("jaeger: trace not found")

// defaultWait bounds [Instance.WaitTrace] when its context has no deadline.
const defaultWait = 30 * time.Second

// Trace is a trace as Jaeger's HTTP query API returns it.
type Trace struct {
	TraceID   string             `json:"traceID"`
	Spans     []Span             `json:"spans"`
	Processes map[string]Process `json:"processes"`
}

// Span is one span of a [Trace]. OTel span attributes are its Tags; OTel
// span events are its Logs; the OTel span kind and status appear as the tags
// span.kind, otel.status_code and otel.status_description, and the
// instrumentation scope as otel.scope.name and otel.scope.version.
type Span struct {
	TraceID       string      `json:"traceID"`
	SpanID        string      `json:"spanID"`
	OperationName string      `json:"operationName"`
	References    []Reference `json:"references"`
	// StartMicros is the start time in microseconds since the Unix epoch.
	StartMicros int64 `json:"startTime"`
	// DurationMicros is the duration in microseconds.
	DurationMicros int64      `json:"duration"`
	Tags           []KeyValue `json:"tags"`
	Logs           []Log      `json:"logs"`
	ProcessID      string     `json:"processID"`
	// Process is the process (OTel resource) of the span, resolved from
	// the trace's Processes by ProcessID.
	Process  Process  `json:"-"`
	Warnings []string `json:"warnings"`
}

// Reference links a span to another span; the OTel parent is the reference
// of type CHILD_OF.
type Reference struct {
	RefType string `json:"refType"`
	TraceID string `json:"traceID"`
	SpanID  string `json:"spanID"`
}

// Process is the service that emitted spans: the OTel resource, with
// service.name as ServiceName and the other resource attributes as Tags.
type Process struct {
	ServiceName string     `json:"serviceName"`
	Tags        []KeyValue `json:"tags"`
}

// Log is a timestamped span event.
type Log struct {
	TimestampMicros int64      `json:"timestamp"`
	Fields          []KeyValue `json:"fields"`
}

// KeyValue is a tag. Value holds a string, bool, int64 or float64 according
// to Type ("string", "bool", "int64", "float64"; "binary" values are kept as
// the base64 string Jaeger sends). OTel slice attributes arrive as strings
// holding JSON arrays.
type KeyValue struct {
	Key   string `json:"key"`
	Type  string `json:"type"`
	Value any    `json:"value"`
}

// UnmarshalJSON decodes the value as the Go type that Type names, so that an
// int64 tag compares equal to an int64 rather than to a float64.
func (kv *KeyValue) UnmarshalJSON(data []byte) error {
	var raw struct {
		Key   string          `json:"key"`
		Type  string          `json:"type"`
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	kv.Key, kv.Type = raw.Key, raw.Type
	var err error
	switch raw.Type {
	case "int64":
		var n json.Number
		if err = json.Unmarshal(raw.Value, &n); err == nil {
			kv.Value, err = strconv.ParseInt(n.String(), 10, 64)
		}
	case "float64":
		var f float64
		err = json.Unmarshal(raw.Value, &f)
		kv.Value = f
	case "bool":
		var b bool
		err = json.Unmarshal(raw.Value, &b)
		kv.Value = b
	default:
		var s string
		err = json.Unmarshal(raw.Value, &s)
		kv.Value = s
	}
	if err != nil {
		return fmt.Errorf("jaeger: tag %q of type %q: %w", raw.Key, raw.Type, err)
	}
	return nil
}

// Start returns the span's start time.
func (s Span) Start() time.Time { return time.UnixMicro(s.StartMicros) }

// Duration returns the span's duration.
func (s Span) Duration() time.Duration { return time.Duration(s.DurationMicros) * time.Microsecond }

// ParentSpanID returns the span id of the span's parent, or "" for a root.
func (s Span) ParentSpanID() string {
	for _, r := range s.References {
		if r.RefType == "CHILD_OF" {
			return r.SpanID
		}
	}
	return ""
}

// Tag returns the value of the tag key.
func (s Span) Tag(key string) (any, bool) {
	for _, kv := range s.Tags {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	return nil, false
}

// TagMap returns the span's tags as a map from key to value.
func (s Span) TagMap() map[string]any {
	m := make(map[string]any, len(s.Tags))
	for _, kv := range s.Tags {
		m[kv.Key] = kv.Value
	}
	return m
}

// Span returns the first span named name.
func (t *Trace) Span(name string) (Span, bool) {
	for _, s := range t.Spans {
		if s.OperationName == name {
			return s, true
		}
	}
	return Span{}, false
}

// Trace fetches the trace id from Jaeger's HTTP query API
// (GET /api/traces/{id}). It returns [ErrTraceNotFound] when Jaeger has no
// span of it yet.
func (in *Instance) Trace(ctx context.Context, id trace.TraceID) (*Trace, error) {
	url := in.QueryURL + "/api/traces/" + id.String()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := in.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("jaeger: GET %s: %w", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("jaeger: GET %s: reading body: %w", url, err)
	}
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return nil, fmt.Errorf("%w: %s", ErrTraceNotFound, id)
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("jaeger: GET %s: %s: %s", url, resp.Status, bytes.TrimSpace(body))
	}
	var r struct {
		Data []Trace `json:"data"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("jaeger: GET %s: decoding: %w", url, err)
	}
	if len(r.Data) == 0 {
		return nil, fmt.Errorf("%w: %s", ErrTraceNotFound, id)
	}
	t := &r.Data[0]
	for i := range t.Spans {
		t.Spans[i].Process = t.Processes[t.Spans[i].ProcessID]
	}
	return t, nil
}

// WaitTrace polls [Instance.Trace] until the trace has at least spans spans
// and returns it. It gives up when ctx is done, or after 30 seconds when ctx
// has no deadline, with an error that tells what Jaeger last answered; any
// error other than [ErrTraceNotFound] ends the wait at once.
func (in *Instance) WaitTrace(ctx context.Context, id trace.TraceID, spans int) (*Trace, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, defaultWait)
		defer cancel()
	}
	ticker := time.NewTicker(pollInterval)
	defer ticker.Stop()
	var last error // what Jaeger last answered
	for {
		t, err := in.Trace(ctx, id)
		switch {
		case err == nil && len(t.Spans) >= spans:
			return t, nil
		case err == nil:
			last = fmt.Errorf("trace %s has %d spans, want %d", id, len(t.Spans), spans)
		case errors.Is(err, ErrTraceNotFound):
			last = err
		case ctx.Err() == nil:
			return nil, err
		case last == nil: // ctx ended the first request
			last = err
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("jaeger: waiting for trace %s: %w (last answer: %v)", id, ctx.Err(), last)
		case <-ticker.C:
		}
	}
}
