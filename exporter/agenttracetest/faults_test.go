package agenttracetest

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/agenttrace/agenttrace-otel-go/internal/attestctl/emu"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var traceBatch = `{"batch":[` + event("e1", "trace-create", `{"id":"`+traceID+`","startTime":"2025-03-01T12:00:00Z"}`) + `]}`

func TestFailNext(t *testing.T) {
	tests := []struct {
		name  string
		fault emu.Fault
		// check inspects the failed attempt: its response, or its error.
		check func(t *testing.T, resp response, err error)
	}{
		{"status 503", emu.Status(503), func(t *testing.T, resp response, err error) {
			require.NoError(t, err)
			assert.Equal(t, 503, resp.Status)
			assert.JSONEq(t, `{"error":"Service Unavailable","message":"agenttracetest: injected fault"}`, resp.Body)
			assert.Empty(t, resp.Header.Get("Retry-After"))
			assert.Equal(t, "rid", resp.Header.Get("X-Request-ID"))
		}},
		{"status 503 with Retry-After", emu.Status(503).WithRetryAfter("2"), func(t *testing.T, resp response, err error) {
			require.NoError(t, err)
			assert.Equal(t, 503, resp.Status)
			assert.Equal(t, "2", resp.Header.Get("Retry-After"))
		}},
		{"status 429", emu.Status(429), func(t *testing.T, resp response, err error) {
			require.NoError(t, err)
			assert.Equal(t, 429, resp.Status)
			assert.JSONEq(t, `{"error":"Too Many Requests","message":"Rate limit exceeded. Please try again later."}`, resp.Body)
			assert.Equal(t, "60", resp.Header.Get("Retry-After"))
		}},
		{"status 429 with an HTTP date", emu.Status(429).WithRetryAfter("Sat, 01 Mar 2025 12:01:00 GMT"), func(t *testing.T, resp response, err error) {
			require.NoError(t, err)
			assert.Equal(t, "Sat, 01 Mar 2025 12:01:00 GMT", resp.Header.Get("Retry-After"))
		}},
		{"status 429 without Retry-After", emu.Status(429).WithRetryAfter(""), func(t *testing.T, resp response, err error) {
			require.NoError(t, err)
			assert.Equal(t, 429, resp.Status)
			assert.Empty(t, resp.Header.Values("Retry-After"))
		}},
		{"status 413", emu.Status(413), func(t *testing.T, resp response, err error) {
			require.NoError(t, err)
			assert.JSONEq(t, `{"error":{"code":413,"message":"Request Entity Too Large"}}`, resp.Body)
		}},
		{"status 401", emu.Status(401), func(t *testing.T, resp response, err error) {
			require.NoError(t, err)
			assert.JSONEq(t, `{"error":"Unauthorized","message":"Invalid API key"}`, resp.Body)
		}},
		{"status 500", emu.Status(500), func(t *testing.T, resp response, err error) {
			require.NoError(t, err)
			assert.Equal(t, "Internal Server Error", resp.handlerErr(t).Error)
		}},
		{"connection reset", emu.ConnReset(), func(t *testing.T, resp response, err error) {
			require.ErrorIs(t, err, syscall.ECONNRESET)
		}},
		{"garbage", emu.Garbage(), func(t *testing.T, resp response, err error) {
			require.NoError(t, err)
			assert.Equal(t, 200, resp.Status)
			assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
			assert.False(t, json.Valid([]byte(resp.Body)))
		}},
		{"truncated", emu.Truncated(), func(t *testing.T, resp response, err error) {
			require.ErrorIs(t, err, io.ErrUnexpectedEOF)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tt := newTester(t)
			controls{tt.srv}.FailNext(1, tc.fault)
			resp, err := tt.send(tt.request(context.Background(), http.MethodPost, "/api/public/ingestion", traceBatch, header("X-Request-ID", "rid")))
			tc.check(t, resp, err)
			assert.Empty(t, tt.srv.Snapshot().Traces, "a fault applies before the request is processed")

			require.Equal(t, 200, tt.post("/api/public/ingestion", traceBatch).Status, "the fault is used up")
			assert.Len(t, tt.srv.Snapshot().Traces, 1)
			reqs := tt.srv.Snapshot().Requests
			require.Len(t, reqs, 2, "both attempts are recorded")
			assert.Equal(t, traceBatch, string(reqs[0].Body))
			assert.Equal(t, 200, reqs[1].Status)
		})
	}
}

func TestFaultStatusRecorded(t *testing.T) {
	tt := newTester(t)
	controls{tt.srv}.FailNext(1, emu.Status(502))
	controls{tt.srv}.FailNext(1, emu.ConnReset())
	tt.post("/api/public/ingestion", traceBatch)
	_, err := tt.send(tt.request(context.Background(), http.MethodPost, "/api/public/ingestion", traceBatch))
	require.Error(t, err)
	reqs := tt.srv.Snapshot().Requests
	require.Len(t, reqs, 2)
	assert.Equal(t, 502, reqs[0].Status)
	assert.Equal(t, 0, reqs[1].Status, "no answer")
}

func TestFailNextCount(t *testing.T) {
	tt := newTester(t)
	controls{tt.srv}.FailNext(3, emu.Status(503))
	var statuses []int
	for range 4 {
		statuses = append(statuses, tt.post("/api/public/ingestion", minimalBatch).Status)
	}
	assert.Equal(t, []int{503, 503, 503, 200}, statuses)
}

func TestFailNextOn(t *testing.T) {
	tt := newTester(t)
	tt.createTrace(traceID)
	controls{tt.srv}.FailNext(1, emu.Status(502))
	controls{tt.srv}.FailNextOn("/api/public/scores", 2, emu.Status(503))
	score := `{"traceId":"` + traceID + `","name":"n","value":1}`
	assert.Equal(t, 502, tt.post("/api/public/scores", score).Status, "queued first")
	assert.Equal(t, 200, tt.post("/api/public/ingestion", minimalBatch).Status, "other paths are not affected")
	assert.Equal(t, 503, tt.post("/api/public/scores/", score).Status, "a trailing slash is the same path")
	assert.Equal(t, 503, tt.post("/api/public/scores", score).Status)
	assert.Equal(t, 201, tt.post("/api/public/scores", score).Status, "the path's faults are used up")
	assert.Len(t, tt.srv.Snapshot().Scores, 1)
}

func TestAfterProcessing(t *testing.T) {
	t.Run("status: stored, but the client sees a failure", func(t *testing.T) {
		tt := newTester(t)
		tt.createTrace(traceID)
		controls{tt.srv}.FailNextOn("/api/public/scores", 1, emu.Status(503).AfterProcessing())
		score := `{"traceId":"` + traceID + `","name":"n","value":1}`
		resp := tt.post("/api/public/scores", score)
		require.Equal(t, 503, resp.Status)
		assert.Len(t, tt.srv.Snapshot().Scores, 1)
		// The client retries: the score is duplicated.
		require.Equal(t, 201, tt.post("/api/public/scores", score).Status)
		assert.Len(t, tt.srv.Snapshot().Scores, 2)
	})
	t.Run("truncated: the real answer cut in half", func(t *testing.T) {
		tt := newTester(t)
		controls{tt.srv}.FailNext(1, emu.Truncated().AfterProcessing())
		_, err := tt.send(tt.request(context.Background(), http.MethodPost, "/api/public/ingestion", traceBatch))
		require.ErrorIs(t, err, io.ErrUnexpectedEOF)
		assert.Len(t, tt.srv.Snapshot().Traces, 1)
	})
	t.Run("reset", func(t *testing.T) {
		tt := newTester(t)
		controls{tt.srv}.FailNext(1, emu.ConnReset().AfterProcessing())
		_, err := tt.send(tt.request(context.Background(), http.MethodPost, "/api/public/ingestion", traceBatch))
		require.Error(t, err)
		assert.Len(t, tt.srv.Snapshot().Traces, 1)
	})
	t.Run("hang", func(t *testing.T) {
		tt := newTester(t)
		controls{tt.srv}.FailNext(1, emu.Hang().AfterProcessing())
		ctx, cancel := context.WithCancel(context.Background())
		errc := make(chan error, 1)
		go func() {
			_, err := tt.send(tt.request(ctx, http.MethodPost, "/api/public/ingestion", traceBatch))
			errc <- err
		}()
		require.NoError(t, tt.srv.WaitFor(context.Background(), func(sn Snapshot) bool { return len(sn.Traces) >= 1 }), "stored while the client waits")
		cancel()
		require.ErrorIs(t, <-errc, context.Canceled)
	})
}

func TestSetFault(t *testing.T) {
	tt := newTester(t)
	controls{tt.srv}.SetFault(emu.Status(503))
	controls{tt.srv}.FailNext(1, emu.Status(500))
	var statuses []int
	for range 3 {
		statuses = append(statuses, tt.post("/api/public/ingestion", minimalBatch).Status)
	}
	assert.Equal(t, []int{500, 503, 503}, statuses, "queued faults first, then the persistent one")
	controls{tt.srv}.SetFault(emu.Fault{})
	assert.Equal(t, 200, tt.post("/api/public/ingestion", minimalBatch).Status)

	controls{tt.srv}.SetFault(emu.ConnReset())
	_, err := tt.send(tt.request(context.Background(), http.MethodPost, "/api/public/ingestion", minimalBatch))
	require.Error(t, err)
	controls{tt.srv}.FailNext(2, emu.Status(502))
	controls{tt.srv}.SetLatency(time.Millisecond)
	controls{tt.srv}.SetItemFaults(func(emu.Event) *emu.ItemError { return &emu.ItemError{Status: 500} })
	controls{tt.srv}.ClearFaults()
	resp := tt.post("/api/public/ingestion", minimalBatch)
	require.Equal(t, 200, resp.Status)
	assert.JSONEq(t, `{"successes":["e1"],"errors":[]}`, resp.Body)
}

func TestLatency(t *testing.T) {
	t.Run("delays, then answers", func(t *testing.T) {
		tt := newTester(t)
		controls{tt.srv}.SetLatency(time.Millisecond)
		assert.Equal(t, 200, tt.post("/api/public/ingestion", minimalBatch).Status)
	})
	t.Run("a client giving up gets no answer", func(t *testing.T) {
		tt := newTester(t)
		controls{tt.srv}.SetLatency(time.Hour)
		ctx, cancel := context.WithCancel(context.Background())
		errc := make(chan error, 1)
		go func() {
			_, err := tt.send(tt.request(ctx, http.MethodPost, "/api/public/ingestion", traceBatch))
			errc <- err
		}()
		require.NoError(t, tt.srv.WaitFor(context.Background(), func(sn Snapshot) bool { return len(sn.Requests) >= 1 }))
		cancel()
		require.ErrorIs(t, <-errc, context.Canceled)
		assert.Equal(t, 0, tt.srv.Snapshot().Requests[0].Status, "no answer")
		assert.Empty(t, tt.srv.Snapshot().Traces)
		controls{tt.srv}.SetLatency(0)
		assert.Equal(t, 200, tt.post("/api/public/ingestion", minimalBatch).Status)
	})
}

func TestHang(t *testing.T) {
	t.Run("until the client gives up", func(t *testing.T) {
		tt := newTester(t)
		controls{tt.srv}.FailNext(1, emu.Hang())
		ctx, cancel := context.WithCancel(context.Background())
		errc := make(chan error, 1)
		go func() {
			_, err := tt.send(tt.request(ctx, http.MethodPost, "/api/public/ingestion", traceBatch))
			errc <- err
		}()
		require.NoError(t, tt.srv.WaitFor(context.Background(), func(sn Snapshot) bool { return len(sn.Requests) >= 1 }))
		cancel()
		require.ErrorIs(t, <-errc, context.Canceled)
		assert.Equal(t, 200, tt.post("/api/public/ingestion", traceBatch).Status, "one request hung")
	})
	t.Run("until the server closes", func(t *testing.T) {
		srv := NewServer(WithoutRateLimit())
		controls{srv}.SetFault(emu.Hang())
		hc := &http.Client{Transport: &http.Transport{}}
		errc := make(chan error, 3)
		for range 3 {
			go func() {
				resp, err := hc.Post(srv.URL+"/api/public/ingestion", "application/json", strings.NewReader(traceBatch))
				if err == nil {
					resp.Body.Close()
					err = errors.New("answered")
				}
				errc <- err
			}()
		}
		require.NoError(t, srv.WaitFor(context.Background(), func(sn Snapshot) bool { return len(sn.Requests) >= 3 }))
		srv.Close() // returns although handlers were hanging
		for range 3 {
			require.Error(t, <-errc)
		}
		assert.Empty(t, srv.Snapshot().Traces)
	})
}

func TestItemFaults(t *testing.T) {
	tt := newTester(t)
	var (
		mu     sync.Mutex
		events []emu.Event
	)
	controls{tt.srv}.SetItemFaults(func(e emu.Event) *emu.ItemError {
		mu.Lock()
		events = append(events, e)
		mu.Unlock()
		switch {
		case e.Type == "span-create" && e.BodyID == spanID && e.Attempt == 1:
			return &emu.ItemError{Status: 500, Message: "transient"}
		case e.Type == "score-create":
			return &emu.ItemError{Status: 400, Message: "bad score"}
		}
		return nil
	})
	batch := []string{
		event("t", "trace-create", `{"id":"`+traceID+`"}`),
		event("s", "span-create", `{"id":"`+spanID+`","traceId":"`+traceID+`"}`),
		event("sc", "score-create", `{"traceId":"`+traceID+`","name":"n","value":1}`),
	}
	res := tt.ingest(batch...)
	assert.Equal(t, []string{"t"}, res.Successes)
	assert.Equal(t, []ingestionError{{ID: "s", Status: 500, Message: "transient"}, {ID: "sc", Status: 400, Message: "bad score"}}, res.Errors)
	assert.Empty(t, tt.srv.Observations(traceID), "a failed item is not stored")

	res = tt.ingest(batch...)
	assert.Equal(t, []string{"t", "s"}, res.Successes, "the second attempt of the span passes")
	assert.Equal(t, []ingestionError{{ID: "sc", Status: 400, Message: "bad score"}}, res.Errors)
	assert.Len(t, tt.srv.Observations(traceID), 1)
	assert.Empty(t, tt.srv.Snapshot().Scores)

	mu.Lock()
	require.Len(t, events, 6)
	assert.Equal(t, emu.Event{ID: "s", Type: "span-create", BodyID: spanID, Body: json.RawMessage(`{"id":"` + spanID + `","traceId":"` + traceID + `"}`), Attempt: 1}, events[1])
	assert.Equal(t, 2, events[4].Attempt)
	assert.Equal(t, "", events[5].BodyID)
	assert.Equal(t, 2, events[5].Attempt, "without a body id, attempts count per envelope id")
	mu.Unlock()

	controls{tt.srv}.SetItemFaults(nil)
	res = tt.ingest(batch[2])
	assert.Empty(t, res.Errors)

	tt.srv.Reset()
	controls{tt.srv}.SetItemFaults(func(e emu.Event) *emu.ItemError {
		if e.Attempt == 1 {
			return &emu.ItemError{Status: 500, Message: "first"}
		}
		return nil
	})
	assert.Len(t, tt.ingest(batch[0]).Errors, 1, "Reset starts counting again")
}

func TestStatusOutOfRange(t *testing.T) {
	tt := newTester(t)
	controls{tt.srv}.FailNext(1, emu.Status(0))
	assert.Equal(t, 500, tt.post("/api/public/ingestion", minimalBatch).Status)
}
