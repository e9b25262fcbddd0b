//go:build !unix

package usageapi

import (
	"testing"
	"time"
)

// cpuTime is not measured here: the benchmark reports 0 CPU seconds.
func cpuTime(*testing.B) time.Duration { return 0 }
