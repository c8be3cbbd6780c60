package agenttracetest

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/google/uuid"
)

var (
	dataTypes = []string{dataTypeNumeric, dataTypeBoolean, dataTypeCategorical}
	sources   = []string{sourceAPI, sourceEval, sourceAnnotation}

	errNoTrace       = errors.New("failed to get trace: sql: no rows in result set")
	errNoObservation = errors.New("failed to get observation: sql: no rows in result set")
)

// scoreBody is ScoreBody (§5.1).
type scoreBody struct {
	TraceID       string   `json:"traceId"`
	ObservationID *string  `json:"observationId"`
	Name          string   `json:"name"`
	Value         *float64 `json:"value"`
	StringValue   *string  `json:"stringValue"`
	DataType      string   `json:"dataType"`
	Source        string   `json:"source"`
	Comment       string   `json:"comment"`
	ConfigID      string   `json:"configId"`
}

// validateDataType is the score service's first rule (§5.1): a present
// dataType is checked against the value. CATEGORICAL always fails, as the
// server checks it against an empty category list.
func validateDataType(b scoreBody) error {
	switch b.DataType {
	case "":
		return nil
	case dataTypeNumeric:
		if b.Value == nil {
			return errors.New("invalid score: NUMERIC score requires a numeric value")
		}
	case dataTypeBoolean:
		if b.Value == nil || (*b.Value != 0 && *b.Value != 1) {
			return errors.New("invalid score: BOOLEAN score value must be 0 or 1")
		}
	case dataTypeCategorical:
		return errors.New("invalid score: value is not one of the categories []")
	default:
		return fmt.Errorf("invalid score: unknown data type %q", b.DataType)
	}
	return nil
}

// newScore builds a stored score with a fresh id and the default source.
func (s *Server) newScore(now time.Time, b scoreBody) Score {
	sc := Score{
		ID:          uuid.NewString(),
		ProjectID:   s.ProjectID,
		TraceID:     b.TraceID,
		Name:        b.Name,
		Source:      b.Source,
		DataType:    b.DataType,
		Value:       b.Value,
		StringValue: b.StringValue,
		Comment:     b.Comment,
		CreatedAt:   now,
		UpdatedAt:   now,
	}
	if b.ObservationID != nil {
		sc.ObservationID = *b.ObservationID
	}
	if sc.Source == "" {
		sc.Source = sourceAPI
	}
	return sc
}

// checkEnums is the insert's check of the score's enum columns.
func checkEnums(sc Score) error {
	if !slices.Contains(dataTypes, sc.DataType) {
		return enumError("score", sc.DataType, dataTypes)
	}
	if !slices.Contains(sources, sc.Source) {
		return enumError("score", sc.Source, sources)
	}
	return nil
}

// createScore is the single-score service path (score-create, POST /scores,
// POST /feedback): validation, trace and observation lookup, inference of
// the data type.
func (s *Server) createScore(now time.Time, b scoreBody) (Score, error) {
	if err := validateDataType(b); err != nil {
		return Score{}, err
	}
	sc := s.newScore(now, b)
	if sc.DataType == "" {
		switch {
		case sc.Value != nil:
			sc.DataType = dataTypeNumeric
		case sc.StringValue != nil && (*sc.StringValue == "true" || *sc.StringValue == "false"):
			sc.DataType = dataTypeBoolean
		case sc.StringValue != nil:
			sc.DataType = dataTypeCategorical
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.data.traceExists(b.TraceID) {
		return Score{}, errNoTrace
	}
	if b.ObservationID != nil && !s.data.observationExists(*b.ObservationID) {
		return Score{}, errNoObservation
	}
	if err := checkEnums(sc); err != nil {
		return Score{}, err
	}
	s.data.scores = append(s.data.scores, sc)
	s.notifyLocked()
	return sc.clone(), nil
}

// handleCreateScore is POST /api/public/scores (§5.2).
func (s *Server) handleCreateScore(c *call) {
	var b scoreBody
	if err := c.decode(&b); err != nil {
		c.badBody(err)
		return
	}
	if !c.require("traceId", b.TraceID, "name", b.Name) {
		return
	}
	if b.Value == nil && b.StringValue == nil {
		c.error(http.StatusBadRequest, "value or stringValue is required")
		return
	}
	s.process(c, 1)
	sc, err := s.createScore(c.now, b)
	if err != nil {
		c.error(http.StatusInternalServerError, "Failed to create score")
		return
	}
	c.json(http.StatusCreated, sc)
}

// handleScoreBatch is POST /api/public/scores/batch (§5.3): data types are
// validated when present but neither inferred nor defaulted, traces are not
// looked up, and the batch is stored all or nothing.
func (s *Server) handleScoreBatch(c *call) {
	var req struct {
		Scores []scoreBody `json:"scores"`
	}
	if err := c.decode(&req); err != nil {
		c.badBody(err)
		return
	}
	switch {
	case len(req.Scores) == 0:
		c.error(http.StatusBadRequest, "At least one score required")
		return
	case len(req.Scores) > 100:
		c.error(http.StatusBadRequest, "Maximum 100 scores per batch")
		return
	}
	s.process(c, len(req.Scores))
	out := make([]Score, 0, len(req.Scores))
	for _, b := range req.Scores {
		sc := s.newScore(c.now, b)
		if validateDataType(b) != nil || checkEnums(sc) != nil {
			c.error(http.StatusInternalServerError, "Failed to create scores")
			return
		}
		out = append(out, sc)
	}
	s.mu.Lock()
	s.data.scores = append(s.data.scores, out...)
	s.notifyLocked()
	s.mu.Unlock()
	c.json(http.StatusCreated, map[string]any{"data": out})
}

// handleFeedback is POST /api/public/feedback (§5.4): a score with source
// ANNOTATION, default name "user-feedback" and default data type NUMERIC.
func (s *Server) handleFeedback(c *call) {
	var b struct {
		TraceID  string   `json:"traceId"`
		Name     string   `json:"name"`
		Value    *float64 `json:"value"`
		DataType string   `json:"dataType"`
		Comment  string   `json:"comment"`
	}
	if err := c.decode(&b); err != nil {
		c.badBody(err)
		return
	}
	if !c.require("traceId", b.TraceID) {
		return
	}
	sb := scoreBody{TraceID: b.TraceID, Name: b.Name, Value: b.Value, DataType: b.DataType, Comment: b.Comment, Source: sourceAnnotation}
	if sb.Name == "" {
		sb.Name = "user-feedback"
	}
	if sb.DataType == "" {
		sb.DataType = dataTypeNumeric
	}
	s.process(c, 1)
	sc, err := s.createScore(c.now, sb)
	if err != nil {
		c.error(http.StatusInternalServerError, "Failed to create feedback")
		return
	}
	c.json(http.StatusCreated, sc)
}

// handleListScores is GET /api/public/scores (§5.4), in creation order.
func (s *Server) handleListScores(c *call) {
	from, to := c.timeQuery("fromTimestamp"), c.timeQuery("toTimestamp")
	q := c.r.URL.Query()
	var match []Score
	for _, sc := range s.scores() {
		if !queryMatch(q, "traceId", sc.TraceID) || !queryMatch(q, "observationId", sc.ObservationID) ||
			!queryMatch(q, "name", sc.Name) || !queryMatch(q, "source", sc.Source) ||
			!queryMatch(q, "dataType", sc.DataType) || !inRange(sc.CreatedAt, from, to) {
			continue
		}
		match = append(match, sc)
	}
	limit, offset := c.page()
	data, _ := paginate(match, limit, offset)
	c.json(http.StatusOK, map[string]any{"data": data, "totalCount": len(match)})
}

// handleTraceScores is GET /api/public/traces/{traceId}/scores.
func (s *Server) handleTraceScores(c *call) {
	data := Snapshot{Scores: s.scores()}.ScoresOf(c.params["traceId"])
	c.json(http.StatusOK, map[string]any{"data": orEmpty(data)})
}
