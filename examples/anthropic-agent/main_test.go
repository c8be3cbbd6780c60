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
	got := examplekittest.Replay(t, run, []string{"ANTHROPIC_API_KEY"},
		"trace library-assistant", "trace harbour-assistant",
		`tool check_availability({"title":"Piranesi","author":"Susanna Clarke","branch":"Riverside"})`,
		"TOOL check_availability", "TOOL get_tide_times",
		"tokens=689/94/783", "tokens=812/38/850", "tokens=583/81/664", "tokens=702/42/744",
		"ttft=", "answer: High tide in Porto",
	)
	if n := strings.Count(got, "GENERATION chat"); n != 4 {
		t.Errorf("%d generations, want 4:\n%s", n, got)
	}
}
