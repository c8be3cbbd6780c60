package benchkit_test

import (
	"crypto/sha256"
	"net/http"
	"runtime"
	"strings"
	"testing"

	"github.com/agenttrace/agenttrace-otel-go/internal/benchkit"
)

func TestCPUTimeGrows(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" || runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		t.Skip("no CPU time on " + runtime.GOOS)
	}
	before := benchkit.CPUTime()
	sum := sha256.Sum256(nil)
	for range 200000 {
		sum = sha256.Sum256(sum[:])
	}
	if after := benchkit.CPUTime(); after <= before {
		t.Errorf("CPU time %v after work, %v before", after, before)
	}
}

func TestSink(t *testing.T) {
	srv := benchkit.Sink(t, "application/json", `{"ok":true}`)
	resp, err := http.Post(srv.URL, "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("Content-Type %q", resp.Header.Get("Content-Type"))
	}
}
