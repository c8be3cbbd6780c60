package main

import (
	"context"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestReplay runs the example as CI does: no provider key, traces to the
// in-process server.
func TestReplay(t *testing.T) {
	t.Setenv("ANTHROPIC_API_KEY", "")
	t.Setenv("AGENTTRACE_API_URL", "")
	var out strings.Builder
	if err := run(context.Background(), &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	got := out.String()
	for _, want := range []string{
		"trace library-assistant", "trace harbour-assistant",
		`tool check_availability({"title":"Piranesi","author":"Susanna Clarke","branch":"Riverside"})`,
		"TOOL check_availability", "TOOL get_tide_times",
		"tokens=689/94/783", "tokens=812/38/850", "tokens=583/81/664", "tokens=702/42/744",
		"ttft=", "answer: High tide in Porto",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if n := strings.Count(got, "GENERATION chat"); n != 4 {
		t.Errorf("%d generations, want 4:\n%s", n, got)
	}
}
