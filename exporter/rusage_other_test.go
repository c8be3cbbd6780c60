//go:build !(linux || darwin || freebsd || netbsd || openbsd)

package exporter_test

import "time"

// cpuTime returns 0: the process's CPU time is read with getrusage, which
// this system does not have. Benchmarks then report no CPU figure.
func cpuTime() time.Duration { return 0 }
