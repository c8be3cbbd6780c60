package jaeger

import (
	"bytes"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
)

// buildModule is the directory of the module pinning Jaeger as a tool,
// relative to this package's source directory. It is a module of its own
// because Jaeger v1.76.0 is built on an OpenTelemetry release whose log API
// cannot share a build with the otel v1.47.0 this repository uses.
const buildModule = "../jaegerbuild"

// binary builds Jaeger once per test process.
var binary = sync.OnceValues(buildBinary)

// Binary returns the path of a Jaeger executable built from the pinned
// version, building it on first use. It runs `go tool -n jaeger` in the
// build module, which links the executable into the go build cache (or finds
// it there) and prints its path. A cold build takes minutes; `make test`
// builds it before running the tests.
func Binary() (string, error) {
	return binary()
}

func buildBinary() (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok || !filepath.IsAbs(file) {
		return "", errors.New("jaeger: cannot locate the source directory of the build module (built with -trimpath?)")
	}
	cmd := exec.Command("go", "tool", "-n", "jaeger")
	cmd.Dir = filepath.Join(filepath.Dir(file), buildModule)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("jaeger: building with `go tool -n jaeger` in %s: %w\n%s", cmd.Dir, err, stderr.Bytes())
	}
	path := strings.TrimSpace(stdout.String())
	if path == "" || !filepath.IsAbs(path) {
		return "", fmt.Errorf("jaeger: `go tool -n jaeger` printed %q, want the path of the executable", path)
	}
	return path, nil
}
