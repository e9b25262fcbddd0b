package usageapi

import (
	"os"
	"testing"

	"github.com/monthend/monthend/ledger/hugeheap"
)

// TestMain advises the heap for huge pages first thing, as monthend's main
// does before it serves, so that the benchmarks measure the server users run.
func TestMain(m *testing.M) {
	hugeheap.Advise(hugeheap.ImportPeak)
	os.Exit(m.Run())
}
