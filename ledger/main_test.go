package ledger

import (
	"os"
	"testing"

	"github.com/monthend/monthend/ledger/hugeheap"
)

// TestMain advises the heap for huge pages first thing, as monthend's main
// does, so that the benchmarks measure the import the command runs.
func TestMain(m *testing.M) {
	hugeheap.Advise(hugeheap.ImportPeak)
	os.Exit(m.Run())
}
