package agenttracetest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// call is one request being handled by a route.
type call struct {
	w  http.ResponseWriter
	r  *http.Request
	in *incoming
	// body is the decoded request body; when decoding failed, the error's
	// text (which then fails JSON decoding, as on the server).
	body   []byte
	params map[string]string
	// now is the receive time, truncated to the millisecond.
	now time.Time
	// started is when handling started, in real time, for WithEventDelay.
	started time.Time
}

// decode parses the body as the server's handlers do: only when the content
// type ends in "json", with encoding/json semantics.
func (c *call) decode(v any) error {
	if !isJSONContentType(c.r.Header.Get("Content-Type")) {
		return errUnprocessable
	}
	return json.Unmarshal(c.body, v)
}

func (c *call) badBody(err error) {
	c.error(http.StatusBadRequest, "Invalid request body: "+err.Error())
}

func (c *call) error(status int, msg string) { writeHandlerError(c.w, status, msg) }

func (c *call) json(status int, v any) { writeJSON(c.w, status, v) }

// require checks required fields, given as name, value pairs in the order
// the server checks them: the first empty one is answered with 400 "<name>
// is required". It reports whether all were set.
func (c *call) require(fields ...string) bool {
	for i := 0; i+1 < len(fields); i += 2 {
		if fields[i+1] == "" {
			c.error(http.StatusBadRequest, fields[i]+" is required")
			return false
		}
	}
	return true
}

func (c *call) query(name string) string { return c.r.URL.Query().Get(name) }

// page reads limit (1..100, default 50) and offset (default 0).
func (c *call) page() (limit, offset int) {
	limit = 50
	if n, err := strconv.Atoi(c.query("limit")); err == nil && n > 0 {
		limit = min(n, 100)
	}
	if n, err := strconv.Atoi(c.query("offset")); err == nil && n > 0 {
		offset = n
	}
	return limit, offset
}

// timeQuery parses an optional RFC 3339 query parameter; an invalid value is
// ignored.
func (c *call) timeQuery(name string) *time.Time {
	t, err := time.Parse(time.RFC3339Nano, c.query(name))
	if err != nil {
		return nil
	}
	return &t
}

// paginate returns the page of items and whether more follow.
func paginate[T any](items []T, limit, offset int) ([]T, bool) {
	if offset >= len(items) {
		return []T{}, false
	}
	end := min(offset+limit, len(items))
	return items[offset:end], end < len(items)
}

type route struct {
	method  string
	segs    []string
	handler func(*Server, *call)
}

func rt(method, pattern string, h func(*Server, *call)) route {
	return route{method: method, segs: strings.Split(strings.Trim(pattern, "/"), "/"), handler: h}
}

// routes is the public API of exporter/PROTOCOL.md §10. Routes the real server mounts
// but this package does not implement answer 501, so that a client never
// mistakes them for unknown routes.
var routes = []route{
	rt("POST", "/api/public/ingestion", (*Server).handleIngestion),
	rt("POST", "/api/public/v1/traces", (*Server).handleIngestion),

	rt("POST", "/api/public/traces", (*Server).handleCreateTrace),
	rt("POST", "/api/public/spans", observationRoute(storedSpan)),
	rt("POST", "/api/public/generations", observationRoute(storedGeneration)),
	rt("POST", "/api/public/events", observationRoute(storedEvent)),
	rt("GET", "/api/public/traces", notImplemented),
	rt("GET", "/api/public/traces/search", notImplemented),
	rt("GET", "/api/public/sessions", notImplemented),
	rt("GET", "/api/public/sessions/{id}", alwaysBadRequest("Session ID required")),

	rt("POST", "/api/public/scores", (*Server).handleCreateScore),
	rt("GET", "/api/public/scores", (*Server).handleListScores),
	rt("POST", "/api/public/scores/batch", (*Server).handleScoreBatch),
	rt("GET", "/api/public/scores/stats", notImplemented),
	rt("GET", "/api/public/scores/{id}", alwaysBadRequest("Score ID required")),
	rt("PUT", "/api/public/scores/{id}", alwaysBadRequest("Score ID required")),
	rt("GET", "/api/public/traces/{traceId}/scores", (*Server).handleTraceScores),
	rt("POST", "/api/public/feedback", (*Server).handleFeedback),

	rt("GET", "/api/public/traces/{id}", alwaysBadRequest("Trace ID required")),
	rt("DELETE", "/api/public/traces/{id}", alwaysBadRequest("Trace ID required")),
	rt("GET", "/api/public/traces/{id}/observations", alwaysBadRequest("Trace ID required")),
	rt("GET", "/api/public/traces/{id}/stats", alwaysBadRequest("Trace ID required")),

	rt("GET", "/api/public/prompts", (*Server).handleListPrompts),
	rt("POST", "/api/public/prompts", notImplemented),
	rt("GET", "/api/public/prompts/{name}", (*Server).handleGetPrompt),
	rt("PUT", "/api/public/prompts/{name}", promptRoute("Prompt ID required")),
	rt("DELETE", "/api/public/prompts/{name}", promptRoute("Prompt ID required")),
	rt("GET", "/api/public/prompts/{name}/versions", promptRoute("Prompt name required")),
	rt("POST", "/api/public/prompts/{name}/labels", promptRoute("Prompt name required")),
	rt("DELETE", "/api/public/prompts/{name}/labels/{label}", promptRoute("Prompt name required")),
	rt("POST", "/api/public/prompts/{name}/compile", (*Server).handleCompilePrompt),

	rt("POST", "/api/public/checkpoints", (*Server).handleCreateCheckpoint),
	rt("GET", "/api/public/checkpoints", (*Server).handleListCheckpoints),
	rt("GET", "/api/public/checkpoints/{id}", (*Server).handleGetCheckpoint),
	rt("POST", "/api/public/checkpoints/{id}/restore", (*Server).handleRestoreCheckpoint),
	rt("GET", "/api/public/traces/{traceId}/checkpoints", (*Server).handleTraceCheckpoints),

	rt("POST", "/api/public/git-links", (*Server).handleCreateGitLink),
	rt("GET", "/api/public/git-links", (*Server).handleListGitLinks),
	rt("GET", "/api/public/git-links/timeline", notImplemented),
	rt("GET", "/api/public/git-links/commit/{sha}", notImplemented),
	rt("GET", "/api/public/git-links/{id}", (*Server).handleGetGitLink),
	rt("GET", "/api/public/traces/{traceId}/git-links", (*Server).handleTraceGitLinks),

	rt("POST", "/api/public/file-operations", (*Server).handleCreateFileOperation),
	rt("POST", "/api/public/file-operations/batch", (*Server).handleFileOperationBatch),
	rt("GET", "/api/public/file-operations", (*Server).handleListFileOperations),
	rt("GET", "/api/public/file-operations/stats", notImplemented),
	rt("GET", "/api/public/traces/{traceId}/file-operations", (*Server).handleTraceFileOperations),

	rt("POST", "/api/public/terminal-commands", (*Server).handleCreateTerminalCommand),
	rt("POST", "/api/public/terminal-commands/batch", (*Server).handleTerminalCommandBatch),
	rt("GET", "/api/public/terminal-commands", (*Server).handleListTerminalCommands),
	rt("GET", "/api/public/terminal-commands/stats", notImplemented),
	rt("GET", "/api/public/traces/{traceId}/terminal-commands", (*Server).handleTraceTerminalCommands),
}

func notImplemented(_ *Server, c *call) {
	c.error(http.StatusNotImplemented, "agenttracetest does not implement "+c.r.Method+" "+c.r.URL.Path)
}

// alwaysBadRequest is a route whose handler reads a parameter the route does
// not define, so it always fails (§10).
func alwaysBadRequest(msg string) func(*Server, *call) {
	return func(_ *Server, c *call) { c.error(http.StatusBadRequest, msg) }
}

type matchResult int

const (
	matchOK matchResult = iota
	matchNotFound
	matchWrongMethod
)

// match finds the route of a request. Like the server's router, static
// segments match case-insensitively and a trailing slash is ignored. Path
// parameters are unescaped, so a prompt name may contain an escaped "/".
func match(method, escapedPath string) (route, map[string]string, matchResult) {
	if method == http.MethodHead {
		method = http.MethodGet
	}
	segs := strings.Split(strings.Trim(escapedPath, "/"), "/")
	result := matchNotFound
	for _, rt := range routes {
		params, ok := matchSegs(rt.segs, segs)
		if !ok {
			continue
		}
		if rt.method != method {
			result = matchWrongMethod
			continue
		}
		return rt, params, matchOK
	}
	return route{}, nil, result
}

func matchSegs(pattern, segs []string) (map[string]string, bool) {
	if len(pattern) != len(segs) {
		return nil, false
	}
	var params map[string]string
	for i, p := range pattern {
		if strings.HasPrefix(p, "{") {
			if segs[i] == "" {
				return nil, false
			}
			v, err := url.PathUnescape(segs[i])
			if err != nil {
				v = segs[i]
			}
			if params == nil {
				params = make(map[string]string)
			}
			params[p[1:len(p)-1]] = v
			continue
		}
		if !strings.EqualFold(p, segs[i]) {
			return nil, false
		}
	}
	return params, true
}

// isAPIPath reports whether a path is under /api/public, where
// authentication and rate limiting apply.
func isAPIPath(p string) bool {
	const prefix = "/api/public"
	return len(p) >= len(prefix) && strings.EqualFold(p[:len(prefix)], prefix) &&
		(len(p) == len(prefix) || p[len(prefix)] == '/')
}

// queryMatch reports whether the optional query filter name matches v.
func queryMatch(q url.Values, name, v string) bool {
	f := q.Get(name)
	return f == "" || f == v
}

// inRange reports whether t is within the optional bounds.
func inRange(t time.Time, from, to *time.Time) bool {
	return (from == nil || !t.Before(*from)) && (to == nil || !t.After(*to))
}

// orEmpty makes a nil slice encode as [].
func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
