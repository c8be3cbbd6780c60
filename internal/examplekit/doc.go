// Package examplekit is the harness that the LLM examples (examples/*-agent)
// share, so that each example's main shows only what a reader came for: the
// client, its integration's option and the agent loop.
//
// [NewBackend] chooses where the traces go: the AgentTrace server of
// AGENTTRACE_API_URL, or else an AgentTrace-compatible server started
// in-process (package agenttracetest). [Replay] starts a server replaying
// recorded LLM exchanges (package llmreplay) when no provider key is set.
// [Backend.Report] turns the client's shutdown into the example's output:
// each trace's tree, or where it was sent.
//
// The examples are modules of their own that import this internal package
// of the SDK's module (their module paths share its prefix); no
// integration imports it.
package examplekit
