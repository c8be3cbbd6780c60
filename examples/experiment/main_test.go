package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttracetest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// The baseline's model does not regress: the table and the comparison
// are printed, and every item's trace and two scores are delivered.
func TestRun(t *testing.T) {
	srv := agenttracetest.NewServer()
	defer srv.Close()
	var out strings.Builder
	require.NoError(t, run(t.Context(), srv, options{model: "v1"}, &out))
	got := out.String()
	assert.Contains(t, got, "contains   BOOLEAN  20  0.900  [0.699, 0.972]")
	assert.Contains(t, got, "tokens 1051 (935 in, 116 out)")
	assert.Contains(t, got, "no item got worse")
	assert.Len(t, srv.Snapshot().Traces, 20)
	assert.Len(t, srv.Snapshot().Scores, 40)

	// The run is a dataset run on the server, with a run item per trace.
	ds := srv.Datasets()
	require.Len(t, ds, 1)
	assert.Len(t, ds[0].Items, 20)
	require.Len(t, ds[0].Runs, 1)
	assert.Len(t, ds[0].Runs[0].Items, 20)
	assert.Contains(t, got, "dataset run "+ds[0].Runs[0].ID+" recorded on the server")
	assert.NotContains(t, got, "warning")
}

// Against the server at HEAD, the dataset run is skipped with one warning
// and everything else is delivered.
func TestRunHEAD(t *testing.T) {
	srv := agenttracetest.NewServer(headDefects)
	defer srv.Close()
	var out strings.Builder
	require.NoError(t, run(t.Context(), srv, options{model: "v1"}, &out))
	got := out.String()
	assert.Equal(t, 1, strings.Count(got, "warning: dataset run not recorded on the server"), got)
	assert.Contains(t, got, "Invalid dataset ID")
	assert.Contains(t, got, "no item got worse")
	assert.Len(t, srv.Snapshot().Traces, 20)
	assert.Len(t, srv.Snapshot().Scores, 40)
}

// A broken prompt regresses: run says so, and the comparison names the
// three items that got worse.
func TestRegression(t *testing.T) {
	srv := agenttracetest.NewServer()
	defer srv.Close()
	var out strings.Builder
	err := run(t.Context(), srv, options{model: "v2"}, &out)
	require.ErrorIs(t, err, errRegression)
	assert.Contains(t, out.String(), "contains   0.900     0.750    -0.150  REGRESSION (more than -0.05)")
	assert.Contains(t, out.String(), "3 got worse:\n  cap-ke: contains 1 -> 0\n  sum-3: contains 1 -> 0\n  chem-2: contains 1 -> 0\n")
}
