// Package emu holds what agenttracetest's server emulates beyond its public
// options (the HEAD defects, faults and tuning of exporter/PROTOCOL.md Part
// B) and the hooks through which package attestctl reaches a server.
// agenttracetest imports it and fills the hooks in; the SDK's tests use
// attestctl, never this package.
package emu

import (
	"encoding/json"
	"net/http"
	"time"
)

// Defaults of the server, as the real AgentTrace server has them
// (exporter/PROTOCOL.md Part B §1 and §3).
const (
	// DefaultMaxBodyBytes is the largest request body accepted, in wire
	// bytes (before gzip or deflate decoding): 4 MiB.
	DefaultMaxBodyBytes = 4 << 20
	// DefaultRateLimit is the number of requests a client may make per
	// DefaultRateLimitWindow.
	DefaultRateLimit = 100
	// DefaultRateLimitWindow is the rolling window of the rate limiter.
	DefaultRateLimitWindow = 60 * time.Second
)

// Defect is a set of defects of the AgentTrace server at the commit
// exporter/PROTOCOL.md calls HEAD. By default the server behaves as the
// server's handlers intend.
type Defect uint

const (
	// DefectPromptRouting reproduces the prompt routing defect (§6.2): every
	// GET /api/public/prompts/{name} and its sub-routes answer
	// 400 "Prompt name required", PUT and DELETE /prompts/{name} answer
	// 400 "Prompt ID required".
	DefectPromptRouting Defect = 1 << iota
	// DefectDropGenerationFields drops what the HEAD observation ingester
	// does not store (§4.5): model, modelParameters, usage,
	// completionStartTime and the prompt link are parsed, then forgotten.
	DefectDropGenerationFields
	// DefectDropTraceFields drops the trace fields HEAD does not store
	// (§4.4): input, output, level and statusMessage.
	DefectDropTraceFields
	// DefectFailTraceInsert makes every trace insert fail with a per-item
	// 500 (or 500 "Failed to create trace"), as the empty trace level does
	// against ClickHouse at HEAD (§4.4). Everything that needs the trace
	// (scores, checkpoints, git links, file operations, terminal commands)
	// then fails too.
	DefectFailTraceInsert
	// DefectDatasets reproduces the dataset defects (PROTOCOL-datasets.md
	// D.0, D.2, D.11): every dataset route with an id in its path answers
	// 400 "Invalid dataset ID", "Invalid item ID" or "Invalid run ID"
	// before reading its body; POST /datasets without metadata (or with
	// null) answers 500 "Failed to create dataset" once the name checks
	// pass; POST /import/dataset/csv answers that 500 once its input checks
	// pass. Creating and listing datasets and the JSON import still work.
	DefectDatasets
)

// Config is the server's configuration. agenttracetest's options set it;
// its zero value is not usable, start from [NewConfig].
type Config struct {
	// PublicKeys are accepted besides the server's APIKey.
	PublicKeys []string
	// KeyPairs are public keys accepted, each with its secret key.
	KeyPairs [][2]string
	// SecretKeyBearer accepts "Authorization: Bearer <secret key>".
	SecretKeyBearer bool
	// RateLimit requests per RateWindow per client; 0 disables it.
	RateLimit  int
	RateWindow time.Duration
	// RatePerKey counts per API key instead of per client address.
	RatePerKey   bool
	MaxBodyBytes int64
	Clock        func() time.Time
	Defects      Defect
	// ProjectID is the project of every key; "" for a random UUID.
	ProjectID string
	// EventDelay is the time spent on every stored item.
	EventDelay time.Duration
}

// NewConfig returns the default configuration.
func NewConfig() Config {
	return Config{
		RateLimit:    DefaultRateLimit,
		RateWindow:   DefaultRateLimitWindow,
		MaxBodyBytes: DefaultMaxBodyBytes,
		Clock:        time.Now,
	}
}

// FaultKind is what a [Fault] does.
type FaultKind uint8

// The kinds of [Fault].
const (
	FaultNone FaultKind = iota
	FaultStatus
	FaultReset
	FaultGarbage
	FaultTruncated
	FaultHang
)

// A Fault is what the server does to a request instead of answering it
// normally. Build one with [Status], [ConnReset], [Garbage], [Truncated] or
// [Hang]. The zero Fault is no fault.
//
// A fault applies before authentication, rate limiting and the handler (the
// request is still recorded in the request log), unless made
// [Fault.AfterProcessing].
type Fault struct {
	Kind       FaultKind
	Code       int
	RetryAfter string
	After      bool
}

// Status answers with the status code. 429 answers with the rate limiter's
// body and "Retry-After: 60" (change it with [Fault.WithRetryAfter]); 413
// with the framework's error shape; 401 with "Invalid API key"; any other
// status with the handler error shape and the message
// "agenttracetest: injected fault". A code outside 100-999 answers 500.
func Status(code int) Fault {
	if code < 100 || code > 999 {
		code = http.StatusInternalServerError
	}
	f := Fault{Kind: FaultStatus, Code: code}
	if code == http.StatusTooManyRequests {
		f.RetryAfter = "60"
	}
	return f
}

// ConnReset closes the connection without answering, with a TCP reset: the
// client sees "connection reset by peer".
func ConnReset() Fault { return Fault{Kind: FaultReset} }

// Garbage answers 200 with "Content-Type: application/json" and a body that
// is not JSON.
func Garbage() Fault { return Fault{Kind: FaultGarbage} }

// Truncated answers 200 with a Content-Length larger than the body sent,
// then closes the connection: the client fails reading the body
// ("unexpected EOF"). After processing, the truncated body is the real
// answer's first half.
func Truncated() Fault { return Fault{Kind: FaultTruncated} }

// Hang never answers: the request blocks until the client gives up
// (its context ends or its connection closes) or the server is taken down or
// closed. Use it to test shutdown deadlines and timeouts.
func Hang() Fault { return Fault{Kind: FaultHang} }

// WithRetryAfter sets the Retry-After header of a [Status] fault, in seconds
// ("2") or as an HTTP date. An empty value sends no header.
func (f Fault) WithRetryAfter(v string) Fault {
	f.RetryAfter = v
	return f
}

// AfterProcessing makes the fault apply after the request was handled
// normally, so the server has stored what the request carried but the client
// does not learn it: an ambiguous failure, after which a retry duplicates
// scores and records.
func (f Fault) AfterProcessing() Fault {
	f.After = true
	return f
}

// Event is an ingestion event as the function of [Controls.SetItemFaults]
// sees it.
type Event struct {
	// ID is the event's envelope id; generated when the client sent none.
	ID string
	// Type is the event type, such as "trace-create".
	Type string
	// BodyID is the body's "id" (a trace or observation id); "" when absent.
	BodyID string
	// Body is the event's body as sent.
	Body json.RawMessage
	// Attempt is 1 the first time the server sees an event of this type and
	// body id (or, without a body id, this envelope id), 2 the second time,
	// and so on. The server's Reset starts counting again.
	Attempt int
}

// ItemError is a per-item failure, reported in the ingestion response's
// "errors" with HTTP 200 for the whole request.
type ItemError struct {
	// Status is the item's status: 400 (the server's decode errors) or 500
	// (its storage errors) are what the real server uses.
	Status int
	// Message is the item's message.
	Message string
}

// Controls are a server's faults and emulation controls. Every method is
// safe for concurrent use.
type Controls interface {
	// FailNext makes the next n requests fail with f (after the faults
	// queued before it).
	FailNext(n int, f Fault)
	// FailNextOn makes the next n requests to path (for example
	// "/api/public/ingestion") fail with f. Requests to other paths are not
	// affected. Faults queued for a path and for every path are used in the
	// order they were queued.
	FailNextOn(path string, n int, f Fault)
	// SetFault makes every request fail with f, after the queued faults are
	// used up, until SetFault(Fault{}) or ClearFaults. SetFault(Hang())
	// makes a backend that never answers; SetFault(ConnReset()) one that is
	// down.
	SetFault(f Fault)
	// SetLatency delays every request by d before it is handled (or fails).
	// The wait ends early, without an answer, when the client gives up or
	// the server is taken down or closed. Zero removes the latency.
	SetLatency(d time.Duration)
	// SetItemFaults installs a function called for every ingestion event
	// before it is processed. When it returns an ItemError, the event is
	// not stored and is reported with that status and message in the
	// response's "errors" (the request itself still succeeds with 200).
	// nil removes the function. The function runs on the server's handler
	// goroutines and must be safe for concurrent use.
	SetItemFaults(fn func(Event) *ItemError)
	// ClearFaults removes queued and persistent faults, latency and the
	// item fault function.
	ClearFaults()
	// Down takes the server down: it stops listening, so new connections
	// are refused, and closes open connections, so requests in flight and
	// keep-alive connections fail. Stored data and configuration are kept.
	// Down on a server that is down (not by Drain) or closed does nothing.
	Down()
	// Drain takes the server down gracefully, as a server restarted behind
	// a load balancer: it stops listening, so new connections are refused,
	// lets the requests being handled finish, and answers any later request
	// on an open connection with 503 and Connection: close. Unlike Down it
	// never cuts a request short, so a client can always tell whether the
	// server acted on a request. Up brings it back; Down cuts what is left.
	Drain()
	// Up brings a server taken down by Down or Drain back, listening on the
	// same address. It fails if the server is closed or the port was taken
	// meanwhile. Up on a running server does nothing.
	Up() error
	// MaxRequestsInWindow returns the most requests one client made to the
	// API (/api/public/...) within any span of time shorter than window,
	// counted from the request log by receive time (the server's clock)
	// whatever their answer: admitted, refused with 429 or failed. A client
	// is what the rate limiter counts: a client address, or an API key with
	// RatePerKey. A client that kept to a limit of n requests per window
	// gets at most n; the load a limiter of that window sees at its busiest
	// moment is this figure. Unlike the rate limiter, it counts every
	// request, including those without X-Request-ID that the real server
	// counts once per second.
	MaxRequestsInWindow(window time.Duration) int
	// CreatePrompt creates a prompt of the type ("text" or "chat", "" for
	// text) without versions. Fetching it without a version or label
	// answers 200 without latestVersion (§6.2).
	CreatePrompt(name, typ, description string, tags []string) error
	// SetPromptLabel puts label on a version of the named prompt, taking it
	// off the other versions.
	SetPromptLabel(name, label string, version int) error
}

// Hooks, set by agenttracetest's init: attestctl cannot name agenttracetest's
// unexported types, and agenttracetest cannot import attestctl.
var (
	// Option returns an agenttracetest.Option that applies f to the
	// server's Config.
	Option func(f func(*Config)) any
	// ControlsOf returns the controls of an *agenttracetest.Server.
	ControlsOf func(srv any) Controls
)

// The options below return functions that set a [Config]; attestctl makes
// agenttracetest.Options of them.

// WithHEADDefects reproduces defects of the real server at HEAD. Default:
// none; the server behaves as its handlers intend.
func WithHEADDefects(d Defect) func(*Config) {
	return func(c *Config) { c.Defects |= d }
}

// WithAPIKeys adds public keys the server accepts besides the server's APIKey.
// Keys may have any prefix: the prefix only decides whether a key is read
// from an "Authorization: Bearer" header (only at_, pk- and pk_ keys are),
// exactly as on the real server. Empty keys are ignored.
func WithAPIKeys(publicKeys ...string) func(*Config) {
	keys := append([]string(nil), publicKeys...)
	return func(c *Config) { c.PublicKeys = append(c.PublicKeys, keys...) }
}

// WithKeyPair adds a public key the server accepts and its secret key. The
// secret key is accepted only with [WithSecretKeyBearer]; the real server
// never checks secret keys.
func WithKeyPair(publicKey, secretKey string) func(*Config) {
	return func(c *Config) {
		c.KeyPairs = append(c.KeyPairs, [2]string{publicKey, secretKey})
	}
}

// WithSecretKeyBearer makes the server lenient where the real one is not:
// "Authorization: Bearer <secret key>" of a known key pair (Server.SecretKey
// or [WithKeyPair]) authenticates as its public key (exporter/PROTOCOL.md
// §2.3, non-strict mode). By default such a header is ignored and the
// request fails with 401 "API key required" unless X-API-Key or ?api_key=
// carries a valid public key.
func WithSecretKeyBearer() func(*Config) {
	return func(c *Config) { c.SecretKeyBearer = true }
}

// WithRateLimit sets how many requests a client may make per rolling window
// before it gets 429. Default: 100 per 60 s ([DefaultRateLimit]). A limit or
// window of zero or less disables rate limiting, like
// agenttracetest.WithoutRateLimit.
//
// A test that must not wait a minute scales the window down, to below a
// second if need be: the limiter keeps full clock precision, and its headers
// stay in whole seconds (X-RateLimit-Reset is the Unix second of now plus
// the window, and a 429's Retry-After is the window rounded up, at least 1).
// [Controls.MaxRequestsInWindow] tells whether a client kept to the limit.
func WithRateLimit(limit int, window time.Duration) func(*Config) {
	return func(c *Config) {
		c.RateLimit = limit
		c.RateWindow = window
	}
}

// WithRateLimitPerKey counts requests per API key instead of per client IP
// address (the real server counts per IP; every test client is 127.0.0.1).
func WithRateLimitPerKey() func(*Config) {
	return func(c *Config) { c.RatePerKey = true }
}

// WithMaxBodyBytes sets the largest request body accepted, in wire bytes.
// Larger bodies get 413 with the framework error shape. Default:
// [DefaultMaxBodyBytes] (4 MiB). Zero or less keeps the default.
func WithMaxBodyBytes(n int64) func(*Config) {
	return func(c *Config) {
		if n > 0 {
			c.MaxBodyBytes = n
		}
	}
}

// WithClock sets the server's clock, used for receive times (the default
// startTime of traces and observations), createdAt fields, record defaults
// and the rate limiter's window. Default: time.Now. Latency and hang faults
// use real time.
func WithClock(now func() time.Time) func(*Config) {
	return func(c *Config) {
		if now != nil {
			c.Clock = now
		}
	}
}

// WithProjectID sets Server.ProjectID, the project every key belongs to.
// Default: a random UUID.
func WithProjectID(id string) func(*Config) {
	return func(c *Config) { c.ProjectID = id }
}

// WithEventDelay makes the server spend d of real time on every item it
// stores, as the real server does with one synchronous database insert per
// item (exporter/PROTOCOL.md Part B §4.1): an ingestion request of n events
// is answered about n×d after its handling started, each event stored when
// its own d has passed; a /batch request of n records takes n×d before the
// records are stored together; a single create takes d. Concurrent requests
// are processed in parallel, as on the real server. Default: 0, no delay.
//
// A request whose processing is cut short (its client gives up, or the
// server is taken down with Controls.Down or closed) is abandoned without
// an answer; what it stored before stays stored.
func WithEventDelay(d time.Duration) func(*Config) {
	return func(c *Config) { c.EventDelay = max(d, 0) }
}
