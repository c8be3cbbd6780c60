package prompts

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Type is the type of a prompt: a single text, or a list of chat messages.
type Type string

// Prompt types, as the server spells them.
const (
	TypeText Type = "text"
	TypeChat Type = "chat"
)

// Message is one message of a chat prompt.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// Source says where [Client.Get] found a prompt.
type Source uint8

// Sources of a prompt. The zero Source is a prompt built by hand.
const (
	// SourceServer: fetched from the server during the call.
	SourceServer Source = iota + 1
	// SourceCache: a cached copy younger than the cache TTL.
	SourceCache
	// SourceStale: a cached copy older than the cache TTL, served while a
	// background refresh runs or because the server could not be reached.
	SourceStale
	// SourceFallback: the caller's fallback, because there was no cached
	// copy and the fetch failed.
	SourceFallback
)

func (s Source) String() string {
	switch s {
	case SourceServer:
		return "server"
	case SourceCache:
		return "cache"
	case SourceStale:
		return "stale"
	case SourceFallback:
		return "fallback"
	}
	return "none"
}

// Prompt is one version of a managed prompt. Its fields are the caller's:
// [Client.Get] returns a new copy on every call.
//
// A Prompt built by hand works too: Compile, CompileChat and Variables read
// only Type, Text and Messages.
type Prompt struct {
	// Name is the prompt's name. Link a generation to the prompt with Name
	// and Version (gen_ai.prompt.name, agenttrace.generation.prompt.version).
	Name string
	// Version is the version number, from 1. It is 0 for a fallback, which
	// is no version on the server.
	Version int
	// Type is TypeText or TypeChat.
	Type Type
	// Text is the template of a text prompt.
	Text string
	// Messages are the templates of a chat prompt.
	Messages []Message
	// Config is the version's configuration (model parameters and the like)
	// as JSON text, nil when it has none. Decode it with json.Unmarshal.
	Config json.RawMessage
	// Labels are the version's labels, such as "production".
	Labels []string
	// Tags are the prompt's tags.
	Tags []string

	// Source says where Get found this copy.
	Source Source
	// FetchedAt is when this copy came from the server; zero for a
	// fallback.
	FetchedAt time.Time
	// FetchError is the error of the fetch that made Get serve a stale copy
	// or the fallback. It is nil for SourceServer and SourceCache, and for a
	// stale copy served while its first refresh is still running.
	FetchError error
}

// MissingVariablesError is returned by Compile and CompileChat when the
// variables given lack some the prompt needs.
type MissingVariablesError struct {
	// Prompt is the prompt's name.
	Prompt string
	// Names are the missing variables, in order of first appearance.
	Names []string
}

func (e *MissingVariablesError) Error() string {
	return fmt.Sprintf("prompts: prompt %q: missing variables: %s", e.Prompt, strings.Join(e.Names, ", "))
}

// Variables returns the names of the variables the prompt needs, in order of
// first appearance: the identifiers of its {{identifier}} placeholders
// (identifier: a letter or underscore, then letters, digits or underscores;
// "{{ name }}" with spaces is not a placeholder). For a chat prompt, the
// placeholders in the messages' content, message by message.
func (p *Prompt) Variables() []string {
	var names []string
	p.eachTemplate(func(s string) {
		eachPlaceholder(s, func(_, _ int, name string) {
			if !slices.Contains(names, name) {
				names = append(names, name)
			}
		})
	})
	return names
}

// Compile returns the text of a text prompt with every placeholder replaced
// by its variable's value. It fails with a *[MissingVariablesError] naming
// every variable the prompt needs that vars lacks; variables the prompt does
// not use are ignored. Values are inserted as they are, and not scanned for
// placeholders themselves.
func (p *Prompt) Compile(vars map[string]string) (string, error) {
	if p.Type == TypeChat {
		return "", fmt.Errorf("prompts: prompt %q is a chat prompt: use CompileChat", p.Name)
	}
	if err := p.checkVariables(vars); err != nil {
		return "", err
	}
	return substitute(p.Text, vars), nil
}

// CompileChat returns the messages of a chat prompt with every placeholder
// in their content replaced by its variable's value, by the rules of
// [Prompt.Compile]. Roles are kept as they are.
func (p *Prompt) CompileChat(vars map[string]string) ([]Message, error) {
	if p.Type != TypeChat {
		return nil, fmt.Errorf("prompts: prompt %q is a text prompt: use Compile", p.Name)
	}
	if err := p.checkVariables(vars); err != nil {
		return nil, err
	}
	msgs := make([]Message, len(p.Messages))
	for i, m := range p.Messages {
		msgs[i] = Message{Role: m.Role, Content: substitute(m.Content, vars)}
	}
	return msgs, nil
}

func (p *Prompt) checkVariables(vars map[string]string) error {
	var missing []string
	for _, name := range p.Variables() {
		if _, ok := vars[name]; !ok {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return &MissingVariablesError{Prompt: p.Name, Names: missing}
	}
	return nil
}

// eachTemplate calls fn with the text of a text prompt, or the content of
// each message of a chat prompt.
func (p *Prompt) eachTemplate(fn func(string)) {
	if p.Type != TypeChat {
		fn(p.Text)
		return
	}
	for _, m := range p.Messages {
		fn(m.Content)
	}
}

// served returns a copy of p that says where it came from.
func (p *Prompt) served(src Source, err error) *Prompt {
	q := *p
	q.Messages = slices.Clone(p.Messages)
	q.Config = slices.Clone(p.Config)
	q.Labels = slices.Clone(p.Labels)
	q.Tags = slices.Clone(p.Tags)
	q.Source, q.FetchError = src, err
	return &q
}

// eachPlaceholder calls fn, left to right, with the bounds [start, end) and
// the identifier of every non-overlapping {{identifier}} in s. It finds what
// the server's pattern \{\{([A-Za-z_][A-Za-z0-9_]*)\}\} finds.
func eachPlaceholder(s string, fn func(start, end int, name string)) {
	for i := 0; ; {
		j := strings.Index(s[i:], "{{")
		if j < 0 {
			return
		}
		start := i + j
		ident := start + 2
		n := identLen(s[ident:])
		if n > 0 && strings.HasPrefix(s[ident+n:], "}}") {
			end := ident + n + 2
			fn(start, end, s[ident:ident+n])
			i = end
		} else {
			i = start + 1
		}
	}
}

// identLen returns the length of the identifier s starts with, 0 if none.
func identLen(s string) int {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || i > 0 && '0' <= c && c <= '9' {
			continue
		}
		return i
	}
	return len(s)
}

// substitute replaces every placeholder of s by its value in vars, which
// has them all.
func substitute(s string, vars map[string]string) string {
	var b strings.Builder
	last := 0
	eachPlaceholder(s, func(start, end int, name string) {
		b.WriteString(s[last:start])
		b.WriteString(vars[name])
		last = end
	})
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}
