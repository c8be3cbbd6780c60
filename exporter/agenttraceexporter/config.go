package agenttraceexporter

import (
	"errors"
	"fmt"
	"time"

	"github.com/agenttrace/agenttrace-otel-go/connection"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/exporter/exporterhelper"

	"github.com/agenttrace/agenttrace-otel-go/exporter"
	"github.com/agenttrace/agenttrace-otel-go/internal/httpapi"
)

// Config is the configuration of the agenttrace exporter. Each field but the
// queue and retry settings maps to a field of the SDK's connection.Config or
// to an option of its exporter package. A zero field takes the SDK's
// default; gzip is on.
type Config struct {
	// Endpoint is the base URL of the AgentTrace API, without /api/public
	// (the SDK's AGENTTRACE_API_URL). A file:// URL selects offline mode:
	// the exact request bodies are appended to that file as JSON Lines.
	// Default: https://api.agenttrace.io.
	Endpoint string `mapstructure:"endpoint"`
	// APIKey is the AgentTrace public API key (pk-...). Required unless
	// Endpoint is a file:// URL. It never appears in logs or errors.
	APIKey configopaque.String `mapstructure:"api_key"`
	// ProjectID is sent in X-Project-ID. Default: none.
	ProjectID string `mapstructure:"project_id"`
	// Insecure allows a plain http:// endpoint to a host that is not
	// loopback, which sends the API key unencrypted (the SDK's
	// connection.Config.Insecure). Without it, such an endpoint is refused; http:// to
	// 127.0.0.0/8, ::1 or localhost is always allowed. Default: false.
	Insecure bool `mapstructure:"insecure"`
	// BatchSize is how many waiting items start a request ahead of the
	// flush interval. Default (0): 100.
	BatchSize int `mapstructure:"batch_size"`
	// MaxRequestBytes is the largest request body (at least 4096); larger
	// events have their largest fields truncated with a visible marker.
	// Default (0): 3.5 MiB, under the server's 4 MiB limit.
	MaxRequestBytes int `mapstructure:"max_request_bytes"`
	// Timeout bounds each HTTP attempt. Default (0): 10s.
	Timeout time.Duration `mapstructure:"timeout"`
	// RetryBudget is how long an item is retried after its first failure;
	// a negative budget disables the SDK's retries. Default (0): 30s.
	RetryBudget time.Duration `mapstructure:"retry_budget"`
	// FlushInterval is how often events kept after a failed request, and
	// trace rows updated by late spans, are sent when no export carries
	// them. Default (0): 5s.
	FlushInterval time.Duration `mapstructure:"flush_interval"`
	// Gzip compresses request bodies. Default: true.
	Gzip bool `mapstructure:"gzip"`
	// ExportAllSpans makes every span an observation, HTTP and database
	// spans included. Default: false (the SDK's default span filter).
	ExportAllSpans bool `mapstructure:"export_all_spans"`

	// QueueConfig is the exporterhelper's sending queue. Default: on, as
	// exporterhelper.NewDefaultQueueConfig.
	QueueConfig configoptional.Optional[exporterhelper.QueueBatchConfig] `mapstructure:"sending_queue"`
	// RetryConfig is the exporterhelper's retry. Default: off, because the
	// SDK's exporter retries (see the package documentation).
	RetryConfig configretry.BackOffConfig `mapstructure:"retry_on_failure"`
}

var _ component.Config = (*Config)(nil)

// createDefaultConfig returns the defaults documented on Config.
func createDefaultConfig() component.Config {
	retry := configretry.NewDefaultBackOffConfig()
	retry.Enabled = false
	return &Config{
		Endpoint:    httpapi.DefaultAPIURL,
		Gzip:        true,
		QueueConfig: configoptional.Some(exporterhelper.NewDefaultQueueConfig()),
		RetryConfig: retry,
	}
}

// configNames are the names of Config's fields in the errors of Validate.
var configNames = httpapi.Names{URL: "endpoint", APIKey: "api_key", Insecure: "insecure: true"}

// Validate checks the settings the Collector can reject while it loads its
// configuration, with the SDK's one check of a connection (its messages
// name the settings as this configuration does). The SDK's exporter checks
// the rest (the 4096-byte minimum request size) when the component starts.
func (c *Config) Validate() error {
	ep := httpapi.Endpoint{URL: c.Endpoint, APIKey: string(c.APIKey), Insecure: c.Insecure}
	errs := []error{ep.Check(configNames)}
	for _, f := range []struct {
		name string
		neg  bool
	}{
		{fmt.Sprintf("batch_size %d", c.BatchSize), c.BatchSize < 0},
		{fmt.Sprintf("max_request_bytes %d", c.MaxRequestBytes), c.MaxRequestBytes < 0},
		{fmt.Sprintf("timeout %s", c.Timeout), c.Timeout < 0},
		{fmt.Sprintf("flush_interval %s", c.FlushInterval), c.FlushInterval < 0},
	} {
		if f.neg {
			errs = append(errs, fmt.Errorf("%s: want 0 (the default) or more", f.name))
		}
	}
	return errors.Join(errs...)
}

// options returns the SDK exporter options of c: its connection, and the
// exporter options of the fields that are set.
func (c *Config) options() []exporter.Option {
	opts := []exporter.Option{
		exporter.WithConnection(connection.Config{
			APIURL: c.Endpoint, APIKey: string(c.APIKey), ProjectID: c.ProjectID, Insecure: c.Insecure,
			Timeout: c.Timeout, RetryBudget: c.RetryBudget,
		}),
		exporter.WithGzip(c.Gzip),
	}
	if c.BatchSize > 0 {
		opts = append(opts, exporter.WithBatchSize(c.BatchSize))
	}
	if c.MaxRequestBytes > 0 {
		opts = append(opts, exporter.WithMaxRequestBytes(c.MaxRequestBytes))
	}
	if c.FlushInterval > 0 {
		opts = append(opts, exporter.WithFlushInterval(c.FlushInterval))
	}
	if c.ExportAllSpans {
		opts = append(opts, exporter.WithExportAllSpans())
	}
	return opts
}
