package agenttracetest

import (
	"fmt"
	"math"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// bearerPrefixes are the key prefixes the server reads from an
// "Authorization: Bearer" header (§2.1).
var bearerPrefixes = []string{"at_", "pk-", "pk_"}

// apiKey finds the request's key candidate as the server does (§2.1): a
// Bearer token with an accepted prefix, else X-API-Key, else ?api_key=. With
// WithSecretKeyBearer a Bearer secret key of a known pair stands for its
// public key.
func (s *Server) apiKey(header http.Header, rawQuery string) string {
	if h := header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
		tok := strings.TrimPrefix(h, "Bearer ")
		for _, p := range bearerPrefixes {
			if strings.HasPrefix(tok, p) {
				return tok
			}
		}
		if pk, ok := s.secrets[tok]; ok && s.cfg.SecretKeyBearer {
			return pk
		}
	}
	if k := header.Get("X-API-Key"); k != "" {
		return k
	}
	q, _ := url.ParseQuery(rawQuery) // the valid pairs, as r.URL.Query()
	return q.Get("api_key")
}

// authenticate checks the request's public key, or answers 401 with one of
// the server's two bodies (§2.2).
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) bool {
	key := s.apiKey(r.Header, r.URL.RawQuery)
	if key == "" {
		writeHandlerError(w, http.StatusUnauthorized, "API key required")
		return false
	}
	if !s.keys[key] {
		writeHandlerError(w, http.StatusUnauthorized, "Invalid API key")
		return false
	}
	return true
}

// rateLimiter is the server's sliding-window limiter (§3): per client, a set
// of members "<unix second>:<X-Request-ID>" with the time they were last
// seen. A request is refused when the window already holds limit members;
// an admitted request adds its member, a refused one does not (the server
// adds it only after the check). Requests without X-Request-ID in the same
// second share one member.
//
// The real server keeps the times in whole seconds, so its window ends
// between 59 and 60 s after a request; this one keeps the clock's
// precision, so that a test can scale the window below a second.
type rateLimiter struct {
	limit  int
	window time.Duration

	mu      sync.Mutex
	clients map[string]map[string]time.Time
}

func newRateLimiter(limit int, window time.Duration) *rateLimiter {
	return &rateLimiter{limit: limit, window: window, clients: make(map[string]map[string]time.Time)}
}

// admit records a request and returns how many more the client may make.
func (l *rateLimiter) admit(client, requestID string, now time.Time) (remaining int, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	members := l.clients[client]
	if members == nil {
		members = make(map[string]time.Time)
		l.clients[client] = members
	}
	cutoff := now.Add(-l.window)
	for m, t := range members {
		if !t.After(cutoff) {
			delete(members, m)
		}
	}
	count := len(members)
	if count >= l.limit {
		return 0, false
	}
	members[fmt.Sprintf("%d:%s", now.Unix(), requestID)] = now
	return l.limit - count - 1, true
}

func (l *rateLimiter) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	clear(l.clients)
}

// retryAfter is the Retry-After of a refused request: the window in whole
// seconds ("60"), rounded up, so at least "1".
func (l *rateLimiter) retryAfter() string {
	return strconv.Itoa(int(math.Ceil(l.window.Seconds())))
}

// rateLimit applies the limiter to an authenticated request, sets the
// X-RateLimit-* headers and answers 429 when the client is over the limit.
func (s *Server) rateLimit(w http.ResponseWriter, r *http.Request, now time.Time) bool {
	if s.limiter == nil {
		return true
	}
	client := s.rateClient(r.RemoteAddr, r.Header, r.URL.RawQuery)
	remaining, ok := s.limiter.admit(client, r.Header.Get("X-Request-ID"), now)
	h := w.Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(s.limiter.limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(now.Add(s.limiter.window).Unix(), 10))
	if !ok {
		writeTooManyRequests(w, s.limiter.retryAfter())
	}
	return ok
}

// rateClient is the client a request counts for: its address (the host of
// remoteAddr), or its API key with WithRateLimitPerKey.
func (s *Server) rateClient(remoteAddr string, header http.Header, rawQuery string) string {
	if s.cfg.RatePerKey {
		return s.apiKey(header, rawQuery)
	}
	if host, _, err := net.SplitHostPort(remoteAddr); err == nil {
		return host
	}
	return remoteAddr
}

// writeTooManyRequests is the rate limiter's 429 (§3).
func writeTooManyRequests(w http.ResponseWriter, retryAfter string) {
	if retryAfter != "" {
		w.Header().Set("Retry-After", retryAfter)
	}
	writeHandlerError(w, http.StatusTooManyRequests, "Rate limit exceeded. Please try again later.")
}
