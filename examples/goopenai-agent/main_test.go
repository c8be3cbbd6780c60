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
	t.Setenv("OPENAI_API_KEY", "")
	t.Setenv("AGENTTRACE_API_URL", "")
	var out strings.Builder
	if err := run(context.Background(), &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	got := out.String()
	for _, want := range []string{
		"trace order-assistant", "trace travel-assistant",
		"TOOL get_order_status", "TOOL search_flights",
		"tokens=121/54/175", "tokens=214/46/260",
		"ttft=", "tokens=137/31/168", "tokens=203/27/230",
		"answer: SS-20418 has shipped",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if n := strings.Count(got, "GENERATION chat"); n != 4 {
		t.Errorf("%d generations, want 4:\n%s", n, got)
	}
}
