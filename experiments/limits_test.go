package experiments_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agenttrace/agenttrace-otel-go/experiments"
	"github.com/agenttrace/agenttrace-otel-go/internal/attestctl"
)

// A dataset run makes one request per run item: under the server's request
// budget (the real 100 a minute, scaled to 20 per 2 s so that the test
// takes seconds; the client learns the window from the headers) a run of
// many more items than the budget links every item, never goes over the
// budget in a window, and delivers every trace and score.
func TestDatasetRunWithinRateLimit(t *testing.T) {
	const items, limit, window = 60, 20, 2 * time.Second
	srv, client := newClient(t, attestctl.WithRateLimit(limit, window))
	res, err := experiments.Run(t.Context(), client, arithmetic(t, items), add,
		experiments.WithEvaluators(experiments.Exact()), experiments.WithDatasetRun())
	require.NoError(t, err)
	assert.Empty(t, res.Warnings)
	require.NoError(t, client.Flush(t.Context()))

	ds := srv.Datasets()
	require.Len(t, ds, 1)
	require.Len(t, ds[0].Runs, 1)
	assert.Len(t, ds[0].Runs[0].Items, items, "run items linked")
	sn := srv.Snapshot()
	assert.Len(t, sn.Traces, items)
	assert.Len(t, sn.Scores, items)
	for _, r := range sn.Requests {
		assert.NotEqual(t, 429, r.Status, "%s %s answered 429", r.Method, r.Path)
	}
	assert.LessOrEqual(t, attestctl.Of(srv).MaxRequestsInWindow(window), limit)
}
