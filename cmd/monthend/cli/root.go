// Package cli is the monthend command line: the workstation (no sub-command)
// and the headless sub-commands that run the same operations for scripts.
package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
)

// Exit codes. Scripts rely on them, so they are part of the interface.
const (
	exitOK    = 0
	exitError = 1 // the operation failed; stderr says why
	exitUsage = 2 // the command line was wrong; stderr says how to fix it
)

// app holds what every sub-command shares: the streams and the global flags.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	dbFlag         string
	readOnly       bool
}

// usageError marks errors in the command line itself (as opposed to the
// operation), so Run can answer with exitUsage.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// Run executes the command line args and returns the process exit code.
func Run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr}
	root := a.rootCommand()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.Execute()
	if err == nil {
		return exitOK
	}
	fmt.Fprintf(stderr, "monthend: %v\n", err)
	var ue usageError
	if errors.As(err, &ue) {
		return exitUsage
	}
	return exitError
}

// subcommands lists the constructors of the top-level sub-commands; each
// lives in its own file.
var subcommands = []func(*app) *cobra.Command{
	(*app).priceCommand,
	(*app).customersCommand,
	(*app).metricsCommand,
	(*app).aliasesCommand,
	(*app).usageCommand,
	(*app).serveCommand,
	(*app).apikeyCommand,
	(*app).backupCommand,
	(*app).checkCommand,
	(*app).schedulesCommand,
	(*app).productsCommand,
	(*app).quotesCommand,
	(*app).recalcCommand,
	(*app).invoicesCommand,
	(*app).issueCommand,
	(*app).creditNotesCommand,
	(*app).viewsCommand,
	(*app).sendCommand,
	(*app).outboxCommand,
	(*app).demoCommand,
}

func (a *app) rootCommand() *cobra.Command {
	var viewName string
	root := &cobra.Command{
		Use:   "monthend",
		Short: "Month-end billing workstation for B2B contracts",
		Long: `monthend prices B2B contracts (ramps, seats, usage tiers, discounts, minimums),
keeps the book of record in one local file, and runs the month-end close from
the keyboard, offline.

With no sub-command it opens the workstation on the book given by --db:
saved views with counts and totals, the invoice grid beside last month,
invoice detail with every line's explanation, bulk recalc, issue and send,
customers and unattributed usage, the outbox. Press ? inside for the keys.
If another monthend process holds the book, it opens read-only beside it.
Every operation is also a sub-command, for scripts and tests.`,
		Example: `  monthend                                  # the workstation on the default book
  monthend --db demo.db --view "Significant changes"
  monthend --read-only                      # look without changing anything`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.openWorkstation(viewName)
		},
	}
	root.Flags().StringVar(&viewName, "view", "", "open the workstation on this saved view")
	root.PersistentFlags().StringVar(&a.dbFlag, "db", "",
		"path of the book (default $MONTHEND_DB, else $XDG_DATA_HOME/monthend/book.db)")
	root.PersistentFlags().BoolVar(&a.readOnly, "read-only", false, "open the book read-only (works beside a running writer; commands that change the book refuse)")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return usageError{err}
	})
	for _, sub := range subcommands {
		root.AddCommand(sub(a))
	}
	return root
}

// bookPath resolves where the book lives: --db, then $MONTHEND_DB, then the
// XDG data directory.
func (a *app) bookPath() (string, error) {
	if a.dbFlag != "" {
		return a.dbFlag, nil
	}
	if p := os.Getenv("MONTHEND_DB"); p != "" {
		return p, nil
	}
	dir := os.Getenv("XDG_DATA_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("no --db given, $MONTHEND_DB unset and no home directory: %w", err)
		}
		dir = filepath.Join(home, ".local", "share")
	}
	return filepath.Join(dir, "monthend", "book.db"), nil
}
