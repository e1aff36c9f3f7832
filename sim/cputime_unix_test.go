//go:build unix

package sim

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time the process used so far, every thread, the
// garbage collector's included: on a shared machine it measures the work
// done, where wall time measures the neighbours too.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
