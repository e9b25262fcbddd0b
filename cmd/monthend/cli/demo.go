package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/monthend/monthend/ledger/demo"
)

func (a *app) demoCommand() *cobra.Command {
	var o demo.Options
	var force bool
	cmd := &cobra.Command{
		Use:   "demo [--customers N] [--months M] [--seed S] [--events-per-day E]",
		Short: "Create a demo book: a B2B software company's customers, contracts and usage",
		Long: `demo builds a realistic book at --db: customers in EUR, USD and GBP with
one- to three-year contracts (ramps of +8% a year, 10% and 15% commitment
discounts, free trial months, usage minimums), a platform fee, seats with
changes, usage per 1,000 invoices issued and graduated API pricing; months of
daily usage sent through the real ingestion path, some of it under aliases
nobody has mapped yet; a handful of customers with large swings last month.
Past months are issued and sent (no mail leaves a demo), last month is in
draft. The same seed builds the same book.`,
		Example: `  monthend --db /tmp/demo.db demo
  monthend --db /tmp/big.db demo --customers 5000 --months 13 --seed 7
  monthend --db /tmp/20m.db demo --customers 5000 --events-per-day 5   # ~20M events`,
		Args: exactArgs(0, "demo takes no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			path, err := a.bookPath()
			if err != nil {
				return err
			}
			if _, err := os.Stat(path); err == nil {
				if !force {
					return fmt.Errorf("%s already exists: choose another --db, or --force to replace it", path)
				}
				if err := os.Remove(path); err != nil {
					return err
				}
			} else if !errors.Is(err, os.ErrNotExist) {
				return err
			}
			ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			p := newProgress(a.stderr)
			o.Progress = func(step string, done, total int) {
				p.print(done == total, "demo: %s %d of %d", step, done, total)
			}
			if err := demo.Build(ctx, path, o); err != nil {
				os.Remove(path) // a half-built demo is no use
				return fmt.Errorf("demo: %w", err)
			}
			fmt.Fprintf(a.stdout, "demo book ready: %s (%d customers, %d months)\n", path, o.Customers, o.Months)
			return nil
		},
	}
	cmd.Flags().IntVar(&o.Customers, "customers", 200, "how many customers")
	cmd.Flags().IntVar(&o.Months, "months", 13, "months of history")
	cmd.Flags().IntVar(&o.EventsPerDay, "events-per-day", 1, "usage events per customer, metric and day (totals stay the same; scales the book: 5 gives ~20M events at 5,000 customers)")
	cmd.Flags().Uint64Var(&o.Seed, "seed", 1, "random seed; the same seed builds the same book")
	cmd.Flags().BoolVar(&force, "force", false, "replace an existing book at --db")
	return cmd
}
