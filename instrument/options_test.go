package instrument_test

import (
	"context"
	"strings"
	"testing"

	"github.com/agenttrace/agenttrace-otel-go/connection"
	"github.com/agenttrace/agenttrace-otel-go/exporter"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/agenttrace/agenttrace-otel-go/instrument"
)

func TestNewErrors(t *testing.T) {
	tp := sdktrace.NewTracerProvider()
	defer tp.Shutdown(context.Background())
	tests := []struct {
		name    string
		env     map[string]string
		opts    []instrument.Option
		wantErr string // empty: no error
	}{
		{"missing API key", nil, nil, "no API key"},
		{"key from the environment", map[string]string{"AGENTTRACE_API_KEY": "pk-test"}, nil, ""},
		{"key from an option", nil, []instrument.Option{instrument.WithConnection(connection.Config{APIKey: "pk-test"})}, ""},
		{"disabled needs no key", map[string]string{"AGENTTRACE_ENABLED": "false"}, nil, ""},
		{"option enables over the environment", map[string]string{"AGENTTRACE_ENABLED": "0"}, []instrument.Option{instrument.WithEnabled(true)}, "no API key"},
		{"bad AGENTTRACE_ENABLED", map[string]string{"AGENTTRACE_ENABLED": "maybe"}, []instrument.Option{instrument.WithConnection(connection.Config{APIKey: "k"})}, `AGENTTRACE_ENABLED: "maybe" is not a boolean`},
		{"bad AGENTTRACE_SAMPLE_RATE", map[string]string{"AGENTTRACE_SAMPLE_RATE": "half"}, []instrument.Option{instrument.WithConnection(connection.Config{APIKey: "k"})}, `AGENTTRACE_SAMPLE_RATE: "half" is not a number`},
		{"sample rate out of range", map[string]string{"AGENTTRACE_SAMPLE_RATE": "1.5"}, []instrument.Option{instrument.WithConnection(connection.Config{APIKey: "k"})}, "sample rate 1.5: want 0 to 1"},
		{"option sample rate wins", map[string]string{"AGENTTRACE_SAMPLE_RATE": "1.5"}, []instrument.Option{instrument.WithConnection(connection.Config{APIKey: "k"}), instrument.WithSampleRate(0.2)}, ""},
		{"negative sample rate", nil, []instrument.Option{instrument.WithConnection(connection.Config{APIKey: "k"}), instrument.WithSampleRate(-0.1)}, "sample rate -0.1"},
		{"tiny content budget", nil, []instrument.Option{instrument.WithConnection(connection.Config{APIKey: "k"}), instrument.WithMaxContentBytes(10)}, "max content bytes 10: want at least 128"},
		{"bad exporter environment", map[string]string{"AGENTTRACE_BATCH_SIZE": "many"}, []instrument.Option{instrument.WithConnection(connection.Config{APIKey: "k"})}, "AGENTTRACE_BATCH_SIZE"},
		{"bad batch size option", nil, []instrument.Option{instrument.WithConnection(connection.Config{APIKey: "k"}), instrument.WithExporterOptions(exporter.WithBatchSize(0))}, "batch size 0"},
		{"bad flush interval option", nil, []instrument.Option{instrument.WithConnection(connection.Config{APIKey: "k"}), instrument.WithExporterOptions(exporter.WithFlushInterval(-1))}, "flush interval"},
		{"bad API URL", nil, []instrument.Option{instrument.WithConnection(connection.Config{APIKey: "k", APIURL: "ftp://x"})}, "API URL"},
		{"plain HTTP refused", nil, []instrument.Option{instrument.WithConnection(connection.Config{APIKey: "k", APIURL: "http://agenttrace.example.com"})}, "allow it with Config.Insecure or AGENTTRACE_INSECURE=true"},
		{"plain HTTP with WithInsecure", nil, []instrument.Option{instrument.WithConnection(connection.Config{APIKey: "k", APIURL: "http://agenttrace.example.com", Insecure: true})}, ""},
		{"plain HTTP with AGENTTRACE_INSECURE", map[string]string{"AGENTTRACE_INSECURE": "true", "AGENTTRACE_API_URL": "http://agenttrace.example.com"}, []instrument.Option{instrument.WithConnection(connection.Config{APIKey: "k"})}, ""},
		{"bad AGENTTRACE_INSECURE", map[string]string{"AGENTTRACE_INSECURE": "sure"}, []instrument.Option{instrument.WithConnection(connection.Config{APIKey: "k"})}, `AGENTTRACE_INSECURE: "sure" is not a boolean`},
		{"OTLP endpoint with a user provider", nil, []instrument.Option{instrument.WithConnection(connection.Config{APIKey: "k"}), instrument.WithTracerProvider(tp), instrument.WithOTLPEndpoint("http://localhost:4318")}, "WithOTLPEndpoint"},
		{"span processor with a user provider", nil, []instrument.Option{instrument.WithConnection(connection.Config{APIKey: "k"}), instrument.WithTracerProvider(tp), instrument.WithSpanProcessor(tracetest.NewSpanRecorder())}, "WithSpanProcessor"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A loopback URL that needs a key; nothing is sent.
			t.Setenv("AGENTTRACE_API_URL", "http://127.0.0.1:9")
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			c, err := instrument.New(context.Background(), tt.opts...)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				if err := c.Shutdown(context.Background()); err != nil {
					t.Errorf("Shutdown: %v", err)
				}
				return
			}
			if err == nil {
				c.Shutdown(context.Background())
				t.Fatalf("New succeeded, want an error containing %q", tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "agenttrace") {
				t.Errorf("error %q, want it to contain %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "pk-test") {
				t.Errorf("error %q shows the API key", err)
			}
		})
	}
}
