package reliability_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/agenttrace/agenttrace-otel-go/connection"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/agenttrace/agenttrace-otel-go/exporter"
	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttracetest"
	"github.com/agenttrace/agenttrace-otel-go/internal/attestctl"
	"github.com/agenttrace/agenttrace-otel-go/semconv"
)

// The load tests run an agent service's steady workload through the real
// exporter and its own span processor against agenttracetest with its rate
// limiter on, and count what the server finally holds (issue 13).
//
// A trace is a root and five generations: six observations and the trace
// row, seven events of about 1.5 KB each on the wire.
const (
	generationsPerTrace = 5
	eventsPerTrace      = generationsPerTrace + 2 // observations and the trace row
)

// TestSteadyLoadWithinRateLimit runs 700 events/s (100 traces/s) of 1.5 KB
// events against a server that stores each event in 3 ms, for more than
// one window of its rate limiter. Nothing may be lost, no request may be
// refused with 429, no window may hold more requests than the limit, and
// Shutdown returns nil.
//
// The window is scaled from the real 60 s to 6 s so that the test stays
// short; the exporter learns the window from the server's X-RateLimit-Reset
// header and its limit from X-RateLimit-Limit, and 7 s of load is more
// than one whole window. Scaling the window alone makes the budget ten
// times looser (100 requests per 6 s): the exporter then sends a request
// whenever a batch of 100 events waits. The second case keeps the real
// budget of 100 requests per minute, 10 per 6 s, where the exporter must
// pack about 500 events into each request, each taking the server 1.5 s.
// The exporter is told that budget with WithRateLimit, as its default
// tells it the real server's: it cannot learn a budget smaller than the
// one it assumes before its first answer comes back. The third case runs
// the server's real limits unscaled (100 per 60 s, 4 MiB bodies) for 75 s,
// more than one whole window, with the exporter told nothing.
func TestSteadyLoadWithinRateLimit(t *testing.T) {
	for _, tt := range []struct {
		name     string
		limit    int
		window   time.Duration
		duration time.Duration
		told     bool
	}{
		{"100 per 6s", attestctl.DefaultRateLimit, 6 * time.Second, 7 * time.Second, false},
		{"10 per 6s, the real 100 per minute", attestctl.DefaultRateLimit / 10, 6 * time.Second, 7 * time.Second, true},
		// The server's real limits, unscaled, for more than one window:
		// 100 per 60 s and 4 MiB bodies, learned from the headers alone.
		{"the real 100 per 60s, for 75s", attestctl.DefaultRateLimit, attestctl.DefaultRateLimitWindow, 75 * time.Second, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := runLoad(t, loadConfig{
				eventsPerSecond: 700,
				duration:        tt.duration,
				limit:           tt.limit,
				window:          tt.window,
				tell:            tt.told,
				eventDelay:      3 * time.Millisecond,
			})
			t.Log(res)
			res.assertDelivered(t)
		})
	}
}

// loadConfig is one run of the steady workload.
type loadConfig struct {
	eventsPerSecond float64
	duration        time.Duration
	// limit requests per window: the server's rate limiter. The
	// exporter learns them from the headers; with tell it is also
	// configured with them (WithRateLimit).
	limit      int
	window     time.Duration
	tell       bool
	eventDelay time.Duration
	gzip       bool
	// shutdown bounds the final flush; default two windows.
	shutdown time.Duration
	// maxQueue, when set, is the exporter's WithMaxQueueSize.
	maxQueue int
}

// loadResult is what a run generated, what the server holds, and how the
// exporter got it there.
type loadResult struct {
	loadConfig
	elapsed time.Duration // from the first trace to the last
	traces  int           // generated
	events  int           // generated: traces × eventsPerTrace
	// incomplete traces lack their row or an observation on the server;
	// duplicated ones have more than one row or observations twice.
	incomplete, duplicated int
	rows, observations     int
	requests               int // every request the server received
	ingestion              int // ingestion requests answered 200
	tooMany                int // responses 429
	maxInWindow            int // most requests in any window of the limiter's length
	itemsStored            int // events the ingestion requests carried
	rawBytes, wireBytes    int64
	backlog                int // Stats.Queued when the load ended
	stats                  exporter.Stats
	shutdownErr            error
	shutdownTook           time.Duration
}

// eventsPerRequest is the mean number of events of an ingestion request
// the server accepted.
func (r *loadResult) eventsPerRequest() float64 {
	if r.ingestion == 0 {
		return 0
	}
	return float64(r.itemsStored) / float64(r.ingestion)
}

// eventBytes is the mean size of an event in the request bodies, before
// gzip.
func (r *loadResult) eventBytes() float64 {
	if r.itemsStored == 0 {
		return 0
	}
	return float64(r.rawBytes) / float64(r.itemsStored)
}

// generatedRate is the rate the workload reached, in events/s.
func (r *loadResult) generatedRate() float64 {
	return float64(r.events) / r.elapsed.Seconds()
}

// lossless reports whether the run lost nothing and kept to the server's
// budget.
func (r *loadResult) lossless() bool {
	return r.incomplete == 0 && r.duplicated == 0 && r.tooMany == 0 && r.maxInWindow <= r.limit &&
		len(r.stats.Dropped) == 0 && r.shutdownErr == nil
}

func (r *loadResult) String() string {
	return fmt.Sprintf("%.0f events/s asked, %.0f reached over %s (%d traces, %d events, gzip %t, %s per event, %d per %s): "+
		"%d incomplete and %d duplicated traces, %d trace rows, %d observations; %d requests (%d ingestion, %d answered 429), "+
		"at most %d in a window; %.1f events and %.0f KiB (%.0f KiB on the wire) per request, %.0f B per event; "+
		"%d queued when the load ended, shutdown in %s: %v; dropped %v",
		r.eventsPerSecond, r.generatedRate(), r.elapsed.Round(time.Millisecond), r.traces, r.events, r.gzip, r.eventDelay, r.limit, r.window,
		r.incomplete, r.duplicated, r.rows, r.observations, r.requests, r.ingestion, r.tooMany,
		r.maxInWindow, r.eventsPerRequest(), float64(r.rawBytes)/float64(max(r.ingestion, 1))/1024,
		float64(r.wireBytes)/float64(max(r.ingestion, 1))/1024, r.eventBytes(),
		r.backlog, r.shutdownTook.Round(time.Millisecond), r.shutdownErr, r.stats.Dropped)
}

// assertDelivered checks the run's promises: 0 events lost, 0 responses
// 429, no window with more requests than the limit, Shutdown nil and no
// drop counted.
func (r *loadResult) assertDelivered(t *testing.T) {
	t.Helper()
	assert.NoError(t, r.shutdownErr, "Shutdown")
	assert.Zero(t, r.incomplete, "traces missing their row or an observation, of %d", r.traces)
	assert.Zero(t, r.duplicated, "traces with a row or observation twice, of %d", r.traces)
	assert.Equal(t, r.traces, r.rows, "trace rows")
	assert.Equal(t, r.traces*(eventsPerTrace-1), r.observations, "observations")
	assert.Zero(t, r.tooMany, "responses 429")
	assert.LessOrEqual(t, r.maxInWindow, r.limit, "most requests in a window of %s", r.window)
	assert.Empty(t, r.stats.Dropped, "Stats.Dropped")
}

// runLoad runs the workload of cfg against a fresh server and returns what
// happened. It fails the test only when the run cannot be made.
func runLoad(tb testing.TB, cfg loadConfig) *loadResult {
	tb.Helper()
	if cfg.shutdown == 0 {
		cfg.shutdown = 2 * cfg.window
	}
	opts := []agenttracetest.Option{attestctl.WithRateLimit(cfg.limit, cfg.window)}
	if cfg.eventDelay > 0 {
		opts = append(opts, attestctl.WithEventDelay(cfg.eventDelay))
	}
	srv := agenttracetest.NewServer(opts...)
	defer srv.Close()
	expOpts := []exporter.Option{exporter.WithConnection(connection.Config{APIURL: srv.URL, APIKey: srv.APIKey}), exporter.WithGzip(cfg.gzip)}
	if cfg.maxQueue > 0 {
		expOpts = append(expOpts, exporter.WithMaxQueueSize(cfg.maxQueue))
	}
	if cfg.tell {
		expOpts = append(expOpts, exporter.WithRateLimit(cfg.limit, cfg.window))
	}
	exp, err := exporter.New(expOpts...)
	require.NoError(tb, err)
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(exp.SpanProcessor()))
	w := newWorkload(tp.Tracer("github.com/agenttrace/agenttrace-otel-go/instrument"))

	res := &loadResult{loadConfig: cfg}
	ids, elapsed := w.run(cfg.eventsPerSecond, cfg.duration)
	res.elapsed = elapsed
	res.traces, res.events = len(ids), len(ids)*eventsPerTrace
	res.backlog = exp.Stats().Queued

	ctx, cancel := context.WithTimeout(context.Background(), cfg.shutdown)
	defer cancel()
	start := time.Now()
	res.shutdownErr = tp.Shutdown(ctx)
	res.shutdownTook = time.Since(start)
	res.stats = exp.Stats()

	sn := srv.Snapshot()
	res.count(sn, ids)
	res.maxInWindow = attestctl.Of(srv).MaxRequestsInWindow(cfg.window)
	return res
}

// count fills in what the server holds and what it was asked.
func (r *loadResult) count(sn agenttracetest.Snapshot, ids []trace.TraceID) {
	rows := make(map[string]int, len(ids))
	for _, tr := range sn.Traces {
		rows[tr.ID]++
	}
	obs := make(map[string]int, len(ids))
	for _, o := range sn.Observations {
		obs[o.TraceID]++
	}
	r.rows, r.observations = len(sn.Traces), len(sn.Observations)
	for _, id := range ids {
		k := id.String()
		switch {
		case rows[k] == 0 || obs[k] < eventsPerTrace-1:
			r.incomplete++
		case rows[k] > 1 || obs[k] > eventsPerTrace-1:
			r.duplicated++
		}
	}
	// The agenttracetest server has no helper counting 429s: the request
	// log says.
	for _, q := range sn.Requests {
		r.requests++
		switch {
		case q.Status == 429:
			r.tooMany++
		case q.Status == 200 && q.Path == "/api/public/ingestion":
			r.ingestion++
			r.itemsStored += q.Items
			r.wireBytes += q.WireBytes
		}
	}
	// Raw bytes: the exporter's count, every attempt included; with no
	// retry it is the bytes of the requests above.
	r.rawBytes = int64(r.stats.BytesSent)
}

// workload generates the traces of a busy agent service.
type workload struct {
	tracer trace.Tracer
	rng    *rand.Rand
	text   strings.Builder
}

func newWorkload(tr trace.Tracer) *workload {
	return &workload{tracer: tr, rng: rand.New(rand.NewPCG(1, 2))}
}

// run generates traces at eventsPerSecond for d, paced by a ticker, and
// returns their ids and the time it took. A tick that comes late is made
// up by the next: the rate holds over the run while the machine keeps up.
func (w *workload) run(eventsPerSecond float64, d time.Duration) ([]trace.TraceID, time.Duration) {
	tracesPerSecond := eventsPerSecond / eventsPerTrace
	var ids []trace.TraceID
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	start := time.Now()
	for {
		elapsed := time.Since(start)
		if elapsed >= d {
			return ids, elapsed
		}
		for due := int(elapsed.Seconds() * tracesPerSecond); len(ids) < due; {
			ids = append(ids, w.trace(len(ids)))
		}
		<-tick.C // the pace of the workload, not synchronisation
	}
}

// trace records one trace: an agent root and five generations, each with
// about 1.5 KB of content in its input and output, and returns its id.
func (w *workload) trace(i int) trace.TraceID {
	name := "answer-ticket-" + strconv.Itoa(i)
	ctx, root := w.tracer.Start(context.Background(), name, trace.WithAttributes(
		semconv.ObservationTypeAgent, semconv.TraceNameKey.String(name),
		semconv.TraceUserIDKey.String("user-"+strconv.Itoa(w.rng.IntN(500))),
		semconv.ObservationInputKey.String(w.userMessage()),
	))
	for g := range generationsPerTrace {
		_, gen := w.tracer.Start(ctx, "llm-step-"+strconv.Itoa(g), trace.WithAttributes(
			semconv.ObservationTypeGeneration,
			semconv.GenAIRequestModelKey.String("gpt-4.1-mini"),
			semconv.ObservationInputKey.String(w.chat()),
			semconv.ObservationOutputKey.String(w.assistantMessage(300)),
			semconv.GenAIUsageInputTokensKey.Int(200+w.rng.IntN(600)),
			semconv.GenAIUsageOutputTokensKey.Int(20+w.rng.IntN(200)),
		))
		gen.End()
	}
	root.SetAttributes(semconv.ObservationOutputKey.String(w.assistantMessage(520)))
	root.End()
	return root.SpanContext().TraceID()
}

// chat is a generation's input: a system prompt and the user's question,
// as chat messages.
func (w *workload) chat() string {
	return `[{"role":"system","content":"You are a support agent for an online bookshop. Answer briefly and cite the order."},` +
		`{"role":"user","content":"` + w.sentences(420) + `"}]`
}

// userMessage is a root's input.
func (w *workload) userMessage() string {
	return `{"role":"user","content":"` + w.sentences(520) + `"}`
}

// assistantMessage is an answer of about n bytes of text.
func (w *workload) assistantMessage(n int) string {
	return `{"role":"assistant","content":"` + w.sentences(n) + `"}`
}

// sentences returns about n bytes of text in the manner of a support
// conversation: words, order numbers, amounts and dates drawn at random,
// so that it compresses about as well as real text does.
func (w *workload) sentences(n int) string {
	b := &w.text
	b.Reset()
	for b.Len() < n {
		words := 6 + w.rng.IntN(12)
		for j := range words {
			if j > 0 {
				b.WriteByte(' ')
			}
			switch r := w.rng.IntN(20); {
			case r == 0:
				fmt.Fprintf(b, "#%d", 100000+w.rng.IntN(900000))
			case r == 1:
				fmt.Fprintf(b, "%d.%02d EUR", w.rng.IntN(200), w.rng.IntN(100))
			case r == 2:
				fmt.Fprintf(b, "2025-%02d-%02d", 1+w.rng.IntN(12), 1+w.rng.IntN(28))
			default:
				word := vocabulary[w.rng.IntN(len(vocabulary))]
				if j == 0 {
					word = strings.ToUpper(word[:1]) + word[1:]
				}
				b.WriteString(word)
			}
		}
		b.WriteString(". ")
	}
	return b.String()
}

// vocabulary is the words of the workload's text.
var vocabulary = strings.Fields(`
the a an of to in for on with at by from about as into like through after over between out against during
without before under around among order orders book books parcel delivery shipped shipping arrived late
refund refunded return returned exchange invoice payment card charged twice account address customer
customers support agent ticket tickets question answer reply email phone store warehouse courier tracking
number status week weeks day days today yesterday tomorrow morning evening price discount voucher code
coupon stock available unavailable edition paperback hardcover ebook author title series volume copy
damaged missing wrong cover page pages torn wet box label sender receiver neighbour signed signature
please thank thanks sorry apologise understand check checked checking confirm confirmed confirmation
cancel cancelled cancellation update updated change changed changes send sent resend new old first last
next previous again still already never always usually sometimes soon quickly directly manually
automatically i you we they he she it my your our their this that these those which who what when where
why how can could would should will may might must is are was were be been being have has had do does did
not no yes only also just even more most less least very too enough all any some each every both either
neither other another same different such own so than then there here now because since although though
while until unless if whether and or but nor yet however therefore otherwise instead meanwhile finally
policy policies terms condition conditions days business working hours team manager escalate escalated
priority urgent normal standard express international domestic customs fee fees tax included excluded
`)
