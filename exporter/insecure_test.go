package exporter_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/agenttrace/agenttrace-otel-go/connection"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agenttrace/agenttrace-otel-go/exporter"
)

// TestPlainHTTP checks that New refuses to send the key in clear to a host
// that is not loopback unless WithInsecure or AGENTTRACE_INSECURE allows it.
// No test sends anything: New connects to nothing.
func TestPlainHTTP(t *testing.T) {
	tests := []struct {
		name    string
		url     string
		env     string // AGENTTRACE_INSECURE
		opts    []exporter.Option
		wantErr []string
	}{
		{name: "loopback v4", url: "http://127.0.0.1:3000"},
		{name: "loopback v6", url: "http://[::1]:3000"},
		{name: "localhost", url: "http://localhost:3000"},
		{name: "https", url: "https://agenttrace.example.com"},
		{name: "file", url: "file://" + filepath.Join(t.TempDir(), "out.jsonl")},
		{
			name:    "plain HTTP refused",
			url:     "http://agenttrace.example.com",
			wantErr: []string{`API URL "http://agenttrace.example.com": plain HTTP`, "Config.Insecure or AGENTTRACE_INSECURE=true"},
		},
		{name: "plain HTTP with WithInsecure", url: "http://agenttrace.example.com", opts: []exporter.Option{exporter.WithConnection(connection.Config{Insecure: true})}},
		{name: "plain HTTP with AGENTTRACE_INSECURE", url: "http://agenttrace.example.com", env: "true"},
		{
			name:    "AGENTTRACE_INSECURE=false refuses",
			url:     "http://10.0.0.7:3000",
			env:     "false",
			wantErr: []string{"Config.Insecure"},
		},
		{
			name:    "AGENTTRACE_INSECURE not a boolean",
			url:     "https://agenttrace.example.com",
			env:     "sure",
			wantErr: []string{`AGENTTRACE_INSECURE: "sure" is not a boolean`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("AGENTTRACE_INSECURE", tt.env)
			opts := append([]exporter.Option{exporter.WithConnection(connection.Config{APIURL: tt.url, APIKey: "pk-test"})}, tt.opts...)
			exp, err := exporter.New(opts...)
			if len(tt.wantErr) > 0 {
				require.Error(t, err)
				for _, w := range tt.wantErr {
					assert.ErrorContains(t, err, w)
				}
				assert.NotContains(t, err.Error(), "pk-test")
				return
			}
			require.NoError(t, err)
			require.NoError(t, exp.Shutdown(context.Background()))
		})
	}
}
