package llmreplay

import (
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path"
	"slices"
	"strings"
	"sync"
)

//go:embed testdata/*.json
var fixtures embed.FS

// Exchange is one recorded HTTP exchange: the request a client sent and the
// answer of the API.
type Exchange struct {
	// Name is the fixture's file name without ".json".
	Name        string   `json:"-"`
	Description string   `json:"description"`
	Request     Request  `json:"request"`
	Response    Response `json:"response"`
}

// Request is the recorded request of an exchange, or a request the server
// received.
type Request struct {
	Method  string            `json:"method"`
	Path    string            `json:"path"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    json.RawMessage   `json:"body,omitempty"`
}

// Response is the recorded answer of an exchange: a JSON body, or server-sent
// events written one by one with a flush after each.
type Response struct {
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers"`
	Body    json.RawMessage   `json:"body,omitempty"`
	// SSE holds raw events exactly as on the wire, blank-line terminator
	// included.
	SSE []string `json:"sse,omitempty"`
	// Frames holds the binary messages of an AWS event stream
	// (application/vnd.amazon.eventstream), base64 in JSON, each written
	// with a flush after it as an SSE event is.
	Frames [][]byte `json:"frames,omitempty"`
}

// Load returns the exchange of the embedded fixture name (a file name of
// testdata without ".json", such as "openai_chat_basic").
func Load(name string) (Exchange, error) {
	b, err := fixtures.ReadFile("testdata/" + name + ".json")
	if err != nil {
		return Exchange{}, fmt.Errorf("llmreplay: %w", err)
	}
	var ex Exchange
	if err := json.Unmarshal(b, &ex); err != nil {
		return Exchange{}, fmt.Errorf("llmreplay: %s: %w", name, err)
	}
	ex.Name = name
	return ex, nil
}

// MustLoad is Load for fixtures that are known to exist: it panics when name
// is not an embedded fixture, which is a programming error.
func MustLoad(name string) Exchange {
	ex, err := Load(name)
	if err != nil {
		panic(err)
	}
	return ex
}

// Names returns the names of the embedded fixtures, sorted.
func Names() []string {
	entries, _ := fixtures.ReadDir("testdata")
	var names []string
	for _, e := range entries {
		if n, ok := strings.CutSuffix(e.Name(), ".json"); ok {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return names
}

// Answer is what the server answers to one request: the exchange's
// response, possibly broken on purpose.
type Answer struct {
	// Path is the request path the answer is for, such as
	// "/v1/chat/completions".
	Path string
	Response
	// CutAfter, when above zero, drops the connection after that many
	// events (or frames) of a streaming answer (the client's read fails with an
	// unexpected EOF), or after that many bytes of a JSON body.
	CutAfter int
	// StallAfter, when above zero, writes that many events of a streaming
	// answer and then waits, without ending the response, until the client
	// goes away or the server is closed.
	StallAfter int
}

// Answer returns the exchange's response as an answer to its request path.
func (e Exchange) Answer() Answer {
	return Answer{Path: e.Request.Path, Response: e.Response}
}

// Server is a local HTTP server (httptest, on 127.0.0.1) that answers each
// request with the next answer queued for its path, recording what it
// received. Point the OpenAI client at URL+"/v1/" and the Anthropic client at
// URL.
type Server struct {
	// URL is the base URL of the server, without a trailing slash.
	URL string

	srv  *httptest.Server
	done chan struct{}
	once sync.Once

	mu       sync.Mutex
	queues   map[string][]Answer
	requests []Request
}

// NewServer starts a server with nothing queued. Close it when done.
func NewServer() *Server {
	s := &Server{queues: make(map[string][]Answer), done: make(chan struct{})}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	return s
}

// Enqueue queues answers, each for its path, after those already queued.
func (s *Server) Enqueue(answers ...Answer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range answers {
		s.queues[a.Path] = append(s.queues[a.Path], a)
	}
}

// Pending returns the number of answers still queued, for every path.
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, q := range s.queues {
		n += len(q)
	}
	return n
}

// Requests returns the requests received so far, in arrival order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Close stops the server, releasing stalled answers first.
func (s *Server) Close() {
	s.once.Do(func() { close(s.done) })
	s.srv.Close()
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	headers := make(map[string]string, len(r.Header))
	for k, v := range r.Header {
		headers[strings.ToLower(k)] = strings.Join(v, ", ")
	}
	s.mu.Lock()
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Headers: headers, Body: body})
	q := s.queues[r.URL.Path]
	var a Answer
	ok := len(q) > 0
	if ok {
		a, s.queues[r.URL.Path] = q[0], q[1:]
	}
	s.mu.Unlock()

	if !ok {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		msg, _ := json.Marshal("llmreplay: no answer queued for " + r.Method + " " + path.Clean(r.URL.Path))
		fmt.Fprintf(w, `{"type":"error","error":{"type":"invalid_request_error","message":%s}}`, msg)
		return
	}
	for k, v := range a.Headers {
		w.Header().Set(k, v)
	}
	w.WriteHeader(a.Status)
	flusher, _ := w.(http.Flusher)
	events := a.SSE
	if a.Frames != nil {
		events = a.frameChunks()
	}
	if events == nil {
		b := []byte(a.Body)
		if a.CutAfter > 0 && a.CutAfter < len(b) {
			_, _ = w.Write(b[:a.CutAfter])
			flusher.Flush()
			panic(http.ErrAbortHandler)
		}
		_, _ = w.Write(b)
		return
	}
	for i, ev := range events {
		if a.CutAfter > 0 && i == a.CutAfter {
			panic(http.ErrAbortHandler) // drops the connection mid-stream
		}
		if a.StallAfter > 0 && i == a.StallAfter {
			select {
			case <-r.Context().Done():
			case <-s.done:
			}
			return
		}
		_, _ = io.WriteString(w, ev)
		flusher.Flush()
	}
}
