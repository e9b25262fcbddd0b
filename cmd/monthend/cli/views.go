package cli

import (
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
	"github.com/spf13/cobra"

	"github.com/monthend/monthend/ledger"
)

func (a *app) viewsCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "views",
		Short: "Saved views of invoices: list, show, save, delete",
		Long: `A view is a named filter over invoices plus a sort, such as "Last month —
drafts". A new book has three: "Last month — drafts", "Significant changes"
and "Ready to send". invoices list --view NAME shows a view's invoices.`,
		Example: `  monthend views list
  monthend views save "Big EUR drafts" --period "last month" --status draft --currency EUR --min-total 10000 --sort -total
  monthend invoices list --view "Big EUR drafts"`,
	}
	cmd.AddCommand(a.viewsListCommand(), a.viewsShowCommand(), a.viewsSaveCommand(), a.viewsDeleteCommand())
	return cmd
}

func (a *app) viewsListCommand() *cobra.Command {
	return listCommand(a, listing[ledger.View]{
		use: "list [--json]", short: "List saved views",
		example: "  monthend views list\n  monthend views list --json",
		read:    (*ledger.Book).Views,
		header:  "NAME\tPERIOD\tSTATUS\tSORT",
		row: func(v ledger.View) string {
			var st []string
			for _, s := range v.Status {
				st = append(st, string(s))
			}
			return fmt.Sprintf("%s\t%s\t%s\t%s", v.Name, v.Period, strings.Join(st, ","), v.Sort)
		},
	})
}

func (a *app) viewsShowCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "show NAME",
		Short:   "Show a view's definition (JSON)",
		Example: `  monthend views show "Significant changes"`,
		Args:    exactArgs(1, "show takes one view NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			book, err := a.openBook(false)
			if err != nil {
				return err
			}
			defer book.Close()
			v, err := book.GetView(args[0])
			if err != nil {
				return err
			}
			return writeJSON(a.stdout, v)
		},
	}
}

func (a *app) viewsSaveCommand() *cobra.Command {
	var v ledger.View
	var status, flags []string
	var minTotal, maxTotal, changedPct, changedAmt string
	cmd := &cobra.Command{
		Use:   "save NAME [filters]",
		Short: "Save (or replace) a view",
		Long: `save stores a view: a period (YYYY-MM, "this month" or "last month") and
filters that must all hold — status (any of those given), text in the
customer id, currency, a total range, a change against the previous period
of at least --changed-percent or --changed-amount, flags (any of: significant,
new, missing, minimum, late, stale) — and a sort (customer, total, delta,
delta%, status, id; "-" first for descending).`,
		Example: `  monthend views save "Stale drafts" --period "last month" --status draft --flag stale
  monthend views save "Swings" --period 2026-03 --changed-percent 25 --sort -delta%`,
		Args: exactArgs(1, "save takes one view NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			v.Name = args[0]
			for _, s := range status {
				v.Status = append(v.Status, ledger.InvoiceStatus(s))
			}
			v.Flags = flags
			for _, f := range []struct {
				name, text string
				dst        **decimal.Decimal
			}{{"--min-total", minTotal, &v.MinTotal}, {"--max-total", maxTotal, &v.MaxTotal},
				{"--changed-percent", changedPct, &v.ChangedPercent}, {"--changed-amount", changedAmt, &v.ChangedAmount}} {
				if f.text == "" {
					continue
				}
				d, err := decimal.NewFromString(f.text)
				if err != nil {
					return usagef("%s %q is not a number", f.name, f.text)
				}
				*f.dst = &d
			}
			book, err := a.openBook(true)
			if err != nil {
				return err
			}
			defer book.Close()
			if err := book.SaveView(v); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "saved view %q\n", v.Name)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&v.Period, "period", "last month", `YYYY-MM, "this month" or "last month"`)
	f.StringArrayVar(&status, "status", nil, "draft, issued, sent, paid or void; repeat for any of several")
	f.StringVar(&v.Customer, "customer", "", "text in the customer id")
	f.StringVar(&v.Currency, "currency", "", "ISO 4217 code")
	f.StringVar(&minTotal, "min-total", "", "smallest total")
	f.StringVar(&maxTotal, "max-total", "", "largest total")
	f.StringVar(&changedPct, "changed-percent", "", "total moved by at least this percent against the previous period")
	f.StringVar(&changedAmt, "changed-amount", "", "total moved by at least this amount")
	f.StringArrayVar(&flags, "flag", nil, "significant, new, missing, minimum, late or stale; repeat for any of several")
	f.StringVar(&v.Sort, "sort", "customer", "customer, total, delta, delta%, status or id; - first for descending")
	return cmd
}

func (a *app) viewsDeleteCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "delete NAME",
		Short:   "Delete a view",
		Example: `  monthend views delete "Stale drafts"`,
		Args:    exactArgs(1, "delete takes one view NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			book, err := a.openBook(true)
			if err != nil {
				return err
			}
			defer book.Close()
			if err := book.DeleteView(args[0]); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "deleted view %q\n", args[0])
			return nil
		},
	}
}
