package agenttracetest

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/agenttrace/agenttrace-otel-go/internal/attestctl/emu"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// delayStep is one wait of WithEventDelay, held by blockingSleep until the
// test answers on release (true: the time has passed; false: cut short).
type delayStep struct {
	request string // X-Request-ID
	until   time.Time
	release chan bool
}

// blockingSleep replaces the event delay's wait by a step the test
// controls, so that the order of events is shown without timing.
func blockingSleep(steps chan<- delayStep) Option {
	return optionFunc(func(c *config) {
		c.sleep = func(_ *Server, r *http.Request, until time.Time) bool {
			st := delayStep{request: r.Header.Get("X-Request-ID"), until: until, release: make(chan bool)}
			select {
			case steps <- st:
			case <-r.Context().Done():
				return false
			}
			select {
			case ok := <-st.release:
				return ok
			case <-r.Context().Done():
				return false
			}
		}
	})
}

// tracesBatch is an ingestion batch of n trace-create events, traces
// prefix-0 to prefix-(n-1).
func tracesBatch(prefix string, n int) string {
	events := make([]string, n)
	for i := range events {
		id := prefix + "-" + strconv.Itoa(i)
		events[i] = event("e-"+id, "trace-create", `{"id":"`+id+`","startTime":"2025-03-01T12:00:00Z"}`)
	}
	return `{"batch":[` + strings.Join(events, ",") + `]}`
}

// postInBackground posts a body with an X-Request-ID and delivers the
// outcome on the channel.
func (tt *tester) postInBackground(path, body, requestID string) <-chan outcome {
	c := make(chan outcome, 1)
	req := tt.request(context.Background(), http.MethodPost, path, body, header("X-Request-ID", requestID))
	go func() {
		resp, err := tt.send(req)
		c <- outcome{resp, err}
	}()
	return c
}

func requireNoAnswer(t *testing.T, c <-chan outcome) {
	t.Helper()
	select {
	case got := <-c:
		t.Fatalf("answered before its last event was processed: %+v", got)
	default:
	}
}

func TestEventDelay(t *testing.T) {
	const d = 3 * time.Millisecond
	ctx := context.Background()

	t.Run("events one by one, requests in parallel", func(t *testing.T) {
		steps := make(chan delayStep)
		tt := newTester(t, with(emu.WithEventDelay(d)), blockingSleep(steps))
		a := tt.postInBackground("/api/public/ingestion", tracesBatch("a", 3), "A")
		b := tt.postInBackground("/api/public/ingestion", tracesBatch("b", 2), "B")

		// Both requests wait on their first event at once: neither waits
		// for the other, and neither holds the store.
		first := map[string]delayStep{}
		for range 2 {
			st := <-steps
			first[st.request] = st
		}
		require.Contains(t, first, "A")
		require.Contains(t, first, "B")
		assert.Empty(t, tt.srv.Snapshot().Traces, "an event is stored once its time has passed")

		first["A"].release <- true
		require.NoError(t, tt.srv.WaitFor(ctx, func(sn Snapshot) bool { return len(sn.Traces) >= 1 }))
		prev := first["A"]
		for range 2 {
			st := <-steps
			require.Equal(t, "A", st.request)
			assert.Equal(t, d, st.until.Sub(prev.until), "each event takes d")
			requireNoAnswer(t, a)
			st.release <- true
			prev = st
		}
		got := <-a
		require.NoError(t, got.err)
		require.Equal(t, 200, got.resp.Status, got.resp.Body)
		var res ingestionResponse
		got.resp.decode(t, &res)
		assert.Len(t, res.Successes, 3)
		requireNoAnswer(t, b)

		first["B"].release <- true
		st := <-steps
		require.Equal(t, "B", st.request)
		st.release <- true
		got = <-b
		require.NoError(t, got.err)
		require.Equal(t, 200, got.resp.Status)

		assert.Len(t, tt.srv.Snapshot().Traces, 5)
		items := map[string]int{}
		for _, r := range tt.srv.Snapshot().Requests {
			items[r.Header.Get("X-Request-ID")] = r.Items
		}
		assert.Equal(t, map[string]int{"A": 3, "B": 2}, items)
	})

	t.Run("a batch of records takes d per record, then is stored", func(t *testing.T) {
		steps := make(chan delayStep)
		tt := newTester(t, with(emu.WithEventDelay(d)), blockingSleep(steps))
		score := `{"traceId":"` + traceID + `","name":"n","value":1,"dataType":"NUMERIC"}`
		c := tt.postInBackground("/api/public/scores/batch", `{"scores":[`+score+`,`+score+`,`+score+`]}`, "S")
		st := <-steps
		assert.Empty(t, tt.srv.Snapshot().Scores)
		requireNoAnswer(t, c)
		st.release <- true
		got := <-c
		require.NoError(t, got.err)
		require.Equal(t, 201, got.resp.Status, got.resp.Body)
		assert.Len(t, tt.srv.Snapshot().Scores, 3)
		assert.Equal(t, 3, tt.srv.Snapshot().Requests[0].Items)
	})

	t.Run("a cut wait abandons the request, keeping what it stored", func(t *testing.T) {
		steps := make(chan delayStep)
		tt := newTester(t, with(emu.WithEventDelay(d)), blockingSleep(steps))
		c := tt.postInBackground("/api/public/ingestion", tracesBatch("a", 3), "A")
		(<-steps).release <- true
		(<-steps).release <- false
		require.Error(t, (<-c).err, "no answer")
		traces := tt.srv.Snapshot().Traces
		require.Len(t, traces, 1)
		assert.Equal(t, "a-0", traces[0].ID)
		req := tt.srv.Snapshot().Requests[0]
		assert.Equal(t, 0, req.Status)
		assert.Equal(t, 1, req.Items)
	})

	t.Run("stored as without delay", func(t *testing.T) {
		tt := newTester(t, with(emu.WithEventDelay(time.Millisecond)))
		resp := tt.post("/api/public/ingestion", tracesBatch("t", 4))
		require.Equal(t, 200, resp.Status)
		var res ingestionResponse
		resp.decode(t, &res)
		assert.Len(t, res.Successes, 4)
		assert.Len(t, tt.srv.Snapshot().Traces, 4)
		assert.Equal(t, 201, tt.post("/api/public/traces", `{"id":"single"}`).Status)
		assert.Equal(t, 200, tt.get("/api/public/scores").Status)
		var items []int
		for _, r := range tt.srv.Snapshot().Requests {
			items = append(items, r.Items)
		}
		assert.Equal(t, []int{4, 1, 0}, items)
	})

	for _, stop := range []struct {
		name string
		do   func(*Server)
	}{
		{"Close ends a long delay", (*Server).Close},
		{"Down ends a long delay", func(s *Server) { controls{s}.Down() }},
	} {
		t.Run(stop.name, func(t *testing.T) {
			tt := newTester(t, with(emu.WithEventDelay(time.Hour)))
			c := tt.postInBackground("/api/public/ingestion", tracesBatch("a", 2), "A")
			require.NoError(t, tt.srv.WaitFor(ctx, func(sn Snapshot) bool { return len(sn.Requests) >= 1 }))
			stop.do(tt.srv)
			require.Error(t, (<-c).err, "the client learns the request failed")
			tt.srv.Close() // returns: no handler is left waiting
			assert.Empty(t, tt.srv.Snapshot().Traces)
			assert.Equal(t, 0, tt.srv.Snapshot().Requests[0].Status)
		})
	}
}
