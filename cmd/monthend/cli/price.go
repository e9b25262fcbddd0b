package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/shopspring/decimal"
	"github.com/spf13/cobra"

	"github.com/monthend/monthend/pricing"
)

func (a *app) priceCommand() *cobra.Command {
	var (
		period string
		usage  []string
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "price FILE --period PERIOD [--usage METRIC=QTY ...] [--json]",
		Short: "Print the invoice a schedule file produces for one billing period",
		Long: `price reads a billing schedule (YAML or JSON, see docs/schedule-format.md)
and prints the invoice it produces for one billing period: every line with the
arithmetic that produced it, then subtotal, tax and total. Nothing is stored.

The invoice for a period is dated at the period's start. It bills advance
lines (fees, seats) for that period and arrears lines (all usage) for the
period before it, so --usage gives the usage of the previous period.

PERIOD is YYYY-MM (the billing period that starts in that month) or
YYYY-MM-DD (the billing period holding that day). FILE "-" reads standard input.`,
		Example: `  monthend price acme.yaml --period 2026-03
  monthend price acme.yaml --period 2026-03 --usage invoices_issued=12400 --usage api_calls=1240
  monthend price acme.yaml --period 2026-03 --usage api_calls=1240 --json | jq .total`,
		Args: exactArgs(1, "price takes one schedule FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if period == "" {
				return usagef("price needs --period, e.g. --period 2026-03")
			}
			totals, err := parseUsageFlags(usage)
			if err != nil {
				return err
			}
			return a.price(args[0], period, totals, asJSON)
		},
	}
	cmd.Flags().StringVar(&period, "period", "", "billing period: YYYY-MM (starts in that month) or YYYY-MM-DD (holds that day)")
	cmd.Flags().StringArrayVar(&usage, "usage", nil, "usage of the billed (previous) period, METRIC=QTY; repeat for each metric")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the stable JSON form (docs/pricing.md) instead of text")
	return cmd
}

// parseUsageFlags reads METRIC=QTY pairs.
func parseUsageFlags(flags []string) (map[string]decimal.Decimal, error) {
	totals := make(map[string]decimal.Decimal, len(flags))
	for _, f := range flags {
		metric, qty, ok := strings.Cut(f, "=")
		metric = strings.TrimSpace(metric)
		if !ok || metric == "" {
			return nil, usagef("--usage %q: want METRIC=QTY, e.g. --usage api_calls=1240", f)
		}
		v, err := decimal.NewFromString(strings.ReplaceAll(strings.TrimSpace(qty), "_", ""))
		if err != nil {
			return nil, usagef("--usage %s: %q is not a number", metric, qty)
		}
		if v.IsNegative() {
			return nil, usagef("--usage %s: usage cannot be negative (%s)", metric, v)
		}
		if _, dup := totals[metric]; dup {
			return nil, usagef("--usage %s is given twice", metric)
		}
		totals[metric] = v
	}
	return totals, nil
}

func (a *app) price(file, ref string, totals map[string]decimal.Decimal, asJSON bool) error {
	data, err := readInput(file, a.stdin)
	if err != nil {
		return err
	}
	s, err := pricing.ParseSchedule(file, data)
	if err != nil {
		return err
	}
	cal := s.Calendar()
	index, err := cal.ParsePeriodRef(ref)
	if err != nil {
		return usageError{err}
	}
	if _, inContract := cal.Period(index); !inContract {
		if _, billsUsage := cal.Period(index - 1); !billsUsage {
			return usagef("period %s is after the contract ends on %s: there is no invoice for it", ref, s.End)
		}
	}
	var u pricing.Usage = pricing.PeriodTotals{}
	if svc, ok := cal.Period(index - 1); ok {
		u = pricing.PeriodTotals{Start: svc.Start, End: svc.End, Totals: totals}
	} else if len(totals) > 0 {
		return usagef("the invoice for %s is the contract's first: it bills no usage (usage of %s is billed on the next invoice)", ref, cal.GridPeriod(index).Label())
	}
	for _, m := range unpricedMetrics(s, totals) {
		fmt.Fprintf(a.stderr, "monthend: note: no line prices metric %q; its --usage is ignored\n", m)
	}
	inv, err := pricing.Price(s, index, u)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	if asJSON {
		out := inv.JSON()
		out.Customer = s.Customer
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	return writeInvoiceText(a.stdout, s, inv)
}

// readInput reads a file, or standard input for "-".
func readInput(name string, stdin io.Reader) ([]byte, error) {
	if name == "-" {
		data, err := io.ReadAll(stdin)
		if err != nil {
			return nil, fmt.Errorf("read standard input: %w", err)
		}
		return data, nil
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("read schedule: %w", err)
	}
	return data, nil
}

// unpricedMetrics lists the --usage metrics no line of the schedule prices.
func unpricedMetrics(s *pricing.Schedule, totals map[string]decimal.Decimal) []string {
	used := map[string]bool{}
	for _, ph := range s.Phases {
		for _, l := range ph.Lines {
			used[l.Metric], used[l.CountMetric] = true, true
		}
	}
	var out []string
	for m := range totals {
		if !used[m] {
			out = append(out, m)
		}
	}
	slices.Sort(out)
	return out
}

// writeInvoiceText prints the invoice for a person: a header, each line
// with its service days and amount and, beneath, how it was computed; then
// subtotal, tax and total.
func writeInvoiceText(w io.Writer, s *pricing.Schedule, inv pricing.Invoice) error {
	title := "Invoice"
	if s.Customer != "" {
		title += " for " + s.Customer
	}
	p := inv.Period
	fmt.Fprintf(w, "%s — billing period %s (%s), %s\n\n", title, p.Label(), p, inv.Currency)
	return writeInvoiceLines(w, inv.Currency, inv.Lines, inv.Subtotal, inv.Tax, inv.Total, len(s.Phases) > 1)
}

// writeInvoiceLines prints invoice lines with their explanations and the
// totals. withPhase appends each line's phase to its name.
func writeInvoiceLines(w io.Writer, cur pricing.Currency, lines []pricing.InvoiceLine, subtotal, tax, total decimal.Decimal, withPhase bool) error {
	minor := cur.MinorUnits()
	if len(lines) == 0 {
		fmt.Fprintln(w, "  Nothing to bill for this period.")
	}
	type row struct{ name, service, amount string }
	rows := make([]row, len(lines))
	nameW, serviceW, amountW := 0, 0, 0
	for i, l := range lines {
		r := row{name: l.Name, amount: pricing.FormatAmount(l.Amount, minor),
			service: l.ServiceStart.Short() + " – " + l.ServiceEnd.AddDays(-1).Short()}
		if l.Phase != "" && withPhase {
			r.name += " (" + l.Phase + ")"
		}
		rows[i] = r
		nameW = max(nameW, utf8.RuneCountInString(r.name))
		serviceW = max(serviceW, utf8.RuneCountInString(r.service))
		amountW = max(amountW, len(r.amount))
	}
	totals := [][3]string{
		{"Subtotal", pricing.FormatAmount(subtotal, minor), ""},
		{"Tax", pricing.FormatAmount(tax, minor), ""},
		{"Total", pricing.FormatAmount(total, minor), " " + cur.Code()},
	}
	for _, t := range totals {
		amountW = max(amountW, len(t[1]))
	}
	for i, r := range rows {
		fmt.Fprintf(w, "  %-*s  %-*s  %*s\n", nameW, r.name, serviceW, r.service, amountW, r.amount)
		fmt.Fprintf(w, "      %s\n", lines[i].Explanation)
	}
	fmt.Fprintln(w)
	labelW := 2 + nameW + 2 + serviceW
	if len(rows) == 0 {
		labelW = 10
	}
	for _, t := range totals {
		fmt.Fprintf(w, "%*s  %*s%s\n", labelW, t[0], amountW, t[1], t[2])
	}
	return nil
}
