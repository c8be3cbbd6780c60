package instrument

import (
	"os"
	"syscall"
)

// maxRSS returns the peak resident memory of an ended process in bytes, as
// macOS reports it.
func maxRSS(ps *os.ProcessState) int64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok && ru != nil {
		return ru.Maxrss
	}
	return 0
}
