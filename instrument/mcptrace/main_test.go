package mcptrace_test

import (
	"testing"

	"github.com/agenttrace/agenttrace-otel-go/internal/llmtest"
)

func TestMain(m *testing.M) { llmtest.Main(m) }
