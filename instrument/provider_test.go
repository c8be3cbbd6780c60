package instrument_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
)

func TestOwnProvider(t *testing.T) {
	t.Setenv("OTEL_SERVICE_NAME", "checkout")
	c, rec := newClient(t)
	_, tr := c.Trace(context.Background(), "busy")
	for i := range 300 {
		tr.SetAttributes(attribute.Int(fmt.Sprint("app.attr.", i), i))
	}
	tr.SetUserID("u-late") // set after 300 others: kept by the raised limit
	tr.End()

	s := spans(t, rec)["busy"]
	assertAttrs(t, s, map[string]string{"agenttrace.trace.user_id": "u-late"})
	if s.DroppedAttributes() != 0 {
		t.Errorf("%d attributes dropped", s.DroppedAttributes())
	}
	if v, _ := s.Resource().Set().Value("service.name"); v.AsString() != "checkout" {
		t.Errorf("service.name = %q, want OTEL_SERVICE_NAME", v.AsString())
	}
	if sc := s.InstrumentationScope(); sc.Name != "github.com/agenttrace/agenttrace-otel-go/instrument" || sc.Version == "" {
		t.Errorf("scope = %+v", sc)
	}
	if c.TracerProvider() == nil {
		t.Error("no TracerProvider")
	}
}

func TestOwnProviderSettings(t *testing.T) {
	t.Run("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT wins", func(t *testing.T) {
		t.Setenv("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "4")
		c, rec := newClient(t)
		_, tr := c.Trace(context.Background(), "t")
		tr.SetAttributes(attribute.Int("a", 1), attribute.Int("b", 2), attribute.Int("c", 3))
		tr.End()
		if d := rec.Ended()[0].DroppedAttributes(); d == 0 {
			t.Error("no attribute dropped at a limit of 4")
		}
	})
	t.Run("WithResource", func(t *testing.T) {
		c, rec := newClient(t, instrument.WithResource(resource.NewSchemaless(attribute.String("service.name", "mine"))))
		_, tr := c.Trace(context.Background(), "t")
		tr.End()
		if v, _ := rec.Ended()[0].Resource().Set().Value("service.name"); v.AsString() != "mine" {
			t.Errorf("service.name = %q", v.AsString())
		}
	})
}

// Existing OpenTelemetry setups: the client creates spans through the
// application's provider, and two lines add AgentTrace export to it.
func TestWithTracerProvider(t *testing.T) {
	appRec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(appRec))
	defer tp.Shutdown(context.Background())

	client, err := instrument.New(context.Background(), offline(t), instrument.WithTracerProvider(tp))
	if err != nil {
		t.Fatal(err)
	}
	tp.RegisterSpanProcessor(client.SpanProcessor())

	ctx, tr := client.Trace(context.Background(), "t")
	_, sp := tr.Span(ctx, "s")
	sp.End()
	tr.End()
	if client.TracerProvider() != tp {
		t.Error("TracerProvider is not the application's")
	}
	if err := client.Flush(context.Background()); err != nil {
		t.Errorf("Flush: %v", err)
	}
	if err := client.Shutdown(context.Background()); err != nil {
		t.Errorf("Shutdown: %v", err)
	}

	// The application's provider still works after the client's Shutdown.
	_, after := tp.Tracer("app").Start(context.Background(), "after-shutdown")
	after.End()
	var names []string
	for _, s := range appRec.Ended() {
		names = append(names, s.Name())
	}
	if !slices.Equal(names, []string{"s", "t", "after-shutdown"}) {
		t.Errorf("application spans %v", names)
	}
}

// otlpSink is an OTLP/HTTP traces endpoint that keeps the span names it
// receives.
type otlpSink struct {
	mu    sync.Mutex
	names []string
	attrs map[string][]string // span name -> attribute keys
}

func (o *otlpSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	var req collectortrace.ExportTraceServiceRequest
	if err == nil {
		err = proto.Unmarshal(body, &req)
	}
	if r.URL.Path != "/v1/traces" || err != nil {
		http.Error(w, fmt.Sprint(r.URL.Path, err), http.StatusBadRequest)
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, rs := range req.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			for _, s := range ss.Spans {
				o.names = append(o.names, s.Name)
				for _, kv := range s.Attributes {
					o.attrs[s.Name] = append(o.attrs[s.Name], kv.Key)
				}
			}
		}
	}
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(nil)
}

// Dual export: the same spans go to AgentTrace and to an OTLP endpoint.
func TestDualExport(t *testing.T) {
	tests := []struct {
		name string
		opt  func(url string) instrument.Option
		env  string
	}{
		{"WithOTLPEndpoint", func(url string) instrument.Option { return instrument.WithOTLPEndpoint(url) }, ""},
		{"WithOTLPEndpoint with the traces path", func(url string) instrument.Option { return instrument.WithOTLPEndpoint(url + "/v1/traces") }, ""},
		{"OTEL_EXPORTER_OTLP_ENDPOINT", nil, "OTEL_EXPORTER_OTLP_ENDPOINT"},
		{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", nil, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := &otlpSink{attrs: map[string][]string{}}
			srv := httptest.NewServer(sink)
			defer srv.Close()
			hc := &http.Client{Transport: &http.Transport{}}
			defer hc.CloseIdleConnections()

			opts := []instrument.Option{instrument.WithOTLPOptions(otlptracehttp.WithHTTPClient(hc))}
			switch {
			case tt.opt != nil:
				opts = append(opts, tt.opt(srv.URL))
			case tt.env == "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT":
				t.Setenv(tt.env, srv.URL+"/v1/traces")
			default:
				t.Setenv(tt.env, srv.URL)
			}
			c, rec := newClient(t, opts...)
			ctx, tr := c.Trace(context.Background(), "dual")
			_, gen := tr.Generation(ctx, "llm", instrument.WithModel("gpt-4"))
			gen.End()
			tr.End()
			if err := c.Flush(context.Background()); err != nil {
				t.Fatal(err)
			}

			sink.mu.Lock()
			defer sink.mu.Unlock()
			slices.Sort(sink.names)
			if !slices.Equal(sink.names, []string{"dual", "llm"}) {
				t.Errorf("OTLP endpoint got %v", sink.names)
			}
			if !slices.Contains(sink.attrs["llm"], "agenttrace.observation.type") || !slices.Contains(sink.attrs["llm"], "gen_ai.request.model") {
				t.Errorf("OTLP attributes of llm: %v", sink.attrs["llm"])
			}
			if len(rec.Ended()) != 2 {
				t.Errorf("%d spans recorded", len(rec.Ended()))
			}
		})
	}
}

// Flushing: Flush and Shutdown, with the Python sample's order.
func TestFlushAndShutdown(t *testing.T) {
	c, err := instrument.New(context.Background(), offline(t))
	if err != nil {
		t.Fatal(err)
	}
	_, tr := c.Trace(context.Background(), "t")
	tr.End()
	if err := c.Flush(context.Background()); err != nil {
		t.Errorf("Flush: %v", err)
	}
	if err := c.Shutdown(context.Background()); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if err := c.Shutdown(context.Background()); err != nil {
		t.Errorf("second Shutdown: %v", err)
	}
	// Observations after Shutdown are accepted and not sent.
	_, late := c.Trace(context.Background(), "late")
	late.End()
}

func TestShutdownDeadline(t *testing.T) {
	c, err := instrument.New(context.Background(), offline(t), instrument.WithOTLPEndpoint("http://127.0.0.1:9"))
	if err != nil {
		t.Fatal(err)
	}
	_, tr := c.Trace(context.Background(), "t")
	tr.End()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.Flush(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Flush with a cancelled context: %v", err)
	}
	// The goroutines stop even though the deadline has passed (goleak
	// checks them at the end).
	if err := c.Shutdown(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Shutdown with a cancelled context: %v", err)
	}
	if err := c.Shutdown(context.Background()); err != nil {
		t.Errorf("second Shutdown: %v", err)
	}
}

// An OTLP endpoint that cannot be reached (dual export to a Jaeger that is
// down) is reported by Flush, not only to otel.Handle.
func TestFlushReportsOTLPFailures(t *testing.T) {
	c, err := instrument.New(context.Background(), offline(t),
		instrument.WithOTLPEndpoint("http://127.0.0.1:9"), // nothing listens on the discard port
		instrument.WithOTLPOptions(otlptracehttp.WithRetry(otlptracehttp.RetryConfig{Enabled: false})))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Shutdown(context.Background())
	ctx, tr := c.Trace(context.Background(), "t")
	_, sp := tr.Span(ctx, "s")
	sp.End()
	tr.End()
	err = c.Flush(context.Background())
	if err == nil || !strings.Contains(err.Error(), "OTLP export: 2 spans not exported") {
		t.Fatalf("Flush = %v, want the OTLP failure", err)
	}
	if err := c.Flush(context.Background()); err != nil {
		t.Errorf("a failure is reported once; second Flush: %v", err)
	}
}
