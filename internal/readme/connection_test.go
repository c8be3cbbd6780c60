package readme_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agenttrace/agenttrace-otel-go/connection"
	"github.com/agenttrace/agenttrace-otel-go/exporter"
	"github.com/agenttrace/agenttrace-otel-go/instrument"
)

// newConfigured is the Configuration section's client: one connection.Config,
// and an exporter option.
func newConfigured(ctx context.Context, key string) (*instrument.Client, error) {
	// README: configuration
	client, err := instrument.New(ctx,
		instrument.WithConnection(connection.Config{APIKey: key, APIURL: "https://agenttrace.internal.example"}),
		instrument.WithExporterOptions(exporter.WithFlushInterval(2*time.Second)),
	)
	// README end
	return client, err
}

func TestConfiguration(t *testing.T) {
	client, err := newConfigured(t.Context(), "pk-readme-0123456789")
	require.NoError(t, err)
	require.NoError(t, client.Shutdown(t.Context()))
	_, err = newConfigured(t.Context(), "")
	require.ErrorContains(t, err, "no API key")
}
