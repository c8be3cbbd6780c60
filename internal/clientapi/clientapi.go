package clientapi

import "github.com/agenttrace/agenttrace-otel-go/internal/httpapi"

// Hooks set by the packages that own the connection. They take any
// because this package cannot import theirs.
var (
	// instrumentPrompts returns the prompt client of an
	// *instrument.Client, the one part of it that holds the connection;
	// nil when the client has no server (nil, disabled, offline).
	instrumentPrompts func(client any) any
	// promptsAPI returns the connection of a *prompts.Client; nil for a
	// nil client.
	promptsAPI func(promptClient any) *httpapi.Client
)

// SetInstrument is called by package instrument with its hook.
func SetInstrument(promptClientOf func(client any) any) { instrumentPrompts = promptClientOf }

// SetPrompts is called by package prompts with its hook.
func SetPrompts(apiOf func(promptClient any) *httpapi.Client) { promptsAPI = apiOf }

// API returns a copy of the connection of client, an *instrument.Client:
// its API URL, key, project id, HTTP client, timeout and retry policy. It
// returns nil when the client has no server to call: a nil or disabled
// client, or one in offline mode (a file:// API URL).
func API(client any) *httpapi.Client {
	if instrumentPrompts == nil || promptsAPI == nil {
		return nil
	}
	pc := instrumentPrompts(client)
	if pc == nil {
		return nil
	}
	api := promptsAPI(pc)
	if api == nil {
		return nil
	}
	c := *api
	c.OnAttempt = nil
	return &c
}
