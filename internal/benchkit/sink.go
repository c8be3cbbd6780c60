package benchkit

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// Sink starts a server that reads and discards request bodies and answers
// with body; it is closed when the benchmark or test ends.
func Sink(tb testing.TB, contentType, body string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", contentType)
		_, _ = io.WriteString(w, body)
	}))
	tb.Cleanup(srv.Close)
	return srv
}
