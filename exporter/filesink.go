package exporter

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/agenttrace/agenttrace-otel-go/internal/httpapi"
)

// fileSink is the offline mode: each request body is appended to a file as
// one line of JSON Lines instead of being sent, and every item counts as
// delivered.
type fileSink struct {
	mu sync.Mutex
	f  *os.File
}

// newFileSink opens the file of a file:// URL: file:///abs/path.jsonl, or a
// path relative to the working directory as file://rel/path.jsonl.
func newFileSink(u *url.URL) (*fileSink, error) {
	path := u.Path
	switch {
	case u.Opaque != "":
		path = u.Opaque
	case u.Host != "":
		path = filepath.Join(u.Host, u.Path)
	}
	if path == "" {
		return nil, errors.New("file:// API URL has no path")
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("offline mode: %w", err)
	}
	return &fileSink{f: f}, nil
}

func (s *fileSink) post(_ context.Context, _ string, body []byte, _ string, _ time.Duration) (*httpapi.Response, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	line := make([]byte, 0, len(body)+1)
	line = append(append(line, body...), '\n')
	if _, err := s.f.Write(line); err != nil {
		return nil, fmt.Errorf("offline mode: %w", err)
	}
	return nil, nil
}

func (s *fileSink) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.f.Close()
}
