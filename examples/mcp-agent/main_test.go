package main

import (
	"context"
	"os"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

// TestMain is also the tool server when the test binary is started again
// as one (the example starts itself).
func TestMain(m *testing.M) {
	if os.Getenv(roleEnv) == "server" {
		main()
		return
	}
	goleak.VerifyTestMain(m)
}

// TestRun runs the example as CI does: traces to the in-process server.
func TestRun(t *testing.T) {
	t.Setenv("AGENTTRACE_API_URL", "")
	var out strings.Builder
	if err := run(context.Background(), &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	got := out.String()
	for _, want := range []string{
		"Lyon: {\"forecast\":\"sunny, 24°C\"}",
		"Atlantis: the tool failed: no station in Atlantis",
		"advisories: none",
		"trace trip-planner",
		"TOOL tools/call get_weather",
		"TOOL resources/read",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	// The server process's observations arrived, in the agent's trace.
	if n := strings.Count(got, "SPAN forecast-lookup"); n != 2 {
		t.Errorf("%d server lookups in the trace, want 2:\n%s", n, got)
	}
}
