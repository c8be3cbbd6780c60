package experiments

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/internal/clientapi"
	"github.com/agenttrace/agenttrace-otel-go/internal/httpapi"
)

// itemIDKey is the metadata key of the server's dataset items that holds
// the item's id in this package, so that the server's item of each id can
// be found (the server makes its own ids).
const itemIDKey = "experiments.itemId"

var (
	// ErrDatasetExists is returned by [Dataset.Push] when the server has a
	// dataset of the same name.
	ErrDatasetExists = errors.New("a dataset of that name already exists on the server")
	// ErrNoServer is returned when the client has no server to call: it is
	// disabled, or in offline mode (a file:// API URL).
	ErrNoServer = errors.New("the client has no server (disabled or offline)")
)

// Push creates the dataset on the server with its items, in one request
// (POST /api/public/import/dataset), and returns the server's id of it.
// Each item's id is kept in its metadata under "experiments.itemId". When
// the server already has a dataset of that name, Push creates nothing and
// returns an error wrapping [ErrDatasetExists]. It fails with
// [ErrNoServer] for a disabled or offline client.
func (d *Dataset) Push(ctx context.Context, client *instrument.Client) (string, error) {
	api := clientapi.API(client)
	if api == nil {
		return "", fmt.Errorf("experiments: push dataset %q: %w", d.name, ErrNoServer)
	}
	id, err := d.push(ctx, api)
	if err != nil {
		return id, fmt.Errorf("experiments: push dataset %q: %w", d.name, err)
	}
	return id, nil
}

func (d *Dataset) push(ctx context.Context, api *httpapi.Client) (string, error) {
	id, err := findDataset(ctx, api, d.name)
	if err != nil {
		return "", err
	}
	if id != "" {
		return "", fmt.Errorf("%w (id %s)", ErrDatasetExists, id)
	}
	type item struct {
		Input          any            `json:"input"`
		ExpectedOutput any            `json:"expectedOutput,omitempty"`
		Metadata       map[string]any `json:"metadata"`
	}
	body := struct {
		Name     string         `json:"name"`
		Metadata map[string]any `json:"metadata"`
		Items    []item         `json:"items"`
	}{Name: d.name, Metadata: map[string]any{"source": "agenttrace-otel-go/experiments"}}
	for _, it := range d.items {
		md := maps.Clone(it.Metadata)
		if md == nil {
			md = map[string]any{}
		}
		md[itemIDKey] = it.ID
		body.Items = append(body.Items, item{Input: it.Input, ExpectedOutput: it.Expected, Metadata: md})
	}
	data, err := json.Marshal(body)
	if err != nil {
		return "", err
	}
	resp, err := api.PostOnce(ctx, "/api/public/import/dataset", data)
	if err != nil {
		var ae *httpapi.APIError
		if errors.As(err, &ae) && ae.Status == http.StatusInternalServerError {
			// The import route answers every create failure, a name
			// taken meanwhile included, with 500 (PROTOCOL-datasets D.11).
			return "", fmt.Errorf("%w (the server creates no dataset whose name is taken)", err)
		}
		return "", err
	}
	var out struct {
		ID            string `json:"id"`
		ImportedCount int    `json:"importedCount"`
	}
	if err := json.Unmarshal(resp.Body, &out); err != nil || out.ID == "" {
		return "", fmt.Errorf("import answer %.200q: no dataset id", resp.Body)
	}
	if out.ImportedCount != len(d.items) {
		return out.ID, fmt.Errorf("the server imported %d of %d items", out.ImportedCount, len(d.items))
	}
	return out.ID, nil
}

// findDataset returns the id of the dataset called name, or "" when the
// server has none; the list route has no name filter, so it pages.
func findDataset(ctx context.Context, api *httpapi.Client, name string) (string, error) {
	for offset := 0; ; {
		q := url.Values{"limit": {"100"}, "offset": {strconv.Itoa(offset)}}
		resp, err := api.Do(ctx, http.MethodGet, "/api/public/datasets", q, nil)
		if err != nil {
			return "", err
		}
		var page struct {
			Datasets []struct {
				ID   string `json:"id"`
				Name string `json:"name"`
			} `json:"datasets"`
			HasMore bool `json:"hasMore"`
		}
		if err := json.Unmarshal(resp.Body, &page); err != nil {
			return "", fmt.Errorf("list datasets: %w", err)
		}
		for _, ds := range page.Datasets {
			if ds.Name == name {
				return ds.ID, nil
			}
		}
		if !page.HasMore || len(page.Datasets) == 0 {
			return "", nil
		}
		offset += len(page.Datasets)
	}
}

// serverItems returns the server's item ids of the dataset with id, by the
// ids of this package kept in their metadata.
func serverItems(ctx context.Context, api *httpapi.Client, datasetID string) (map[string]string, error) {
	ids := map[string]string{}
	path := "/api/public/datasets/" + url.PathEscape(datasetID) + "/items"
	for offset := 0; ; {
		q := url.Values{"limit": {"500"}, "offset": {strconv.Itoa(offset)}}
		resp, err := api.Do(ctx, http.MethodGet, path, q, nil)
		if err != nil {
			return nil, err
		}
		var page struct {
			Data []struct {
				ID string `json:"id"`
				// Metadata is JSON text in a string (D.1).
				Metadata string `json:"metadata"`
			} `json:"data"`
			TotalCount int `json:"totalCount"`
		}
		if err := json.Unmarshal(resp.Body, &page); err != nil {
			return nil, fmt.Errorf("list dataset items: %w", err)
		}
		for _, it := range page.Data {
			var md map[string]any
			if json.Unmarshal([]byte(it.Metadata), &md) == nil {
				if id, ok := md[itemIDKey].(string); ok {
					ids[id] = it.ID
				}
			}
		}
		offset += len(page.Data)
		if len(page.Data) == 0 || offset >= page.TotalCount {
			return ids, nil
		}
	}
}

// datasetRun records the run on the server: the dataset (found by name, or
// pushed), the run, and one run item per trace, once the traces are
// delivered (PROTOCOL-datasets R2).
func (r *runner) datasetRun(ctx context.Context, d *Dataset) error {
	api := clientapi.API(r.client)
	if api == nil {
		return ErrNoServer
	}
	err := r.recordRun(ctx, api, d)
	var ae *httpapi.APIError
	if errors.As(err, &ae) && ae.Status == http.StatusBadRequest && strings.HasPrefix(ae.Path, "/api/public/datasets/") {
		return fmt.Errorf("%w (the server does not route requests with a dataset id: AgentTrace's route-parameter defect, PROTOCOL-datasets D.0); the traces and scores were delivered", err)
	}
	return err
}

func (r *runner) recordRun(ctx context.Context, api *httpapi.Client, d *Dataset) error {
	datasetID, err := findDataset(ctx, api, d.name)
	if err != nil {
		return err
	}
	if datasetID == "" {
		if datasetID, err = d.push(ctx, api); err != nil && datasetID == "" {
			return err
		}
	}
	items, err := serverItems(ctx, api, datasetID)
	if err != nil {
		return err
	}
	if err := r.client.Flush(ctx); err != nil {
		return fmt.Errorf("the traces were not all delivered, so no run items were linked: %w", err)
	}
	runBody, err := json.Marshal(map[string]any{
		"name":        r.cfg.name + " " + r.res.RunID,
		"description": "experiment " + r.cfg.name,
		"metadata":    map[string]any{"experiment": r.cfg.name, "runId": r.res.RunID},
	})
	if err != nil {
		return err
	}
	runsPath := "/api/public/datasets/" + url.PathEscape(datasetID) + "/runs"
	resp, err := api.PostOnce(ctx, runsPath, runBody)
	if err != nil {
		return err
	}
	var run struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(resp.Body, &run); err != nil || run.ID == "" {
		return fmt.Errorf("run answer %.200q: no run id", resp.Body)
	}
	r.res.ServerRunID = run.ID
	var errs []error
	missing := 0
	for _, it := range r.res.Items {
		serverID, ok := items[it.ID]
		if !ok {
			missing++
			continue
		}
		if it.TraceID == "" {
			continue
		}
		body, _ := json.Marshal(map[string]string{"datasetItemId": serverID, "traceId": it.TraceID})
		if _, err := api.PostOnce(ctx, runsPath+"/"+url.PathEscape(run.ID)+"/items", body); err != nil {
			errs = append(errs, fmt.Errorf("item %s: %w", it.ID, err))
		}
	}
	if missing > 0 {
		errs = append(errs, fmt.Errorf("%d items are not in the server's dataset %q (pushed with other items?)", missing, d.name))
	}
	if len(errs) > 0 {
		return fmt.Errorf("run %s: %d run items not linked: %w", run.ID, len(errs), errors.Join(errs...))
	}
	return nil
}
