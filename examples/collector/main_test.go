package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/otelcol"
)

// TestValidateConfig runs this Collector's validate command on config.yaml:
// the components it names exist, and their settings pass validation (the
// agenttrace exporter needs its API key from the environment).
func TestValidateConfig(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		wantErr string
	}{
		{name: "with a key", env: map[string]string{"AGENTTRACE_API_KEY": "pk-lf-example"}},
		{name: "self-hosted", env: map[string]string{"AGENTTRACE_API_KEY": "pk-lf-example", "AGENTTRACE_API_URL": "https://agenttrace.internal:3000"}},
		{name: "self-hosted over plain HTTP", env: map[string]string{"AGENTTRACE_API_KEY": "pk-lf-example", "AGENTTRACE_API_URL": "http://agenttrace.internal:3000", "AGENTTRACE_INSECURE": "true"}},
		{name: "plain HTTP refused", env: map[string]string{"AGENTTRACE_API_KEY": "pk-lf-example", "AGENTTRACE_API_URL": "http://agenttrace.internal:3000"}, wantErr: "allow it with insecure: true"},
		{name: "without a key", env: map[string]string{"AGENTTRACE_API_KEY": ""}, wantErr: "no API key: set api_key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			cmd := otelcol.NewCommand(settings())
			var out bytes.Buffer
			cmd.SetOut(&out)
			cmd.SetErr(&out)
			cmd.SetArgs([]string{"validate", "--config=config.yaml"})
			err := cmd.Execute()
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err, out.String())
		})
	}
}

func TestComponents(t *testing.T) {
	f, err := components()
	require.NoError(t, err)
	for _, typ := range []string{"agenttrace", "debug"} {
		assert.Contains(t, f.Exporters, mustType(t, typ))
	}
	assert.NotNil(t, f.Telemetry, "otelcol needs a telemetry factory")
}

func mustType(t *testing.T, s string) component.Type {
	t.Helper()
	typ, err := component.NewType(s)
	require.NoError(t, err)
	return typ
}
