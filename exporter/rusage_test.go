//go:build linux || darwin || freebsd || netbsd || openbsd

package exporter_test

import (
	"syscall"
	"time"
)

// cpuTime returns the user and system CPU time of the process, 0 when it
// cannot be read.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
