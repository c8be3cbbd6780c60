//go:build !(linux || darwin || freebsd || netbsd || openbsd)

package benchkit

import "time"

// CPUTime returns 0: the process's CPU time is read on Unix systems only,
// and benchmarks report no CPU per span elsewhere.
func CPUTime() time.Duration { return 0 }
