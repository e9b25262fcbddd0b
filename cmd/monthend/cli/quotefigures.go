package cli

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/shopspring/decimal"
	"github.com/spf13/cobra"

	"github.com/monthend/monthend/integrations/documents"
	"github.com/monthend/monthend/ledger"
	"github.com/monthend/monthend/pricing"
)

func (a *app) quotesFiguresCommand() *cobra.Command {
	var (
		version int
		usage   []string
		asJSON  bool
	)
	cmd := &cobra.Command{
		Use:   "figures ID [--usage METRIC=QTY ...] [--version N] [--json]",
		Short: "Price a quote: per phase, per contract year, TCV, discount, first invoices",
		Long: `figures prices every invoice of the quote's term with the pricing core, at an
assumed usage: --usage METRIC=QTY per billing period (each period's usage
counted on its first day; metrics not given are not used). It prints each
phase's price per period and per year (its first full period; a phase
without one shows its total), the revenue of each contract year, the total
contract value (net, before tax), the list value without discounts and the
effective discount, then the first three invoices line by line — the very
invoices the executed schedule will bill for that usage.`,
		Example: `  monthend quotes figures contoso-2026
  monthend quotes figures contoso-2026 --usage invoices_issued=12400 --usage api_calls=6240
  monthend quotes figures contoso-2026 --version 1 --json | jq .tcv`,
		Args: exactArgs(1, "figures takes one quote ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			perPeriod, err := parseUsageFlags(usage)
			if err != nil {
				return err
			}
			q, err := a.readQuote(args[0], version)
			if err != nil {
				return err
			}
			for _, m := range unpricedMetrics(q.Schedule, perPeriod) {
				fmt.Fprintf(a.stderr, "monthend: note: no line of the quote prices metric %q; its --usage is ignored\n", m)
			}
			f, err := q.Figures(perPeriod)
			if err != nil {
				return fmt.Errorf("quote %s v%d: %w", q.ID, q.Version, err)
			}
			if asJSON {
				return writeJSON(a.stdout, figuresJSON(q, f))
			}
			return writeFigures(a.stdout, q, f)
		},
	}
	cmd.Flags().IntVar(&version, "version", 0, "the version (default: the newest)")
	cmd.Flags().StringArrayVar(&usage, "usage", nil, "assumed usage per billing period, METRIC=QTY; repeat for each metric")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON (money as strings at the currency's minor units)")
	return cmd
}

// previewCount is how many invoices figures shows.
const previewCount = 3

// QuoteFiguresJSON is the stable JSON of quotes figures.
type QuoteFiguresJSON struct {
	Quote             string                `json:"quote"`
	Version           int                   `json:"version"`
	Currency          string                `json:"currency"`
	TCV               string                `json:"tcv"`
	ListTCV           string                `json:"list_tcv"`
	Discount          string                `json:"discount"`
	EffectiveDiscount string                `json:"effective_discount_percent"`
	Phases            []phaseFiguresJSON    `json:"phases"`
	Years             []yearFiguresJSON     `json:"years"`
	Preview           []pricing.InvoiceJSON `json:"preview"`
}

type phaseFiguresJSON struct {
	Name      string       `json:"name"`
	Start     pricing.Date `json:"start"`
	End       pricing.Date `json:"end"`
	PerPeriod string       `json:"per_period"`
	PerYear   string       `json:"per_year"`
	Full      bool         `json:"full_period"`
	Total     string       `json:"total"`
}

type yearFiguresJSON struct {
	Year   int          `json:"year"`
	Start  pricing.Date `json:"start"`
	End    pricing.Date `json:"end"`
	Amount string       `json:"amount"`
}

func figuresJSON(q ledger.Quote, f pricing.Figures) QuoteFiguresJSON {
	minor := f.Currency.MinorUnits()
	money := func(d decimal.Decimal) string { return d.StringFixed(minor) }
	out := QuoteFiguresJSON{Quote: q.ID, Version: q.Version, Currency: f.Currency.Code(),
		TCV: money(f.TCV), ListTCV: money(f.ListTCV), Discount: money(f.Discount),
		EffectiveDiscount: f.EffectiveDiscount.String()}
	for _, p := range f.Phases {
		out.Phases = append(out.Phases, phaseFiguresJSON{Name: p.Name, Start: p.Start, End: p.End,
			PerPeriod: money(p.PerPeriod), PerYear: money(p.PerYear), Full: p.Full, Total: money(p.Total)})
	}
	for _, y := range f.Years {
		out.Years = append(out.Years, yearFiguresJSON{Year: y.Year, Start: y.Start, End: y.End, Amount: money(y.Amount)})
	}
	for _, inv := range f.Invoices[:min(previewCount, len(f.Invoices))] {
		j := inv.JSON()
		j.Customer = q.Schedule.Customer
		out.Preview = append(out.Preview, j)
	}
	return out
}

func writeFigures(w io.Writer, q ledger.Quote, f pricing.Figures) error {
	cur := f.Currency
	amt := func(d decimal.Decimal) string { return pricing.FormatAmount(d, cur.MinorUnits()) }
	per := strings.TrimSuffix(string(q.Schedule.Billing.Frequency), "ly")
	if per == "annual" {
		per = "year"
	}
	fmt.Fprintf(w, "Quote %s v%d (%s) for %s, %s — %d months from %s, billed %s\n\n",
		q.ID, q.Version, q.Status, q.Party(), cur, q.TermMonths, q.Schedule.Start, q.Schedule.Billing.Frequency)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "Phase\tFrom\tTo\tPer %s\tPer year\tPhase total\t\n", per)
	for _, p := range f.Phases {
		perPeriod, perYear := amt(p.PerPeriod), amt(p.PerYear)
		if !p.Full {
			perPeriod, perYear = "(short)", "—"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t\n", p.Name, p.Start, p.End.AddDays(-1), perPeriod, perYear, amt(p.Total))
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "Contract year\tFrom\tTo\tRevenue\t\n")
	for _, y := range f.Years {
		fmt.Fprintf(tw, "Year %d\t%s\t%s\t%s\t\n", y.Year, y.Start, y.End.AddDays(-1), amt(y.Amount))
	}
	tw.Flush()
	fmt.Fprintln(w)
	fmt.Fprintf(w, "Total contract value  %s %s (net, before tax)\n", amt(f.TCV), cur)
	fmt.Fprintf(w, "List value            %s %s\n", amt(f.ListTCV), cur)
	// A percentage to read, not money: two places.
	fmt.Fprintf(w, "Effective discount    %s %s (%s%%)\n", amt(f.Discount), cur, f.EffectiveDiscount.StringFixed(2))
	n := min(previewCount, len(f.Invoices))
	for i, inv := range f.Invoices[:n] {
		fmt.Fprintf(w, "\nInvoice %d of %d — billing period %s (%s)\n", i+1, len(f.Invoices), inv.Period.Label(), inv.Period)
		if err := writeInvoiceLines(w, cur, inv.Lines, inv.Subtotal, inv.Tax, inv.Total, len(q.Schedule.Phases) > 1); err != nil {
			return err
		}
	}
	return nil
}

// writeQuoteText prints a quote version for a person.
func writeQuoteText(w io.Writer, q ledger.Quote, versions int) {
	s := q.Schedule
	cur := s.Currency
	fmt.Fprintf(w, "Quote %s — version %d of %d, %s\n", q.ID, q.Version, versions, q.Status)
	if p := q.Prospect; p != nil {
		fmt.Fprintf(w, "For:      %s (prospect)", p.Name)
		if p.LegalName != "" {
			fmt.Fprintf(w, ", %s", p.LegalName)
		}
		fmt.Fprintln(w)
		if len(p.Emails) > 0 {
			fmt.Fprintf(w, "Billing:  %s\n", strings.Join(p.Emails, ", "))
		}
		if p.Address != "" {
			fmt.Fprintf(w, "Address:  %s\n", p.Address)
		}
	}
	if q.CustomerID != "" {
		fmt.Fprintf(w, "Customer: %s (%s)\n", q.CustomerID, s.Customer)
	}
	fmt.Fprintf(w, "Term:     %d months, %s – %s, billed %s in %s (%s)\n", q.TermMonths, s.Start, s.End.AddDays(-1), s.Billing.Frequency, cur, s.TimeZone)
	fmt.Fprintf(w, "Payment:  %d days; tax %s%%\n", q.PaymentTermsDays, pricing.FormatAmount(s.TaxRate, 0))
	fmt.Fprintf(w, "Expires:  %s\n", q.Expires)
	if q.Notes != "" {
		fmt.Fprintf(w, "Notes:    %s\n", q.Notes)
	}
	for _, d := range s.Discounts {
		fmt.Fprintf(w, "Discount: %s on every invoice\n", documents.DiscountText(d, cur))
	}
	for i, ph := range s.Phases {
		start := s.Start
		if i > 0 {
			start = ph.Start
		}
		fmt.Fprintf(w, "\n%s (from %s)\n", ph.Name, start)
		for _, l := range ph.Lines {
			src := ""
			for _, ls := range q.Lines {
				if ls.Phase == ph.Name && ls.Line == l.Name {
					src = "  [" + ls.Product + "]"
				}
			}
			fmt.Fprintf(w, "  %-24s %s%s\n", l.Name, documents.PriceText(l, cur), src)
			for _, d := range l.Discounts {
				fmt.Fprintf(w, "  %-24s discount %s\n", "", documents.DiscountText(d, cur))
			}
		}
		for _, d := range ph.Discounts {
			fmt.Fprintf(w, "  discount %s on the phase\n", documents.DiscountText(d, cur))
		}
		if m := ph.Minimum; m != nil {
			fmt.Fprintf(w, "  usage minimum %s per %s\n", pricing.FormatAmount(m.Amount, cur.MinorUnits()), m.Per)
		}
	}
	for _, name := range sortedSeatNames(s.Seats) {
		var parts []string
		for _, c := range s.Seats[name] {
			parts = append(parts, fmt.Sprintf("%s from %s", pricing.FormatAmount(c.Quantity, 0), c.From))
		}
		fmt.Fprintf(w, "\nSeats %s: %s\n", name, strings.Join(parts, ", "))
	}
	fmt.Fprintln(w)
	stamp := func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }
	fmt.Fprintf(w, "Saved %s", stamp(q.SavedAt))
	if !q.SentAt.IsZero() {
		fmt.Fprintf(w, "; sent %s", stamp(q.SentAt))
		if q.SignatureRequestID != "" {
			fmt.Fprintf(w, " (signature request %s)", q.SignatureRequestID)
		}
	}
	if !q.SignedAt.IsZero() {
		fmt.Fprintf(w, "; signed by %s %s (%s)", q.SignedBy, stamp(q.SignedAt), q.SignedVia)
	}
	if !q.DeclinedAt.IsZero() {
		fmt.Fprintf(w, "; declined %s %s", stamp(q.DeclinedAt), q.DeclineReason)
	}
	if !q.ExpiredAt.IsZero() {
		fmt.Fprintf(w, "; expired")
	}
	if !q.ExecutedAt.IsZero() {
		fmt.Fprintf(w, "; executed %s as schedule %s", stamp(q.ExecutedAt), q.ScheduleID)
	}
	fmt.Fprintln(w)
	if q.Status == ledger.QuoteDraft || q.Status == ledger.QuoteSent {
		fmt.Fprintf(w, "Figures: monthend quotes figures %s --usage METRIC=QTY\n", q.ID)
	}
}

func sortedSeatNames(m map[string][]pricing.SeatChange) []string {
	return slices.Sorted(maps.Keys(m))
}

func decimalInt(n int64) decimal.Decimal { return decimal.NewFromInt(n) }

func decimalString(s string) (decimal.Decimal, error) { return decimal.NewFromString(s) }

func addMonthsDate(d pricing.Date, n int) pricing.Date { return d.AddMonths(n) }
