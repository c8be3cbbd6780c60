package agenttracetest

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWaitFor(t *testing.T) {
	t.Run("woken by a concurrent client", func(t *testing.T) {
		tt := newTester(t)
		errc := make(chan error, 1)
		go func() {
			_, err := tt.send(tt.request(context.Background(), http.MethodPost, "/api/public/ingestion", exampleBatch))
			errc <- err
		}()
		require.NoError(t, tt.srv.WaitFor(context.Background(), func(sn Snapshot) bool { return len(sn.Traces) >= 1 }))
		require.NoError(t, tt.srv.WaitFor(context.Background(), func(sn Snapshot) bool { return len(sn.Observations) >= 2 }))
		require.NoError(t, tt.srv.WaitFor(context.Background(), func(sn Snapshot) bool { return len(sn.Scores) >= 1 }))
		require.NoError(t, tt.srv.WaitFor(context.Background(), func(sn Snapshot) bool { return len(sn.Requests) >= 1 }))
		tr, err := tt.srv.WaitForTrace(context.Background(), traceID)
		require.NoError(t, err)
		assert.Equal(t, "fix-flaky-test", tr.Name)
		require.NoError(t, <-errc)
	})
	t.Run("a condition over everything", func(t *testing.T) {
		tt := newTester(t)
		tt.createTrace(traceID)
		errc := make(chan error, 1)
		go func() {
			_, err := tt.send(tt.request(context.Background(), http.MethodPost, "/api/public/checkpoints", `{"traceId":"`+traceID+`","name":"c"}`))
			errc <- err
		}()
		require.NoError(t, tt.srv.WaitFor(context.Background(), func(sn Snapshot) bool {
			return len(sn.Checkpoints) == 1 && sn.Requests[len(sn.Requests)-1].Status == 201
		}))
		require.NoError(t, <-errc)
	})
	t.Run("already true", func(t *testing.T) {
		tt := newTester(t)
		calls := 0
		require.NoError(t, tt.srv.WaitFor(context.Background(), func(Snapshot) bool { calls++; return true }))
		assert.Equal(t, 1, calls)
	})
	t.Run("context ends", func(t *testing.T) {
		tt := newTester(t)
		tt.createTrace(traceID)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := tt.srv.WaitFor(ctx, func(sn Snapshot) bool { return len(sn.Traces) >= 2 })
		require.ErrorIs(t, err, context.Canceled)
		assert.Contains(t, err.Error(), "1 trace rows, 0 observation rows")
		_, err = tt.srv.WaitForTrace(ctx, "nope")
		require.ErrorIs(t, err, context.Canceled)
	})
	t.Run("server closed", func(t *testing.T) {
		srv := NewServer()
		errc := make(chan error, 1)
		started := make(chan struct{})
		go func() {
			errc <- srv.WaitFor(context.Background(), func(Snapshot) bool {
				select {
				case <-started:
				default:
					close(started)
				}
				return false
			})
		}()
		<-started
		srv.Close()
		require.ErrorIs(t, <-errc, ErrClosed)
		require.ErrorIs(t, srv.WaitFor(context.Background(), func(sn Snapshot) bool { return len(sn.Traces) >= 1 }), ErrClosed)
		require.NoError(t, srv.WaitFor(context.Background(), func(sn Snapshot) bool { return len(sn.Traces) >= 0 }), "a condition that holds is met even when closed")
	})
	t.Run("snapshots are copies", func(t *testing.T) {
		tt := newTester(t)
		require.Equal(t, 200, tt.post("/api/public/ingestion", exampleBatch).Status)
		sn := tt.srv.Snapshot()
		sn.Traces[0].Tags[0] = "changed"
		sn.Observations[1].Usage.InputTokens = 0
		*sn.Observations[1].EndTime = t0
		*sn.Scores[0].Value = 0
		tr, _ := tt.srv.Trace(traceID)
		assert.Equal(t, "agent", tr.Tags[0])
		g := tt.srv.Observations(traceID)[1]
		assert.Equal(t, int64(812), g.Usage.InputTokens)
		assert.Equal(t, ts("2025-03-01T12:00:03.2Z"), *g.EndTime)
		assert.Equal(t, 1.0, *tt.srv.Snapshot().Scores[0].Value)
	})
}
