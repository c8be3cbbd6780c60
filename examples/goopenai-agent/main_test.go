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
	got := examplekittest.Replay(t, run, []string{"OPENAI_API_KEY"},
		"trace order-assistant", "trace travel-assistant",
		"TOOL get_order_status", "TOOL search_flights",
		"tokens=121/54/175", "tokens=214/46/260",
		"ttft=", "tokens=137/31/168", "tokens=203/27/230",
		"answer: SS-20418 has shipped",
	)
	if n := strings.Count(got, "GENERATION chat"); n != 4 {
		t.Errorf("%d generations, want 4:\n%s", n, got)
	}
}
