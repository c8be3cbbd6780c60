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
	t.Setenv("GEMINI_API_KEY", "")
	t.Setenv("GOOGLE_API_KEY", "")
	t.Setenv("AGENTTRACE_API_URL", "")
	var out strings.Builder
	if err := run(context.Background(), &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	got := out.String()
	for _, want := range []string{
		"trace library-assistant", "trace reading-advisor",
		"TOOL check_availability",
		"model=gemini-2.5-flash tokens=96/85/181", "model=gemini-2.5-flash tokens=152/27/179",
		"ttft=", "tokens=24/397/421",
		"answer: Yes: Piranesi is on the shelf",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if n := strings.Count(got, "GENERATION generate_content"); n != 3 {
		t.Errorf("%d generations, want 3:\n%s", n, got)
	}
}
