package agenttracetest

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/agenttrace/agenttrace-otel-go/internal/attestctl/emu"
	"github.com/google/uuid"
)

// levels are the values of the observations' level column.
var levels = []string{"DEBUG", "DEFAULT", "WARNING", "ERROR"}

// observationTypes maps event types to observation types.
var observationTypes = map[string]string{
	"span-create":       storedSpan,
	"generation-create": storedGeneration,
	"event-create":      storedEvent,
}

// traceBody is TraceBody (§4.4).
type traceBody struct {
	ID            string          `json:"id"`
	Name          string          `json:"name"`
	UserID        string          `json:"userId"`
	SessionID     string          `json:"sessionId"`
	Release       string          `json:"release"`
	Version       string          `json:"version"`
	Tags          []string        `json:"tags"`
	Metadata      json.RawMessage `json:"metadata"`
	Public        bool            `json:"public"`
	StartTime     *time.Time      `json:"startTime"`
	Timestamp     *time.Time      `json:"timestamp"`
	EndTime       *time.Time      `json:"endTime"`
	GitCommitSha  string          `json:"gitCommitSha"`
	GitBranch     string          `json:"gitBranch"`
	GitRepoURL    string          `json:"gitRepoUrl"`
	Input         json.RawMessage `json:"input"`
	Output        json.RawMessage `json:"output"`
	Level         string          `json:"level"`
	StatusMessage string          `json:"statusMessage"`
}

// observationBody is ObservationBody (§4.5).
type observationBody struct {
	ID                  string          `json:"id"`
	TraceID             string          `json:"traceId"`
	ParentObservationID string          `json:"parentObservationId"`
	Type                string          `json:"type"`
	Name                string          `json:"name"`
	Level               string          `json:"level"`
	StatusMessage       string          `json:"statusMessage"`
	Metadata            json.RawMessage `json:"metadata"`
	Input               json.RawMessage `json:"input"`
	Output              json.RawMessage `json:"output"`
	StartTime           *time.Time      `json:"startTime"`
	EndTime             *time.Time      `json:"endTime"`
	Version             string          `json:"version"`
	CompletionStartTime *time.Time      `json:"completionStartTime"`
	Model               string          `json:"model"`
	ModelParameters     json.RawMessage `json:"modelParameters"`
	Usage               json.RawMessage `json:"usage"`
	PromptID            string          `json:"promptId"`
	PromptName          string          `json:"promptName"`
	PromptVersion       *int            `json:"promptVersion"`
}

type ingestionRequest struct {
	Batch    []json.RawMessage `json:"batch"`
	Metadata map[string]any    `json:"metadata"`
}

type ingestionEvent struct {
	ID        string          `json:"id"`
	Type      string          `json:"type"`
	Timestamp string          `json:"timestamp"`
	Body      json.RawMessage `json:"body"`
}

type ingestionError struct {
	ID      string `json:"id"`
	Status  int    `json:"status"`
	Message string `json:"message"`
}

type ingestionResponse struct {
	Successes []string         `json:"successes"`
	Errors    []ingestionError `json:"errors"`
}

// handleIngestion is POST /api/public/ingestion and /api/public/v1/traces
// (§4): every event is processed on its own, in order, and the answer is 200
// with per-item results.
func (s *Server) handleIngestion(c *call) {
	var req ingestionRequest
	if err := c.decode(&req); err != nil {
		c.badBody(err)
		return
	}
	if len(req.Batch) == 0 {
		c.error(http.StatusBadRequest, "Batch is empty")
		return
	}
	resp := ingestionResponse{Successes: []string{}, Errors: []ingestionError{}}
	hook := s.itemFaults()
	for _, raw := range req.Batch {
		s.process(c, 1)
		var ev ingestionEvent
		if err := json.Unmarshal(raw, &ev); err != nil {
			resp.Errors = append(resp.Errors, ingestionError{ID: "unknown", Status: http.StatusBadRequest, Message: "Invalid JSON: " + err.Error()})
			continue
		}
		if ev.ID == "" {
			ev.ID = uuid.NewString()
		}
		if ie := s.itemFault(hook, ev); ie != nil {
			resp.Errors = append(resp.Errors, ingestionError{ID: ev.ID, Status: ie.Status, Message: ie.Message})
			continue
		}
		if status, err := s.ingest(c.now, ev); err != nil {
			resp.Errors = append(resp.Errors, ingestionError{ID: ev.ID, Status: status, Message: err.Error()})
			continue
		}
		resp.Successes = append(resp.Successes, ev.ID)
	}
	c.json(http.StatusOK, resp)
}

// itemFault counts the event's attempt and asks the item fault function.
func (s *Server) itemFault(hook func(emu.Event) *emu.ItemError, ev ingestionEvent) *emu.ItemError {
	var body struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(ev.Body, &body) // best effort: the event is decoded for real later
	key := ev.Type + "\x00id\x00" + body.ID
	if body.ID == "" {
		key = ev.Type + "\x00event\x00" + ev.ID
	}
	s.mu.Lock()
	s.data.attempts[key]++
	attempt := s.data.attempts[key]
	s.mu.Unlock()
	if hook == nil {
		return nil
	}
	return hook(emu.Event{ID: ev.ID, Type: ev.Type, BodyID: body.ID, Body: ev.Body, Attempt: attempt})
}

// ingest processes one event; on failure it returns the item's status.
func (s *Server) ingest(now time.Time, ev ingestionEvent) (int, error) {
	switch ev.Type {
	case "trace-create":
		var b traceBody
		if err := unmarshalBody(ev.Body, &b); err != nil {
			return http.StatusBadRequest, errors.New("Invalid trace input: " + err.Error())
		}
		_, err := s.insertTrace(now, b)
		return http.StatusInternalServerError, err
	case "span-create", "generation-create", "event-create":
		var b observationBody
		if err := unmarshalBody(ev.Body, &b); err != nil {
			return http.StatusBadRequest, errors.New("Invalid observation input: " + err.Error())
		}
		_, err := s.insertObservation(now, observationTypes[ev.Type], b)
		return http.StatusInternalServerError, err
	case "score-create":
		var b scoreBody
		if err := unmarshalBody(ev.Body, &b); err != nil {
			return http.StatusBadRequest, errors.New("Invalid score input: " + err.Error())
		}
		_, err := s.createScore(now, b)
		return http.StatusInternalServerError, err
	case "sdk-log":
		return 0, nil
	default:
		return http.StatusBadRequest, errors.New("Unknown event type: " + ev.Type)
	}
}

// unmarshalBody decodes an event body; an absent body is an empty one.
func unmarshalBody(raw json.RawMessage, v any) error {
	if len(raw) == 0 {
		return nil
	}
	return json.Unmarshal(raw, v)
}

// insertTrace stores a trace row (§4.4, §4.7).
func (s *Server) insertTrace(now time.Time, b traceBody) (Trace, error) {
	t := Trace{
		ID:            b.ID,
		ProjectID:     s.ProjectID,
		Name:          b.Name,
		UserID:        b.UserID,
		SessionID:     b.SessionID,
		Release:       b.Release,
		Version:       b.Version,
		Tags:          b.Tags,
		Metadata:      jsonText(b.Metadata),
		Public:        b.Public,
		StartTime:     timeOr(now, b.StartTime, b.Timestamp),
		EndTime:       msPtr(b.EndTime),
		GitCommitSha:  b.GitCommitSha,
		GitBranch:     b.GitBranch,
		GitRepoURL:    b.GitRepoURL,
		CreatedAt:     now,
		UpdatedAt:     now,
		Input:         jsonText(b.Input),
		Output:        jsonText(b.Output),
		Level:         b.Level,
		StatusMessage: b.StatusMessage,
	}
	if t.ID == "" {
		t.ID = hexID(16)
	}
	if err := fixedString("trace", t.ID, 32); err != nil {
		return Trace{}, err
	}
	if s.cfg.Defects&emu.DefectDropTraceFields != 0 {
		t.Input, t.Output, t.Level, t.StatusMessage = "", "", "", ""
	}
	if s.cfg.Defects&emu.DefectFailTraceInsert != 0 {
		return Trace{}, enumError("trace", "", levels)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.data.putTrace(t)
	s.notifyLocked()
	return t.clone(), nil
}

// insertObservation stores an observation row (§4.5, §4.7).
func (s *Server) insertObservation(now time.Time, typ string, b observationBody) (Observation, error) {
	o := Observation{
		ID:                  b.ID,
		TraceID:             b.TraceID,
		ParentObservationID: b.ParentObservationID,
		ProjectID:           s.ProjectID,
		Type:                typ,
		Name:                b.Name,
		Level:               b.Level,
		StatusMessage:       b.StatusMessage,
		Version:             b.Version,
		Metadata:            jsonText(b.Metadata),
		Input:               jsonText(b.Input),
		Output:              jsonText(b.Output),
		StartTime:           timeOr(now, b.StartTime),
		EndTime:             msPtr(b.EndTime),
		CreatedAt:           now,
		UpdatedAt:           now,
	}
	if o.ID == "" {
		o.ID = hexID(8)
	}
	if o.Level == "" {
		o.Level = "DEFAULT"
	}
	if !slices.Contains(levels, o.Level) {
		return Observation{}, enumError("observation", o.Level, levels)
	}
	for _, err := range []error{
		fixedString("observation", o.ID, 16),
		fixedString("observation", o.TraceID, 32),
		fixedString("observation", o.ParentObservationID, 16),
	} {
		if err != nil {
			return Observation{}, err
		}
	}
	if s.cfg.Defects&emu.DefectDropGenerationFields == 0 {
		o.CompletionStartTime = msPtr(b.CompletionStartTime)
		o.Model = b.Model
		o.ModelParameters = jsonText(b.ModelParameters)
		o.Usage = parseUsage(b.Usage)
		o.UsageJSON = jsonText(b.Usage)
		o.PromptID = b.PromptID
		o.PromptName = b.PromptName
		if b.PromptVersion != nil {
			o.PromptVersion = *b.PromptVersion
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.data.putObservation(o)
	s.notifyLocked()
	return o.clone(), nil
}

// parseUsage reads usage as the server's normaliser does: integer
// inputTokens (or promptTokens), outputTokens (or completionTokens),
// totalTokens (default: their sum), cacheReadTokens, cacheCreationTokens.
// Other keys and shapes are not understood.
func parseUsage(raw json.RawMessage) *Usage {
	var m map[string]json.RawMessage
	if jsonText(raw) == "" || json.Unmarshal(raw, &m) != nil {
		return nil
	}
	get := func(keys ...string) (int64, bool) {
		for _, k := range keys {
			var n int64
			if v, ok := m[k]; ok && json.Unmarshal(v, &n) == nil {
				return n, true
			}
		}
		return 0, false
	}
	u := &Usage{}
	u.InputTokens, _ = get("inputTokens", "promptTokens")
	u.OutputTokens, _ = get("outputTokens", "completionTokens")
	var ok bool
	if u.TotalTokens, ok = get("totalTokens"); !ok {
		u.TotalTokens = u.InputTokens + u.OutputTokens
	}
	u.CacheReadTokens, _ = get("cacheReadTokens")
	u.CacheCreationTokens, _ = get("cacheCreationTokens")
	return u
}

// handleCreateTrace is POST /api/public/traces (§4.8).
func (s *Server) handleCreateTrace(c *call) {
	var b traceBody
	if err := c.decode(&b); err != nil {
		c.badBody(err)
		return
	}
	s.process(c, 1)
	t, err := s.insertTrace(c.now, b)
	if err != nil {
		c.error(http.StatusInternalServerError, "Failed to create trace")
		return
	}
	c.json(http.StatusCreated, t)
}

// observationRoute is POST /api/public/spans, /generations or /events
// (§4.8).
func observationRoute(typ string) func(*Server, *call) {
	return func(s *Server, c *call) {
		var b observationBody
		if err := c.decode(&b); err != nil {
			c.badBody(err)
			return
		}
		s.process(c, 1)
		o, err := s.insertObservation(c.now, typ, b)
		if err != nil {
			c.error(http.StatusInternalServerError, "Failed to create "+typ)
			return
		}
		c.json(http.StatusCreated, o)
	}
}
