package llmtrace

import "net/http"

// Transport returns an http.RoundTripper that traces the calls made through
// base (http.DefaultTransport when nil) to the API of p, configured by cfg.
// It is for clients that take an HTTP client but no middleware
// (sashabaranov/go-openai, Google GenAI): every round trip is one call, and
// its context is the request's. A client that retries on its own makes a
// generation of each attempt; prefer [RequestOption] where the client has
// middlewares.
func Transport(base http.RoundTripper, p Provider, cfg Config) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return &transport{base: base, t: newTracer(p, cfg)}
}

type transport struct {
	base http.RoundTripper
	t    *tracer
}

func (tr *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	mw := tr.t.middleware(configView{ctx: req.Context()})
	if mw == nil {
		return tr.base.RoundTrip(req)
	}
	return mw(req, tr.base.RoundTrip)
}
