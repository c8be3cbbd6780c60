package agenttraceexporter_test

import (
	"fmt"

	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/agenttrace/agenttrace-otel-go/exporter/agenttraceexporter"
)

// The factory's default configuration needs only an API key; Validate says
// what is missing, as the Collector does when it loads its configuration.
func ExampleNewFactory() {
	f := agenttraceexporter.NewFactory()
	cfg := f.CreateDefaultConfig().(*agenttraceexporter.Config)
	fmt.Println(f.Type(), cfg.Endpoint, cfg.RetryConfig.Enabled)
	fmt.Println(confmap.Validate(cfg))

	cfg.APIKey = "pk-lf-example"
	fmt.Println(confmap.Validate(cfg))
	// Output:
	// agenttrace https://api.agenttrace.io false
	// no API key: set api_key (a file:// URL needs none)
	// <nil>
}

// ReadOnlySpans turns what a Collector received into the spans the SDK's
// exporter reads, remote parents included.
func ExampleReadOnlySpans() {
	td := ptrace.NewTraces()
	ss := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty()
	ss.Scope().SetName("github.com/agenttrace/agenttrace-otel-go/instrument")
	s := ss.Spans().AppendEmpty()
	s.SetName("support-ticket")
	s.SetTraceID(pcommon.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
	s.SetSpanID(pcommon.SpanID{1, 1, 1, 1, 1, 1, 1, 1})
	s.SetParentSpanID(pcommon.SpanID{2, 2, 2, 2, 2, 2, 2, 2})
	s.SetFlags(0x301) // sampled; the parent is remote
	s.Attributes().PutStr("agenttrace.trace.name", "support-ticket")

	for _, span := range agenttraceexporter.ReadOnlySpans(td) {
		fmt.Println(span.Name(), span.SpanContext().TraceID(), span.Parent().SpanID(), span.Parent().IsRemote())
		fmt.Println(span.InstrumentationScope().Name)
		for _, kv := range span.Attributes() {
			fmt.Println(kv.Key, kv.Value.AsString())
		}
	}
	// Output:
	// support-ticket 0102030405060708090a0b0c0d0e0f10 0202020202020202 true
	// github.com/agenttrace/agenttrace-otel-go/instrument
	// agenttrace.trace.name support-ticket
}
