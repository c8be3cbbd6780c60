package main

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// The example runs against the in-process server and prints every kind of
// agent record it sent.
func TestRun(t *testing.T) {
	t.Setenv("AGENTTRACE_API_URL", "")
	t.Setenv("GIT_CONFIG_GLOBAL", os.DevNull)
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	var out bytes.Buffer
	if err := run(context.Background(), &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	got := out.String()
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^trace fix-off-by-one [0-9a-f]{32} `),
		regexp.MustCompile(`(?m)^  before-edit  pre_edit  2 files, 271 bytes, commit [0-9a-f]{7} on main, changed: -$`),
		regexp.MustCompile(`(?m)^  after-edit   post_edit 2 files, 347 bytes, commit [0-9a-f]{7} on main, changed: sum.go, sum_test.go$`),
		regexp.MustCompile(`(?m)^  update  sum.go       \+1 -1  by edit_file: include n in the sum$`),
		regexp.MustCompile(`(?m)^      \+\tfor i := 1; i <= n; i\+\+ \{$`),
		regexp.MustCompile(`(?m)^  update  sum_test.go  \+4 -2  by write_file: test the edge case n=1$`),
		regexp.MustCompile(`(?m)^  \$ go test ./...  \(exit 0, `),
		regexp.MustCompile(`(?m)^      ok  \texample.com/sum\t`),
		regexp.MustCompile(`(?m)^  \$ git -c commit.gpgsign=false commit -q -m "Fix off-by-one in Sum\\n\\nSum\(n\) now includes n."  \(exit 0, `),
		regexp.MustCompile(`(?m)^  end [0-9a-f]{7} on main by Coding Agent: "Fix off-by-one in Sum"$`),
		regexp.MustCompile(`(?m)^      parent [0-9a-f]{7}, modified sum.go, sum_test.go, \+5 -3$`),
	} {
		if !want.MatchString(got) {
			t.Errorf("output does not match %s", want)
		}
	}
	if t.Failed() || strings.Contains(got, "ERROR") {
		t.Log(got)
	}
}
