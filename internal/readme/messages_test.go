package readme_test

import (
	"context"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/agenttrace/agenttrace-otel-go/connection"

	"github.com/stretchr/testify/require"

	"github.com/agenttrace/agenttrace-otel-go/exporter"
	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttracetest"
	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/internal/attestctl"
	"github.com/agenttrace/agenttrace-otel-go/scores"
)

// A scenario reproduces a problem of the README's troubleshooting section
// and returns the lines the SDK printed or returned: errors, the messages
// of otel.Handle and debug log lines.
type scenario struct {
	run func(t *testing.T) []string
	// normalize, when set, rewrites what varies from run to run (counts,
	// ports) in both the README's lines and the scenario's.
	normalize func(string) string
}

var scenarios = map[string]scenario{
	"unauthorized": {run: func(t *testing.T) []string {
		srv := agenttracetest.NewServer()
		defer srv.Close()
		return flushOneTrace(t, instrument.WithConnection(connection.Config{APIURL: srv.URL, APIKey: "pk-not-a-key-of-this-server"}))
	}},
	"wrong-url": {run: func(t *testing.T) []string {
		srv := agenttracetest.NewServer()
		defer srv.Close()
		return flushOneTrace(t, instrument.WithConnection(connection.Config{APIURL: srv.URL + "/api/public", APIKey: srv.APIKey}))
	}},
	"no-key": {run: func(t *testing.T) []string {
		t.Setenv("AGENTTRACE_API_KEY", "")
		t.Setenv("AGENTTRACE_API_URL", "")
		_, err := instrument.New(t.Context())
		require.Error(t, err)
		return lines(err)
	}},
	"plain-http": {run: func(t *testing.T) []string {
		_, err := instrument.New(t.Context(), instrument.WithConnection(connection.Config{APIURL: "http://agenttrace.internal:3000", APIKey: "pk-test"}))
		require.Error(t, err)
		return lines(err)
	}},
	"unreachable": {run: func(t *testing.T) []string {
		var log strings.Builder
		logger := slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{
			Level: slog.LevelDebug,
			ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
				if a.Key == slog.TimeKey {
					return slog.Attr{}
				}
				return a
			},
		}))
		// A flush with a deadline shorter than the retry budget: the items
		// wait for the next attempt, and the flush says so.
		got := flushOneTraceWithin(t, 2*time.Second, instrument.WithConnection(connection.Config{APIURL: "http://127.0.0.1:1", APIKey: "pk-test"}),
			instrument.WithExporterOptions(exporter.WithLogger(logger)))
		return append(got, strings.Split(log.String(), "\n")...)
	},
		normalize: func(s string) string {
			s = untilTime(s)
			return regexp.MustCompile(`\b(next_attempt|next_request|duration|bytes|wire_bytes)=\S+`).ReplaceAllString(s, "$1=X")
		},
	},
	"rate-limited": {
		run: func(t *testing.T) []string {
			srv := agenttracetest.NewServer()
			defer srv.Close()
			// The 429 names a wait longer than the flush's deadline.
			attestctl.Of(srv).FailNext(1, attestctl.Status(http.StatusTooManyRequests))
			return flushOneTraceWithin(t, 2*time.Second, instrument.WithConnection(connection.Config{APIURL: srv.URL, APIKey: srv.APIKey}))
		},
		normalize: untilTime,
	},
	"unended": {
		run: func(t *testing.T) []string {
			srv := agenttracetest.NewServer()
			defer srv.Close()
			client, err := instrument.New(t.Context(), instrument.WithConnection(connection.Config{APIURL: srv.URL, APIKey: srv.APIKey}))
			require.NoError(t, err)
			ctx, tr := client.Trace(t.Context(), "order-question")
			tr.Span(ctx, "lookup-order") // never ended
			tr.Generation(ctx, "answer") // never ended
			return lines(client.Shutdown(t.Context()))
		},
		// The names come in no particular order.
		normalize: func(s string) string {
			head, names, ok := strings.Cut(s, "WARNING: ")
			if !ok {
				return s
			}
			list := strings.Split(names, ", ")
			slices.Sort(list)
			return head + "WARNING: " + strings.Join(list, ", ")
		},
	},
	"queue-full": {
		run: func(t *testing.T) []string {
			srv := agenttracetest.NewServer()
			defer srv.Close()
			// A service that ends traces faster than they can be sent:
			// nothing is sent before the flush, so the queue of 100 fills.
			client, err := instrument.New(t.Context(), instrument.WithConnection(connection.Config{APIURL: srv.URL, APIKey: srv.APIKey}),
				instrument.WithExporterOptions(exporter.WithMaxQueueSize(100)), instrument.WithExporterOptions(exporter.WithBatchSize(1000)), instrument.WithExporterOptions(exporter.WithFlushInterval(time.Hour)))
			require.NoError(t, err)
			for range 50 {
				ctx, tr := client.Trace(t.Context(), "request")
				for range 3 {
					_, sp := tr.Span(ctx, "step")
					sp.End()
				}
				tr.End()
			}
			return append(lines(client.Flush(t.Context()), client.Shutdown(t.Context())), handled.take()...)
		},
		normalize: func(s string) string {
			return regexp.MustCompile(`\b\d+\b`).ReplaceAllLiteralString(s, "N")
		},
	},
	"record-queue-full": {run: func(t *testing.T) []string {
		srv := agenttracetest.NewServer()
		defer srv.Close()
		client, err := instrument.New(t.Context(), instrument.WithConnection(connection.Config{APIURL: srv.URL, APIKey: srv.APIKey}),
			instrument.WithExporterOptions(exporter.WithFlushInterval(time.Hour)), instrument.WithExporterOptions(exporter.WithMaxQueueSize(1)))
		require.NoError(t, err)
		defer client.Shutdown(context.Background())
		ctx, tr := client.Trace(t.Context(), "task")
		defer tr.End()
		require.NoError(t, tr.Score(ctx, "quality", scores.Numeric(1)))
		return lines(tr.Score(ctx, "quality", scores.Numeric(1)))
	}},
	"otlp-down": {
		run: func(t *testing.T) []string {
			srv := agenttracetest.NewServer()
			defer srv.Close()
			client, err := instrument.New(t.Context(), instrument.WithConnection(connection.Config{APIURL: srv.URL, APIKey: srv.APIKey}),
				instrument.WithOTLPEndpoint("http://127.0.0.1:1"))
			require.NoError(t, err)
			_, tr := client.Trace(t.Context(), "task")
			tr.End()
			return append(lines(client.Shutdown(t.Context())), handled.take()...)
		},
		normalize: func(s string) string {
			s = regexp.MustCompile(`(localhost|127\.0\.0\.1):\d+`).ReplaceAllLiteralString(s, "HOST")
			return regexp.MustCompile(`\b\d+ spans\b`).ReplaceAllLiteralString(s, "N spans")
		},
	},
}

// untilTime rewrites the time of day a wait ends at, "until 12:04:31".
func untilTime(s string) string {
	return regexp.MustCompile(`until \d\d:\d\d:\d\d`).ReplaceAllLiteralString(s, "until HH:MM:SS")
}

// flushOneTrace sends one trace with a client made with opts, and returns
// what Flush returned and what was reported through otel.Handle.
func flushOneTrace(t *testing.T, opts ...instrument.Option) []string {
	t.Helper()
	return flushOneTraceWithin(t, 10*time.Second, opts...)
}

// flushOneTraceWithin is flushOneTrace with a Flush bounded by timeout.
func flushOneTraceWithin(t *testing.T, timeout time.Duration, opts ...instrument.Option) []string {
	t.Helper()
	handled.take()
	client, err := instrument.New(t.Context(), opts...)
	require.NoError(t, err)
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = client.Shutdown(ctx)
	}()
	_, tr := client.Trace(t.Context(), "task")
	tr.End()
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	return append(lines(client.Flush(ctx)), handled.take()...)
}

// lines returns the lines of the errors' messages.
func lines(errs ...error) []string {
	var out []string
	for _, err := range errs {
		if err != nil {
			out = append(out, strings.Split(err.Error(), "\n")...)
		}
	}
	return out
}
