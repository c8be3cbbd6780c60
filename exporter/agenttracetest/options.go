package agenttracetest

import (
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
// exporter/PROTOCOL.md calls HEAD. By default the server behaves as the server's
// handlers intend; [WithHEADDefects] reproduces the defects, for tests of how
// a client copes with them.
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

// An Option configures a [Server].
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type keyPair struct {
	public, secret string
}

type config struct {
	publicKeys   []string
	pairs        []keyPair
	secretBearer bool
	rateLimit    int
	rateWindow   time.Duration
	ratePerKey   bool
	maxBodyBytes int64
	clock        func() time.Time
	defects      Defect
	projectID    string
	eventDelay   time.Duration
	// sleep waits until a time for WithEventDelay; tests replace it.
	sleep func(s *Server, r *http.Request, until time.Time) bool
}

func newConfig(opts []Option) config {
	c := config{
		rateLimit:    DefaultRateLimit,
		rateWindow:   DefaultRateLimitWindow,
		maxBodyBytes: DefaultMaxBodyBytes,
		clock:        time.Now,
		sleep:        (*Server).sleepUntil,
	}
	for _, o := range opts {
		o.apply(&c)
	}
	return c
}

// WithAPIKeys adds public keys the server accepts besides [Server.APIKey].
// Keys may have any prefix: the prefix only decides whether a key is read
// from an "Authorization: Bearer" header (only at_, pk- and pk_ keys are),
// exactly as on the real server. Empty keys are ignored.
func WithAPIKeys(publicKeys ...string) Option {
	keys := append([]string(nil), publicKeys...)
	return optionFunc(func(c *config) { c.publicKeys = append(c.publicKeys, keys...) })
}

// WithKeyPair adds a public key the server accepts and its secret key. The
// secret key is accepted only with [WithSecretKeyBearer]; the real server
// never checks secret keys.
func WithKeyPair(publicKey, secretKey string) Option {
	return optionFunc(func(c *config) {
		c.pairs = append(c.pairs, keyPair{public: publicKey, secret: secretKey})
	})
}

// WithSecretKeyBearer makes the server lenient where the real one is not:
// "Authorization: Bearer <secret key>" of a known key pair
// ([Server.SecretKey] or [WithKeyPair]) authenticates as its public key
// (exporter/PROTOCOL.md §2.3, non-strict mode). By default such a header is ignored
// and the request fails with 401 "API key required" unless X-API-Key or
// ?api_key= carries a valid public key.
func WithSecretKeyBearer() Option {
	return optionFunc(func(c *config) { c.secretBearer = true })
}

// WithRateLimit sets how many requests a client may make per rolling window
// before it gets 429. Default: 100 per 60 s ([DefaultRateLimit]). A limit or
// window of zero or less disables rate limiting, like [WithoutRateLimit].
//
// A test that must not wait a minute scales the window down, to below a
// second if need be: the limiter keeps full clock precision, and its headers
// stay in whole seconds (X-RateLimit-Reset is the Unix second of now plus
// the window, and a 429's Retry-After is the window rounded up, at least 1).
// [Server.MaxRequestsInWindow] tells whether a client kept to the limit.
func WithRateLimit(limit int, window time.Duration) Option {
	return optionFunc(func(c *config) {
		c.rateLimit = limit
		c.rateWindow = window
	})
}

// WithoutRateLimit disables rate limiting: no request gets 429 and no
// X-RateLimit-* header is sent (unless a fault says otherwise).
func WithoutRateLimit() Option {
	return optionFunc(func(c *config) { c.rateLimit = 0 })
}

// WithRateLimitPerKey counts requests per API key instead of per client IP
// address (the real server counts per IP; every test client is 127.0.0.1).
func WithRateLimitPerKey() Option {
	return optionFunc(func(c *config) { c.ratePerKey = true })
}

// WithMaxBodyBytes sets the largest request body accepted, in wire bytes.
// Larger bodies get 413 with the framework error shape. Default:
// [DefaultMaxBodyBytes] (4 MiB). Zero or less keeps the default.
func WithMaxBodyBytes(n int64) Option {
	return optionFunc(func(c *config) {
		if n > 0 {
			c.maxBodyBytes = n
		}
	})
}

// WithClock sets the server's clock, used for receive times (the default
// startTime of traces and observations), createdAt fields, record defaults
// and the rate limiter's window. Default: time.Now. Latency and hang faults
// use real time.
func WithClock(now func() time.Time) Option {
	return optionFunc(func(c *config) {
		if now != nil {
			c.clock = now
		}
	})
}

// WithHEADDefects reproduces defects of the real server at HEAD (see
// [Defect]). Default: none; the server behaves as its handlers intend.
func WithHEADDefects(d Defect) Option {
	return optionFunc(func(c *config) { c.defects |= d })
}

// WithProjectID sets [Server.ProjectID], the project every key belongs to.
// Default: a random UUID.
func WithProjectID(id string) Option {
	return optionFunc(func(c *config) { c.projectID = id })
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
// server is taken down with [Server.Down] or closed) is abandoned without an
// answer; what it stored before stays stored.
func WithEventDelay(d time.Duration) Option {
	return optionFunc(func(c *config) { c.eventDelay = max(d, 0) })
}
