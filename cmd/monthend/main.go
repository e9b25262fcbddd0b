// Command monthend is the month-end billing workstation. All behaviour lives
// in package cli so that it can be tested; main only hands over the arguments
// and turns the result into an exit code.
package main

import (
	"os"

	"github.com/monthend/monthend/cmd/monthend/cli"
	"github.com/monthend/monthend/ledger/hugeheap"
)

func main() {
	// An import touched ~100,000 fresh 4 KiB pages of heap and a listing
	// of a month thousands, each a page fault of ~13–18 µs on the
	// project's VM; in huge pages they are a few thousand at most
	// (docs/performance.md, "Huge pages for the heap").
	hugeheap.Advise(hugeheap.ImportPeak)
	os.Exit(cli.Run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
