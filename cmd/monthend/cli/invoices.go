package cli

import (
	"context"
	"fmt"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"

	"github.com/shopspring/decimal"
	"github.com/spf13/cobra"

	"github.com/monthend/monthend/ledger"
	"github.com/monthend/monthend/pricing"
)

func (a *app) recalcCommand() *cobra.Command {
	var period, viewName string
	var all, force, asJSON bool
	cmd := &cobra.Command{
		Use:   "recalc [INVOICE...] [--period YYYY-MM | --view NAME | --all] [--force]",
		Short: "Create and recalculate draft invoices",
		Long: `recalc creates the missing draft invoices of a billing period for every active
schedule and recalculates drafts whose inputs (schedule version, usage)
changed, in parallel, and prints what changed (old total → new total).
Issued invoices are never touched. Running it twice changes nothing the
second time. Ctrl-C stops between batches; what was written stays whole.

  --period YYYY-MM   that period
  --view NAME        the period the saved view shows
  --all              every period that holds drafts (no new drafts are made)
  INVOICE...         only these drafts (ids or schedule:period)
  --force            price every draft again, even those whose inputs did not
                     move (after upgrading monthend, say); a draft still
                     changes only if its figures differ`,
		Example: `  monthend recalc --period 2026-03
  monthend recalc --view "Last month — drafts"
  monthend recalc acme-2026:2026-03 globex-2026:2026-03
  monthend recalc --all --force
  monthend recalc --period 2026-03 --json | jq '.[] | select(.outcome == "updated")'`,
		RunE: func(cmd *cobra.Command, args []string) error {
			given := 0
			for _, g := range []bool{period != "", viewName != "", all, len(args) > 0} {
				if g {
					given++
				}
			}
			if given != 1 {
				return usagef("give one of: invoice ids, --period YYYY-MM, --view NAME or --all")
			}
			if period != "" {
				if _, _, err := ledger.Month(period); err != nil {
					return usageError{err}
				}
			}
			book, err := a.openBook(true)
			if err != nil {
				return err
			}
			defer book.Close()
			// What to recalculate: period label → schedules (nil: all).
			plan := map[string][]string{}
			var labels []string
			add := func(label string, schedules []string) {
				if _, ok := plan[label]; !ok {
					labels = append(labels, label)
				}
				if schedules == nil {
					plan[label] = nil
				} else {
					plan[label] = append(plan[label], schedules...)
				}
			}
			switch {
			case viewName != "":
				v, err := book.GetView(viewName)
				if err != nil {
					return err
				}
				label, err := book.ViewPeriod(v)
				if err != nil {
					return err
				}
				add(label, nil)
			case period != "":
				add(period, nil)
			case all:
				drafts, err := book.DraftPeriods()
				if err != nil {
					return err
				}
				if len(drafts) == 0 {
					fmt.Fprintln(a.stdout, "recalc: no period holds drafts")
					return nil
				}
				for _, l := range drafts {
					add(l, nil)
				}
			default:
				for _, id := range args {
					inv, err := book.Invoice(id)
					if err != nil {
						return err
					}
					if inv.Status != ledger.InvoiceDraft {
						return fmt.Errorf("invoice %s is %s: only drafts are recalculated (issued invoices never change; corrections are credit notes)", id, inv.Status)
					}
					add(inv.Period.Label, []string{inv.ScheduleID})
				}
			}
			ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			var results []ledger.RecalcResult
			for _, label := range labels {
				p := newProgress(a.stderr)
				res, err := book.RecalcWith(ctx, label, ledger.RecalcOptions{Schedules: plan[label], Force: force}, func(done, total int) {
					p.print(done == total, "recalc %s: %d of %d invoices", label, done, total)
				})
				if err != nil {
					return fmt.Errorf("recalc %s: %w", label, err)
				}
				if !asJSON {
					if err := writeRecalcSummary(a, label, res); err != nil {
						return err
					}
				}
				results = append(results, res...)
			}
			if asJSON {
				return writeJSON(a.stdout, results)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&period, "period", "", "the billing period, YYYY-MM")
	cmd.Flags().StringVar(&viewName, "view", "", "recalculate the period of this saved view")
	cmd.Flags().BoolVar(&all, "all", false, "every period that holds drafts")
	cmd.Flags().BoolVar(&force, "force", false, "price every draft again, even when its inputs did not move")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print every invoice's outcome as JSON")
	return cmd
}

func writeRecalcSummary(a *app, period string, results []ledger.RecalcResult) error {
	counts := map[ledger.RecalcOutcome]int{}
	tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	changed := 0
	for _, r := range results {
		counts[r.Outcome]++
		switch r.Outcome {
		case ledger.RecalcCreated, ledger.RecalcUpdated:
			changed++
			minor := int32(2)
			if c, err := pricing.ParseCurrency(r.Currency); err == nil {
				minor = c.MinorUnits()
			}
			before := "new"
			if r.Outcome == ledger.RecalcUpdated {
				before = pricing.FormatAmount(r.Before, minor)
			}
			fmt.Fprintf(tw, "%s\t%s\t→ %s %s\t\n", r.ID, before, pricing.FormatAmount(r.After, minor), r.Currency)
		case ledger.RecalcFailed:
			fmt.Fprintf(a.stderr, "monthend: %s: %s\n", r.ID, r.Reason)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "recalc %s: %d created, %d updated, %d unchanged, %d issued (untouched), %d failed\n", period,
		counts[ledger.RecalcCreated], counts[ledger.RecalcUpdated], counts[ledger.RecalcUnchanged],
		counts[ledger.RecalcSkipped], counts[ledger.RecalcFailed])
	if counts[ledger.RecalcFailed] > 0 {
		return fmt.Errorf("%d invoices could not be priced (see above)", counts[ledger.RecalcFailed])
	}
	return nil
}

func (a *app) invoicesCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "invoices",
		Short: "List and show invoices; record payments; void with a credit note",
		Example: `  monthend invoices list --period 2026-03
  monthend invoices show acme-2026:2026-03
  monthend invoices paid INV-2026-000123 --date 2026-04-18
  monthend invoices void INV-2026-000123 --reason "wrong seat count"`,
	}
	cmd.AddCommand(a.invoicesListCommand(), a.invoicesShowCommand(), a.invoicesPDFCommand(),
		a.invoicesPaidCommand(), a.invoicesVoidCommand())
	return cmd
}

func (a *app) invoicesListCommand() *cobra.Command {
	var period, threshold, viewName string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list --period YYYY-MM | --view NAME",
		Short: "List a period's invoices next to the previous period's, with flags",
		Long: `list shows every invoice of a billing period beside the same schedule's invoice
for the period before: previous total, Δ, Δ% and flags —
  significant  the total moved by --threshold percent or more
  new          no invoice the period before
  missing      billed the period before, no invoice now
  minimum      a usage or invoice minimum was applied
  late         bills late usage of an issued period
  stale        a draft whose inputs moved since it was calculated
--json adds each line's previous amount and change.`,
		Example: "  monthend invoices list --period 2026-03\n  monthend invoices list --view \"Significant changes\"\n  monthend invoices list --period 2026-03 --threshold 10 --json",
		Args:    exactArgs(0, "list takes no arguments; name the period with --period or a view with --view"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if (period == "") == (viewName == "") {
				return usagef("give --period YYYY-MM or --view NAME")
			}
			if period != "" {
				if _, _, err := ledger.Month(period); err != nil {
					return usageError{err}
				}
			}
			th, err := decimal.NewFromString(threshold)
			if err != nil || th.IsNegative() {
				return usagef("--threshold %q: a percentage such as 20", threshold)
			}
			book, err := a.openBook(false)
			if err != nil {
				return err
			}
			defer book.Close()
			// The table needs no lines: read the invoices' summaries.
			// --json prints every line's change, so it reads whole invoices.
			rowsOf, viewRows := book.SummaryRows, book.ViewSummaryRows
			if asJSON {
				rowsOf, viewRows = book.MonthOverMonth, book.ViewRows
			}
			var rows []ledger.InvoiceRow
			if viewName != "" {
				v, err := book.GetView(viewName)
				if err != nil {
					return err
				}
				if rows, period, err = viewRows(v, ledger.Thresholds{Percent: th}); err != nil {
					return err
				}
			} else if rows, err = rowsOf(period, ledger.Thresholds{Percent: th}); err != nil {
				return err
			}
			if asJSON {
				if rows == nil {
					rows = []ledger.InvoiceRow{}
				}
				return writeJSON(a.stdout, rows)
			}
			if len(rows) == 0 {
				fmt.Fprintf(a.stdout, "no invoices for %s: monthend recalc --period %s creates the drafts\n", period, period)
				return nil
			}
			tbl := newTable(9, len(rows)+1, 100)
			tbl.row("ID", "CUSTOMER", "STATUS", "NUMBER", "TOTAL", "PREVIOUS", "Δ", "Δ%", "FLAGS")
			for _, r := range rows {
				minor := r.Currency.MinorUnits()
				id, status, total := r.ID, string(r.Status), ""
				if id == "" {
					id, status = "—", "—"
				} else {
					total = pricing.FormatAmount(r.Total, minor) + " " + r.Currency.Code()
				}
				prev, delta, pct := "", "", ""
				if r.Previous != nil {
					prev = pricing.FormatAmount(r.Previous.Total, minor)
				}
				if r.Change != nil {
					delta = pricing.FormatAmount(r.Change.Delta, minor)
					if r.Change.Percent != nil {
						pct = r.Change.Percent.StringFixed(1)
					}
				}
				tbl.row(id, r.CustomerID, status, r.Number, total, prev, delta, pct, strings.Join(r.Flags, ","))
			}
			return tbl.writeTo(a.stdout)
		},
	}
	cmd.Flags().StringVar(&period, "period", "", "the billing period, YYYY-MM")
	cmd.Flags().StringVar(&viewName, "view", "", "a saved view (monthend views list)")
	cmd.Flags().StringVar(&threshold, "threshold", "20", "flag totals that moved by this percent or more")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON, with line-by-line changes")
	return cmd
}

func (a *app) invoicesShowCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "show ID",
		Short:   "Show an invoice: every line and how it was computed",
		Example: "  monthend invoices show acme-2026:2026-03\n  monthend invoices show INV-2026-000123 --json",
		Args:    exactArgs(1, "show takes one invoice ID or number"),
		RunE: func(cmd *cobra.Command, args []string) error {
			book, err := a.openBook(false)
			if err != nil {
				return err
			}
			defer book.Close()
			inv, err := book.Invoice(args[0])
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(a.stdout, inv)
			}
			fmt.Fprintf(a.stdout, "Invoice %s — customer %s, billing period %s, schedule %s v%d, %s\n",
				inv.ID, inv.CustomerID, inv.Period.Label, inv.ScheduleID, inv.ScheduleVersion, inv.Status)
			if inv.Number != "" {
				fmt.Fprintf(a.stdout, "Number %s, issued %s, due %s", inv.Number, inv.IssueDate, inv.DueDate)
				if !inv.PaidDate.IsZero() {
					fmt.Fprintf(a.stdout, ", paid %s", inv.PaidDate)
				}
				if inv.CreditNote != "" {
					fmt.Fprintf(a.stdout, "; voided by credit note %s (monthend credit-notes show %s)", inv.CreditNote, inv.CreditNote)
				}
				fmt.Fprintln(a.stdout)
			}
			fmt.Fprintln(a.stdout)
			return writeInvoiceLines(a.stdout, inv.Currency, inv.Lines, inv.Subtotal, inv.Tax, inv.Total, true)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// recalcFor recalculates the periods of the named invoices, of --period or
// of --view's period, before an action on them.
func (a *app) recalcFor(ctx context.Context, book *ledger.Book, args []string, period, viewName string) error {
	labels := map[string]bool{}
	switch {
	case period != "":
		labels[period] = true
	case viewName != "":
		v, err := book.GetView(viewName)
		if err != nil {
			return err
		}
		label, err := book.ViewPeriod(v)
		if err != nil {
			return err
		}
		labels[label] = true
	}
	for _, id := range args {
		inv, err := book.Invoice(id)
		if err != nil {
			return err
		}
		labels[inv.Period.Label] = true
	}
	for label := range labels {
		if _, err := book.Recalc(ctx, label, nil); err != nil {
			return fmt.Errorf("recalc %s: %w", label, err)
		}
	}
	return nil
}

func (a *app) issueCommand() *cobra.Command {
	var period, viewName string
	var recalcFirst, asJSON bool
	cmd := &cobra.Command{
		Use:   "issue [INVOICE...] [--period YYYY-MM | --view NAME] [--recalc]",
		Short: "Finalize draft invoices: number, date, due date; never changed again",
		Long: `issue finalizes drafts: each gets the next number of the gapless sequence
INV-YYYY-NNNNNN, today's date in the customer's time zone and a due date from
the customer's payment terms, and never changes again (corrections are credit
notes). A draft whose inputs changed since it was calculated (stale) is
refused with the reason, unless --recalc recalculates the period first.

Invoices are issued up to 64 per transaction, each one whole: if the command
stops half-way, every invoice is either issued or untouched, and running it
again finishes the rest. Give invoice ids or numbers, --period for every draft of a
period, or --view for the drafts a saved view shows.`,
		Example: `  monthend issue acme-2026:2026-03
  monthend issue --period 2026-03
  monthend issue --period 2026-03 --recalc --json
  monthend issue --view "Last month — drafts"`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if period == "" && viewName == "" && len(args) == 0 {
				return usagef("name invoices, or give --period or --view (one of them)")
			}
			book, err := a.openBook(true)
			if err != nil {
				return err
			}
			defer book.Close()
			if recalcFirst {
				if err := a.recalcFor(cmd.Context(), book, args, period, viewName); err != nil {
					return err
				}
			}
			ids, err := a.selectInvoices(book, args, period, viewName, ledger.InvoiceDraft)
			if err != nil {
				return err
			}
			results, err := book.Issue(ids)
			if asJSON {
				if werr := writeJSON(a.stdout, results); werr != nil {
					return werr
				}
			} else {
				issued := 0
				for _, r := range results {
					if r.Issued {
						issued++
						fmt.Fprintf(a.stdout, "%s  issued as %s\n", r.ID, r.Number)
					} else {
						fmt.Fprintf(a.stdout, "%s  not issued: %s\n", r.ID, r.Reason)
					}
				}
				fmt.Fprintf(a.stdout, "%d of %d issued\n", issued, len(ids))
			}
			return err
		},
	}
	cmd.Flags().StringVar(&period, "period", "", "issue every draft of this billing period, YYYY-MM")
	cmd.Flags().StringVar(&viewName, "view", "", "issue the drafts a saved view shows")
	cmd.Flags().BoolVar(&recalcFirst, "recalc", false, "recalculate first, so stale drafts are issued with current figures")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print each invoice's result as JSON")
	return cmd
}
