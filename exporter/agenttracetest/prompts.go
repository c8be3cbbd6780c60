package agenttracetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/agenttrace/agenttrace-otel-go/internal/attestctl/emu"
	"github.com/google/uuid"
)

// Prompt types.
const (
	promptTypeText = "text"
	promptTypeChat = "chat"
)

// PromptVersion is a version of a prompt, for [Server.AddPromptVersion].
type PromptVersion struct {
	// Content is the text of a text prompt, with {{variable}} placeholders.
	Content string
	// Messages are the messages of a chat prompt; the server stores and
	// serves them as a JSON array of {"role","content"} in the version's
	// content. Set Content or Messages, not both.
	Messages []ChatMessage
	// Config is the version's config as JSON text, for example
	// `{"temperature":0.1}`; it is served as a JSON string holding that
	// text, as the server does. Empty means no config.
	Config string
	// Labels are put on this version and taken off the prompt's other
	// versions (a label lives on one version at most).
	Labels        []string
	CommitMessage string
}

// ChatMessage is a message of a chat prompt.
type ChatMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

type prompt struct {
	id          string
	name        string
	typ         string
	description string
	tags        []string
	createdAt   time.Time
	updatedAt   time.Time
	versions    []promptVersion // ascending version numbers
}

type promptVersion struct {
	id            string
	version       int
	content       string
	config        string
	labels        []string
	commitMessage string
	createdAt     time.Time
}

// promptJSON is the server's Prompt object (§6.2).
type promptJSON struct {
	ID            string             `json:"id"`
	ProjectID     string             `json:"projectId"`
	Name          string             `json:"name"`
	Type          string             `json:"type"`
	Description   string             `json:"description,omitempty"`
	Tags          []string           `json:"tags"`
	CreatedAt     time.Time          `json:"createdAt"`
	UpdatedAt     time.Time          `json:"updatedAt"`
	LatestVersion *promptVersionJSON `json:"latestVersion,omitempty"`
}

type promptVersionJSON struct {
	ID            string    `json:"id"`
	PromptID      string    `json:"promptId"`
	Version       int       `json:"version"`
	Content       string    `json:"content"`
	Config        string    `json:"config,omitempty"`
	Labels        []string  `json:"labels"`
	CommitMessage string    `json:"commitMessage,omitempty"`
	CreatedAt     time.Time `json:"createdAt"`
	Variables     []string  `json:"variables,omitempty"`
}

func (c controls) CreatePrompt(name, typ, description string, tags []string) error {
	s := c.s
	typ, err := promptType(typ)
	if err != nil {
		return err
	}
	if name == "" {
		return errors.New("agenttracetest: prompt name required")
	}
	now := ms(s.cfg.Clock())
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.data.prompts[name]; ok {
		return fmt.Errorf("agenttracetest: prompt %q already exists", name)
	}
	s.data.prompts[name] = &prompt{
		id: uuid.NewString(), name: name, typ: typ, description: description,
		tags: slices.Clone(tags), createdAt: now, updatedAt: now,
	}
	return nil
}

// AddPromptVersion adds the next version of the named prompt and returns its
// number (1 for the first). A missing prompt is created, of type chat when
// v has Messages, else text.
func (s *Server) AddPromptVersion(name string, v PromptVersion) (int, error) {
	typ := promptTypeText
	content := v.Content
	if v.Messages != nil {
		if v.Content != "" {
			return 0, errors.New("agenttracetest: a prompt version has Content or Messages, not both")
		}
		b, err := json.Marshal(v.Messages)
		if err != nil {
			return 0, err
		}
		typ, content = promptTypeChat, string(b)
	}
	if v.Config != "" && !json.Valid([]byte(v.Config)) {
		return 0, fmt.Errorf("agenttracetest: prompt config is not JSON: %q", v.Config)
	}
	if name == "" {
		return 0, errors.New("agenttracetest: prompt name required")
	}
	now := ms(s.cfg.Clock())
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.data.prompts[name]
	if p == nil {
		p = &prompt{id: uuid.NewString(), name: name, typ: typ, createdAt: now}
		s.data.prompts[name] = p
	}
	if p.typ != typ {
		return 0, fmt.Errorf("agenttracetest: prompt %q is a %s prompt", name, p.typ)
	}
	pv := promptVersion{
		id: uuid.NewString(), version: len(p.versions) + 1, content: content, config: v.Config,
		commitMessage: v.CommitMessage, createdAt: now,
	}
	p.versions = append(p.versions, pv)
	p.updatedAt = now
	for _, l := range v.Labels {
		p.setLabel(l, pv.version)
	}
	return pv.version, nil
}

func (c controls) SetPromptLabel(name, label string, version int) error {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.data.prompts[name]
	if p == nil || version < 1 || version > len(p.versions) {
		return fmt.Errorf("agenttracetest: no version %d of prompt %q", version, name)
	}
	p.setLabel(label, version)
	return nil
}

func (p *prompt) setLabel(label string, version int) {
	for i := range p.versions {
		pv := &p.versions[i]
		pv.labels = slices.DeleteFunc(pv.labels, func(l string) bool { return l == label })
		if pv.version == version {
			pv.labels = append(pv.labels, label)
		}
	}
}

func promptType(t string) (string, error) {
	switch t {
	case "", promptTypeText:
		return promptTypeText, nil
	case promptTypeChat:
		return promptTypeChat, nil
	}
	return "", fmt.Errorf("agenttracetest: prompt type %q is neither %q nor %q", t, promptTypeText, promptTypeChat)
}

// byVersion returns the version with the number, or nil.
func (p *prompt) byVersion(n int) *promptVersion {
	if n < 1 || n > len(p.versions) {
		return nil
	}
	return &p.versions[n-1]
}

// byLabel returns the version with the label, or nil.
func (p *prompt) byLabel(label string) *promptVersion {
	for i := range p.versions {
		if slices.Contains(p.versions[i].labels, label) {
			return &p.versions[i]
		}
	}
	return nil
}

// latest returns the highest version, or nil.
func (p *prompt) latest() *promptVersion {
	if len(p.versions) == 0 {
		return nil
	}
	return &p.versions[len(p.versions)-1]
}

func (s *Server) promptJSON(p *prompt, pv *promptVersion) promptJSON {
	out := promptJSON{
		ID: p.id, ProjectID: s.ProjectID, Name: p.name, Type: p.typ, Description: p.description,
		Tags: orEmpty(slices.Clone(p.tags)), CreatedAt: p.createdAt, UpdatedAt: p.updatedAt,
	}
	if pv != nil {
		out.LatestVersion = &promptVersionJSON{
			ID: pv.id, PromptID: p.id, Version: pv.version, Content: pv.content, Config: pv.config,
			Labels: orEmpty(slices.Clone(pv.labels)), CommitMessage: pv.commitMessage,
			CreatedAt: pv.createdAt, Variables: promptVariables(pv.content),
		}
	}
	return out
}

// placeholder is a {{identifier}} placeholder, without inner spaces.
var placeholder = regexp.MustCompile(`\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}`)

// promptVariables lists the placeholders of content in order of first
// appearance.
func promptVariables(content string) []string {
	var vars []string
	for _, m := range placeholder.FindAllStringSubmatch(content, -1) {
		if !slices.Contains(vars, m[1]) {
			vars = append(vars, m[1])
		}
	}
	return vars
}

func writePromptNotFound(c *call) { c.error(http.StatusNotFound, "Prompt not found") }

// handleGetPrompt is GET /api/public/prompts/{name} (§6.2): version wins
// over label; without either, the production version, else the highest.
func (s *Server) handleGetPrompt(c *call) {
	if s.cfg.Defects&emu.DefectPromptRouting != 0 {
		c.error(http.StatusBadRequest, "Prompt name required")
		return
	}
	version, _ := strconv.Atoi(c.query("version"))
	label := c.query("label")
	s.mu.Lock()
	p := s.data.prompts[c.params["name"]]
	var (
		pv    *promptVersion
		found = p != nil
	)
	if found {
		switch {
		case version > 0:
			pv = p.byVersion(version)
			found = pv != nil
		case label != "":
			pv = p.byLabel(label)
			found = pv != nil
		default:
			if pv = p.byLabel("production"); pv == nil {
				pv = p.latest()
			}
		}
	}
	var out promptJSON
	if found {
		out = s.promptJSON(p, pv)
	}
	s.mu.Unlock()
	if !found {
		writePromptNotFound(c)
		return
	}
	c.json(http.StatusOK, out)
}

// handleListPrompts is GET /api/public/prompts (§6.3): prompts without
// their versions, ordered by name; "prompts" is null when none match.
func (s *Server) handleListPrompts(c *call) {
	name := strings.ToLower(c.query("name"))
	tag := c.query("tags")
	s.mu.Lock()
	var all []promptJSON
	for _, p := range s.data.prompts {
		if strings.Contains(strings.ToLower(p.name), name) && (tag == "" || slices.Contains(p.tags, tag)) {
			all = append(all, s.promptJSON(p, nil))
		}
	}
	s.mu.Unlock()
	sort.Slice(all, func(i, j int) bool { return all[i].Name < all[j].Name })
	limit, offset := c.page()
	page, more := paginate(all, limit, offset)
	if len(page) == 0 {
		page = nil
	}
	c.json(http.StatusOK, map[string]any{"prompts": page, "totalCount": len(all), "hasMore": more})
}

// handleCompilePrompt is POST /api/public/prompts/{name}/compile (§6.4).
func (s *Server) handleCompilePrompt(c *call) {
	if s.cfg.Defects&emu.DefectPromptRouting != 0 {
		c.error(http.StatusBadRequest, "Prompt name required")
		return
	}
	var req struct {
		Variables map[string]string `json:"variables"`
		Version   int               `json:"version"`
		Label     string            `json:"label"`
	}
	if err := c.decode(&req); err != nil {
		c.badBody(err)
		return
	}
	s.mu.Lock()
	p := s.data.prompts[c.params["name"]]
	var pv *promptVersion
	if p != nil {
		switch {
		case req.Version > 0:
			pv = p.byVersion(req.Version)
		case req.Label != "":
			pv = p.byLabel(req.Label)
		default:
			pv = p.latest()
		}
	}
	var out promptJSON
	if pv != nil {
		out = s.promptJSON(p, pv)
	}
	s.mu.Unlock()
	if pv == nil {
		writePromptNotFound(c)
		return
	}
	compiled, err := compilePrompt(out.LatestVersion.Content, req.Variables)
	if err != nil {
		c.error(http.StatusBadRequest, "Failed to compile prompt: "+err.Error())
		return
	}
	c.json(http.StatusOK, map[string]any{
		"prompt":    out,
		"version":   out.LatestVersion.Version,
		"compiled":  compiled,
		"variables": orEmptyMap(req.Variables),
	})
}

// compilePrompt is the server's compile: every placeholder needs a
// variable, then every variable is substituted literally (in key order, so
// the result is deterministic).
func compilePrompt(content string, vars map[string]string) (string, error) {
	var missing []string
	for _, v := range promptVariables(content) {
		if _, ok := vars[v]; !ok {
			missing = append(missing, v)
		}
	}
	if len(missing) > 0 {
		return "", fmt.Errorf("VALIDATION_ERROR: missing variables: %v", missing)
	}
	keys := make([]string, 0, len(vars))
	for k := range vars {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		content = strings.ReplaceAll(content, "{{"+k+"}}", vars[k])
	}
	return content, nil
}

func orEmptyMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// promptRoute is a prompt sub-route this package does not implement; with
// DefectPromptRouting it answers the HEAD defect's 400 instead.
func promptRoute(defectMsg string) func(*Server, *call) {
	return func(s *Server, c *call) {
		if s.cfg.Defects&emu.DefectPromptRouting != 0 {
			c.error(http.StatusBadRequest, defectMsg)
			return
		}
		notImplemented(s, c)
	}
}
