package agenttraceexporter_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/exporter/exportertest"

	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttraceexporter"
)

func TestDefaultConfig(t *testing.T) {
	cfg := agenttraceexporter.NewFactory().CreateDefaultConfig().(*agenttraceexporter.Config)
	require.NoError(t, componenttest.CheckConfigStruct(cfg))
	retry := configretry.NewDefaultBackOffConfig()
	retry.Enabled = false
	assert.Equal(t, &agenttraceexporter.Config{
		Endpoint:    "https://api.agenttrace.io",
		Gzip:        true,
		QueueConfig: configoptional.Some(exporterhelper.NewDefaultQueueConfig()),
		RetryConfig: retry,
	}, cfg)
	assert.ErrorContains(t, confmap.Validate(cfg), "no API key: set api_key", "the default config has no key")
}

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)

	custom := agenttraceexporter.NewFactory().CreateDefaultConfig().(*agenttraceexporter.Config)
	custom.Endpoint = "https://agenttrace.example.internal"
	custom.APIKey = "pk-lf-custom"
	custom.ProjectID = "proj-1"
	custom.BatchSize = 50
	custom.MaxRequestBytes = 1 << 20
	custom.Timeout = 3 * time.Second
	custom.RetryBudget = time.Minute
	custom.FlushInterval = 2 * time.Second
	custom.Gzip = false
	custom.ExportAllSpans = true
	queue := exporterhelper.NewDefaultQueueConfig()
	queue.NumConsumers, queue.QueueSize = 2, 500
	custom.QueueConfig = configoptional.Some(queue)
	custom.RetryConfig.Enabled = true
	custom.RetryConfig.InitialInterval = time.Second

	tests := []struct {
		id      component.ID
		want    func(*agenttraceexporter.Config)
		errs    []string
		compare *agenttraceexporter.Config
	}{
		{
			id:   component.NewID(agenttraceexporter.Type),
			want: func(c *agenttraceexporter.Config) { c.APIKey = "pk-lf-test" },
		},
		{
			id:      component.NewIDWithName(agenttraceexporter.Type, "custom"),
			compare: custom,
		},
		{
			id:   component.NewIDWithName(agenttraceexporter.Type, "offline"),
			want: func(c *agenttraceexporter.Config) { c.Endpoint = "file:///var/lib/agenttrace/ingestion.jsonl" },
		},
		{
			id:   component.NewIDWithName(agenttraceexporter.Type, "nokey"),
			errs: []string{"no API key: set api_key (a file:// URL needs none)"},
		},
		{
			id:   component.NewIDWithName(agenttraceexporter.Type, "badscheme"),
			errs: []string{`endpoint "ftp://agenttrace.example.internal": want http://, https:// or file://`},
		},
		{
			id:   component.NewIDWithName(agenttraceexporter.Type, "loopback"),
			want: func(c *agenttraceexporter.Config) { c.Endpoint, c.APIKey = "http://127.0.0.1:3000", "pk-lf-test" },
		},
		{
			id:   component.NewIDWithName(agenttraceexporter.Type, "plainhttp"),
			errs: []string{`endpoint "http://agenttrace.example.internal:3000": plain HTTP to a host that is not loopback would send the API key unencrypted: use https://, or allow it with insecure: true`},
		},
		{
			id: component.NewIDWithName(agenttraceexporter.Type, "insecure"),
			want: func(c *agenttraceexporter.Config) {
				c.Endpoint, c.APIKey, c.Insecure = "http://agenttrace.example.internal:3000", "pk-lf-test", true
			},
		},
		{
			id: component.NewIDWithName(agenttraceexporter.Type, "ranges"),
			errs: []string{
				"batch_size -1: want 0 (the default) or more",
				"max_request_bytes -1: want 0 (the default) or more",
				"timeout -1s: want 0 (the default) or more",
				"flush_interval -1s: want 0 (the default) or more",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.id.String(), func(t *testing.T) {
			cfg := agenttraceexporter.NewFactory().CreateDefaultConfig().(*agenttraceexporter.Config)
			sub, err := cm.Sub(tt.id.String())
			require.NoError(t, err)
			require.NoError(t, sub.Unmarshal(cfg))
			err = confmap.Validate(cfg)
			if len(tt.errs) > 0 {
				require.Error(t, err)
				for _, e := range tt.errs {
					assert.ErrorContains(t, err, e)
				}
				return
			}
			require.NoError(t, err)
			want := tt.compare
			if want == nil {
				want = agenttraceexporter.NewFactory().CreateDefaultConfig().(*agenttraceexporter.Config)
				tt.want(want)
			}
			assert.Equal(t, want, cfg)
		})
	}
}

// TestAPIKeyIsOpaque checks that the key is redacted when the Collector
// prints its configuration (the otelcol print-config command, debug logs).
func TestAPIKeyIsOpaque(t *testing.T) {
	cfg := agenttraceexporter.NewFactory().CreateDefaultConfig().(*agenttraceexporter.Config)
	cfg.APIKey = "pk-lf-secret-key"
	conf := confmap.New()
	require.NoError(t, conf.Marshal(cfg))
	assert.Equal(t, "[REDACTED]", conf.Get("api_key"))
}

// TestInsecureReachesTheExporter checks that insecure is given to the SDK's
// exporter, which checks the endpoint again when the component starts.
// Nothing is sent.
func TestInsecureReachesTheExporter(t *testing.T) {
	for _, insecure := range []bool{false, true} {
		cfg := agenttraceexporter.NewFactory().CreateDefaultConfig().(*agenttraceexporter.Config)
		cfg.Endpoint, cfg.APIKey, cfg.Insecure = "http://agenttrace.example.internal:3000", "pk-lf-test", insecure
		ctx := context.Background()
		exp, err := agenttraceexporter.NewFactory().CreateTraces(ctx, exportertest.NewNopSettings(agenttraceexporter.Type), cfg)
		require.NoError(t, err)
		err = exp.Start(ctx, componenttest.NewNopHost())
		if insecure {
			assert.NoError(t, err)
		} else {
			assert.ErrorContains(t, err, "plain HTTP")
		}
		require.NoError(t, exp.Shutdown(ctx))
	}
}
