package agenttraceexporter

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
)

// TypeStr is the component type of the exporter in Collector
// configurations.
const TypeStr = "agenttrace"

// Type is the component type of the exporter.
var Type = component.MustNewType(TypeStr)

// Stability is the stability level of the traces exporter.
const Stability = component.StabilityLevelAlpha

// NewFactory returns the factory of the agenttrace exporter, for
// otelcol.Factories.Exporters (or an OpenTelemetry Collector Builder
// manifest).
func NewFactory() exporter.Factory {
	return exporter.NewFactory(Type, createDefaultConfig,
		exporter.WithTraces(createTraces, Stability))
}

func createTraces(ctx context.Context, set exporter.Settings, cfg component.Config) (exporter.Traces, error) {
	c := cfg.(*Config)
	te := newTracesExporter(c, set)
	exp, err := exporterhelper.NewTraces(ctx, set, cfg, te.push,
		exporterhelper.WithStart(te.start),
		exporterhelper.WithShutdown(te.shutdown),
		exporterhelper.WithCapabilities(consumer.Capabilities{MutatesData: false}),
		// The SDK's exporter bounds each attempt (timeout) and each request
		// with its retries (retry_budget), and keeps what it could not send
		// when an export is cut short; a deadline of the helper's on top
		// would only cut short requests that are still within those
		// bounds. Shutdown's deadline is kept by tracesComponent.
		exporterhelper.WithTimeout(exporterhelper.TimeoutConfig{}),
		exporterhelper.WithRetry(c.RetryConfig),
		exporterhelper.WithQueue(c.QueueConfig),
	)
	if err != nil {
		return nil, err
	}
	return &tracesComponent{Traces: exp, te: te}, nil
}
