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
	// A listing of a month touched thousands of fresh 4 KiB heap pages,
	// each a page fault of ~13 µs on the project's VM; in huge pages it
	// is a handful (docs/performance.md, "The list from the command line").
	hugeheap.Advise(hugeheap.ImportPeak)
	os.Exit(cli.Run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
