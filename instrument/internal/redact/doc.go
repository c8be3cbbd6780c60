// Package redact removes secrets from text the SDK captures from an agent's
// work: the output of terminal commands, their environment and arguments,
// and the diff previews of file operations. The instrument package runs every
// such text through a [Redactor] before it becomes a span attribute, so that
// what an agent printed or edited does not carry credentials to a tracing
// backend.
//
// The built-in rules recognise the shapes of common credentials (API keys of
// OpenAI, Anthropic, AgentTrace, GitHub, Slack, Google, AWS access key ids,
// JSON Web Tokens), bearer and basic authorisation headers, passwords in
// URLs, assignments to secret-looking names (OPENAI_API_KEY=...,
// "password": "...") and private key blocks; [SecretName] says which
// environment variable names hold secrets. A match is replaced by
// [Placeholder], keeping the part that says what it was (the variable name,
// "Bearer "), so the text stays readable.
//
// Redaction is a safety net, not a guarantee: a secret of a shape the rules do
// not know, and not under a secret-looking name, passes through. Applications
// add their own patterns with [New], and the secrets known exactly (the
// client's own API key) with [Redactor.WithSecrets]: those are replaced
// wherever they occur, whatever their shape.
package redact
