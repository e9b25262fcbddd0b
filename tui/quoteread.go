// The quotes tab's read view: one quote's terms, phases, lines, figures at
// the assumed usage, first invoices, versions and the newest diff, read in
// a tea.Cmd and rendered once per read.

package tui

import (
	"cmp"
	"errors"
	"fmt"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/shopspring/decimal"

	"github.com/monthend/monthend/ledger"
	"github.com/monthend/monthend/pricing"
)

// quoteReadMsg carries what the read view shows of one quote.
type quoteReadMsg struct {
	seq      int
	versions []ledger.Quote
	figures  pricing.Figures
	figErr   error
	diff     []string
	err      error
}

// reread loads the read view's quote again (after an action or a reload).
func (p *quotesPane) reread() tea.Cmd {
	if p.reading == "" {
		return nil
	}
	p.readSeq++
	seq, id, b, usage := p.readSeq, p.reading, p.ctx.Book, p.usage
	return func() tea.Msg {
		vs, err := b.QuoteVersions(id)
		if err != nil || len(vs) == 0 {
			return quoteReadMsg{seq: seq, err: cmp.Or(err, errors.New("no versions"))}
		}
		newest := vs[len(vs)-1]
		m := quoteReadMsg{seq: seq, versions: vs}
		m.figures, m.figErr = newest.Figures(usage)
		if len(vs) > 1 {
			m.diff = ledger.DiffQuotes(vs[len(vs)-2], newest)
		}
		return m
	}
}

func describeTerm(q ledger.Quote) string {
	s := q.Schedule
	return fmt.Sprintf("from %s, %d months, %s", s.Start, q.TermMonths, s.Billing.Frequency)
}

func (p *quotesPane) readView(w, h int) string {
	th := p.ctx.Theme
	if p.readErr != nil {
		return fitLines(th.Tone(ToneNegative).Render("could not read quote "+p.reading+": "+p.readErr.Error()), w, h)
	}
	if p.readLns == nil {
		return fitLines(th.Tone(ToneMuted).Render("reading quote "+p.reading+"…"), w, h)
	}
	top := min(p.readTop, max(len(p.readLns)-h, 0))
	return fitLines(strings.Join(p.readLns[top:], "\n"), w, h)
}

// render turns a read into the read view's lines, once per read.
func (p *quotesPane) render(m quoteReadMsg) {
	th := p.ctx.Theme
	p.readErr = m.err
	if m.err != nil {
		return
	}
	q := m.versions[len(m.versions)-1]
	p.readQ = &q
	s := q.Schedule
	cur := s.Currency
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	head := func(t string) { out = append(out, "", th.Header.Render(t)) }
	out = append(out, th.Header.Render(fmt.Sprintf("Quote %s v%d · %s · %s · %s", q.ID, q.Version, q.Status, q.Party(), cur.Code())))
	add("%s · payment %d days · expires %s · tax %s%%", describeTerm(q), q.PaymentTermsDays, q.Expires, s.TaxRate)
	if q.Prospect != nil {
		add("prospect: %s%s · %s · %s", q.Prospect.Name, orEmpty(" ("+q.Prospect.LegalName+")", q.Prospect.LegalName), strings.Join(q.Prospect.Emails, ", "), q.Prospect.TimeZone)
	}
	if q.SignedBy != "" {
		add("signed by %s %s (%s)", q.SignedBy, formatStamp(q.SignedAt), q.SignedVia)
	}
	if q.ScheduleID != "" {
		add("executed %s: draft schedule %s for customer %s", formatStamp(q.ExecutedAt), q.ScheduleID, q.CustomerID)
	}
	if q.Notes != "" {
		add("notes: %s", q.Notes)
	}
	add("assumed usage per period: %s (u changes it)", cmp.Or(formatUsage(p.usage), "none"))
	if len(s.Discounts) > 0 {
		add("contract discounts: %s", describeDiscounts(s.Discounts, cur))
	}
	if !s.InvoiceMinimum.IsZero() {
		add("invoice minimum: %s", money(s.InvoiceMinimum, cur))
	}
	fig := m.figures
	head("Phases                                   per period        per year")
	for i, ph := range s.Phases {
		label := ph.Name
		if m.figErr == nil && i < len(fig.Phases) {
			pf := fig.Phases[i]
			label = fmt.Sprintf("%s %s–%s", ph.Name, pf.Start, pf.End)
			if pf.Full {
				add("  %s %14s %15s", padTo(label, 38), amount(pf.PerPeriod, cur), amount(pf.PerYear, cur))
			} else {
				add("  %s %14s  (no full period: its total)", padTo(label, 38), amount(pf.Total, cur))
			}
		} else {
			add("  %s", label)
		}
		for _, l := range ph.Lines {
			add("      %s %s", padTo(l.Name, 24), describeLine(l, cur))
		}
		if len(ph.Discounts) > 0 {
			add("      discounts: %s", describeDiscounts(ph.Discounts, cur))
		}
		if ph.Minimum != nil {
			add("      usage minimum: %s per %s", money(ph.Minimum.Amount, cur), ph.Minimum.Per)
		}
	}
	if m.figErr != nil {
		head("Figures")
		add("  %s", th.Tone(ToneWarn).Render(m.figErr.Error()))
	} else {
		head("Figures")
		for _, y := range fig.Years {
			add("  ARR year %d (%s–%s) %15s", y.Year, y.Start, y.End, amount(y.Amount, cur))
		}
		add("  TCV %s · list %s · discounts %s · effective discount %s%%", money(fig.TCV, cur), amount(fig.ListTCV, cur), amount(fig.Discount, cur), fig.EffectiveDiscount.StringFixed(2))
		head("First three invoices at the assumed usage")
		for i, inv := range fig.Invoices {
			if i == 3 {
				break
			}
			add("  %s  subtotal %s", inv.Period.Start, money(inv.Subtotal, cur))
			for _, l := range inv.Lines {
				add("      %s %14s  %s", padTo(l.Name, 28), amount(l.Amount, cur), th.Tone(ToneMuted).Render(l.Explanation))
			}
		}
	}
	head("Versions")
	for _, v := range m.versions {
		line := fmt.Sprintf("  v%d %s · saved %s", v.Version, v.Status, formatStamp(v.SavedAt))
		if !v.SentAt.IsZero() {
			line += " · sent " + formatStamp(v.SentAt)
		}
		if v.SignatureRequestID != "" {
			line += " · Dropbox Sign request " + v.SignatureRequestID
		}
		out = append(out, line)
	}
	if len(m.versions) > 1 {
		prev := m.versions[len(m.versions)-2]
		head(fmt.Sprintf("Changes v%d → v%d", prev.Version, q.Version))
		if len(m.diff) == 0 {
			add("  none")
		}
		for _, d := range m.diff {
			add("  %s", d)
		}
	}
	p.readLns = out
}

func orEmpty(s, unless string) string {
	if unless == "" {
		return ""
	}
	return s
}

// describeLine says how a price line charges, in one line.
func describeLine(l pricing.PriceLine, cur pricing.Currency) string {
	a := func(d decimal.Decimal) string { return pricing.FormatAmount(d, max(cur.MinorUnits(), -d.Exponent())) }
	var s string
	switch l.Model {
	case pricing.Flat:
		s = "flat " + a(l.Price)
	case pricing.PerSeat:
		s = fmt.Sprintf("%s per seat (%s)", a(l.Price), l.Seats)
	case pricing.PerUnit:
		s = fmt.Sprintf("%s per %s", a(l.Price), l.Metric)
	case pricing.GraduatedM, pricing.VolumeM:
		var ts []string
		for _, t := range l.Tiers {
			bound := "then"
			if t.UpTo != nil {
				bound = "≤" + t.UpTo.String()
			}
			ts = append(ts, bound+" "+a(t.UnitPrice))
		}
		s = fmt.Sprintf("%s %s: %s", l.Model, l.Metric, strings.Join(ts, ", "))
	case pricing.Package:
		if l.Package != nil {
			s = fmt.Sprintf("%s per %s %s", a(l.Package.Price), l.Package.Size, l.Metric)
			if !l.Package.FreeUnits.IsZero() {
				s += fmt.Sprintf(" (%s free)", l.Package.FreeUnits)
			}
		}
	case pricing.Percentage:
		s = fmt.Sprintf("%s%% of %s + %s", l.Percent, l.Metric, a(l.FixedFee))
	default:
		s = string(l.Model)
	}
	if !l.Minimum.IsZero() {
		s += " · minimum " + a(l.Minimum)
	}
	if len(l.Discounts) > 0 {
		s += " · " + describeDiscounts(l.Discounts, cur)
	}
	return s
}

func describeDiscounts(ds []pricing.Discount, cur pricing.Currency) string {
	parts := make([]string, len(ds))
	for i, d := range ds {
		v := d.Percent.String() + "%"
		if !d.Amount.IsZero() {
			v = amount(d.Amount, cur)
		}
		if d.Label != "" {
			v += " " + d.Label
		}
		if d.Periods > 0 {
			v += fmt.Sprintf(" (%s)", plural(d.Periods, "period"))
		}
		parts[i] = v
	}
	return strings.Join(parts, "; ")
}
