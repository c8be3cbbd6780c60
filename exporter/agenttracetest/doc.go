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
//	require.NoError(t, srv.Check())    // nothing the real server would hold wrongly
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
//     second count once. [WithoutRateLimit] turns it off.
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
// The server stores everything its handlers parse, including the
// generation fields (model, usage, completionStartTime, prompt link) that the
// real server drops at the commit the protocol calls HEAD, and it answers
// the dataset routes that HEAD cannot reach.
//
// # Assertions
//
// [Server.Snapshot] returns a copy of everything that arrived: trace and
// observation rows, scores, checkpoints, git links, file operations,
// terminal commands and the request log. Its methods pick out one trace
// ([Snapshot.Trace], [Snapshot.ObservationsOf], [Snapshot.ScoresOf],
// [Snapshot.ObservationTree], [Snapshot.RenderTrace]); [Server.Trace],
// [Server.Observations] and [Server.RenderTrace] are their shortcuts.
// [Snapshot.Requests] holds each request's headers, status, item count and
// decoded body (the latest 64 MiB of bodies), so tests can check
// authentication, X-Request-ID, User-Agent, Content-Encoding and how full
// requests were. [Server.WaitFor] blocks until a condition on the snapshot
// holds, woken by every change, without polling; [Server.WaitForTrace]
// waits for one trace.
//
// [Server.Check] reports what the real server would hold wrongly, such as
// a second row of one trace id (a duplicate trace in the AgentTrace UI);
// call it at the end of a test.
//
// The SDK's own tests also inject faults and reproduce the real server's
// defects, through a package internal to this module; a test of an agent
// does not need them.
package agenttracetest
