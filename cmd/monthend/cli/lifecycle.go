package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/monthend/monthend/ledger"
	"github.com/monthend/monthend/pricing"
)

func (a *app) invoicesPaidCommand() *cobra.Command {
	var date string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "paid ID|NUMBER... [--date YYYY-MM-DD]",
		Short: "Record that issued or sent invoices were paid",
		Long: `paid marks issued or sent invoices paid on --date (default: today in the
customer's time zone), each in its own transaction with an audit record. An
invoice already paid is left as it is, so the command can be run again.
Drafts (issue them first) and void invoices (their replacement is what gets
paid) are refused, as is a date before the issue date; the command then
exits 1 after handling the rest.`,
		Example: `  monthend invoices paid INV-2026-000123
  monthend invoices paid INV-2026-000123 INV-2026-000124 --date 2026-04-18
  monthend invoices paid acme-2026:2026-03 --json`,
		Args: minArgs(1, "paid takes one or more invoice ids or numbers"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var day pricing.Date
			if date != "" {
				var err error
				if day, err = pricing.ParseDate(date); err != nil {
					return usagef("--date %q: a date such as 2026-04-18", date)
				}
			}
			book, err := a.openBook(true)
			if err != nil {
				return err
			}
			defer book.Close()
			results, err := book.MarkPaid(args, day)
			return a.writeStatusResults(results, err, asJSON, "marked paid", func(r ledger.StatusResult) string {
				return "paid " + r.Date.String()
			})
		},
	}
	cmd.Flags().StringVar(&date, "date", "", "the day the payment arrived, YYYY-MM-DD (default today)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print each invoice's result as JSON")
	return cmd
}

func (a *app) invoicesVoidCommand() *cobra.Command {
	var reason string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "void ID|NUMBER... --reason TEXT",
		Short: "Cancel issued, sent or paid invoices with a credit note",
		Long: `void cancels an issued, sent or paid invoice by issuing a credit note: the next
number of its own gapless sequence (CN-YYYY-NNNNNN), every line of the
invoice with amount and tax negated, so it cancels the invoice exactly to
the cent, dated today in the customer's time zone, with --reason. The credit
note, the invoice's move to void and the audit record are written in one
transaction. The invoice keeps its number and figures, and its id moves
aside to "SCHEDULE:PERIOD~NUMBER", so the next recalc of the period drafts a
replacement under "SCHEDULE:PERIOD" (issue it as usual: it gets a new
number). A paid invoice is voided the same way: its credit note is what the
customer is owed.

An invoice whose late usage another issued invoice billed is refused: void
that invoice first (the message names it), else the replacement would bill
the late usage a second time. Drafts are refused; voiding a void invoice
does nothing. A queued, unsent email of the invoice is stopped.

See docs/invoices.md; monthend credit-notes list|show|pdf shows the notes.`,
		Example: `  monthend invoices void INV-2026-000123 --reason "wrong seat count"
  monthend recalc --period 2026-03          # drafts the replacement
  monthend credit-notes pdf INV-2026-000123 # the credit note, to send`,
		Args: minArgs(1, "void takes one or more invoice ids or numbers"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if reason == "" {
				return usagef("give --reason: it is printed on the credit note and kept in the audit trail")
			}
			book, err := a.openBook(true)
			if err != nil {
				return err
			}
			defer book.Close()
			results, err := book.Void(args, reason)
			return a.writeStatusResults(results, err, asJSON, "voided", func(r ledger.StatusResult) string {
				total := ""
				if cn, err := book.CreditNote(r.CreditNote); err == nil {
					total = " for " + pricing.FormatAmount(cn.Total, cn.Currency.MinorUnits()) + " " + cn.Currency.Code()
				}
				inv, err := book.Invoice(r.Number)
				period := "PERIOD"
				if err == nil {
					period = inv.Period.Label
				}
				return fmt.Sprintf("void: credit note %s%s; now %s (monthend recalc --period %s drafts a replacement)",
					r.CreditNote, total, r.ID, period)
			})
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why the invoice is cancelled (printed on the credit note)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print each invoice's result as JSON")
	return cmd
}

// writeStatusResults prints what a lifecycle change did to each invoice
// and fails when any was refused.
func (a *app) writeStatusResults(results []ledger.StatusResult, err error, asJSON bool, verb string, done func(ledger.StatusResult) string) error {
	refused, changed := 0, 0
	for _, r := range results {
		if r.Err != nil {
			refused++
		}
		if r.Changed {
			changed++
		}
	}
	if asJSON {
		if results == nil {
			results = []ledger.StatusResult{}
		}
		if werr := writeJSON(a.stdout, results); werr != nil {
			return werr
		}
	} else {
		for _, r := range results {
			name := r.Number
			if name == "" {
				name = r.ID
			}
			switch {
			case r.Changed:
				fmt.Fprintf(a.stdout, "%s  %s\n", name, done(r))
			case r.Err != nil:
				fmt.Fprintf(a.stdout, "%s  refused: %s\n", name, r.Reason)
			default:
				fmt.Fprintf(a.stdout, "%s  unchanged: %s\n", name, r.Reason)
			}
		}
		fmt.Fprintf(a.stdout, "%d of %d %s\n", changed, len(results), verb)
	}
	if err != nil {
		return err
	}
	if refused > 0 {
		return fmt.Errorf("%d of %d invoices refused (reasons above)", refused, len(results))
	}
	return nil
}

// minArgs is cobra.MinimumNArgs with a usage error that says what is wanted.
func minArgs(n int, want string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < n {
			return usagef("%s (got %d); see monthend %s --help", want, len(args), cmd.CommandPath()[len("monthend "):])
		}
		return nil
	}
}
