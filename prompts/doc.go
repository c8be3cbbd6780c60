// Package prompts fetches managed prompts from AgentTrace, caches them, and
// compiles them locally.
//
// A [Client] asks GET /api/public/prompts/{name} for the default version of
// a prompt (the one labelled "production", else the newest), for a version
// ([WithPromptVersion]) or for a label ([WithLabel]). A [Prompt] is a text prompt
// (Text) or a chat prompt (Messages), with its Config, Labels and Tags. The
// instrument package's client.GetPrompt wraps Client.Get; a generation is
// linked to the prompt it used by the prompt's Name and Version.
//
// # Compiling
//
// [Prompt.Compile] (text) and [Prompt.CompileChat] (chat) replace
// {{identifier}} placeholders by the values of a map, as the server's compile
// endpoint does: an identifier is a letter or underscore followed by letters,
// digits or underscores, with no spaces inside the braces. A missing variable
// is an error, a *[MissingVariablesError] naming all of them; extra
// variables are ignored. [Prompt.Variables] lists the variables a prompt
// needs.
//
// # Caching
//
// Each (name, version | label | default) is cached on its own. Get serves:
//
//  1. a cached copy younger than the TTL (default 60 s; [WithCacheTTL] per
//     client or per call): Source is SourceCache;
//  2. an older copy, at once, while one background refresh of that key runs
//     (Gets during it start no other request; after a failed refresh the
//     next is tried a TTL later): SourceStale, with FetchError set when the
//     last refresh failed;
//  3. otherwise, or when the TTL is zero, the server's answer; concurrent
//     Gets of one key share a single request: SourceServer;
//  4. if that fetch fails, a cached copy (SourceStale with FetchError), else
//     the caller's fallback ([WithFallback], [WithChatFallback]:
//     SourceFallback with FetchError), else the error.
//
// A prompt, version or label the server does not have (404, or a prompt
// without versions) is an error wrapping [ErrNotFound]. Once the server says
// so, the cached copy of that key is dropped and no longer served stale: the
// prompt, version or label is gone. A fallback still applies.
//
// [Client.Invalidate] and [Client.Clear] drop cached copies. Background
// refreshes run in goroutines that end with their request;
// [Client.Shutdown] cancels them and waits for them.
package prompts
