// Package llm keeps the OpenAI and Anthropic parts of the repository's
// README.md true, as package internal/readme does for the rest: its tests
// hold the README's snippets that use the official LLM clients (regions
// // README: NAME ... // README end, which internal/readme's tests compare
// with README.md) and reproduce the messages of those clients' tracing
// that README.md quotes.
//
// It is a module of its own because it imports both clients, which the
// SDK's module does not require.
package llm
