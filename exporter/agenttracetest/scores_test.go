package agenttracetest

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestScoreCreate(t *testing.T) {
	tests := []struct {
		name string
		body string
		// status is the per-item status; 0 means success.
		status  int
		message string
		check   func(t *testing.T, sc Score)
	}{
		{name: "numeric", body: `{"name":"q","value":0.95,"dataType":"NUMERIC"}`, check: func(t *testing.T, sc Score) {
			assert.Equal(t, "NUMERIC", sc.DataType)
			assert.Equal(t, 0.95, *sc.Value)
			assert.Equal(t, "API", sc.Source)
		}},
		{name: "numeric needs a value", body: `{"name":"q","stringValue":"x","dataType":"NUMERIC"}`, status: 500, message: "invalid score: NUMERIC score requires a numeric value"},
		{name: "boolean 1", body: `{"name":"q","value":1,"dataType":"BOOLEAN"}`},
		{name: "boolean 0", body: `{"name":"q","value":0,"dataType":"BOOLEAN"}`},
		{name: "boolean 0.5", body: `{"name":"q","value":0.5,"dataType":"BOOLEAN"}`, status: 500, message: "invalid score: BOOLEAN score value must be 0 or 1"},
		{name: "boolean from text fails with explicit type", body: `{"name":"q","stringValue":"true","dataType":"BOOLEAN"}`, status: 500},
		{name: "categorical always fails", body: `{"name":"q","stringValue":"good","dataType":"CATEGORICAL"}`, status: 500, message: "invalid score: value is not one of the categories []"},
		{name: "unknown data type", body: `{"name":"q","value":1,"dataType":"TEXT"}`, status: 500},
		{name: "inferred numeric", body: `{"name":"q","value":3}`, check: func(t *testing.T, sc Score) { assert.Equal(t, "NUMERIC", sc.DataType) }},
		{name: "inferred boolean", body: `{"name":"q","stringValue":"false"}`, check: func(t *testing.T, sc Score) {
			assert.Equal(t, "BOOLEAN", sc.DataType)
			assert.Nil(t, sc.Value)
			assert.Equal(t, "false", *sc.StringValue)
		}},
		{name: "inferred categorical", body: `{"name":"q","stringValue":"good"}`, check: func(t *testing.T, sc Score) { assert.Equal(t, "CATEGORICAL", sc.DataType) }},
		{name: "neither value nor string fails at insert", body: `{"name":"q"}`, status: 500, message: "failed to insert score: code: 36, message: Unknown element ''"},
		{name: "name not checked in batch paths", body: `{"value":1}`},
		{name: "unknown trace", body: `{"traceId":"nope","name":"q","value":1}`, status: 500, message: "failed to get trace: sql: no rows in result set"},
		{name: "empty observationId must exist", body: `{"name":"q","value":1,"observationId":""}`, status: 500, message: "failed to get observation: sql: no rows in result set"},
		{name: "unknown observation", body: `{"name":"q","value":1,"observationId":"ffffffffffffffff"}`, status: 500},
		{name: "null observationId is omitted", body: `{"name":"q","value":1,"observationId":null}`},
		{name: "known observation", body: `{"name":"q","value":1,"observationId":"` + spanID + `"}`, check: func(t *testing.T, sc Score) { assert.Equal(t, spanID, sc.ObservationID) }},
		{name: "source EVAL", body: `{"name":"q","value":1,"source":"EVAL"}`, check: func(t *testing.T, sc Score) { assert.Equal(t, "EVAL", sc.Source) }},
		{name: "source ANNOTATION", body: `{"name":"q","value":1,"source":"ANNOTATION"}`},
		{name: "invalid source fails at insert", body: `{"name":"q","value":1,"source":"USER"}`, status: 500},
		{name: "boolean value is a decode error", body: `{"name":"q","value":true}`, status: 400, message: "Invalid score input: json: cannot unmarshal bool"},
		{name: "string value is a decode error", body: `{"name":"q","value":"0.9"}`, status: 400, message: "Invalid score input: "},
		{name: "client id ignored", body: `{"id":"my-id","name":"q","value":1}`, check: func(t *testing.T, sc Score) {
			assert.NotEqual(t, "my-id", sc.ID)
			_, err := uuid.Parse(sc.ID)
			assert.NoError(t, err)
		}},
		{name: "configId accepted", body: `{"name":"q","value":1,"configId":"cfg"}`},
		{name: "comment kept", body: `{"name":"q","value":1,"comment":"fine"}`, check: func(t *testing.T, sc Score) { assert.Equal(t, "fine", sc.Comment) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tt := newTester(t)
			tt.createTrace(traceID)
			tt.createSpan(traceID, spanID)
			body := tc.body
			if !strings.Contains(body, `"traceId"`) {
				body = `{"traceId":"` + traceID + `",` + body[1:]
			}
			res := tt.ingest(event("sc", "score-create", body))
			if tc.status != 0 {
				require.Len(t, res.Errors, 1)
				assert.Equal(t, tc.status, res.Errors[0].Status)
				assert.True(t, strings.HasPrefix(res.Errors[0].Message, tc.message), res.Errors[0].Message)
				assert.Empty(t, tt.srv.Snapshot().Scores)
				return
			}
			require.Empty(t, res.Errors)
			scores := tt.srv.Snapshot().Scores
			require.Len(t, scores, 1)
			if tc.check != nil {
				tc.check(t, scores[0])
			}
		})
	}
}

func TestScoreDuplicates(t *testing.T) {
	tt := newTester(t)
	tt.createTrace(traceID)
	score := event("sc", "score-create", `{"traceId":"`+traceID+`","name":"q","value":1}`)
	tt.ingest(score)
	tt.ingest(score)
	scores := tt.srv.Snapshot().Scores
	require.Len(t, scores, 2, "a re-sent score is stored again")
	assert.NotEqual(t, scores[0].ID, scores[1].ID)
}

func TestPostScore(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		status  int
		message string
	}{
		{"created", `{"traceId":"` + traceID + `","name":"helpfulness","value":0.8,"comment":"ok"}`, 201, ""},
		{"missing traceId", `{"name":"n","value":1}`, 400, "traceId is required"},
		{"missing name", `{"traceId":"` + traceID + `","value":1}`, 400, "name is required"},
		{"missing value", `{"traceId":"` + traceID + `","name":"n"}`, 400, "value or stringValue is required"},
		{"checks run in order", `{}`, 400, "traceId is required"},
		{"unknown trace", `{"traceId":"nope","name":"n","value":1}`, 500, "Failed to create score"},
		{"categorical", `{"traceId":"` + traceID + `","name":"n","stringValue":"a","dataType":"CATEGORICAL"}`, 500, "Failed to create score"},
		{"empty observation id", `{"traceId":"` + traceID + `","name":"n","value":1,"observationId":""}`, 500, "Failed to create score"},
		{"decode error", `{"traceId":1}`, 400, "Invalid request body: json: cannot unmarshal number into Go struct field scoreBody.traceId of type string"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tt := newTester(t)
			tt.createTrace(traceID)
			resp := tt.post("/api/public/scores", tc.body)
			require.Equal(t, tc.status, resp.Status, resp.Body)
			if tc.status != 201 {
				assert.Equal(t, tc.message, resp.handlerErr(t).Message)
				assert.Empty(t, tt.srv.Snapshot().Scores)
				return
			}
			sc := tt.srv.Snapshot().Scores[0]
			assert.JSONEq(t, `{"id":"`+sc.ID+`","projectId":"`+tt.srv.ProjectID+`","traceId":"`+traceID+`",
				"name":"helpfulness","source":"API","dataType":"NUMERIC","value":0.8,"comment":"ok",
				"createdAt":"2025-03-01T12:00:10Z","updatedAt":"2025-03-01T12:00:10Z"}`, resp.Body)
		})
	}
}

func TestScoreBatch(t *testing.T) {
	many := func(n int) string {
		items := make([]string, n)
		for i := range items {
			items[i] = `{"traceId":"` + traceID + `","name":"n","value":1,"dataType":"NUMERIC"}`
		}
		return `{"scores":[` + strings.Join(items, ",") + `]}`
	}
	tests := []struct {
		name    string
		body    string
		status  int
		message string
		stored  int
	}{
		{"one", many(1), 201, "", 1},
		{"a hundred", many(100), 201, "", 100},
		{"none", `{"scores":[]}`, 400, "At least one score required", 0},
		{"missing", `{}`, 400, "At least one score required", 0},
		{"too many", many(101), 400, "Maximum 100 scores per batch", 0},
		{"trace not looked up", `{"scores":[{"traceId":"nope","name":"n","value":1,"dataType":"NUMERIC"}]}`, 201, "", 1},
		{"no data type inference", `{"scores":[{"traceId":"` + traceID + `","name":"n","value":1}]}`, 500, "Failed to create scores", 0},
		{"categorical", `{"scores":[{"traceId":"` + traceID + `","stringValue":"a","dataType":"CATEGORICAL"}]}`, 500, "Failed to create scores", 0},
		{"all or nothing", `{"scores":[{"traceId":"` + traceID + `","name":"n","value":1,"dataType":"NUMERIC"},{"value":2,"dataType":"BOOLEAN"}]}`, 500, "Failed to create scores", 0},
		{"decode error", `{"scores":[{"value":"1"}]}`, 400, "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tt := newTester(t)
			tt.createTrace(traceID)
			resp := tt.post("/api/public/scores/batch", tc.body)
			require.Equal(t, tc.status, resp.Status, resp.Body)
			assert.Len(t, tt.srv.Snapshot().Scores, tc.stored)
			if tc.status == 201 {
				var out struct{ Data []Score }
				resp.decode(t, &out)
				assert.Len(t, out.Data, tc.stored)
				return
			}
			if tc.message != "" {
				assert.Equal(t, tc.message, resp.handlerErr(t).Message)
			}
		})
	}
}

func TestGetScores(t *testing.T) {
	tt := newTester(t)
	tt.createTrace(traceID)
	tt.createTrace("other")
	tt.createSpan(traceID, spanID)
	for i := range 5 {
		tt.post("/api/public/scores", `{"traceId":"`+traceID+`","name":"n`+strconv.Itoa(i%2)+`","value":`+strconv.Itoa(i)+`}`)
		tt.clock.Add(time.Second)
	}
	tt.post("/api/public/scores", `{"traceId":"other","name":"n0","stringValue":"good","source":"EVAL"}`)
	tt.post("/api/public/scores", `{"traceId":"`+traceID+`","observationId":"`+spanID+`","name":"obs","value":1}`)

	type page struct {
		Data       []Score
		TotalCount int
	}
	tests := []struct {
		query  string
		values []string // the names and values of the page, "name=value"
		total  int
	}{
		{"", []string{"n0=0", "n1=1", "n0=2", "n1=3", "n0=4", "n0=good", "obs=1"}, 7},
		{"?traceId=other", []string{"n0=good"}, 1},
		{"?name=n1", []string{"n1=1", "n1=3"}, 2},
		{"?source=EVAL", []string{"n0=good"}, 1},
		{"?dataType=CATEGORICAL", []string{"n0=good"}, 1},
		{"?observationId=" + spanID, []string{"obs=1"}, 1},
		{"?limit=2", []string{"n0=0", "n1=1"}, 7},
		{"?limit=2&offset=2", []string{"n0=2", "n1=3"}, 7},
		{"?offset=10", []string{}, 7},
		{"?limit=abc", []string{"n0=0", "n1=1", "n0=2", "n1=3", "n0=4", "n0=good", "obs=1"}, 7},
		{"?fromTimestamp=2025-03-01T12:00:12Z&toTimestamp=2025-03-01T12:00:13Z", []string{"n0=2", "n1=3"}, 2},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			resp := tt.get("/api/public/scores" + tc.query)
			require.Equal(t, 200, resp.Status, resp.Body)
			var p page
			resp.decode(t, &p)
			got := []string{}
			for _, sc := range p.Data {
				v := ""
				if sc.Value != nil {
					v = strconv.FormatFloat(*sc.Value, 'g', -1, 64)
				} else {
					v = *sc.StringValue
				}
				got = append(got, sc.Name+"="+v)
			}
			assert.Equal(t, tc.values, got)
			assert.Equal(t, tc.total, p.TotalCount)
		})
	}
	t.Run("limit is capped at 100", func(t *testing.T) {
		for range 110 {
			tt.post("/api/public/scores", `{"traceId":"other","name":"bulk","value":1}`)
		}
		var p page
		tt.get("/api/public/scores?limit=500").decode(t, &p)
		assert.Len(t, p.Data, 100)
		tt.get("/api/public/scores").decode(t, &p)
		assert.Len(t, p.Data, 50)
	})
	t.Run("scores of a trace", func(t *testing.T) {
		var p page
		tt.get("/api/public/traces/"+traceID+"/scores").decode(t, &p)
		assert.Len(t, p.Data, 6)
		resp := tt.get("/api/public/traces/none/scores")
		assert.JSONEq(t, `{"data":[]}`, resp.Body)
	})
}

func TestFeedback(t *testing.T) {
	tt := newTester(t)
	tt.createTrace(traceID)
	resp := tt.post("/api/public/feedback", `{"traceId":"`+traceID+`","value":1,"comment":"thanks"}`)
	require.Equal(t, 201, resp.Status, resp.Body)
	var sc Score
	resp.decode(t, &sc)
	assert.Equal(t, "user-feedback", sc.Name)
	assert.Equal(t, "ANNOTATION", sc.Source)
	assert.Equal(t, "NUMERIC", sc.DataType)

	assert.Equal(t, 400, tt.post("/api/public/feedback", `{"value":1}`).Status)
	assert.Equal(t, 500, tt.post("/api/public/feedback", `{"traceId":"`+traceID+`"}`).Status, "NUMERIC needs a value")
	assert.Equal(t, 500, tt.post("/api/public/feedback", `{"traceId":"nope","value":1}`).Status)
	assert.Len(t, tt.srv.Snapshot().Scores, 1)
}
