package instrument_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/agenttrace/agenttrace-otel-go/connection"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.uber.org/goleak"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
)

func TestMain(m *testing.M) {
	// The tests set what they need; nothing of the environment they run
	// in may change the outcome.
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "AGENTTRACE_") || strings.HasPrefix(name, "OTEL_") {
			os.Unsetenv(name)
		}
	}
	otel.SetErrorHandler(handled)
	goleak.VerifyTestMain(m)
}

// handled records what the package reports to otel.Handle.
var handled = &errorRecorder{}

type errorRecorder struct {
	mu   sync.Mutex
	errs []error
}

func (r *errorRecorder) Handle(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, err)
}

// take returns the errors reported since the last call.
func (r *errorRecorder) take() []error {
	r.mu.Lock()
	defer r.mu.Unlock()
	errs := r.errs
	r.errs = nil
	return errs
}

// offline is the API URL option of tests: the exporter writes its
// requests to a file instead of sending them.
func offline(t testing.TB) instrument.Option {
	return instrument.WithConnection(connection.Config{APIURL: "file://" + filepath.Join(t.TempDir(), "requests.jsonl")})
}

// newClient returns an enabled, offline client with its own provider and a
// recorder of the spans it ends; the client is shut down when the test
// ends.
func newClient(t *testing.T, opts ...instrument.Option) (*instrument.Client, *tracetest.SpanRecorder) {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	opts = append([]instrument.Option{offline(t), instrument.WithSpanProcessor(rec)}, opts...)
	c, err := instrument.New(context.Background(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Shutdown(context.Background()); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return c, rec
}

// spans returns the ended spans of rec by name; it fails the test when a
// name is not unique.
func spans(t *testing.T, rec *tracetest.SpanRecorder) map[string]sdktrace.ReadOnlySpan {
	t.Helper()
	out := map[string]sdktrace.ReadOnlySpan{}
	for _, s := range rec.Ended() {
		if _, dup := out[s.Name()]; dup {
			t.Fatalf("two spans named %q", s.Name())
		}
		out[s.Name()] = s
	}
	return out
}

// attrs returns the attributes of s as a map of their emitted values
// (slices as JSON arrays).
func attrs(s sdktrace.ReadOnlySpan) map[string]string {
	out := map[string]string{}
	for _, kv := range s.Attributes() {
		out[string(kv.Key)] = kv.Value.String()
	}
	return out
}

// value returns the attribute key of s.
func value(s sdktrace.ReadOnlySpan, key attribute.Key) (attribute.Value, bool) {
	i := slices.IndexFunc(s.Attributes(), func(kv attribute.KeyValue) bool { return kv.Key == key })
	if i < 0 {
		return attribute.Value{}, false
	}
	return s.Attributes()[i].Value, true
}

// assertAttrs checks that s has the attributes of want, with those values.
func assertAttrs(t *testing.T, s sdktrace.ReadOnlySpan, want map[string]string) {
	t.Helper()
	got := attrs(s)
	for k, v := range want {
		if g, ok := got[k]; !ok {
			t.Errorf("span %q: no attribute %s (want %s)", s.Name(), k, v)
		} else if g != v {
			t.Errorf("span %q: %s = %s, want %s", s.Name(), k, g, v)
		}
	}
}

// assertNoAttrs checks that s has none of keys.
func assertNoAttrs(t *testing.T, s sdktrace.ReadOnlySpan, keys ...string) {
	t.Helper()
	got := attrs(s)
	for _, k := range keys {
		if v, ok := got[k]; ok {
			t.Errorf("span %q: unexpected %s = %s", s.Name(), k, v)
		}
	}
}

// assertChild checks that child's OTel parent is parent.
func assertChild(t *testing.T, parent, child sdktrace.ReadOnlySpan) {
	t.Helper()
	if child.Parent().SpanID() != parent.SpanContext().SpanID() || child.SpanContext().TraceID() != parent.SpanContext().TraceID() {
		t.Errorf("span %q: parent %s, want %q (%s)", child.Name(), child.Parent().SpanID(), parent.Name(), parent.SpanContext().SpanID())
	}
}
