package main

import (
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/agenttrace/agenttrace-otel-go/internal/examplekit/examplekittest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestReplay runs the example as CI does: no AWS credentials, traces to the
// in-process server.
func TestReplay(t *testing.T) {
	got := examplekittest.Replay(t, run, []string{"AWS_ACCESS_KEY_ID", "AWS_PROFILE", "BEDROCK_MODEL_ID"},
		"trace library-assistant", "trace library-assistant-stream",
		"TOOL check_availability",
		"tokens=412/96/508", "tokens=547/41/588", "tokens=412/88/500", "tokens=539/19/558",
		"ttft=", "answer: Yes: Riverside has two copies of Piranesi on the shelf.",
	)
	if strings.Contains(got, "level=ERROR") {
		t.Errorf("an observation failed:\n%s", got)
	}
	if n := strings.Count(got, "GENERATION chat"); n != 4 {
		t.Errorf("%d generations, want 4:\n%s", n, got)
	}
}
