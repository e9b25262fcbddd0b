//go:build unix

package usageapi

import (
	"syscall"
	"testing"
	"time"
)

// cpuTime is the process's user and system CPU time so far: clients,
// server and writer together, which other work on the machine moves far
// less than wall time.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
