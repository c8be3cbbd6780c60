// Package llmreplay replays recorded OpenAI and Anthropic HTTP exchanges
// from a local server, so that the real openai-go and anthropic-sdk-go
// clients can be exercised without a network or an API key: by the tests
// of instrument/openaitrace and instrument/anthropictrace, and by the
// examples when no provider key is set.
//
// The exchanges are the JSON fixtures of testdata (embedded in the
// package, so that nothing is read from outside the repository at run
// time): copies of the shared LLM fixtures, whose format testdata/README.md
// describes, plus the answers to tool results that the examples' agent
// loops need (files named *_tool_result_answer.json), and the Bedrock
// Runtime exchanges of instrument/bedrocktrace (bedrock_*.json), whose
// ConverseStream answers are AWS event-stream frames.
//
// A [Server] answers each request with the next [Answer] queued for its
// path: a JSON body, or server-sent events (or event-stream frames)
// flushed one by one. An answer can be broken on purpose (a connection
// dropped midway, a stream that stalls) to test how clients and their
// instrumentation cope.
package llmreplay
