package prompts_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
)

// promptServer answers GET /api/public/prompts/{name} as PROTOCOL.md §6.2
// describes. It stands in for exporter/agenttracetest until that has prompt
// seeding.
type promptServer struct {
	*httptest.Server
	requests atomic.Int64

	mu      sync.Mutex
	prompts map[string]*seeded
	// status and body, when status is set, are the answer to every request.
	status int
	body   string
	// hold, when set, makes each request signal arrived, then wait until
	// hold is closed.
	hold    chan struct{}
	arrived chan struct{}
}

type seeded struct {
	typ      string
	tags     []string
	versions []*seededVersion
}

type seededVersion struct {
	version int
	content string
	config  json.RawMessage
	labels  []string
}

// newPromptServer starts a server closed when the test ends.
func newPromptServer(t *testing.T) *promptServer {
	t.Helper()
	s := startPromptServer()
	t.Cleanup(s.Close)
	return s
}

// startPromptServer starts a server; the caller closes it.
func startPromptServer() *promptServer {
	s := &promptServer{prompts: map[string]*seeded{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/public/prompts/{name}", s.get)
	s.Server = httptest.NewServer(mux)
	return s
}

// seed adds a version to the prompt called name (creating it, with typ and
// tags, if needed); a label moves from the version that had it. config is
// the wire value of latestVersion.config, nil for none.
func (s *promptServer) seed(name, typ, content string, config json.RawMessage, labels ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.prompts[name]
	if p == nil {
		p = &seeded{typ: typ, tags: []string{"agent"}}
		s.prompts[name] = p
	}
	for _, v := range p.versions {
		v.labels = slices.DeleteFunc(v.labels, func(l string) bool { return slices.Contains(labels, l) })
	}
	p.versions = append(p.versions, &seededVersion{version: len(p.versions) + 1, content: content, config: config, labels: labels})
}

// seedEmpty adds a prompt without versions.
func (s *promptServer) seedEmpty(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.prompts[name] = &seeded{typ: "text"}
}

// remove deletes the prompt called name.
func (s *promptServer) remove(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.prompts, name)
}

// fail makes every answer status with body (an error shape of §1.3);
// fail(0, "") restores normal answers.
func (s *promptServer) fail(status int, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status, s.body = status, body
}

// holdRequests makes every request wait until the returned release is
// called; arrived receives one value per request that started waiting.
func (s *promptServer) holdRequests() (arrived <-chan struct{}, release func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hold = make(chan struct{})
	s.arrived = make(chan struct{}, 100)
	hold := s.hold
	return s.arrived, func() { close(hold) }
}

func (s *promptServer) get(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	s.mu.Lock()
	hold, arrived, status, failBody := s.hold, s.arrived, s.status, s.body
	s.mu.Unlock()
	if hold != nil {
		arrived <- struct{}{}
		<-hold
	}
	if r.Header.Get("X-API-Key") == "" {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "Unauthorized", "message": "API key required"})
		return
	}
	if status != 0 {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(failBody))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	name := r.PathValue("name")
	p := s.prompts[name]
	notFound := func() {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "Not Found", "message": "Prompt not found"})
	}
	if p == nil {
		notFound()
		return
	}
	q := r.URL.Query()
	var v *seededVersion
	byDefault := false
	if n, err := strconv.Atoi(q.Get("version")); err == nil && n > 0 {
		v = p.find(func(v *seededVersion) bool { return v.version == n })
	} else if l := q.Get("label"); l != "" {
		v = p.find(func(v *seededVersion) bool { return slices.Contains(v.labels, l) })
	} else {
		byDefault = true
		v = p.find(func(v *seededVersion) bool { return slices.Contains(v.labels, "production") })
		if v == nil && len(p.versions) > 0 {
			v = p.versions[len(p.versions)-1]
		}
	}
	if v == nil && !byDefault {
		notFound()
		return
	}
	body := map[string]any{"id": "p-" + name, "name": name, "type": p.typ, "tags": p.tags}
	if v != nil {
		lv := map[string]any{"version": v.version, "content": v.content, "labels": v.labels}
		if v.config != nil {
			lv["config"] = v.config
		}
		body["latestVersion"] = lv
	}
	writeJSON(w, http.StatusOK, body)
}

func (p *seeded) find(match func(*seededVersion) bool) *seededVersion {
	i := slices.IndexFunc(p.versions, match)
	if i < 0 {
		return nil
	}
	return p.versions[i]
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
