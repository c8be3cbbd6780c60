package agenttraceexporter

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/consumer/consumererror"

	"github.com/agenttrace/agenttrace-otel-go/exporter"
)

func TestExportError(t *testing.T) {
	delivery := &exporter.DeliveryError{Lost: map[string]int{"observation": 2}, Reasons: map[string]int{"server rejected": 2}}
	tests := []struct {
		name      string
		err       error
		permanent bool
	}{
		{name: "nil", err: nil},
		{name: "given up by the SDK", err: delivery, permanent: true},
		{name: "wrapped delivery error", err: fmt.Errorf("export: %w", delivery), permanent: true},
		{name: "shut down", err: exporter.ErrShutdown, permanent: true},
		{name: "context ended", err: fmt.Errorf("agenttrace exporter: %w", context.DeadlineExceeded)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := exportError(tt.err)
			if tt.err == nil {
				assert.NoError(t, got)
				return
			}
			assert.Equal(t, tt.permanent, consumererror.IsPermanent(got))
			assert.True(t, errors.Is(got, tt.err), "the SDK's error stays inspectable")
		})
	}
}
