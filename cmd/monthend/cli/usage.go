package cli

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/monthend/monthend/ledger"
)

func (a *app) usageCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "usage",
		Short: "Import usage events and read usage totals",
		Long: `usage brings usage events into the book and reports on them. The event
format (JSON Lines, CSV, HTTP) is described in docs/usage-ingestion.md.`,
	}
	cmd.AddCommand(a.usageImportCommand(), a.usageUnattributedCommand(), a.usageTotalsCommand())
	return cmd
}

func (a *app) usageImportCommand() *cobra.Command {
	var (
		format string
		batch  int
	)
	cmd := &cobra.Command{
		Use:   "import FILE... [--format jsonl|csv]",
		Short: "Import usage events from JSON Lines or CSV files",
		Long: `import reads usage events from each FILE ("-" is standard input) and stores
them in batched transactions. An event id already in the book with the same
content is reported as a duplicate and not counted again; with different
content it supersedes the stored event. Events for aliases no customer owns
are kept as unattributed.

A bad line is rejected with its file, line number and reason on standard
error; the good lines around it are kept. The summary counts accepted,
duplicate, superseded, unattributed and rejected events. The exit status is
1 if any line was rejected.

The format follows the file name (.csv, .jsonl, .ndjson, .json), else the
first character ('{' means JSON Lines). Columns and fields:
docs/usage-ingestion.md.`,
		Example: `  monthend usage import march.jsonl
  monthend usage import part1.csv part2.csv
  producer | monthend usage import - --format jsonl`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("usage import needs at least one FILE (\"-\" for standard input)")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			var f ledger.Format
			switch format {
			case "":
			case "jsonl", "csv":
				f = ledger.Format(format)
			default:
				return usagef("--format %q: want jsonl or csv", format)
			}
			var sources []ledger.Source
			for _, name := range args {
				src := ledger.Source{Name: name, Format: f}
				if name == "-" {
					src.R = a.stdin
				} else {
					fh, err := os.Open(name)
					if err != nil {
						return fmt.Errorf("usage import: %w", err)
					}
					defer fh.Close()
					if fi, err := fh.Stat(); err == nil {
						src.Size = fi.Size()
					}
					src.R = fh
				}
				sources = append(sources, src)
			}
			b, err := a.openBook(true)
			if err != nil {
				return err
			}
			defer b.Close()
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
			defer stop()
			prog := newProgress(a.stderr)
			var rejected int
			sum, err := b.Import(ctx, sources, ledger.ImportOptions{
				BatchSize: batch,
				Progress: func(p ledger.ImportProgress) {
					prog.print(false, "%s%s: %d lines, %d accepted, %d duplicates, %d unattributed, %d rejected",
						bar(p.Bytes, p.Size), p.File, p.Lines, p.Accepted, p.Duplicates, p.Unattributed, p.Rejected)
				},
				Reject: func(r ledger.Rejection) {
					rejected++
					if rejected <= 100 {
						prog.clear()
						fmt.Fprintln(a.stderr, r)
					}
				},
			})
			prog.clear()
			if rejected > 100 {
				fmt.Fprintf(a.stderr, "… and %d more rejected lines\n", rejected-100)
			}
			fmt.Fprintf(a.stdout, "%s\n", sum)
			if err != nil {
				return fmt.Errorf("%w (the batches before it are stored; rerun the import to finish — repeats count once)", err)
			}
			if sum.Rejected > 0 {
				return fmt.Errorf("%d lines rejected (listed above); fix them and import those lines again", sum.Rejected)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "", "jsonl or csv (default: by file name, else by content)")
	cmd.Flags().IntVar(&batch, "batch", 250000, "events per transaction: more commits less often and holds more in memory (a 1M-event import peaked at ~0.45 GB at 250,000)")
	return cmd
}

func (a *app) usageUnattributedCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "unattributed [--json]",
		Short: "List aliases whose usage maps to no customer yet",
		Long: `unattributed lists each alias with usage that no customer owns, how many
events wait under it, and the timestamps (UTC) of the first and last of them. Map one with monthend aliases map ALIAS CUSTOMER: its
usage then counts for that customer.`,
		Example: "  monthend usage unattributed\n  monthend aliases map acme-prod-eu acme",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := a.openBook(false)
			if err != nil {
				return err
			}
			defer b.Close()
			un, err := b.Unattributed()
			if err != nil {
				return err
			}
			if asJSON {
				if un == nil {
					un = []ledger.UnattributedAlias{}
				}
				return writeJSON(a.stdout, un)
			}
			if len(un) == 0 {
				fmt.Fprintln(a.stdout, "no unattributed usage")
				return nil
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ALIAS\tEVENTS\tFIRST SEEN\tLAST SEEN")
			for _, u := range un {
				fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", u.Alias, u.Events,
					u.FirstSeen.UTC().Format(time.RFC3339), u.LastSeen.UTC().Format(time.RFC3339))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func (a *app) usageTotalsCommand() *cobra.Command {
	var (
		customer, period string
		asJSON           bool
	)
	cmd := &cobra.Command{
		Use:   "totals --customer ID --period YYYY-MM [--json]",
		Short: "Print a customer's usage per metric for a month",
		Long: `totals prints each metric's quantity for the customer over the calendar month
in the customer's time zone, from the daily rollups. Late events (received
after the month was invoiced) are counted and shown separately.`,
		Example: "  monthend usage totals --customer acme --period 2026-03\n  monthend usage totals --customer acme --period 2026-03 --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if customer == "" || period == "" {
				return usagef("usage totals needs --customer and --period (e.g. --period 2026-03)")
			}
			from, to, err := ledger.Month(period)
			if err != nil {
				return usageError{err}
			}
			b, err := a.openBook(false)
			if err != nil {
				return err
			}
			defer b.Close()
			tots, err := b.Totals(customer, from, to)
			if err != nil {
				return err
			}
			if asJSON {
				if tots == nil {
					tots = []ledger.Total{}
				}
				return writeJSON(a.stdout, tots)
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
			fmt.Fprintf(tw, "METRIC\tAGGREGATION\tQUANTITY\tEVENTS\tLATE\t\n")
			for _, t := range tots {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t\n", t.Metric, t.Aggregation, t.Quantity, t.Events, t.LateEvents)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&customer, "customer", "", "customer id")
	cmd.Flags().StringVar(&period, "period", "", "calendar month YYYY-MM, in the customer's time zone")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
