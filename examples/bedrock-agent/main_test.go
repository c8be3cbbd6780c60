package main

import (
	"context"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestReplay runs the example as CI does: no AWS credentials, traces to the
// in-process server.
func TestReplay(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("BEDROCK_MODEL_ID", "")
	t.Setenv("AGENTTRACE_API_URL", "")
	var out strings.Builder
	if err := run(context.Background(), &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	got := out.String()
	for _, want := range []string{
		"trace library-assistant", "trace library-assistant-stream",
		"TOOL check_availability",
		"tokens=412/96/508", "tokens=547/41/588", "tokens=412/88/500", "tokens=539/19/558",
		"ttft=", "answer: Yes: Riverside has two copies of Piranesi on the shelf.",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "level=ERROR") {
		t.Errorf("an observation failed:\n%s", got)
	}
	if n := strings.Count(got, "GENERATION chat"); n != 4 {
		t.Errorf("%d generations, want 4:\n%s", n, got)
	}
}
