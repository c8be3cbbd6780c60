// Package connection says how the SDK's clients reach the AgentTrace API.
//
// One [Config] (where the API is, the key, the project, the HTTP client,
// the timeouts) is given alike to instrument.New, exporter.New and
// prompts.New through their WithConnection options; the Collector
// exporter's configuration resolves to one too. Its zero fields take their
// environment variable, then their default, and [Config.Resolve] checks the
// result once for all of them, with one set of error messages:
//
//   - the API URL must be https://, http:// to a loopback host, http:// to
//     another host when Insecure allows it (the key then travels
//     unencrypted), or file:// (offline mode, for the exporter and the
//     instrument client, where no key is needed);
//   - any other URL needs an API key;
//   - the timeout must be positive.
//
// Environment variables: AGENTTRACE_API_URL, AGENTTRACE_API_KEY,
// AGENTTRACE_PROJECT_ID, AGENTTRACE_INSECURE, AGENTTRACE_TIMEOUT,
// AGENTTRACE_RETRY_BUDGET. A field that is set wins over its variable.
package connection
