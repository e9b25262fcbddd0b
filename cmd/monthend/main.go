// Command monthend is the month-end billing workstation. All behaviour lives
// in package cli so that it can be tested; main only hands over the arguments
// and turns the result into an exit code.
package main

import (
	"os"

	"github.com/monthend/monthend/cmd/monthend/cli"
)

func main() {
	if os.Getenv("MONTHEND_THP") != "0" {
		hugeHeap()
	}
	os.Exit(cli.Run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
