package agenttracetest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttracetest"
)

// A test of an instrumented agent: start the server, point the agent at it,
// run the agent, then assert what arrived. Here the requests the agent's
// exporter would make are sent by hand (the bodies of exporter/PROTOCOL.md §4.6 and
// §7.4); in a real test, set AGENTTRACE_API_URL to srv.URL and
// AGENTTRACE_API_KEY to srv.APIKey and run the agent instead.
func Example() {
	srv := agenttracetest.NewServer()
	defer srv.Close()

	fmt.Println(send(srv, "POST", "/api/public/ingestion", `{"batch":[
	  {"id":"b7f1c2a0-0001","type":"trace-create","timestamp":"2025-03-01T12:00:00.000Z",
	   "body":{"id":"5c0ffee0d15ea5e5a1b2c3d4e5f60718","name":"fix-flaky-test","tags":["agent","ci"],
	           "startTime":"2025-03-01T12:00:00.000Z","endTime":"2025-03-01T12:00:18.000Z"}},
	  {"id":"b7f1c2a0-0002","type":"span-create","timestamp":"2025-03-01T12:00:00.010Z",
	   "body":{"id":"a1b2c3d4e5f60718","traceId":"5c0ffee0d15ea5e5a1b2c3d4e5f60718","name":"read-files","level":"DEFAULT",
	           "startTime":"2025-03-01T12:00:00.010Z","endTime":"2025-03-01T12:00:00.900Z"}},
	  {"id":"b7f1c2a0-0003","type":"generation-create","timestamp":"2025-03-01T12:00:01.000Z",
	   "body":{"id":"0f1e2d3c4b5a6978","traceId":"5c0ffee0d15ea5e5a1b2c3d4e5f60718","parentObservationId":"a1b2c3d4e5f60718",
	           "name":"plan","level":"DEFAULT","model":"claude-sonnet","startTime":"2025-03-01T12:00:01.000Z",
	           "completionStartTime":"2025-03-01T12:00:01.350Z","endTime":"2025-03-01T12:00:03.200Z",
	           "usage":{"inputTokens":812,"outputTokens":96,"totalTokens":908},"promptName":"triage","promptVersion":3}},
	  {"id":"b7f1c2a0-0004","type":"score-create","timestamp":"2025-03-01T12:00:04.000Z",
	   "body":{"traceId":"5c0ffee0d15ea5e5a1b2c3d4e5f60718","name":"tests-pass","dataType":"BOOLEAN","value":1}}
	]}`))
	fmt.Println(send(srv, "POST", "/api/public/terminal-commands/batch", `{"commands":[
	  {"traceId":"5c0ffee0d15ea5e5a1b2c3d4e5f60718","observationId":"a1b2c3d4e5f60718",
	   "command":"go","args":["test","./..."],"envVars":"{\"CGO_ENABLED\":\"0\"}",
	   "startedAt":"2025-03-01T12:00:05.000Z","completedAt":"2025-03-01T12:00:17.250Z",
	   "exitCode":1,"stdout":"FAIL ./store\n","success":false}
	]}`))

	// Wait for what the agent sends asynchronously; no sleeps.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := srv.WaitFor(ctx, func(s agenttracetest.Snapshot) bool {
		return len(s.Observations) == 2 && len(s.TerminalCommands) == 1
	})
	if err != nil {
		fmt.Println(err)
		return
	}

	const traceID = "5c0ffee0d15ea5e5a1b2c3d4e5f60718"
	gen := srv.Observations(traceID)[1]
	fmt.Println("generation:", gen.Model, gen.Usage.InputTokens, "input tokens, first token after",
		gen.CompletionStartTime.Sub(gen.StartTime))
	cmd := srv.Snapshot().TerminalCommands[0]
	fmt.Println("command:", cmd.Command, cmd.Args, "exit", cmd.ExitCode, "in", time.Duration(cmd.DurationMs)*time.Millisecond)
	fmt.Println("authenticated with the public key:", srv.Snapshot().Requests[0].Header.Get("X-API-Key") == srv.APIKey)
	fmt.Println()
	if err := srv.RenderTrace(os.Stdout, traceID); err != nil {
		fmt.Println(err)
	}
	// Output:
	// 200 OK
	// 201 Created
	// generation: claude-sonnet 812 input tokens, first token after 350ms
	// command: go [test ./...] exit 1 in 12.25s
	// authenticated with the public key: true
	//
	// trace fix-flaky-test 5c0ffee0d15ea5e5a1b2c3d4e5f60718 18s tags=agent,ci
	// └─ SPAN read-files +10ms 890ms
	//    └─ GENERATION plan +1s 2.2s ttft=350ms model=claude-sonnet tokens=812/96/908 prompt=triage@3
	// scores:
	//   tests-pass = 1 BOOLEAN
}

// Seeding a prompt that the code under test fetches.
func ExampleServer_AddPromptVersion() {
	srv := agenttracetest.NewServer()
	defer srv.Close()
	_, err := srv.AddPromptVersion("triage", agenttracetest.PromptVersion{
		Content: "You are triaging {{repo}}. Focus on {{area}}.",
		Config:  `{"temperature":0.1}`,
		Labels:  []string{"production"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}

	var prompt struct {
		Type          string
		LatestVersion struct {
			Version   int
			Content   string
			Config    string // JSON text in a string, as the server sends it
			Labels    []string
			Variables []string
		}
	}
	body := get(srv, "/api/public/prompts/triage")
	if err := json.Unmarshal([]byte(body), &prompt); err != nil {
		fmt.Println(err)
		return
	}
	v := prompt.LatestVersion
	fmt.Println(prompt.Type, v.Version, v.Labels, v.Variables)
	fmt.Println(v.Content)
	fmt.Println(v.Config)
	// Output:
	// text 1 [production] [repo area]
	// You are triaging {{repo}}. Focus on {{area}}.
	// {"temperature":0.1}
}

// Checking how the agent's requests were sent: the request log keeps each
// request's headers, answer and item count, in arrival order.
func ExampleServer_Snapshot() {
	srv := agenttracetest.NewServer()
	defer srv.Close()

	send(srv, "POST", "/api/public/ingestion", `{"batch":[
	  {"id":"e1","type":"trace-create","body":{"id":"5c0ffee0d15ea5e5a1b2c3d4e5f60718","name":"checkout","startTime":"2025-03-01T12:00:00.000Z"}},
	  {"id":"e2","type":"span-create","body":{"id":"a1b2c3d4e5f60718","traceId":"5c0ffee0d15ea5e5a1b2c3d4e5f60718","startTime":"2025-03-01T12:00:00.010Z"}}
	]}`)
	sn := srv.Snapshot()
	for _, r := range sn.Requests {
		fmt.Println(r.Method, r.Path, r.Status, r.Items, "items", r.Header.Get("Content-Type"))
	}
	fmt.Println(len(sn.Traces), "trace,", len(sn.ObservationsOf("5c0ffee0d15ea5e5a1b2c3d4e5f60718")), "observation")
	// Output:
	// POST /api/public/ingestion 200 2 items application/json
	// 1 trace, 1 observation
}

// A trace written twice with two start times, as by two processes that each
// took themselves for the trace's owner: the real server would hold two
// rows, and list the trace twice.
func ExampleServer_Check() {
	srv := agenttracetest.NewServer()
	defer srv.Close()

	send(srv, "POST", "/api/public/ingestion", `{"batch":[
	  {"id":"e1","type":"trace-create","body":{"id":"5c0ffee0d15ea5e5a1b2c3d4e5f60718","name":"checkout","startTime":"2025-03-01T12:00:00.000Z"}}
	]}`)
	fmt.Println(srv.Check())
	send(srv, "POST", "/api/public/ingestion", `{"batch":[
	  {"id":"e2","type":"trace-create","body":{"id":"5c0ffee0d15ea5e5a1b2c3d4e5f60718","name":"weather-tool","startTime":"2025-03-01T12:00:00.250Z"}}
	]}`)
	fmt.Println(srv.Check())
	// Output:
	// <nil>
	// agenttracetest: trace 5c0ffee0d15ea5e5a1b2c3d4e5f60718 has 2 rows, one per start time (2025-03-01T12:00:00.000Z "checkout", 2025-03-01T12:00:00.250Z "weather-tool"): the real server would list it 2 times
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

// get fetches a path and returns the body.
func get(srv *agenttracetest.Server, path string) string {
	resp, err := do(srv, "GET", path, "")
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
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
