// Package agenttracetest provides an in-process AgentTrace server for tests,
// in the spirit of net/http/httptest: start one with [NewServer], point the
// code under test at [Server.URL] with [Server.APIKey], then assert what
// arrived.
//
//	srv := agenttracetest.NewServer()
//	defer srv.Close()
//	t.Setenv("AGENTTRACE_API_URL", srv.URL)
//	t.Setenv("AGENTTRACE_API_KEY", srv.APIKey)
//	runMyAgent(ctx) // instrumented with the AgentTrace SDK; flushes on return
//	tr, err := srv.WaitForTrace(ctx, traceID)
//	obs := srv.Observations(traceID)
//	srv.RenderTrace(os.Stdout, traceID) // the trace as an indented tree
//
// # What it reproduces
//
// The server follows the handler contract of the real AgentTrace server,
// part B of exporter/PROTOCOL.md, and is strict where the real server is
// strict, so that a client passing against it works against the real one:
//
//   - Transport: JSON only when the Content-Type ends in "json" (else 400
//     "Invalid request body: Unprocessable Entity"); gzip and deflate request
//     bodies; a 4 MiB limit on wire bytes (413); X-Request-ID echoed or
//     generated; encoding/json decoding (case-insensitive keys, a wrong JSON
//     type fails, RFC 3339 timestamps with a zone); the server's three error
//     body shapes.
//   - Authentication: a Bearer token only for at_, pk- and pk_ keys, else
//     X-API-Key, else ?api_key=; 401 "API key required" or "Invalid API
//     key".
//   - Rate limiting: 100 requests per rolling 60 s per client address, with
//     the X-RateLimit-* headers on every admitted request, 429 and
//     "Retry-After: 60" (a refused request does not count), and the
//     limiter's quirk that requests without X-Request-ID arriving in the same
//     second count once. [WithRateLimit] scales the limit and the window,
//     to below a second if need be.
//   - Processing time: with [WithEventDelay], every stored event or record
//     takes its own time, as the real server's one insert per item does,
//     so a request's time grows with its events; requests are processed
//     in parallel.
//   - Ingestion (/api/public/ingestion and /api/public/v1/traces): per-item
//     results with HTTP 200; unknown event types rejected; observation levels
//     and id widths checked (trace ids at most 32 bytes, observation ids 16);
//     whole-row upserts keyed by (id, startTime) for traces and (traceId,
//     startTime, id) for observations, so a trace re-sent with another start
//     time shows up as a second row; startTime defaulting to the receive
//     time. The single-entity routes /traces, /spans, /generations, /events.
//   - Scores: score-create, POST /scores, /scores/batch, GET /scores with the
//     server's validation (CATEGORICAL always fails, BOOLEAN needs 0 or 1,
//     the data type is inferred, the trace must exist); every score gets a
//     fresh UUID, so a re-sent score is stored twice.
//   - Prompts: GET /prompts/{name} with version or label, the list and the
//     compile endpoint, seeded from Go with [Server.AddPromptVersion].
//   - Datasets (PROTOCOL-datasets.md D.3 to D.8, D.11): datasets, their
//     items, runs and run items, and the JSON and CSV imports, with the
//     server's answers: JSON fields served as strings of JSON text (jsonb's
//     rendering on reads), dataset names unique in the project, run items
//     unique per (run, item), server UUIDs, newest-first pages.
//     [Server.Datasets] reads them back, run items included, which the
//     real API cannot list.
//   - Agent records: checkpoints, git links, file operations and terminal
//     commands with the server's field names and JSON types (filesSnapshot
//     and envVars are strings), required fields, enum checks, the trace
//     lookup, batch limits, server ids and defaults.
//
// By default the server stores everything its handlers parse, including the
// generation fields (model, usage, completionStartTime, prompt link) that the
// real server drops at the commit the protocol calls HEAD, and it answers
// the dataset routes that HEAD cannot reach; [WithHEADDefects] reproduces
// those and other HEAD defects when a test needs them ([DefectDatasets]).
//
// # Faults
//
// Tests of retries, timeouts and shutdown inject faults: [Server.FailNext]
// and [Server.FailNextOn] fail the next requests with a status ([Status],
// including 429 with Retry-After), a connection reset ([ConnReset]), a body
// that is not JSON ([Garbage]), a cut body ([Truncated]) or no answer at all
// ([Hang]), optionally after the request was processed
// ([Fault.AfterProcessing]); [Server.SetFault] applies one to every request;
// [Server.SetLatency] delays requests; [Server.SetItemFaults] fails chosen
// ingestion events; [Server.Down] and [Server.Up] refuse connections for a
// while.
//
// # Assertions
//
// [Server.Traces], [Server.Observations], [Server.ObservationTree],
// [Server.Scores], [Server.Checkpoints], [Server.GitLinks],
// [Server.FileOperations], [Server.TerminalCommands] and [Server.Requests]
// return copies of what arrived; [Server.Requests] includes headers,
// status, item counts and decoded bodies (the latest 64 MiB of them), so
// tests can check authentication, X-Request-ID, User-Agent,
// Content-Encoding and how full requests were. [Server.WaitFor] and its
// conveniences block until a condition holds, woken by every change,
// without polling.
//
// [Server.Check] reports what the real server would hold wrongly, such as
// a second row of one trace id (a duplicate trace in the AgentTrace UI);
// call it at the end of a test. [Server.MaxRequestsInWindow] tells whether
// a client kept to the rate limit; with the 429s counted from
// [Server.Requests], it is what a load test checks.
package agenttracetest
