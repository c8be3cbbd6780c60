package main

import (
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/agenttrace/agenttrace-otel-go/internal/examplekit/examplekittest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestReplay runs the example as CI does: no provider key, traces to the
// in-process server.
func TestReplay(t *testing.T) {
	got := examplekittest.Replay(t, run, []string{"GEMINI_API_KEY", "GOOGLE_API_KEY"},
		"trace library-assistant", "trace reading-advisor",
		"TOOL check_availability",
		"model=gemini-2.5-flash tokens=96/85/181", "model=gemini-2.5-flash tokens=152/27/179",
		"ttft=", "tokens=24/397/421",
		"answer: Yes: Piranesi is on the shelf",
	)
	if n := strings.Count(got, "GENERATION generate_content"); n != 3 {
		t.Errorf("%d generations, want 3:\n%s", n, got)
	}
}
