package prompts

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/agenttrace/agenttrace-otel-go/internal/httpapi"
)

// cacheKey names what a Get asks for: a prompt's default version, a version
// or a label.
type cacheKey struct {
	name    string
	version int
	label   string
}

func (k cacheKey) String() string {
	switch {
	case k.version > 0:
		return fmt.Sprintf("%q version %d", k.name, k.version)
	case k.label != "":
		return fmt.Sprintf("%q label %q", k.name, k.label)
	}
	return strconv.Quote(k.name)
}

// path returns the API path of GET /api/public/prompts/{name} (exporter/PROTOCOL.md
// A15, §6.2), the name escaped as one path segment.
func (k cacheKey) path() string {
	seg := url.PathEscape(k.name)
	if k.name == "." || k.name == ".." {
		seg = strings.ReplaceAll(seg, ".", "%2E")
	}
	return "/api/public/prompts/" + seg
}

func (k cacheKey) query() url.Values {
	switch {
	case k.version > 0:
		return url.Values{"version": {strconv.Itoa(k.version)}}
	case k.label != "":
		return url.Values{"label": {k.label}}
	}
	return nil
}

// fetchError classifies the error of a GET: a 404 the handler answered is
// [ErrNotFound]; a 404 of the framework ("Cannot GET ...": no such route,
// a wrong API URL) is an ordinary failure.
func fetchError(k cacheKey, err error) error {
	var ae *httpapi.APIError
	if errors.As(err, &ae) && ae.Status == http.StatusNotFound && !strings.HasPrefix(ae.Message, "Cannot ") {
		return fmt.Errorf("prompts: %s: %w: %w", k, ErrNotFound, err)
	}
	return fmt.Errorf("prompts: fetch %s: %w", k, err)
}

// wirePrompt is the answer of GET /api/public/prompts/{name}: the prompt
// with the selected version in latestVersion. The server's "variables" are
// not read: Variables finds the same names by the same rule, for fallbacks
// too.
type wirePrompt struct {
	Name          string       `json:"name"`
	Type          string       `json:"type"`
	Tags          []string     `json:"tags"`
	LatestVersion *wireVersion `json:"latestVersion"`
}

type wireVersion struct {
	Version int             `json:"version"`
	Content json.RawMessage `json:"content"`
	Config  json.RawMessage `json:"config"`
	Labels  []string        `json:"labels"`
}

// decode parses the answer to a GET of k. A prompt without latestVersion
// (one with no versions) is not found.
func decode(body []byte, k cacheKey, now time.Time) (*Prompt, error) {
	var w wirePrompt
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, fmt.Errorf("prompts: decode %s: %w", k, err)
	}
	v := w.LatestVersion
	if v == nil {
		return nil, fmt.Errorf("prompts: %s: %w (it has no version)", k, ErrNotFound)
	}
	p := &Prompt{
		Name:      w.Name,
		Version:   v.Version,
		Type:      Type(strings.ToLower(strings.TrimSpace(w.Type))),
		Labels:    v.Labels,
		Tags:      w.Tags,
		FetchedAt: now,
	}
	if p.Name == "" {
		p.Name = k.name
	}
	var err error
	switch p.Type {
	case "", TypeText:
		p.Type = TypeText
		err = json.Unmarshal(orNull(v.Content), &p.Text)
	case TypeChat:
		p.Messages, err = decodeMessages(v.Content)
	default:
		err = fmt.Errorf("unknown prompt type %q", w.Type)
	}
	if err == nil {
		p.Config, err = decodeConfig(v.Config)
	}
	if err != nil {
		return nil, fmt.Errorf("prompts: decode %s: %w", k, err)
	}
	return p, nil
}

// decodeMessages decodes the content of a chat version: a string holding a
// JSON array of {role, content}, or (tolerated) the array itself.
func decodeMessages(raw json.RawMessage) ([]Message, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		raw = json.RawMessage(strings.TrimSpace(s))
	}
	var msgs []Message
	if err := json.Unmarshal(orNull(raw), &msgs); err != nil {
		return nil, fmt.Errorf("chat content is not a JSON array of messages: %w", err)
	}
	return msgs, nil
}

// decodeConfig returns the JSON value of a version's config. The server
// sends a string holding JSON text, sometimes encoded twice; a plain JSON
// value is taken as it is. A string that does not hold JSON is the value. An
// empty or null config is nil.
func decodeConfig(raw json.RawMessage) (json.RawMessage, error) {
	for {
		raw = bytes.TrimSpace(raw)
		if len(raw) == 0 || string(raw) == "null" {
			return nil, nil
		}
		if raw[0] != '"' {
			var b bytes.Buffer
			if err := json.Compact(&b, raw); err != nil {
				return nil, fmt.Errorf("config: %w", err)
			}
			return b.Bytes(), nil
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
		if !json.Valid([]byte(s)) {
			if strings.TrimSpace(s) == "" {
				return nil, nil
			}
			return raw, nil
		}
		raw = json.RawMessage(s)
	}
}

func orNull(raw json.RawMessage) json.RawMessage {
	if len(bytes.TrimSpace(raw)) == 0 {
		return json.RawMessage("null")
	}
	return raw
}
