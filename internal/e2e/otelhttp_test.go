package e2e_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/agenttrace/agenttrace-otel-go/connection"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttracetest"
	"github.com/agenttrace/agenttrace-otel-go/instrument"
)

// TestOtelhttpSpansAreFilteredOut runs an agent inside an HTTP server
// instrumented with otelhttp, calling a model over an otelhttp client, all
// on the client's TracerProvider: the HTTP spans share the AgentTrace trace
// but the default span filter leaves them out of AgentTrace.
func TestOtelhttpSpansAreFilteredOut(t *testing.T) {
	srv := agenttracetest.NewServer(agenttracetest.WithoutRateLimit())
	defer srv.Close()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	rec := tracetest.NewSpanRecorder()
	client, err := instrument.New(ctx, instrument.WithConnection(connection.Config{APIURL: srv.URL, APIKey: srv.APIKey}),
		instrument.WithSpanProcessor(rec))
	require.NoError(t, err)
	tp := client.TracerProvider()
	prop := otelhttp.WithPropagators(propagation.TraceContext{})

	model := httptest.NewServer(otelhttp.NewHandler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, `{"answer":"It ships tomorrow."}`)
	}), "model", otelhttp.WithTracerProvider(tp), prop))
	defer model.Close()
	hc := &http.Client{Transport: otelhttp.NewTransport(http.DefaultTransport, otelhttp.WithTracerProvider(tp), prop)}

	traceIDs := make(chan string, 1)
	app := httptest.NewServer(otelhttp.NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, tr := client.Trace(r.Context(), "support")
		traceIDs <- tr.TraceID().String()
		defer tr.End()
		callCtx, call := tr.Span(ctx, "call-model", instrument.WithType(instrument.TypeTool))
		req, err := http.NewRequestWithContext(callCtx, http.MethodPost, model.URL, strings.NewReader(`{}`))
		if err == nil {
			var resp *http.Response
			if resp, err = hc.Do(req); err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}
		call.SetError(err)
		call.End()
		_, gen := tr.Generation(ctx, "answer", instrument.WithModel("gpt-4o-mini"))
		gen.SetUsage(instrument.Usage{InputTokens: 5, OutputTokens: 6})
		gen.End()
		_, _ = io.WriteString(w, "done")
	}), "ask", otelhttp.WithTracerProvider(tp), prop))
	defer app.Close()

	resp, err := http.Get(app.URL)
	require.NoError(t, err)
	resp.Body.Close()
	require.NoError(t, client.Shutdown(ctx))
	id := <-traceIDs

	// Six spans share the trace: the app's server span, the agent's three,
	// and the model call's client and server spans.
	byScope := map[string]int{}
	for _, s := range rec.Ended() {
		assert.Equal(t, id, s.SpanContext().TraceID().String())
		byScope[s.InstrumentationScope().Name]++
	}
	assert.Equal(t, map[string]int{"github.com/agenttrace/agenttrace-otel-go/instrument": 3, otelhttp.ScopeName: 3}, byScope)

	var out strings.Builder
	require.NoError(t, srv.RenderTrace(&out, id))
	assert.Regexp(t, fmt.Sprintf(`^trace support %s .*
└─ SPAN support .*
   ├─ TOOL call-model .*
   └─ GENERATION answer .* model=gpt-4o-mini tokens=5/6/11
$`, id), out.String())

	t.Run("the trace's root observation has no parent", func(t *testing.T) {
		// The root observation's OTel parent is the app's server span, which
		// is not exported: it must not be named as the parent.
		for _, o := range srv.Observations(id) {
			if o.Name == "support" {
				assert.Empty(t, o.ParentObservationID)
			}
		}
	})
}
