package readme_test

import (
	"context"
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
)

func newSampledMaskedClient(ctx context.Context) (*instrument.Client, error) {
	// README: sampling-masking
	email := regexp.MustCompile(`[\w.+-]+@[\w-]+(\.[\w-]+)+`)
	client, err := instrument.New(ctx,
		// Keep one trace in ten: the decision is made per trace, from its id.
		instrument.WithSampleRate(0.1),
		// Applied to every input, output, metadata and event value before
		// it is encoded. It gets the value as passed and must not change it.
		instrument.WithMask(func(v any) any {
			if s, ok := v.(string); ok {
				return email.ReplaceAllString(s, "[email]")
			}
			return v
		}),
	)
	// README end
	return client, err
}

func TestSamplingAndMasking(t *testing.T) {
	srv := newServer(t)
	client, err := newSampledMaskedClient(t.Context())
	require.NoError(t, err)

	var kept, dropped []string
	for i := range 200 {
		// Fixed trace ids, so that the same traces are kept on every run.
		_, tr := client.Trace(t.Context(), "request", instrument.WithInput("mail me at jo@example.com"),
			instrument.WithTraceID(instrument.TraceIDFromSeed(strconv.Itoa(i))))
		if tr.IsRecording() {
			kept = append(kept, tr.TraceID().String())
		} else {
			dropped = append(dropped, tr.TraceID().String())
		}
		tr.End()
	}
	require.NoError(t, client.Shutdown(t.Context()))

	assert.NotEmpty(t, kept)
	assert.Greater(t, len(dropped), len(kept))
	assert.Len(t, srv.Snapshot().Traces, len(kept))
	for _, id := range kept {
		row, ok := srv.Trace(id)
		require.True(t, ok)
		assert.JSONEq(t, `"mail me at [email]"`, row.Input)
	}
}

func TestDisabled(t *testing.T) {
	t.Setenv("AGENTTRACE_API_KEY", "")
	ctx := t.Context()
	// README: disabled
	// No API key needed, no goroutine started, nothing sent: every
	// observation is a no-op. AGENTTRACE_ENABLED=false does the same.
	client, err := instrument.New(ctx, instrument.WithEnabled(false))
	// README end
	require.NoError(t, err)
	_, tr := client.Trace(ctx, "task")
	tr.End()
	assert.False(t, tr.IsRecording())
	assert.NoError(t, client.Shutdown(ctx))
}
