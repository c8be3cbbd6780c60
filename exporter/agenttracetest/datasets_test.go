package agenttracetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/agenttrace/agenttrace-otel-go/internal/attestctl/emu"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const dsPath = "/api/public/datasets"

func (tt *tester) put(path, body string) response {
	tt.t.Helper()
	return tt.do(http.MethodPut, path, body)
}

func (tt *tester) del(path string) response {
	tt.t.Helper()
	return tt.do(http.MethodDelete, path, "")
}

// created posts a create and returns the new object's id.
func (tt *tester) created(path, body string) string {
	tt.t.Helper()
	resp := tt.post(path, body)
	require.Equal(tt.t, http.StatusCreated, resp.Status, resp.Body)
	var out struct{ ID string }
	resp.decode(tt.t, &out)
	id, err := uuid.Parse(out.ID)
	require.NoError(tt.t, err, "id %q", out.ID)
	require.Equal(tt.t, uuid.Version(4), id.Version())
	require.Equal(tt.t, id.String(), out.ID, "canonical form")
	return out.ID
}

// seedDataset creates a dataset with an item, a run and a run item, through
// the intended routes; it returns their ids.
func (tt *tester) seedDataset(name string) (ds, item, run string) {
	tt.t.Helper()
	ds = tt.created(dsPath, `{"name":"`+name+`","metadata":{}}`)
	item = tt.created(dsPath+"/"+ds+"/items", `{"input":{"q":"1+1"},"expectedOutput":"2","metadata":{}}`)
	run = tt.created(dsPath+"/"+ds+"/runs", `{"name":"r1","metadata":{}}`)
	tt.created(dsPath+"/"+ds+"/runs/"+run+"/items", `{"datasetItemId":"`+item+`","traceId":"`+traceID+`"}`)
	return ds, item, run
}

// assertError checks a handler error answer.
func assertError(t *testing.T, resp response, status int, msg string) {
	t.Helper()
	require.Equal(t, status, resp.Status, resp.Body)
	assert.Equal(t, handlerError{Error: http.StatusText(status), Message: msg}, resp.handlerErr(t))
}

func TestCreateDataset(t *testing.T) {
	for _, mode := range []struct {
		name    string
		defects emu.Defect
	}{{"intended", 0}, {"HEAD", emu.DefectDatasets}} {
		t.Run(mode.name, func(t *testing.T) {
			head := mode.defects != 0
			tt := newTester(t, with(emu.WithHEADDefects(mode.defects)))
			resp := tt.post(dsPath, `{"name":"code-review-tests","description":"Review agent regression set","metadata":{"version":2,"owner":"qa","<":1}}`)
			require.Equal(t, http.StatusCreated, resp.Status, resp.Body)
			var raw map[string]any
			resp.decode(t, &raw)
			assert.Equal(t, map[string]any{
				"id": raw["id"], "projectId": tt.srv.ProjectID, "name": "code-review-tests",
				"description": "Review agent regression set",
				"metadata":    `{"\u003c":1,"owner":"qa","version":2}`, // json.Marshal's text: sorted, HTML-escaped
				"createdAt":   "2025-03-01T12:00:10Z", "updatedAt": "2025-03-01T12:00:10Z",
			}, raw)

			tests := []struct {
				name, body string
				status     int
				msg        string
			}{
				{"duplicate name", `{"name":"code-review-tests","metadata":{}}`, 400, "VALIDATION_ERROR: dataset name already exists"},
				{"duplicate wins over missing metadata", `{"name":"code-review-tests"}`, 400, "VALIDATION_ERROR: dataset name already exists"},
				{"name required", `{"metadata":{}}`, 400, "name is required"},
				{"empty name", `{"name":"","metadata":{}}`, 400, "name is required"},
				{"wrong type", `{"name":1}`, 400, "Invalid request body: json: cannot unmarshal number into Go struct field datasetBody.name of type string"},
				{"name too long", `{"name":"` + strings.Repeat("é", 256) + `","metadata":{}}`, 500, "Failed to create dataset"},
				{"names are case-sensitive", `{"name":"Code-Review-Tests","metadata":[1]}`, 201, ""},
				{"255 characters fit", `{"name":"` + strings.Repeat("é", 255) + `","metadata":"x"}`, 201, ""},
				{"no metadata", `{"name":"no-meta"}`, map[bool]int{false: 201, true: 500}[head], "Failed to create dataset"},
				{"null metadata", `{"name":"null-meta","metadata":null}`, map[bool]int{false: 201, true: 500}[head], "Failed to create dataset"},
			}
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					resp := tt.post(dsPath, tc.body)
					if tc.status == 201 {
						require.Equal(t, 201, resp.Status, resp.Body)
						return
					}
					assertError(t, resp, tc.status, tc.msg)
				})
			}
			t.Run("not JSON", func(t *testing.T) {
				assertError(t, tt.post(dsPath, `{"name":"x","metadata":{}}`, header("Content-Type", "text/plain")),
					400, "Invalid request body: Unprocessable Entity")
			})
			t.Run("no key", func(t *testing.T) {
				assertError(t, tt.post(dsPath, `{"name":"x","metadata":{}}`, noAuth()), 401, "API key required")
			})

			var names []string
			metas := map[string]string{}
			for _, d := range tt.srv.Datasets() {
				names = append(names, d.Name)
				metas[d.Name] = string(d.Metadata)
			}
			want := []string{"code-review-tests", "Code-Review-Tests", strings.Repeat("é", 255)}
			if !head {
				want = append(want, "no-meta", "null-meta")
				assert.Equal(t, "{}", metas["no-meta"], "the column default")
			}
			assert.Equal(t, want, names)
			assert.Equal(t, `{"\u003c":1,"owner":"qa","version":2}`, metas["code-review-tests"], "json.Marshal's text")
		})
	}
}

// TestDatasetUniqueness sends the same create from several goroutines:
// one dataset per name, one run item per (run, item).
func TestDatasetUniqueness(t *testing.T) {
	tt := newTester(t)
	ds, _, run := tt.seedDataset("seed")
	item := tt.created(dsPath+"/"+ds+"/items", `{"input":1}`)
	for _, tc := range []struct{ path, body string }{
		{dsPath, `{"name":"same","metadata":{}}`},
		{dsPath + "/" + ds + "/runs/" + run + "/items", `{"datasetItemId":"` + item + `","traceId":"t"}`},
	} {
		const n = 8
		statuses := make(chan int, n)
		for range n {
			go func() {
				resp, err := tt.send(tt.request(t.Context(), http.MethodPost, tc.path, tc.body))
				if err != nil {
					statuses <- 0
					return
				}
				statuses <- resp.Status
			}()
		}
		counts := map[int]int{}
		for range n {
			counts[<-statuses]++
		}
		assert.Equal(t, 1, counts[201], "%s: %v", tc.path, counts)
	}
	assert.Len(t, tt.srv.Datasets(), 2)
	assert.Len(t, tt.srv.Datasets()[0].Runs[0].Items, 2)
}

func TestCreateDatasetWithoutMetadataEchoesNone(t *testing.T) {
	tt := newTester(t)
	resp := tt.post(dsPath, `{"name":"x"}`)
	require.Equal(t, 201, resp.Status, resp.Body)
	assert.NotContains(t, resp.Body, "metadata")
	assert.NotContains(t, resp.Body, "description")
	assert.NotContains(t, resp.Body, "itemCount")
	var list struct{ Datasets []struct{ Metadata string } }
	tt.get(dsPath).decode(t, &list)
	assert.Equal(t, "{}", list.Datasets[0].Metadata)
}

func TestListDatasets(t *testing.T) {
	for _, defects := range []emu.Defect{0, emu.DefectDatasets} {
		t.Run(fmt.Sprint("defects=", defects != 0), func(t *testing.T) {
			tt := newTester(t, with(emu.WithHEADDefects(defects)))
			resp := tt.get(dsPath)
			require.Equal(t, 200, resp.Status)
			assert.JSONEq(t, `{"datasets":null,"totalCount":0,"hasMore":false}`, resp.Body)

			for i := range 3 {
				tt.created(dsPath, fmt.Sprintf(`{"name":"d%d","metadata":{"version":%d,"owner":"qa","tags":["a","b"]}}`, i, i))
				tt.clock.Add(time.Second)
			}
			// Items and runs of d1, added behind the routes so that both
			// modes count them.
			tt.srv.mu.Lock()
			d1 := tt.srv.data.datasets.list[1]
			d1.items = append(d1.items, &itemRow{}, &itemRow{})
			d1.runs = append(d1.runs, &runRow{})
			tt.srv.mu.Unlock()

			type ds struct {
				Name      string
				Metadata  string
				ItemCount *int
				RunCount  *int
			}
			var page struct {
				Datasets   []ds
				TotalCount int
				HasMore    bool
			}
			tt.get(dsPath).decode(t, &page)
			require.Len(t, page.Datasets, 3)
			assert.Equal(t, []string{"d2", "d1", "d0"}, []string{page.Datasets[0].Name, page.Datasets[1].Name, page.Datasets[2].Name}, "newest first")
			assert.Equal(t, `{"tags": ["a", "b"], "owner": "qa", "version": 1}`, page.Datasets[1].Metadata, "jsonb rendering")
			assert.Equal(t, ptr(2), page.Datasets[1].ItemCount)
			assert.Equal(t, ptr(1), page.Datasets[1].RunCount)
			assert.Nil(t, page.Datasets[0].ItemCount, "0 is omitted")
			assert.Nil(t, page.Datasets[0].RunCount)

			for _, tc := range []struct {
				query string
				names []string
				more  bool
			}{
				{"?limit=2", []string{"d2", "d1"}, true},
				{"?limit=2&offset=2", []string{"d0"}, false},
				{"?limit=1&offset=1", []string{"d1"}, true},
				{"?offset=5", nil, false},
				{"?limit=0", nil, true},
				{"?limit=abc&offset=x", []string{"d2", "d1", "d0"}, false},
				{"?limit=1000", []string{"d2", "d1", "d0"}, false},
			} {
				t.Run(tc.query, func(t *testing.T) {
					resp := tt.get(dsPath + tc.query)
					var page struct {
						Datasets   []ds
						TotalCount int
						HasMore    bool
					}
					resp.decode(t, &page)
					var names []string
					for _, d := range page.Datasets {
						names = append(names, d.Name)
					}
					assert.Equal(t, tc.names, names)
					assert.Equal(t, 3, page.TotalCount)
					assert.Equal(t, tc.more, page.HasMore)
					if tc.names == nil {
						assert.Contains(t, resp.Body, `"datasets":null`)
					}
				})
			}
			assertError(t, tt.get(dsPath+"?limit=-1"), 500, "Failed to list datasets")
			assertError(t, tt.get(dsPath+"?offset=-1"), 500, "Failed to list datasets")
		})
	}
}

func TestListDatasetsCapsLimit(t *testing.T) {
	tt := newTester(t)
	for i := range 101 {
		tt.srv.mu.Lock()
		tt.srv.data.datasets.list = append(tt.srv.data.datasets.list, &datasetRow{id: uuid.NewString(), name: fmt.Sprint(i)})
		tt.srv.mu.Unlock()
	}
	var page struct {
		Datasets []json.RawMessage
		HasMore  bool
	}
	tt.get(dsPath+"?limit=500").decode(t, &page)
	assert.Len(t, page.Datasets, 100)
	assert.True(t, page.HasMore)
}

func TestDatasetByID(t *testing.T) {
	tt := newTester(t)
	ds, item, run := tt.seedDataset("d")
	other := tt.created(dsPath, `{"name":"other","metadata":{}}`)
	unknown := uuid.NewString()

	t.Run("get", func(t *testing.T) {
		resp := tt.get(dsPath + "/" + ds)
		require.Equal(t, 200, resp.Status, resp.Body)
		var raw map[string]any
		resp.decode(t, &raw)
		assert.Equal(t, map[string]any{
			"id": ds, "projectId": tt.srv.ProjectID, "name": "d", "metadata": "{}",
			"createdAt": "2025-03-01T12:00:10Z", "updatedAt": "2025-03-01T12:00:10Z", "itemCount": 1.0, "runCount": 1.0,
		}, raw)
		assert.Equal(t, 200, tt.get(dsPath+"/"+strings.ToUpper(strings.ReplaceAll(ds, "-", ""))).Status, "any form uuid.Parse takes")
		assertError(t, tt.get(dsPath+"/"+unknown), 404, "Dataset not found")
		assertError(t, tt.get(dsPath+"/name"), 400, "Invalid dataset ID")
	})
	t.Run("put", func(t *testing.T) {
		tt.clock.Add(time.Second)
		resp := tt.put(dsPath+"/"+ds, `{"description":"new","metadata":{"b":1,"a":[1,2]}}`)
		require.Equal(t, 200, resp.Status, resp.Body)
		var raw map[string]any
		resp.decode(t, &raw)
		assert.Equal(t, map[string]any{
			"id": ds, "projectId": tt.srv.ProjectID, "name": "d", "description": "new", "metadata": `{"a":[1,2],"b":1}`,
			"createdAt": "2025-03-01T12:00:10Z", "updatedAt": "2025-03-01T12:00:11Z",
		}, raw, "no counts")

		// Absent or empty fields keep their value: partial update.
		resp = tt.put(dsPath+"/"+ds, `{"name":"","description":"","metadata":null}`)
		require.Equal(t, 200, resp.Status, resp.Body)
		resp.decode(t, &raw)
		assert.Equal(t, "new", raw["description"])
		assert.Equal(t, `{"a": [1, 2], "b": 1}`, raw["metadata"], "read back as jsonb")

		require.Equal(t, 200, tt.put(dsPath+"/"+ds, `{"name":"renamed"}`).Status)
		require.Equal(t, 200, tt.put(dsPath+"/"+ds, `{"name":"renamed"}`).Status, "its own name")
		assertError(t, tt.put(dsPath+"/"+ds, `{"name":"other"}`), 500, "Failed to update dataset")
		assertError(t, tt.put(dsPath+"/"+unknown, `{"name":"x"}`), 404, "Dataset not found")
		assertError(t, tt.put(dsPath+"/x", `{"name":"x"}`), 400, "Invalid dataset ID")
		assertError(t, tt.put(dsPath+"/"+ds, `{"name":5}`), 400,
			"Invalid request body: json: cannot unmarshal number into Go struct field datasetBody.name of type string")
		got := tt.srv.Datasets()[0]
		assert.Equal(t, "renamed", got.Name)
		assert.JSONEq(t, `{"a":[1,2],"b":1}`, string(got.Metadata))
	})
	t.Run("delete", func(t *testing.T) {
		// A run of other links ds's item: the cascade removes that link too.
		orun := tt.created(dsPath+"/"+other+"/runs", `{"name":"x","metadata":{}}`)
		tt.created(dsPath+"/"+other+"/runs/"+orun+"/items", `{"datasetItemId":"`+item+`","traceId":"t"}`)
		resp := tt.del(dsPath + "/" + ds)
		assert.Equal(t, 204, resp.Status)
		assert.Empty(t, resp.Body)
		assert.Equal(t, 204, tt.del(dsPath+"/"+unknown).Status, "unknown ids too")
		assertError(t, tt.del(dsPath+"/x"), 400, "Invalid dataset ID")
		assertError(t, tt.get(dsPath+"/"+ds), 404, "Dataset not found")
		assertError(t, tt.get(dsPath+"/x/runs/"+run), 404, "Run not found")
		all := tt.srv.Datasets()
		require.Len(t, all, 1)
		assert.Equal(t, "other", all[0].Name)
		assert.Empty(t, all[0].Runs[0].Items)
		// The name is free again.
		tt.created(dsPath, `{"name":"renamed","metadata":{}}`)
	})
}

func TestDatasetItems(t *testing.T) {
	tt := newTester(t)
	ds := tt.created(dsPath, `{"name":"d","metadata":{}}`)
	items := dsPath + "/" + ds + "/items"

	resp := tt.post(items, `{"input":{"code":"x","a":"<b>"},"expectedOutput":"hello","metadata":{"k":1},
		"sourceTraceId":"`+traceID+`","sourceObservationId":"`+spanID+`","status":"archived","id":"mine"}`)
	require.Equal(t, 201, resp.Status, resp.Body)
	var raw map[string]any
	resp.decode(t, &raw)
	assert.Equal(t, map[string]any{
		"id": raw["id"], "datasetId": ds, "input": `{"a":"\u003cb\u003e","code":"x"}`, "expectedOutput": `"hello"`,
		"metadata": `{"k":1}`, "sourceTraceId": traceID, "sourceObservationId": spanID, "status": "active",
		"createdAt": "2025-03-01T12:00:10Z", "updatedAt": "2025-03-01T12:00:10Z",
	}, raw, "status cannot be set, the id is the server's")
	first := raw["id"].(string)
	assert.NotEqual(t, "mine", first)

	tt.clock.Add(time.Second)
	resp = tt.post(items, `{"input":"hello"}`)
	require.Equal(t, 201, resp.Status, resp.Body)
	assert.NotContains(t, resp.Body, "expectedOutput")
	assert.NotContains(t, resp.Body, "metadata")
	var second struct{ ID string }
	resp.decode(t, &second)

	for _, tc := range []struct {
		name, path, body string
		status           int
		msg              string
	}{
		{"no input", items, `{"metadata":{}}`, 500, "Failed to create item"},
		{"null input", items, `{"input":null,"metadata":{}}`, 500, "Failed to create item"},
		{"source trace too long", items, `{"input":1,"sourceTraceId":"` + traceID + `0"}`, 500, "Failed to create item"},
		{"source observation too long", items, `{"input":1,"sourceObservationId":"` + spanID + `0"}`, 500, "Failed to create item"},
		{"unknown dataset", dsPath + "/" + uuid.NewString() + "/items", `{"input":1}`, 404, "Dataset not found"},
		{"unknown dataset wins over no input", dsPath + "/" + uuid.NewString() + "/items", `{}`, 404, "Dataset not found"},
		{"invalid dataset id", dsPath + "/x/items", `{"input":1}`, 400, "Invalid dataset ID"},
		{"bad body", items, `{"sourceTraceId":1}`, 400, "Invalid request body: json: cannot unmarshal number into Go struct field itemBody.sourceTraceId of type string"},
	} {
		t.Run(tc.name, func(t *testing.T) { assertError(t, tt.post(tc.path, tc.body), tc.status, tc.msg) })
	}

	t.Run("list", func(t *testing.T) {
		type page struct {
			Data []struct {
				ID, Input, Metadata, Status string
			}
			TotalCount int
		}
		var p page
		resp := tt.get(items)
		resp.decode(t, &p)
		assert.NotContains(t, resp.Body, "hasMore")
		require.Len(t, p.Data, 2)
		assert.Equal(t, second.ID, p.Data[0].ID, "newest first")
		assert.Equal(t, `{"a": "<b>", "code": "x"}`, p.Data[1].Input, "jsonb rendering")
		assert.Equal(t, `"hello"`, p.Data[0].Input)
		assert.Equal(t, "{}", p.Data[0].Metadata)

		p = page{}
		tt.get(items+"?limit=1&offset=1").decode(t, &p)
		require.Len(t, p.Data, 1)
		assert.Equal(t, first, p.Data[0].ID)
		assert.Equal(t, 2, p.TotalCount)

		require.Equal(t, 200, tt.put(dsPath+"/"+uuid.NewString()+"/items/"+first, `{"status":"archived"}`).Status, "path dataset ignored")
		p = page{}
		tt.get(items+"?status=archived").decode(t, &p)
		require.Len(t, p.Data, 1)
		assert.Equal(t, first, p.Data[0].ID)
		assert.Equal(t, 1, p.TotalCount)

		assertError(t, tt.get(items+"?status=deleted"), 500, "Failed to list items")
		assertError(t, tt.get(items+"?limit=-1"), 500, "Failed to list items")
		assert.JSONEq(t, `{"data":null,"totalCount":0}`, tt.get(dsPath+"/"+uuid.NewString()+"/items").Body, "an unknown dataset has no items")
	})

	t.Run("no cap on limit", func(t *testing.T) {
		ds := tt.created(dsPath, `{"name":"big","metadata":{}}`)
		tt.srv.mu.Lock()
		d := tt.srv.data.datasets.byID[ds]
		for range 150 {
			d.items = append(d.items, &itemRow{id: uuid.NewString(), input: "1", status: "active"})
		}
		tt.srv.mu.Unlock()
		var p struct{ Data []json.RawMessage }
		tt.get(dsPath+"/"+ds+"/items?limit=150").decode(t, &p)
		assert.Len(t, p.Data, 150)
		p.Data = nil
		tt.get(dsPath+"/"+ds+"/items").decode(t, &p)
		assert.Len(t, p.Data, 50, "default")
	})

	t.Run("update", func(t *testing.T) {
		path := items + "/" + second.ID
		tt.clock.Add(time.Second)
		resp := tt.put(path, `{"input":{"z":1,"y":2},"expectedOutput":[1],"metadata":null}`)
		require.Equal(t, 200, resp.Status, resp.Body)
		var raw map[string]any
		resp.decode(t, &raw)
		assert.Equal(t, `{"y":2,"z":1}`, raw["input"])
		assert.Equal(t, `[1]`, raw["expectedOutput"])
		assert.Equal(t, `{}`, raw["metadata"], "null cannot clear")
		assert.Equal(t, "active", raw["status"])
		assert.Equal(t, "2025-03-01T12:00:12Z", raw["updatedAt"])

		assertError(t, tt.put(path, `{"status":"deleted"}`), 500, "Failed to update item")
		assertError(t, tt.put(items+"/"+uuid.NewString(), `{}`), 404, "Item not found")
		assertError(t, tt.put(items+"/x", `{}`), 400, "Invalid item ID")
	})

	t.Run("delete", func(t *testing.T) {
		run := tt.created(dsPath+"/"+ds+"/runs", `{"name":"r","metadata":{}}`)
		tt.created(dsPath+"/"+ds+"/runs/"+run+"/items", `{"datasetItemId":"`+first+`","traceId":"t"}`)
		assert.Equal(t, 204, tt.del(dsPath+"/"+uuid.NewString()+"/items/"+first).Status, "path dataset ignored")
		assert.Equal(t, 204, tt.del(items+"/"+uuid.NewString()).Status, "unknown ids too")
		assertError(t, tt.del(items+"/x"), 400, "Invalid item ID")
		got := tt.srv.Datasets()[0]
		require.Len(t, got.Items, 1)
		assert.Equal(t, second.ID, got.Items[0].ID)
		assert.Empty(t, got.Runs[0].Items, "the run item went with its item")
	})
}

func TestDatasetRuns(t *testing.T) {
	tt := newTester(t)
	ds := tt.created(dsPath, `{"name":"d","metadata":{}}`)
	runs := dsPath + "/" + ds + "/runs"

	resp := tt.post(runs, `{"name":"baseline","description":"first","metadata":{"model":"m","commit":"abc"}}`)
	require.Equal(t, 201, resp.Status, resp.Body)
	var raw map[string]any
	resp.decode(t, &raw)
	assert.Equal(t, map[string]any{
		"id": raw["id"], "datasetId": ds, "name": "baseline", "description": "first",
		"metadata":  `{"commit":"abc","model":"m"}`,
		"createdAt": "2025-03-01T12:00:10Z", "updatedAt": "2025-03-01T12:00:10Z",
	}, raw)
	first := raw["id"].(string)
	tt.clock.Add(time.Second)
	second := tt.created(runs, `{"name":"baseline"}`)
	assert.NotEqual(t, first, second, "a run name may repeat: a new run")

	assertError(t, tt.post(runs, `{"metadata":{}}`), 400, "name is required")
	assertError(t, tt.post(dsPath+"/"+uuid.NewString()+"/runs", `{"name":"r"}`), 404, "Dataset not found")
	assertError(t, tt.post(dsPath+"/x/runs", `{"name":"r"}`), 400, "Invalid dataset ID")
	assertError(t, tt.post(runs, `{"name":"`+strings.Repeat("r", 256)+`"}`), 500, "Failed to create run")

	item := tt.created(dsPath+"/"+ds+"/items", `{"input":1}`)
	tt.created(runs+"/"+first+"/items", `{"datasetItemId":"`+item+`","traceId":"t"}`)

	t.Run("list", func(t *testing.T) {
		var p struct {
			Data []struct {
				ID, Metadata string
				ItemCount    *int
			}
			TotalCount int
		}
		resp := tt.get(runs)
		resp.decode(t, &p)
		assert.NotContains(t, resp.Body, "hasMore")
		require.Len(t, p.Data, 2)
		assert.Equal(t, second, p.Data[0].ID, "newest first")
		assert.Nil(t, p.Data[0].ItemCount)
		assert.Equal(t, ptr(1), p.Data[1].ItemCount)
		assert.Equal(t, `{"model": "m", "commit": "abc"}`, p.Data[1].Metadata)
		assert.Equal(t, "{}", p.Data[0].Metadata)

		p.Data = nil
		tt.get(runs+"?limit=1&offset=1").decode(t, &p)
		require.Len(t, p.Data, 1)
		assert.Equal(t, first, p.Data[0].ID)
		assert.Equal(t, 2, p.TotalCount)
		assertError(t, tt.get(runs+"?offset=-3"), 500, "Failed to list runs")
		assert.JSONEq(t, `{"data":null,"totalCount":0}`, tt.get(dsPath+"/"+uuid.NewString()+"/runs").Body)
	})
	t.Run("get", func(t *testing.T) {
		resp := tt.get(dsPath + "/" + uuid.NewString() + "/runs/" + first)
		require.Equal(t, 200, resp.Status, resp.Body)
		var raw map[string]any
		resp.decode(t, &raw)
		assert.Equal(t, 1.0, raw["itemCount"])
		assert.NotContains(t, raw, "items")
		assertError(t, tt.get(runs+"/"+uuid.NewString()), 404, "Run not found")
		assertError(t, tt.get(runs+"/x"), 400, "Invalid run ID")
	})
}

func TestDatasetRunItems(t *testing.T) {
	tt := newTester(t)
	ds, item, run := tt.seedDataset("d")
	item2 := tt.created(dsPath+"/"+ds+"/items", `{"input":2}`)
	otherDS := tt.created(dsPath, `{"name":"other","metadata":{}}`)
	foreign := tt.created(dsPath+"/"+otherDS+"/items", `{"input":3}`)
	path := dsPath + "/" + ds + "/runs/" + run + "/items"

	resp := tt.post(dsPath+"/"+uuid.NewString()+"/runs/"+run+"/items",
		`{"datasetItemId":"`+strings.ToUpper(item2)+`","traceId":"`+traceID+`","observationId":"`+spanID+`","output":{"x":1}}`)
	require.Equal(t, 201, resp.Status, resp.Body)
	var raw map[string]any
	resp.decode(t, &raw)
	assert.Equal(t, map[string]any{
		"id": raw["id"], "datasetRunId": run, "datasetItemId": item2, "traceId": traceID, "observationId": spanID,
		"createdAt": "2025-03-01T12:00:10Z",
	}, raw, "the path dataset is ignored; no output field")

	for _, tc := range []struct {
		name, path, body string
		status           int
		msg              string
	}{
		{"item required", path, `{"traceId":"t"}`, 400, "datasetItemId is required"},
		{"trace required", path, `{"datasetItemId":"` + item + `"}`, 400, "traceId is required"},
		{"unknown run", dsPath + "/" + ds + "/runs/" + uuid.NewString() + "/items", `{"datasetItemId":"x","traceId":"t"}`, 404, "Run or dataset item not found"},
		{"item not a UUID", path, `{"datasetItemId":"x","traceId":"t"}`, 500, "Failed to add run item"},
		{"unknown item", path, `{"datasetItemId":"` + uuid.NewString() + `","traceId":"t"}`, 404, "Run or dataset item not found"},
		{"linked twice", path, `{"datasetItemId":"` + item + `","traceId":"t"}`, 500, "Failed to add run item"},
		{"trace id too long", path, `{"datasetItemId":"` + foreign + `","traceId":"` + traceID + `0"}`, 500, "Failed to add run item"},
		{"observation id too long", path, `{"datasetItemId":"` + foreign + `","traceId":"t","observationId":"` + spanID + `0"}`, 500, "Failed to add run item"},
		{"invalid run id", dsPath + "/" + ds + "/runs/x/items", `{}`, 400, "Invalid run ID"},
		{"bad body", path, `{"traceId":[]}`, 400, "Invalid request body: json: cannot unmarshal array into Go struct field .traceId of type string"},
	} {
		t.Run(tc.name, func(t *testing.T) { assertError(t, tt.post(tc.path, tc.body), tc.status, tc.msg) })
	}
	// An item of another dataset, and a trace the server never saw, are
	// accepted.
	tt.created(path, `{"datasetItemId":"`+foreign+`","traceId":"no-such-trace"}`)

	got := tt.srv.Datasets()[0].Runs[0]
	require.Len(t, got.Items, 3)
	assert.Equal(t, []string{item, item2, foreign}, []string{got.Items[0].DatasetItemID, got.Items[1].DatasetItemID, got.Items[2].DatasetItemID})
	assert.Equal(t, DatasetRunItem{
		ID: raw["id"].(string), DatasetRunID: run, DatasetItemID: item2, TraceID: traceID, ObservationID: spanID, CreatedAt: t0,
	}, got.Items[1])
}

// TestDatasetRoutesWithAnID sends every route with an id in its path a
// valid request for existing rows: it works as intended, and with
// emu.DefectDatasets answers the route-parameter 400 before its body is read.
func TestDatasetRoutesWithAnID(t *testing.T) {
	for _, tc := range []struct {
		method, path, body string
		status             int
		headMsg            string
	}{
		{"GET", "/{ds}", "", 200, "Invalid dataset ID"},
		{"PUT", "/{ds}", `{"description":"x"}`, 200, "Invalid dataset ID"},
		{"DELETE", "/{ds}", "", 204, "Invalid dataset ID"},
		{"GET", "/{ds}/items", "", 200, "Invalid dataset ID"},
		{"POST", "/{ds}/items", `{"input":1,"metadata":{}}`, 201, "Invalid dataset ID"},
		{"PUT", "/{ds}/items/{item}", `{"input":2}`, 200, "Invalid item ID"},
		{"DELETE", "/{ds}/items/{item}", "", 204, "Invalid item ID"},
		{"GET", "/{ds}/runs", "", 200, "Invalid dataset ID"},
		{"POST", "/{ds}/runs", `{"name":"r","metadata":{}}`, 201, "Invalid dataset ID"},
		{"GET", "/{ds}/runs/{run}", "", 200, "Invalid run ID"},
		{"POST", "/{ds}/runs/{run}/items", `{"datasetItemId":"{item2}","traceId":"t"}`, 201, "Invalid run ID"},
		{"POST", "/{ds}/runs/{run}/items", `not JSON`, 400, "Invalid run ID"},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			for _, head := range []bool{false, true} {
				var opts []Option
				if head {
					opts = append(opts, with(emu.WithHEADDefects(emu.DefectDatasets)))
				}
				tt := newTester(t, opts...)
				ds := tt.created(dsPath, `{"name":"d","metadata":{}}`)
				// The rows, stored behind the routes so that both modes have them.
				item, item2, run := uuid.NewString(), uuid.NewString(), uuid.NewString()
				tt.srv.mu.Lock()
				st := &tt.srv.data.datasets
				d := st.byID[ds]
				for _, id := range []string{item, item2} {
					it := &itemRow{id: id, datasetID: ds, input: "1", metadata: "{}", status: "active"}
					d.items = append(d.items, it)
					st.items[id] = it
				}
				r := &runRow{id: run, datasetID: ds, name: "r", metadata: "{}"}
				d.runs = append(d.runs, r)
				st.runs[run] = r
				tt.srv.mu.Unlock()

				replace := strings.NewReplacer("{ds}", ds, "{item}", item, "{item2}", item2, "{run}", run)
				resp := tt.do(tc.method, dsPath+replace.Replace(tc.path), replace.Replace(tc.body))
				if head {
					assertError(t, resp, 400, tc.headMsg)
					continue
				}
				assert.Equal(t, tc.status, resp.Status, resp.Body)
			}
		})
	}
}

func TestImportDataset(t *testing.T) {
	const path = "/api/public/import/dataset"
	for _, defects := range []emu.Defect{0, emu.DefectDatasets} {
		t.Run(fmt.Sprint("defects=", defects != 0), func(t *testing.T) {
			tt := newTester(t, with(emu.WithHEADDefects(defects)))
			resp := tt.post(path, `{"name":"imported","description":"d","items":[
				{"input":{"q":"a"},"expectedOutput":"A","metadata":{"id":"one"}},
				{"expectedOutput":"skipped: no input"},
				{"input":"b","id":"ignored"}]}`)
			require.Equal(t, 201, resp.Status, resp.Body)
			var out struct {
				ID            string
				ImportedCount int
				Message       string
			}
			resp.decode(t, &out)
			assert.Equal(t, 2, out.ImportedCount)
			assert.Equal(t, "Successfully imported 2 items", out.Message)

			got := tt.srv.Datasets()
			require.Len(t, got, 1)
			d := got[0]
			assert.Equal(t, out.ID, d.ID)
			assert.Equal(t, "imported", d.Name)
			assert.Equal(t, "d", d.Description)
			assert.Equal(t, "null", string(d.Metadata), "an omitted map is null")
			require.Len(t, d.Items, 2)
			assert.Equal(t, `{"q":"a"}`, string(d.Items[0].Input))
			assert.Equal(t, `"A"`, string(d.Items[0].ExpectedOutput))
			assert.Equal(t, `{"id":"one"}`, string(d.Items[0].Metadata))
			assert.Equal(t, `"b"`, string(d.Items[1].Input))
			assert.Nil(t, d.Items[1].ExpectedOutput)
			assert.Equal(t, "null", string(d.Items[1].Metadata))
			assert.Equal(t, "active", d.Items[1].Status)

			for _, tc := range []struct {
				name, body string
				status     int
				msg        string
			}{
				{"duplicate name is a 500 here", `{"name":"imported","items":[{"input":1}]}`, 500, "Failed to create dataset"},
				{"name required", `{"items":[{"input":1}]}`, 400, "name is required"},
				{"items required", `{"name":"x"}`, 400, "at least one item is required"},
				{"empty items", `{"name":"x","items":[]}`, 400, "at least one item is required"},
				{"metadata must be an object", `{"name":"x","metadata":"m","items":[{"input":1}]}`, 400,
					"Invalid request body: json: cannot unmarshal string into Go struct field .metadata of type map[string]interface {}"},
				{"item metadata must be an object", `{"name":"x","items":[{"input":1,"metadata":[1]}]}`, 400,
					"Invalid request body: json: cannot unmarshal array into Go struct field .items.metadata of type map[string]interface {}"},
			} {
				t.Run(tc.name, func(t *testing.T) { assertError(t, tt.post(path, tc.body), tc.status, tc.msg) })
			}

			// Not transactional: a dataset whose items all fail stays.
			resp = tt.post(path, `{"name":"empty","metadata":{"a":1},"items":[{"metadata":{}}]}`)
			require.Equal(t, 201, resp.Status, resp.Body)
			assert.Contains(t, resp.Body, `"importedCount":0`)
			got = tt.srv.Datasets()
			require.Len(t, got, 2)
			assert.Equal(t, `{"a":1}`, string(got[1].Metadata))
			assert.Empty(t, got[1].Items)
		})
	}
}

// multipartCSV is a multipart/form-data body with the CSV as the part
// named field, and its content type.
func multipartCSV(t *testing.T, field, csv string) (string, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if field != "" {
		w, err := mw.CreateFormFile(field, "data.csv")
		require.NoError(t, err)
		_, err = w.Write([]byte(csv))
		require.NoError(t, err)
	}
	require.NoError(t, mw.Close())
	return buf.String(), mw.FormDataContentType()
}

func TestImportCSV(t *testing.T) {
	const path = "/api/public/import/dataset/csv?name="
	good := "Input,Expected_Output,metadata\n" +
		"2+2,4,\"{\"\"k\"\":1}\"\n" +
		"too,many,cells,here\n" +
		"hello,,not json\n" +
		"\"bare \"quote,x,\n" +
		"last,out,[1]\n"
	for _, head := range []bool{false, true} {
		t.Run(fmt.Sprint("HEAD=", head), func(t *testing.T) {
			var opts []Option
			if head {
				opts = append(opts, with(emu.WithHEADDefects(emu.DefectDatasets)))
			}
			tt := newTester(t, opts...)
			post := func(query, field, csv string) response {
				body, ct := multipartCSV(t, field, csv)
				return tt.post(path+query, body, header("Content-Type", ct))
			}
			// The input checks answer in both modes.
			assertError(t, post("", "file", good), 400, "name query parameter is required")
			assertError(t, post("d", "other", good), 400, "file is required")
			assertError(t, post("d", "", ""), 400, "file is required")
			assertError(t, tt.post(path+"d", `{"file":"input\n1"}`), 400, "file is required")
			assertError(t, post("d", "file", ""), 400, "Failed to read CSV headers")
			assertError(t, post("d", "file", "question,answer\nq,a\n"), 400, "CSV must have an 'input' column")

			resp := post("d", "file", good)
			if head {
				assertError(t, resp, 500, "Failed to create dataset")
				assert.Empty(t, tt.srv.Datasets())
				return
			}
			require.Equal(t, 201, resp.Status, resp.Body)
			var out struct {
				ID            string
				ImportedCount int
				Message       string
			}
			resp.decode(t, &out)
			assert.Equal(t, 3, out.ImportedCount)
			assert.Equal(t, "Successfully imported 3 items from CSV", out.Message)
			d := tt.srv.Datasets()[0]
			assert.Equal(t, out.ID, d.ID)
			assert.Equal(t, "{}", string(d.Metadata))
			require.Len(t, d.Items, 3)
			for i, want := range []struct{ input, expected, meta string }{
				{`"2+2"`, `"4"`, `{"k":1}`},
				{`"hello"`, "", `{}`},
				{`"last"`, `"out"`, `{}`},
			} {
				assert.Equal(t, want.input, string(d.Items[i].Input))
				assert.Equal(t, want.expected, string(d.Items[i].ExpectedOutput))
				assert.Equal(t, want.meta, string(d.Items[i].Metadata))
			}
			assertError(t, post("d", "file", good), 500, "Failed to create dataset")

			for _, col := range []string{"expectedOutput", "OUTPUT"} {
				resp := post("d-"+col, "file", "input,"+col+"\nq,a\n")
				require.Equal(t, 201, resp.Status, resp.Body)
			}
			got := tt.srv.Datasets()
			assert.Equal(t, `"a"`, string(got[1].Items[0].ExpectedOutput))
			assert.Equal(t, `"a"`, string(got[2].Items[0].ExpectedOutput))
		})
	}
}

func TestUnimplementedDatasetRoutes(t *testing.T) {
	tt := newTester(t)
	for _, p := range []string{"/api/public/import/dataset/openai-finetune?name=x", "/api/public/export/dataset"} {
		assert.Equal(t, 501, tt.post(p, `{}`).Status, p)
	}
	// Handlers the server has but does not mount.
	assert.Equal(t, 404, tt.get(dsPath+"/"+uuid.NewString()+"/runs/"+uuid.NewString()+"/results").Status)
	assert.Equal(t, 404, tt.get(dsPath+"/name/x").Status)
}

func TestDatasetsReset(t *testing.T) {
	tt := newTester(t)
	tt.seedDataset("d")
	got := tt.srv.Datasets()
	got[0].Items[0].Input[0] = 'X'
	got[0].Runs[0].Items[0].TraceID = "changed"
	again := tt.srv.Datasets()
	assert.Equal(t, `{"q":"1+1"}`, string(again[0].Items[0].Input), "a copy")
	assert.Equal(t, traceID, again[0].Runs[0].Items[0].TraceID)

	tt.srv.Reset()
	assert.Empty(t, tt.srv.Datasets())
	tt.seedDataset("d") // the name is free again
}

func TestJSONBText(t *testing.T) {
	for in, want := range map[string]string{
		``:                           ``,
		`"hello"`:                    `"hello"`,
		`{"version":2,"owner":"qa"}`: `{"owner": "qa", "version": 2}`,
		`{"bb":1,"a":{"y":[1,2.5,true],"x":null}}`: `{"a": {"x": null, "y": [1, 2.5, true]}, "bb": 1}`,
		`"\u003c\u0026\u2603\n\t\u0001\"\\"`:       "\"<&\u2603\\n\\t\\u0001\\\"\\\\\"",
		`{}`:                                       `{}`,
		`[]`:                                       `[]`,
		`12345678901234567890`:                     `12345678901234567890`,
	} {
		assert.Equal(t, want, jsonbText(in), in)
	}
}

func TestDatasetRoutesAreRateLimited(t *testing.T) {
	tt := newTester(t, with(emu.WithRateLimit(2, time.Hour)))
	assert.Equal(t, 200, tt.get(dsPath, header("X-Request-ID", "1")).Status)
	assert.Equal(t, 404, tt.get(dsPath+"/"+uuid.NewString(), header("X-Request-ID", "2")).Status)
	resp := tt.post(dsPath, `{"name":"d","metadata":{}}`, header("X-Request-ID", "3"))
	assertError(t, resp, 429, "Rate limit exceeded. Please try again later.")
	assert.Equal(t, "3600", resp.Header.Get("Retry-After"))
	assert.Empty(t, tt.srv.Datasets())
}

// TestImportDelay shows the import storing the dataset, then each item,
// after its own insert time (WithEventDelay): not in one transaction.
func TestImportDelay(t *testing.T) {
	steps := make(chan delayStep)
	tt := newTester(t, with(emu.WithEventDelay(time.Second)), blockingSleep(steps))
	done := tt.postInBackground("/api/public/import/dataset", `{"name":"d","items":[{"input":1},{"input":2}]}`, "imp")
	var items []int
	for i := range 3 {
		var st delayStep
		select {
		case st = <-steps:
		case out := <-done:
			t.Fatalf("answered after %d inserts: %+v", i, out)
		}
		if ds := tt.srv.Datasets(); len(ds) == 1 {
			items = append(items, len(ds[0].Items))
		} else {
			items = append(items, -1)
		}
		st.release <- true
	}
	out := <-done
	require.NoError(t, out.err)
	assert.Equal(t, 201, out.resp.Status, out.resp.Body)
	assert.Equal(t, []int{-1, 0, 1}, items, "before the dataset, before item 1, before item 2")
	assert.Len(t, tt.srv.Datasets()[0].Items, 2)
}
