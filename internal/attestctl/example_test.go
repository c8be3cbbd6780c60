package attestctl_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttracetest"
	"github.com/agenttrace/agenttrace-otel-go/internal/attestctl"
)

// Testing how a client copes with an unavailable server: the first attempt
// gets 503 with Retry-After, the retry goes through.
func ExampleOf() {
	srv := agenttracetest.NewServer()
	defer srv.Close()
	attestctl.Of(srv).FailNext(1, attestctl.Status(http.StatusServiceUnavailable).WithRetryAfter("1"))

	batch := `{"batch":[{"id":"e1","type":"trace-create","body":{"id":"5c0ffee0d15ea5e5a1b2c3d4e5f60718","startTime":"2025-03-01T12:00:00.000Z"}}]}`
	for attempt := 1; attempt <= 3; attempt++ {
		status := send(srv, "POST", "/api/public/ingestion", batch)
		fmt.Println("attempt", attempt, status)
		if status == "200 OK" {
			break
		}
	}
	fmt.Println(len(srv.Snapshot().Requests), "requests,", len(srv.Snapshot().Traces), "trace")
	// Output:
	// attempt 1 503 Service Unavailable
	// attempt 2 200 OK
	// 2 requests, 1 trace
}

// A server as slow as the real one: every event is stored by an insert of
// its own, here of a millisecond, so a request's time grows with its
// events. Request.Items tells how many each request carried.
func ExampleWithEventDelay() {
	srv := agenttracetest.NewServer(attestctl.WithEventDelay(time.Millisecond))
	defer srv.Close()

	fmt.Println(send(srv, "POST", "/api/public/ingestion", `{"batch":[
	  {"id":"e1","type":"trace-create","body":{"id":"5c0ffee0d15ea5e5a1b2c3d4e5f60718","startTime":"2025-03-01T12:00:00.000Z"}},
	  {"id":"e2","type":"span-create","body":{"id":"a1b2c3d4e5f60718","traceId":"5c0ffee0d15ea5e5a1b2c3d4e5f60718","startTime":"2025-03-01T12:00:00.010Z"}},
	  {"id":"e3","type":"span-create","body":{"id":"0f1e2d3c4b5a6978","traceId":"5c0ffee0d15ea5e5a1b2c3d4e5f60718","startTime":"2025-03-01T12:00:00.020Z"}}
	]}`))
	r := srv.Snapshot().Requests[0]
	fmt.Println(r.Items, "events, answered after", time.Duration(r.Items)*time.Millisecond, "or more")
	// Output:
	// 200 OK
	// 3 events, answered after 3ms or more
}

// The checks of a load test: did the client keep to the rate limit, and was
// it ever refused? Each request carries its own X-Request-ID, or the limiter
// counts the requests of one second once, as the real one does.
func ExampleWithRateLimit() {
	srv := agenttracetest.NewServer(attestctl.WithRateLimit(3, time.Minute))
	defer srv.Close()

	for i := range 4 {
		req, err := http.NewRequest("POST", srv.URL+"/api/public/ingestion",
			strings.NewReader(`{"batch":[{"id":"e1","type":"sdk-log","body":{}}]}`))
		if err != nil {
			fmt.Println(err)
			return
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-API-Key", srv.APIKey)
		req.Header.Set("X-Request-ID", fmt.Sprint("req-", i))
		req.Close = true
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		resp.Body.Close()
		line := resp.Status + ", remaining " + resp.Header.Get("X-RateLimit-Remaining")
		if ra := resp.Header.Get("Retry-After"); ra != "" {
			line += ", Retry-After " + ra
		}
		fmt.Println(line)
	}

	refused := 0
	for _, r := range srv.Snapshot().Requests {
		if r.Status == http.StatusTooManyRequests {
			refused++
		}
	}
	fmt.Println("most requests in a minute:", attestctl.Of(srv).MaxRequestsInWindow(time.Minute))
	fmt.Println("answered 429:", refused)
	// Output:
	// 200 OK, remaining 2
	// 200 OK, remaining 1
	// 200 OK, remaining 0
	// 429 Too Many Requests, remaining 0, Retry-After 60
	// most requests in a minute: 4
	// answered 429: 1
}

// send makes a request as the exporter would and returns the status.
func send(srv *agenttracetest.Server, method, path, body string) string {
	resp, err := do(srv, method, path, body)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.Status
}

func do(srv *agenttracetest.Server, method, path, body string) (*http.Response, error) {
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+srv.APIKey)
	req.Header.Set("X-API-Key", srv.APIKey)
	req.Close = true // no idle connection outlives the example
	return http.DefaultClient.Do(req)
}
