package readme_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
)

// README: server
// serve answers questions until ctx is done (signal.NotifyContext with
// os.Interrupt and syscall.SIGTERM, in main), then stops the HTTP server
// first, so that the requests in flight end their traces, and the AgentTrace
// client last, so that those traces are sent.
func serve(ctx context.Context, ln net.Listener, client *instrument.Client) error {
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, tr := client.Trace(r.Context(), "answer", instrument.WithInput(r.URL.Query().Get("q")))
		defer tr.End()
		answer := answerQuestion(ctx, r.URL.Query().Get("q"))
		tr.SetOutput(answer)
		fmt.Fprintln(w, answer)
	})}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return errors.Join(srv.Shutdown(ctx), client.Shutdown(ctx))
}

// README end

func answerQuestion(_ context.Context, q string) string { return "You asked: " + q }

func TestServe(t *testing.T) {
	srv := newServer(t)
	client, err := instrument.New(t.Context())
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)

	ctx, stop := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, ln, client) }()
	resp, err := http.Get("http://" + ln.Addr().String() + "/?q=hours")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, "You asked: hours\n", string(body))
	stop()
	require.NoError(t, <-done)

	traces := srv.Snapshot().Traces
	require.Len(t, traces, 1, "the request's trace is delivered by the shutdown")
	assert.JSONEq(t, `"You asked: hours"`, traces[0].Output)
}

// Event is the input of a job run by a scheduler or a serverless platform.
type Event struct{ ID string }

// README: job
// handle runs once per event, in a process that may be frozen or stopped as
// soon as it returns: it flushes before returning.
func handle(ctx context.Context, client *instrument.Client, ev Event) error {
	jobCtx, tr := client.Trace(ctx, "handle-event", instrument.WithInput(ev))
	err := process(jobCtx, ev)
	tr.SetError(err) // nil: nothing
	tr.End()
	return errors.Join(err, client.Flush(ctx))
}

// README end

func process(context.Context, Event) error { return nil }

func TestJob(t *testing.T) {
	srv, client := newClient(t)
	require.NoError(t, handle(t.Context(), client, Event{ID: "ev-1"}))
	traces := srv.Snapshot().Traces
	require.Len(t, traces, 1, "delivered by the flush")
	assert.JSONEq(t, `{"ID":"ev-1"}`, traces[0].Input)
}
