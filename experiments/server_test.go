package experiments_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agenttrace/agenttrace-otel-go/connection"
	"github.com/agenttrace/agenttrace-otel-go/experiments"
	"github.com/agenttrace/agenttrace-otel-go/instrument"
	"github.com/agenttrace/agenttrace-otel-go/internal/attestctl"
)

// Against a server that answers the dataset routes, the dataset is
// imported once, and each run is a dataset run with one run item per
// trace, linking the server's item of each item id.
func TestDatasetRun(t *testing.T) {
	// The server's budget of 100 requests, over a window scaled from a
	// minute to 6 s (learned from its headers): each run item is a request.
	srv, client := newClient(t, attestctl.WithRateLimit(100, 6*time.Second))
	d := arithmetic(t, 20)
	var runs []*experiments.Result
	for range 2 {
		res, err := experiments.Run(t.Context(), client, d, add,
			experiments.WithEvaluators(experiments.Exact()), experiments.WithDatasetRun())
		require.NoError(t, err)
		assert.Empty(t, res.Warnings)
		runs = append(runs, res)
	}

	datasets := srv.Datasets()
	require.Len(t, datasets, 1, "the second run uses the dataset the first imported")
	ds := datasets[0]
	assert.Equal(t, "sums", ds.Name)
	require.Len(t, ds.Items, 20)
	ourID := map[string]string{} // server item id -> item id
	for _, it := range ds.Items {
		var md map[string]any
		require.NoError(t, json.Unmarshal(it.Metadata, &md))
		ourID[it.ID] = md["experiments.itemId"].(string)
	}
	require.Len(t, ds.Runs, 2)
	for i, run := range ds.Runs {
		res := runs[i]
		assert.Equal(t, res.ServerRunID, run.ID)
		assert.Contains(t, run.Name, res.RunID)
		require.Len(t, run.Items, 20)
		traceOf := map[string]string{}
		for _, it := range res.Items {
			traceOf[it.ID] = it.TraceID
		}
		for _, ri := range run.Items {
			assert.Equal(t, traceOf[ourID[ri.DatasetItemID]], ri.TraceID)
		}
	}
	// The traces were flushed before their run items were linked.
	assert.Len(t, srv.Snapshot().Traces, 40)

	var table strings.Builder
	require.NoError(t, runs[0].WriteTable(&table))
	assert.Contains(t, table.String(), "dataset run "+runs[0].ServerRunID+" recorded on the server")
}

// Against the server at HEAD, whose routes with an id answer 400, the
// dataset run is skipped with one warning; traces and scores are
// delivered.
func TestDatasetRunHEAD(t *testing.T) {
	srv, client := newClient(t, attestctl.WithHEADDefects(attestctl.DefectDatasets))
	res, err := experiments.Run(t.Context(), client, arithmetic(t, 20), add,
		experiments.WithEvaluators(experiments.Exact()), experiments.WithDatasetRun())
	require.NoError(t, err)
	require.Len(t, res.Warnings, 1)
	assert.Contains(t, res.Warnings[0], "400 Bad Request: Invalid dataset ID (the server does not route requests with a dataset id")
	assert.Contains(t, res.Warnings[0], "the traces and scores were delivered")
	assert.Empty(t, res.ServerRunID)

	require.NoError(t, client.Flush(t.Context()))
	assert.Len(t, srv.Snapshot().Traces, 20)
	assert.Len(t, srv.Snapshot().Scores, 20)
	ds := srv.Datasets()
	require.Len(t, ds, 1, "the import works at HEAD")
	assert.Len(t, ds[0].Items, 20)
	assert.Empty(t, ds[0].Runs)
}

// Push imports the dataset with its items, and refuses a name the server
// has.
func TestPush(t *testing.T) {
	srv, client := newClient(t)
	d := arithmetic(t, 3)
	id, err := d.Push(t.Context(), client)
	require.NoError(t, err)
	ds := srv.Datasets()
	require.Len(t, ds, 1)
	assert.Equal(t, id, ds[0].ID)
	assert.JSONEq(t, `"0+0"`, string(ds[0].Items[0].Input))
	assert.JSONEq(t, `"0"`, string(ds[0].Items[0].ExpectedOutput))
	assert.JSONEq(t, `{"n":0,"experiments.itemId":"sum-00"}`, string(ds[0].Items[0].Metadata))

	_, err = d.Push(t.Context(), client)
	assert.ErrorIs(t, err, experiments.ErrDatasetExists)
	assert.ErrorContains(t, err, `experiments: push dataset "sums": a dataset of that name already exists on the server (id `+id+")")
	assert.Len(t, srv.Datasets(), 1)

	offline, err := instrument.New(t.Context(), instrument.WithConnection(connection.Config{APIURL: "file://" + t.TempDir() + "/out.jsonl"}))
	require.NoError(t, err)
	defer offline.Shutdown(t.Context())
	_, err = d.Push(t.Context(), offline)
	assert.ErrorIs(t, err, experiments.ErrNoServer)
}
