package agenttraceexporter_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pipeline"
	"go.opentelemetry.io/collector/receiver"

	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttraceexporter"
	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttracetest"
	"github.com/agenttrace/agenttrace-otel-go/internal/attestctl"
)

// TestConsumeContract runs the Collector's exporter contract,
// exportertest.CheckConsumeContract, on the component, for traces.
//
// The contract sends NumberOfTestElements one-span traces through
// ConsumeTraces, one at a time, to a "receiver" it creates from
// ReceiverFactory with a mock consumer that fails some of the calls made to
// it (none, non-permanent errors, permanent errors, both). It then counts
// those calls: every element must reach the mock consumer once, plus once
// more per non-permanent error (each is retried), and never again after a
// permanent error; and Shutdown must return nil.
//
// Our exporter speaks the AgentTrace ingestion API, not OTLP, so the
// receiver here is an adapter, ingestionAdapter: an AgentTrace endpoint in
// front of an agenttracetest.Server. It hands the observations of each
// ingestion request to the mock consumer, as spans carrying the attributes
// the exporter put in their metadata (the contract's test_id), and turns
// the consumer's answer into the server's, with agenttracetest's fault
// injection, so that the exporter sees the server's own answers:
//
//   - nil: the request goes through to agenttracetest, which stores it and
//     answers per Part B.
//   - A permanent error: the server refuses the request's observations,
//     each with a per-item 400 (the answer of the real server to an event
//     it cannot take); the SDK gives them up and ConsumeTraces returns a
//     permanent error. The trace row riding in the same request is not an
//     element of the contract, and is stored.
//   - Any other error: the whole request gets 503 with "Retry-After: 0"
//     (the server is unavailable for now); the SDK's exporter retries it,
//     and the retry reaches the mock consumer again.
//
// Per-item faults could not stand for the non-permanent errors: the SDK
// sends an item that failed with a 5xx once more, then gives it up, which
// the contract would count as a lost element.
//
// What the contract needs configured: export_all_spans, because its spans
// carry only test_id, which the default span filter leaves out; and no
// sending queue, because the contract counts the consumer's calls as soon
// as its last ConsumeTraces returns, which with the queue would be before
// the exports ran. Retries stay the SDK's (retry_on_failure off, as by
// default). Requests that carry no observation (a trace row the SDK sends
// on its own at shutdown) go through without the consumer: they are not the
// contract's elements.
func TestConsumeContract(t *testing.T) {
	srv := agenttracetest.NewServer(agenttracetest.WithoutRateLimit())
	defer srv.Close()
	adapter := newIngestionAdapter(t, srv)
	front := httptest.NewServer(adapter)
	defer front.Close()

	cfg := agenttraceexporter.NewFactory().CreateDefaultConfig().(*agenttraceexporter.Config)
	cfg.Endpoint = front.URL
	cfg.APIKey = configopaque.String(srv.APIKey)
	cfg.ExportAllSpans = true
	cfg.QueueConfig = configoptional.None[exporterhelper.QueueBatchConfig]()

	exportertest.CheckConsumeContract(exportertest.CheckConsumeContractParams{
		T:                    t,
		NumberOfTestElements: 10,
		Signal:               pipeline.SignalTraces,
		ExporterFactory:      agenttraceexporter.NewFactory(),
		ExporterConfig:       cfg,
		ReceiverFactory:      adapter.factory(),
		ReceiverConfig:       adapter.factory().CreateDefaultConfig(),
	})
}

// ingestionAdapter is the contract's receiver: see TestConsumeContract.
type ingestionAdapter struct {
	t     *testing.T
	srv   *agenttracetest.Server
	proxy *httputil.ReverseProxy

	// mu serialises requests, so that the faults set up for a request
	// are the ones the server applies to it; it also guards next.
	mu   sync.Mutex
	next consumer.Traces // the mock consumer of the running scenario
	// refuse makes the server refuse the observations of the request
	// being proxied.
	refuse atomic.Bool
}

func newIngestionAdapter(t *testing.T, srv *agenttracetest.Server) *ingestionAdapter {
	u, err := url.Parse(srv.URL)
	require.NoError(t, err)
	a := &ingestionAdapter{t: t, srv: srv, proxy: httputil.NewSingleHostReverseProxy(u)}
	attestctl.Of(srv).SetItemFaults(func(ev attestctl.Event) *attestctl.ItemError {
		if a.refuse.Load() && isObservation(ev.Type) {
			return &attestctl.ItemError{Status: http.StatusBadRequest, Message: "refused by the contract's consumer"}
		}
		return nil
	})
	return a
}

// isObservation reports whether an ingestion event type creates an
// observation.
func isObservation(typ string) bool {
	switch typ {
	case "span-create", "generation-create", "event-create":
		return true
	}
	return false
}

func (a *ingestionAdapter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if r.URL.Path == "/api/public/ingestion" && a.next != nil {
		td, err := observationSpans(body, r.Header.Get("Content-Encoding"))
		if err != nil {
			a.t.Errorf("ingestion request the adapter cannot read: %v", err)
		} else if td.SpanCount() > 0 {
			switch err := a.next.ConsumeTraces(r.Context(), td); {
			case err == nil:
			case consumererror.IsPermanent(err):
				a.refuse.Store(true)
				defer a.refuse.Store(false)
			default:
				attestctl.Of(a.srv).FailNextOn(r.URL.Path, 1, attestctl.Status(http.StatusServiceUnavailable).WithRetryAfter("0"))
			}
		}
	}
	a.proxy.ServeHTTP(w, r)
}

// observationSpans returns the observations of an ingestion request body as
// spans with their ids, parent, name and the attributes the exporter put in
// their metadata.
func observationSpans(body []byte, encoding string) (ptrace.Traces, error) {
	td := ptrace.NewTraces()
	if encoding == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return td, err
		}
		if body, err = io.ReadAll(zr); err != nil {
			return td, err
		}
	}
	var req struct {
		Batch []struct {
			Type string `json:"type"`
			Body struct {
				ID       string `json:"id"`
				TraceID  string `json:"traceId"`
				Parent   string `json:"parentObservationId"`
				Name     string `json:"name"`
				Metadata struct {
					Attributes map[string]any `json:"attributes"`
				} `json:"metadata"`
			} `json:"body"`
		} `json:"batch"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return td, err
	}
	spans := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans()
	for _, ev := range req.Batch {
		if !isObservation(ev.Type) {
			continue
		}
		ob := ev.Body
		s := spans.AppendEmpty()
		s.SetName(ob.Name)
		var tid [16]byte
		var sid, pid [8]byte
		for _, id := range []struct {
			dst []byte
			hex string
		}{{tid[:], ob.TraceID}, {sid[:], ob.ID}, {pid[:], ob.Parent}} {
			if _, err := hex.Decode(id.dst, []byte(id.hex)); err != nil {
				return td, err
			}
		}
		s.SetTraceID(tid)
		s.SetSpanID(sid)
		s.SetParentSpanID(pid)
		if err := s.Attributes().FromRaw(ob.Metadata.Attributes); err != nil {
			return td, err
		}
	}
	return td, nil
}

// factory returns the factory of the adapter's receiver. Each receiver it
// creates hands the adapter's requests to its consumer while it runs.
func (a *ingestionAdapter) factory() receiver.Factory {
	return receiver.NewFactory(component.MustNewType("agenttrace_ingestion"),
		func() component.Config { return &struct{}{} },
		receiver.WithTraces(func(_ context.Context, _ receiver.Settings, _ component.Config, next consumer.Traces) (receiver.Traces, error) {
			return &adapterReceiver{a: a, next: next}, nil
		}, component.StabilityLevelDevelopment))
}

type adapterReceiver struct {
	a    *ingestionAdapter
	next consumer.Traces
}

func (r *adapterReceiver) Start(context.Context, component.Host) error {
	r.a.mu.Lock()
	defer r.a.mu.Unlock()
	r.a.next = r.next
	return nil
}

func (r *adapterReceiver) Shutdown(context.Context) error {
	r.a.mu.Lock()
	defer r.a.mu.Unlock()
	r.a.next = nil
	return nil
}
