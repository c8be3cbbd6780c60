// Package llmtest sets up what the tests of instrument/openaitrace and
// instrument/anthropictrace (and the README's LLM snippets, in
// internal/readme/llm) share: a replaying LLM server, an in-process
// AgentTrace server, an instrument client sending to it, and an in-memory
// record of the spans the client ends.
//
// Those tests are in modules of their own, which import this package of
// the SDK's module from their tests only: never from code that a user of
// the integrations builds, so that no release of the integrations depends
// on an internal package of the SDK.
package llmtest
