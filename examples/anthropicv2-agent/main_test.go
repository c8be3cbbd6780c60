package main

import (
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/agenttrace/agenttrace-otel-go/internal/examplekit/examplekittest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestReplay runs the example as CI does: no provider key, the trace to the
// in-process server.
func TestReplay(t *testing.T) {
	got := examplekittest.Replay(t, run, []string{"ANTHROPIC_API_KEY"},
		"trace library-assistant", "TOOL check_availability",
		"tokens=689/94/783", "tokens=812/38/850", "tokens=58/143/201",
		"ttft=", "[thinking tokens] 89 of 143 output tokens",
	)
	if n := strings.Count(got, "GENERATION chat"); n != 3 {
		t.Errorf("%d generations, want 3:\n%s", n, got)
	}
}
