package main

import (
	"context"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestReplay runs the example as CI does: no provider key, the trace to the
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
		"trace library-assistant", "TOOL check_availability",
		"tokens=689/94/783", "tokens=812/38/850", "tokens=58/143/201",
		"ttft=", "[thinking tokens] 89 of 143 output tokens",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if n := strings.Count(got, "GENERATION chat"); n != 3 {
		t.Errorf("%d generations, want 3:\n%s", n, got)
	}
}
