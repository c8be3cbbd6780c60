package examplekittest

import (
	"context"
	"io"
	"strings"
	"testing"
)

// Replay runs run with the variables named by unset (the provider's keys)
// and AGENTTRACE_API_URL empty, fails t when run fails or when its output
// lacks one of want, and returns the output.
func Replay(t testing.TB, run func(context.Context, io.Writer) error, unset []string, want ...string) string {
	t.Helper()
	for _, name := range unset {
		t.Setenv(name, "")
	}
	t.Setenv("AGENTTRACE_API_URL", "")
	var out strings.Builder
	if err := run(context.Background(), &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	got := out.String()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("output lacks %q:\n%s", w, got)
		}
	}
	return got
}
