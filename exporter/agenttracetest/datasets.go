package agenttracetest

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/agenttrace/agenttrace-otel-go/internal/attestctl/emu"
	"github.com/google/uuid"
)

// Dataset is a dataset the server holds (PROTOCOL-datasets.md D.1), with
// its items and runs, as [Server.Datasets] returns it.
type Dataset struct {
	ID          string
	Name        string
	Description string
	// Metadata is the JSON text stored: the compact encoding of what was
	// sent, {} when a create sent none, null when an import sent none.
	Metadata  json.RawMessage
	CreatedAt time.Time
	UpdatedAt time.Time
	// Items are the dataset's items, in creation order.
	Items []DatasetItem
	// Runs are the dataset's runs, in creation order.
	Runs []DatasetRun
}

// DatasetItem is an item of a [Dataset].
type DatasetItem struct {
	ID string
	// Input, ExpectedOutput and Metadata are the JSON text stored: the
	// compact encoding of what was sent. ExpectedOutput is nil when none
	// was sent; an imported item without metadata has null.
	Input               json.RawMessage
	ExpectedOutput      json.RawMessage
	Metadata            json.RawMessage
	SourceTraceID       string
	SourceObservationID string
	// Status is "active" or "archived".
	Status    string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// DatasetRun is a run of a [Dataset]: one experiment over its items.
type DatasetRun struct {
	ID          string
	Name        string
	Description string
	// Metadata is the JSON text stored, {} when none was sent.
	Metadata  json.RawMessage
	CreatedAt time.Time
	UpdatedAt time.Time
	// Items are the run's items, in creation order.
	Items []DatasetRunItem
}

// DatasetRunItem links a dataset item to the trace a run produced for it.
// It is also the server's answer to a run-item create.
type DatasetRunItem struct {
	ID            string    `json:"id"`
	DatasetRunID  string    `json:"datasetRunId"`
	DatasetItemID string    `json:"datasetItemId"`
	TraceID       string    `json:"traceId"`
	ObservationID string    `json:"observationId,omitempty"`
	CreatedAt     time.Time `json:"createdAt"`
}

// Datasets returns every dataset of the project with its items, runs and
// run items, in creation order.
func (s *Server) Datasets() []Dataset {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Dataset, 0, len(s.data.datasets.list))
	for _, d := range s.data.datasets.list {
		ds := Dataset{
			ID: d.id, Name: d.name, Description: d.description, Metadata: rawJSON(d.metadata),
			CreatedAt: d.createdAt, UpdatedAt: d.updatedAt,
		}
		for _, it := range d.items {
			ds.Items = append(ds.Items, DatasetItem{
				ID: it.id, Input: rawJSON(it.input), ExpectedOutput: rawJSON(it.expected),
				Metadata: rawJSON(it.metadata), SourceTraceID: it.sourceTrace, SourceObservationID: it.sourceObs,
				Status: it.status, CreatedAt: it.createdAt, UpdatedAt: it.updatedAt,
			})
		}
		for _, r := range d.runs {
			ds.Runs = append(ds.Runs, DatasetRun{
				ID: r.id, Name: r.name, Description: r.description, Metadata: rawJSON(r.metadata),
				CreatedAt: r.createdAt, UpdatedAt: r.updatedAt, Items: slices.Clone(r.items),
			})
		}
		out = append(out, ds)
	}
	return out
}

// rawJSON is stored JSON text as a fresh json.RawMessage, nil for none.
func rawJSON(text string) json.RawMessage {
	if text == "" {
		return nil
	}
	return json.RawMessage(text)
}

// datasetStore holds the datasets (D.1). Rows are kept in creation order;
// the maps find them by id.
type datasetStore struct {
	list  []*datasetRow
	byID  map[string]*datasetRow
	items map[string]*itemRow
	runs  map[string]*runRow
}

func newDatasetStore() datasetStore {
	return datasetStore{byID: map[string]*datasetRow{}, items: map[string]*itemRow{}, runs: map[string]*runRow{}}
}

// Stored JSON fields are compact JSON text, "" for SQL NULL.
type datasetRow struct {
	id, name, description, metadata string
	createdAt, updatedAt            time.Time
	items                           []*itemRow
	runs                            []*runRow
}

type itemRow struct {
	id, datasetID, input, expected, metadata string
	sourceTrace, sourceObs, status           string
	createdAt, updatedAt                     time.Time
}

type runRow struct {
	id, datasetID, name, description, metadata string
	createdAt, updatedAt                       time.Time
	items                                      []DatasetRunItem
}

func (st *datasetStore) byName(name string) *datasetRow {
	for _, d := range st.list {
		if d.name == name {
			return d
		}
	}
	return nil
}

// deleteItems removes items of a dataset, and the run items that link
// them, in any run (ON DELETE CASCADE).
func (st *datasetStore) deleteItems(d *datasetRow, gone func(*itemRow) bool) {
	ids := map[string]bool{}
	d.items = slices.DeleteFunc(d.items, func(it *itemRow) bool {
		if gone(it) {
			ids[it.id] = true
			delete(st.items, it.id)
			return true
		}
		return false
	})
	if len(ids) == 0 {
		return
	}
	for _, r := range st.runs {
		r.items = slices.DeleteFunc(r.items, func(ri DatasetRunItem) bool { return ids[ri.DatasetItemID] })
	}
}

func (st *datasetStore) deleteDataset(d *datasetRow) {
	st.deleteItems(d, func(*itemRow) bool { return true })
	for _, r := range d.runs {
		delete(st.runs, r.id)
	}
	delete(st.byID, d.id)
	st.list = slices.DeleteFunc(st.list, func(x *datasetRow) bool { return x == d })
}

// Wire shapes. JSON fields travel as strings holding JSON text (D.1).

type datasetJSON struct {
	ID          string    `json:"id"`
	ProjectID   string    `json:"projectId"`
	Name        string    `json:"name"`
	Description string    `json:"description,omitempty"`
	Metadata    string    `json:"metadata,omitempty"`
	CreatedAt   time.Time `json:"createdAt"`
	UpdatedAt   time.Time `json:"updatedAt"`
	ItemCount   int       `json:"itemCount,omitempty"`
	RunCount    int       `json:"runCount,omitempty"`
}

type itemJSON struct {
	ID                  string    `json:"id"`
	DatasetID           string    `json:"datasetId"`
	Input               string    `json:"input"`
	ExpectedOutput      string    `json:"expectedOutput,omitempty"`
	Metadata            string    `json:"metadata,omitempty"`
	SourceTraceID       string    `json:"sourceTraceId,omitempty"`
	SourceObservationID string    `json:"sourceObservationId,omitempty"`
	Status              string    `json:"status"`
	CreatedAt           time.Time `json:"createdAt"`
	UpdatedAt           time.Time `json:"updatedAt"`
}

type runJSON struct {
	ID          string    `json:"id"`
	DatasetID   string    `json:"datasetId"`
	Name        string    `json:"name"`
	Description string    `json:"description,omitempty"`
	Metadata    string    `json:"metadata,omitempty"`
	CreatedAt   time.Time `json:"createdAt"`
	UpdatedAt   time.Time `json:"updatedAt"`
	ItemCount   int       `json:"itemCount,omitempty"`
}

// A read renders stored JSON as Postgres renders jsonb; a create echoes
// the compact text it produced (D.1).
func (s *Server) datasetJSON(d *datasetRow, counts bool) datasetJSON {
	out := datasetJSON{
		ID: d.id, ProjectID: s.ProjectID, Name: d.name, Description: d.description,
		Metadata: jsonbText(d.metadata), CreatedAt: d.createdAt, UpdatedAt: d.updatedAt,
	}
	if counts {
		out.ItemCount, out.RunCount = len(d.items), len(d.runs)
	}
	return out
}

func (it *itemRow) json() itemJSON {
	return itemJSON{
		ID: it.id, DatasetID: it.datasetID, Input: jsonbText(it.input), ExpectedOutput: jsonbText(it.expected),
		Metadata: jsonbText(it.metadata), SourceTraceID: it.sourceTrace, SourceObservationID: it.sourceObs,
		Status: it.status, CreatedAt: it.createdAt, UpdatedAt: it.updatedAt,
	}
}

func (r *runRow) json() runJSON {
	return runJSON{
		ID: r.id, DatasetID: r.datasetID, Name: r.name, Description: r.description,
		Metadata: jsonbText(r.metadata), CreatedAt: r.createdAt, UpdatedAt: r.updatedAt, ItemCount: len(r.items),
	}
}

// Item statuses (the dataset_item_status enum).
var itemStatuses = []string{"active", "archived"}

// maxNameChars is the length of the VARCHAR(255) name columns.
const maxNameChars = 255

// compactJSON is what the service stores for a JSON field decoded as any:
// json.Marshal of the value, "" for nil (omitted or null).
func compactJSON(v any) string {
	if v == nil {
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		// v came from the JSON decoder, so it encodes.
		return ""
	}
	return string(b)
}

// storedMetadata is the metadata a create stores: the value sent, else
// the column's default, {}. (With DefectDatasets an omitted metadata fails
// the insert instead, D.2.)
func storedMetadata(v any) string {
	if text := compactJSON(v); text != "" {
		return text
	}
	return "{}"
}

// fits reports whether s fits a VARCHAR(n) column.
func fits(s string, n int) bool { return utf8.RuneCountInString(s) <= n }

// pathID reads a UUID path parameter: 400 "Invalid <what> ID" when it is
// not one. With DefectDatasets the handler reads a parameter the route does
// not declare, so it reads "" and always fails (D.0).
func (s *Server) pathID(c *call, param, what string) (string, bool) {
	v := c.params[param]
	if s.cfg.Defects&emu.DefectDatasets != 0 {
		v = ""
	}
	id, err := uuid.Parse(v)
	if err != nil {
		c.error(http.StatusBadRequest, "Invalid "+what+" ID")
		return "", false
	}
	return id.String(), true
}

// listPage reads limit (default 50, at most maxLimit when maxLimit > 0)
// and offset (default 0); a value that is not an integer is the default,
// a negative one fails at the database (ok false).
func listPage(c *call, maxLimit int) (limit, offset int, ok bool) {
	limit = 50
	if n, err := strconv.Atoi(c.query("limit")); err == nil {
		limit = n
		if maxLimit > 0 {
			limit = min(n, maxLimit)
		}
	}
	if n, err := strconv.Atoi(c.query("offset")); err == nil {
		offset = n
	}
	return limit, offset, limit >= 0 && offset >= 0
}

// pageOf returns rows[offset:offset+limit], nil when empty (the handlers
// encode an empty page as null).
func pageOf[T any](rows []T, limit, offset int) []T {
	if offset >= len(rows) || limit == 0 {
		return nil
	}
	return rows[offset:min(offset+limit, len(rows))]
}

// newestFirst orders rows by creation time, latest first; rows created in
// the same millisecond, latest written first.
func newestFirst[T any](rows []T, created func(T) time.Time) []T {
	out := slices.Clone(rows)
	slices.Reverse(out)
	slices.SortStableFunc(out, func(a, b T) int { return created(b).Compare(created(a)) })
	return out
}

type datasetBody struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Metadata    any    `json:"metadata"`
}

// handleCreateDataset is POST /datasets (D.3).
func (s *Server) handleCreateDataset(c *call) {
	var b datasetBody
	if err := c.decode(&b); err != nil {
		c.badBody(err)
		return
	}
	if !c.require("name", b.Name) {
		return
	}
	s.process(c, 1)
	metaOK := b.Metadata != nil || s.cfg.Defects&emu.DefectDatasets == 0
	d := &datasetRow{
		id: uuid.NewString(), name: b.Name, description: b.Description, metadata: storedMetadata(b.Metadata),
		createdAt: c.now, updatedAt: c.now,
	}
	s.mu.Lock()
	st := &s.data.datasets
	dup := st.byName(b.Name) != nil
	ok := !dup && metaOK && fits(b.Name, maxNameChars)
	if ok {
		st.list = append(st.list, d)
		st.byID[d.id] = d
		s.notifyLocked()
	}
	s.mu.Unlock()
	switch {
	case dup:
		c.error(http.StatusBadRequest, "VALIDATION_ERROR: dataset name already exists")
	case !ok:
		c.error(http.StatusInternalServerError, "Failed to create dataset")
	default:
		out := s.datasetJSON(d, false)
		out.Metadata = compactJSON(b.Metadata)
		c.json(http.StatusCreated, out)
	}
}

// handleListDatasets is GET /datasets (D.4).
func (s *Server) handleListDatasets(c *call) {
	limit, offset, ok := listPage(c, 100)
	if !ok {
		c.error(http.StatusInternalServerError, "Failed to list datasets")
		return
	}
	s.mu.Lock()
	all := newestFirst(s.data.datasets.list, func(d *datasetRow) time.Time { return d.createdAt })
	page := pageOf(all, limit, offset)
	var data []datasetJSON
	for _, d := range page {
		data = append(data, s.datasetJSON(d, true))
	}
	s.mu.Unlock()
	c.json(http.StatusOK, map[string]any{
		"datasets": data, "totalCount": len(all), "hasMore": offset+len(page) < len(all),
	})
}

// handleGetDataset is GET /datasets/{id} (D.5). Lookups by id are not
// scoped to the key's project on the real server; every key of this
// server belongs to one project.
func (s *Server) handleGetDataset(c *call) {
	id, ok := s.pathID(c, "id", "dataset")
	if !ok {
		return
	}
	s.mu.Lock()
	d := s.data.datasets.byID[id]
	var out datasetJSON
	if d != nil {
		out = s.datasetJSON(d, true)
	}
	s.mu.Unlock()
	if d == nil {
		c.error(http.StatusNotFound, "Dataset not found")
		return
	}
	c.json(http.StatusOK, out)
}

// handleUpdateDataset is PUT /datasets/{id} (D.5): a partial update.
func (s *Server) handleUpdateDataset(c *call) {
	id, ok := s.pathID(c, "id", "dataset")
	if !ok {
		return
	}
	var b datasetBody
	if err := c.decode(&b); err != nil {
		c.badBody(err)
		return
	}
	s.process(c, 1)
	meta := compactJSON(b.Metadata)
	s.mu.Lock()
	st := &s.data.datasets
	d := st.byID[id]
	var (
		out    datasetJSON
		failed bool
	)
	if d != nil {
		// A rename to a name in use is a validation error this handler
		// does not map: 500.
		other := st.byName(b.Name)
		failed = b.Name != "" && (other != nil && other != d || !fits(b.Name, maxNameChars))
		if !failed {
			out = s.datasetJSON(d, false)
			if b.Name != "" {
				d.name, out.Name = b.Name, b.Name
			}
			if b.Description != "" {
				d.description, out.Description = b.Description, b.Description
			}
			if meta != "" {
				d.metadata, out.Metadata = meta, meta
			}
			d.updatedAt, out.UpdatedAt = c.now, c.now
			s.notifyLocked()
		}
	}
	s.mu.Unlock()
	switch {
	case d == nil:
		c.error(http.StatusNotFound, "Dataset not found")
	case failed:
		c.error(http.StatusInternalServerError, "Failed to update dataset")
	default:
		c.json(http.StatusOK, out)
	}
}

// handleDeleteDataset is DELETE /datasets/{id} (D.5): 204, even for an
// unknown id; items, runs and run items go with the dataset.
func (s *Server) handleDeleteDataset(c *call) {
	id, ok := s.pathID(c, "id", "dataset")
	if !ok {
		return
	}
	s.mu.Lock()
	if d := s.data.datasets.byID[id]; d != nil {
		s.data.datasets.deleteDataset(d)
		s.notifyLocked()
	}
	s.mu.Unlock()
	c.w.WriteHeader(http.StatusNoContent)
}

type itemBody struct {
	Input               any    `json:"input"`
	ExpectedOutput      any    `json:"expectedOutput"`
	Metadata            any    `json:"metadata"`
	SourceTraceID       string `json:"sourceTraceId"`
	SourceObservationID string `json:"sourceObservationId"`
	Status              string `json:"status"`
}

// handleCreateItem is POST /datasets/{id}/items (D.6).
func (s *Server) handleCreateItem(c *call) {
	id, ok := s.pathID(c, "id", "dataset")
	if !ok {
		return
	}
	var b itemBody
	if err := c.decode(&b); err != nil {
		c.badBody(err)
		return
	}
	s.process(c, 1)
	it := &itemRow{
		id: uuid.NewString(), datasetID: id, input: compactJSON(b.Input), expected: compactJSON(b.ExpectedOutput),
		sourceTrace: b.SourceTraceID, sourceObs: b.SourceObservationID, status: "active",
		metadata: storedMetadata(b.Metadata), createdAt: c.now, updatedAt: c.now,
	}
	// input is NOT NULL; the source ids are VARCHAR(32) and (16).
	valid := it.input != "" && fits(it.sourceTrace, 32) && fits(it.sourceObs, 16)
	s.mu.Lock()
	st := &s.data.datasets
	d := st.byID[id]
	if d != nil && valid {
		d.items = append(d.items, it)
		st.items[it.id] = it
		s.notifyLocked()
	}
	s.mu.Unlock()
	switch {
	case d == nil:
		c.error(http.StatusNotFound, "Dataset not found")
	case !valid:
		c.error(http.StatusInternalServerError, "Failed to create item")
	default:
		out := it.json()
		out.Input, out.ExpectedOutput, out.Metadata = it.input, it.expected, compactJSON(b.Metadata)
		c.json(http.StatusCreated, out)
	}
}

// handleListItems is GET /datasets/{id}/items (D.6): no cap on limit, no
// hasMore, and an unknown dataset has no items.
func (s *Server) handleListItems(c *call) {
	id, ok := s.pathID(c, "id", "dataset")
	if !ok {
		return
	}
	status := c.query("status")
	limit, offset, ok := listPage(c, 0)
	if !ok || status != "" && !slices.Contains(itemStatuses, status) {
		c.error(http.StatusInternalServerError, "Failed to list items")
		return
	}
	s.mu.Lock()
	var rows []*itemRow
	if d := s.data.datasets.byID[id]; d != nil {
		for _, it := range d.items {
			if status == "" || it.status == status {
				rows = append(rows, it)
			}
		}
	}
	rows = newestFirst(rows, func(it *itemRow) time.Time { return it.createdAt })
	var data []itemJSON
	for _, it := range pageOf(rows, limit, offset) {
		data = append(data, it.json())
	}
	s.mu.Unlock()
	c.json(http.StatusOK, map[string]any{"data": data, "totalCount": len(rows)})
}

// handleUpdateItem is PUT /datasets/{datasetId}/items/{id} (D.6): the
// item is found by its id alone.
func (s *Server) handleUpdateItem(c *call) {
	id, ok := s.pathID(c, "id", "item")
	if !ok {
		return
	}
	var b itemBody
	if err := c.decode(&b); err != nil {
		c.badBody(err)
		return
	}
	s.process(c, 1)
	input, expected, meta := compactJSON(b.Input), compactJSON(b.ExpectedOutput), compactJSON(b.Metadata)
	validStatus := b.Status == "" || slices.Contains(itemStatuses, b.Status)
	s.mu.Lock()
	it := s.data.datasets.items[id]
	var out itemJSON
	if it != nil && validStatus {
		out = it.json()
		for _, f := range []struct{ text, row, out *string }{
			{&input, &it.input, &out.Input}, {&expected, &it.expected, &out.ExpectedOutput},
			{&meta, &it.metadata, &out.Metadata}, {&b.Status, &it.status, &out.Status},
		} {
			if *f.text != "" {
				*f.row, *f.out = *f.text, *f.text
			}
		}
		it.updatedAt, out.UpdatedAt = c.now, c.now
		s.notifyLocked()
	}
	s.mu.Unlock()
	switch {
	case it == nil:
		c.error(http.StatusNotFound, "Item not found")
	case !validStatus:
		c.error(http.StatusInternalServerError, "Failed to update item")
	default:
		c.json(http.StatusOK, out)
	}
}

// handleDeleteItem is DELETE /datasets/{datasetId}/items/{id} (D.6): 204,
// even for an unknown id; its run items go with it.
func (s *Server) handleDeleteItem(c *call) {
	id, ok := s.pathID(c, "id", "item")
	if !ok {
		return
	}
	s.mu.Lock()
	st := &s.data.datasets
	if it := st.items[id]; it != nil {
		st.deleteItems(st.byID[it.datasetID], func(x *itemRow) bool { return x == it })
		s.notifyLocked()
	}
	s.mu.Unlock()
	c.w.WriteHeader(http.StatusNoContent)
}

// handleCreateRun is POST /datasets/{id}/runs (D.7): run names need not be
// unique, every create is a new run.
func (s *Server) handleCreateRun(c *call) {
	id, ok := s.pathID(c, "id", "dataset")
	if !ok {
		return
	}
	var b datasetBody
	if err := c.decode(&b); err != nil {
		c.badBody(err)
		return
	}
	if !c.require("name", b.Name) {
		return
	}
	s.process(c, 1)
	r := &runRow{
		id: uuid.NewString(), datasetID: id, name: b.Name, description: b.Description,
		metadata: storedMetadata(b.Metadata), createdAt: c.now, updatedAt: c.now,
	}
	valid := fits(b.Name, maxNameChars)
	s.mu.Lock()
	st := &s.data.datasets
	d := st.byID[id]
	if d != nil && valid {
		d.runs = append(d.runs, r)
		st.runs[r.id] = r
		s.notifyLocked()
	}
	s.mu.Unlock()
	switch {
	case d == nil:
		c.error(http.StatusNotFound, "Dataset not found")
	case !valid:
		c.error(http.StatusInternalServerError, "Failed to create run")
	default:
		out := r.json()
		out.Metadata = compactJSON(b.Metadata)
		c.json(http.StatusCreated, out)
	}
}

// handleListRuns is GET /datasets/{id}/runs (D.7).
func (s *Server) handleListRuns(c *call) {
	id, ok := s.pathID(c, "id", "dataset")
	if !ok {
		return
	}
	limit, offset, ok := listPage(c, 0)
	if !ok {
		c.error(http.StatusInternalServerError, "Failed to list runs")
		return
	}
	s.mu.Lock()
	var rows []*runRow
	if d := s.data.datasets.byID[id]; d != nil {
		rows = newestFirst(d.runs, func(r *runRow) time.Time { return r.createdAt })
	}
	var data []runJSON
	for _, r := range pageOf(rows, limit, offset) {
		data = append(data, r.json())
	}
	s.mu.Unlock()
	c.json(http.StatusOK, map[string]any{"data": data, "totalCount": len(rows)})
}

// handleGetRun is GET /datasets/{datasetId}/runs/{id} (D.7): the run is
// found by its id alone.
func (s *Server) handleGetRun(c *call) {
	id, ok := s.pathID(c, "id", "run")
	if !ok {
		return
	}
	s.mu.Lock()
	r := s.data.datasets.runs[id]
	var out runJSON
	if r != nil {
		out = r.json()
	}
	s.mu.Unlock()
	if r == nil {
		c.error(http.StatusNotFound, "Run not found")
		return
	}
	c.json(http.StatusOK, out)
}

// handleCreateRunItem is POST /datasets/{datasetId}/runs/{id}/items (D.8):
// the trace is not looked up, the item need not belong to the run's
// dataset, and an item linked twice to a run fails.
func (s *Server) handleCreateRunItem(c *call) {
	id, ok := s.pathID(c, "id", "run")
	if !ok {
		return
	}
	var b struct {
		DatasetItemID string `json:"datasetItemId"`
		TraceID       string `json:"traceId"`
		ObservationID string `json:"observationId"`
	}
	if err := c.decode(&b); err != nil {
		c.badBody(err)
		return
	}
	if !c.require("datasetItemId", b.DatasetItemID, "traceId", b.TraceID) {
		return
	}
	s.process(c, 1)
	itemID, parseErr := uuid.Parse(b.DatasetItemID)
	ri := DatasetRunItem{
		ID: uuid.NewString(), DatasetRunID: id, DatasetItemID: itemID.String(), TraceID: b.TraceID,
		ObservationID: b.ObservationID, CreatedAt: c.now,
	}
	s.mu.Lock()
	st := &s.data.datasets
	r := st.runs[id]
	var status int
	switch {
	case r == nil:
		status = http.StatusNotFound
	case parseErr != nil:
		status = http.StatusInternalServerError
	case st.items[ri.DatasetItemID] == nil:
		status = http.StatusNotFound
	case !fits(ri.TraceID, 32) || !fits(ri.ObservationID, 16) ||
		slices.ContainsFunc(r.items, func(x DatasetRunItem) bool { return x.DatasetItemID == ri.DatasetItemID }):
		status = http.StatusInternalServerError
	default:
		status = http.StatusCreated
		r.items = append(r.items, ri)
		s.notifyLocked()
	}
	s.mu.Unlock()
	switch status {
	case http.StatusNotFound:
		c.error(status, "Run or dataset item not found")
	case http.StatusInternalServerError:
		c.error(status, "Failed to add run item")
	default:
		c.json(status, ri)
	}
}

// importItem is an item of an import; it may lack its input.
type importItem struct {
	input, expected, metadata string
}

// importDataset creates a dataset, then its items one by one, skipping
// those without input (D.11). ok is false when the dataset could not be
// created; the dataset stays even if no item was imported.
func (s *Server) importDataset(c *call, name, description, metadata string, items []importItem) (id string, n int, ok bool) {
	s.process(c, 1)
	d := &datasetRow{
		id: uuid.NewString(), name: name, description: description, metadata: metadata,
		createdAt: c.now, updatedAt: c.now,
	}
	s.mu.Lock()
	st := &s.data.datasets
	ok = st.byName(name) == nil && fits(name, maxNameChars)
	if ok {
		st.list = append(st.list, d)
		st.byID[d.id] = d
		s.notifyLocked()
	}
	s.mu.Unlock()
	if !ok {
		return "", 0, false
	}
	for _, in := range items {
		s.process(c, 1)
		if in.input == "" {
			continue
		}
		it := &itemRow{
			id: uuid.NewString(), datasetID: d.id, input: in.input, expected: in.expected, metadata: in.metadata,
			status: "active", createdAt: c.now, updatedAt: c.now,
		}
		s.mu.Lock()
		if st.byID[d.id] == d { // not deleted meanwhile
			d.items = append(d.items, it)
			st.items[it.id] = it
			n++
			s.notifyLocked()
		}
		s.mu.Unlock()
	}
	return d.id, n, true
}

// handleImportDataset is POST /import/dataset (D.11). Its metadata fields
// are JSON objects; omitted, they are stored as null.
func (s *Server) handleImportDataset(c *call) {
	var b struct {
		Name        string         `json:"name"`
		Description string         `json:"description"`
		Metadata    map[string]any `json:"metadata"`
		Items       []struct {
			Input          any            `json:"input"`
			ExpectedOutput any            `json:"expectedOutput"`
			Metadata       map[string]any `json:"metadata"`
		} `json:"items"`
	}
	if err := c.decode(&b); err != nil {
		c.badBody(err)
		return
	}
	if !c.require("name", b.Name) {
		return
	}
	if len(b.Items) == 0 {
		c.error(http.StatusBadRequest, "at least one item is required")
		return
	}
	items := make([]importItem, len(b.Items))
	for i, it := range b.Items {
		items[i] = importItem{
			input: compactJSON(it.Input), expected: compactJSON(it.ExpectedOutput), metadata: objectJSON(it.Metadata),
		}
	}
	id, n, ok := s.importDataset(c, b.Name, b.Description, objectJSON(b.Metadata), items)
	if !ok {
		c.error(http.StatusInternalServerError, "Failed to create dataset")
		return
	}
	c.json(http.StatusCreated, map[string]any{
		"id": id, "importedCount": n, "message": "Successfully imported " + strconv.Itoa(n) + " items",
	})
}

// objectJSON is json.Marshal of a map field: null when absent.
func objectJSON(m map[string]any) string {
	if m == nil {
		return "null"
	}
	return compactJSON(m)
}

// handleImportCSV is POST /import/dataset/csv?name= (D.11): a multipart
// file part "file" with an input column and optional expected output and
// metadata columns; every cell is a JSON string. With DefectDatasets every
// request that passes the checks fails, as the dataset is created without
// metadata (D.2).
func (s *Server) handleImportCSV(c *call) {
	name := c.query("name")
	if name == "" {
		c.error(http.StatusBadRequest, "name query parameter is required")
		return
	}
	file, ok := formFile(c, "file")
	if !ok {
		c.error(http.StatusBadRequest, "file is required")
		return
	}
	rd := csv.NewReader(bytes.NewReader(file))
	header, err := rd.Read()
	if err != nil {
		c.error(http.StatusBadRequest, "Failed to read CSV headers")
		return
	}
	col := func(names ...string) int {
		return slices.IndexFunc(header, func(h string) bool {
			return slices.ContainsFunc(names, func(n string) bool { return strings.EqualFold(h, n) })
		})
	}
	inCol, outCol, metaCol := col("input"), col("expected_output", "expectedoutput", "output"), col("metadata")
	if inCol < 0 {
		c.error(http.StatusBadRequest, "CSV must have an 'input' column")
		return
	}
	if s.cfg.Defects&emu.DefectDatasets != 0 {
		c.error(http.StatusInternalServerError, "Failed to create dataset")
		return
	}
	var items []importItem
	for {
		row, err := rd.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			continue // a bad row is skipped
		}
		it := importItem{input: compactJSON(row[inCol]), metadata: "{}"}
		if outCol >= 0 && row[outCol] != "" {
			it.expected = compactJSON(row[outCol])
		}
		var meta map[string]any
		if metaCol >= 0 && json.Unmarshal([]byte(row[metaCol]), &meta) == nil && meta != nil {
			it.metadata = compactJSON(meta)
		}
		items = append(items, it)
	}
	id, n, ok := s.importDataset(c, name, "", "{}", items)
	if !ok {
		c.error(http.StatusInternalServerError, "Failed to create dataset")
		return
	}
	c.json(http.StatusCreated, map[string]any{
		"id": id, "importedCount": n, "message": "Successfully imported " + strconv.Itoa(n) + " items from CSV",
	})
}

// formFile returns the content of the multipart/form-data file part with
// the form name.
func formFile(c *call, name string) ([]byte, bool) {
	mt, params, err := mime.ParseMediaType(c.r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		return nil, false
	}
	mr := multipart.NewReader(bytes.NewReader(c.body), params["boundary"])
	for {
		p, err := mr.NextPart()
		if err != nil {
			return nil, false
		}
		if p.FormName() == name && p.FileName() != "" {
			b, err := io.ReadAll(p)
			return b, err == nil
		}
	}
}

// jsonbText renders stored JSON text as Postgres renders a jsonb value: a
// space after ':' and ',', object keys ordered by length then bytes, and
// only the escapes JSON requires. "" stays "".
func jsonbText(text string) string {
	if text == "" {
		return ""
	}
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return text // stored text is always valid JSON
	}
	var b strings.Builder
	writeJSONB(&b, v)
	return b.String()
}

func writeJSONB(b *strings.Builder, v any) {
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool {
			if len(keys[i]) != len(keys[j]) {
				return len(keys[i]) < len(keys[j])
			}
			return keys[i] < keys[j]
		})
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			writeJSONBString(b, k)
			b.WriteString(": ")
			writeJSONB(b, v[k])
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteString(", ")
			}
			writeJSONB(b, e)
		}
		b.WriteByte(']')
	case string:
		writeJSONBString(b, v)
	case json.Number:
		b.WriteString(v.String())
	case bool:
		b.WriteString(strconv.FormatBool(v))
	default: // nil
		b.WriteString("null")
	}
}

// writeJSONBString writes a string as Postgres' escape_json does.
func writeJSONBString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x20 {
				b.WriteString(`\u00`)
				b.WriteString(strconv.FormatInt(int64(r)>>4, 16))
				b.WriteString(strconv.FormatInt(int64(r)&0xf, 16))
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
}

func init() {
	// The dataset routes of PROTOCOL-datasets.md D.0, mounted under
	// /api/public like the others.
	routes = append(routes,
		rt("GET", "/api/public/datasets", (*Server).handleListDatasets),
		rt("POST", "/api/public/datasets", (*Server).handleCreateDataset),
		rt("GET", "/api/public/datasets/{id}", (*Server).handleGetDataset),
		rt("PUT", "/api/public/datasets/{id}", (*Server).handleUpdateDataset),
		rt("DELETE", "/api/public/datasets/{id}", (*Server).handleDeleteDataset),
		rt("GET", "/api/public/datasets/{id}/items", (*Server).handleListItems),
		rt("POST", "/api/public/datasets/{id}/items", (*Server).handleCreateItem),
		rt("PUT", "/api/public/datasets/{datasetId}/items/{id}", (*Server).handleUpdateItem),
		rt("DELETE", "/api/public/datasets/{datasetId}/items/{id}", (*Server).handleDeleteItem),
		rt("GET", "/api/public/datasets/{id}/runs", (*Server).handleListRuns),
		rt("POST", "/api/public/datasets/{id}/runs", (*Server).handleCreateRun),
		rt("GET", "/api/public/datasets/{datasetId}/runs/{id}", (*Server).handleGetRun),
		rt("POST", "/api/public/datasets/{datasetId}/runs/{id}/items", (*Server).handleCreateRunItem),
		rt("POST", "/api/public/import/dataset", (*Server).handleImportDataset),
		rt("POST", "/api/public/import/dataset/csv", (*Server).handleImportCSV),
		rt("POST", "/api/public/import/dataset/openai-finetune", notImplemented),
		rt("POST", "/api/public/export/dataset", notImplemented),
	)
}
