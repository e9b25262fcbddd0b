package ledger

import (
	"fmt"
	"strings"

	"github.com/monthend/monthend/pricing"
)

// DiffQuotes says in words what changed from quote version a to b: who it
// is for, the terms (term, payment terms, expiry, notes), then the
// commercial content — prices, tiers, discounts, minimums, phases — as
// pricing.DiffSchedules words it. The end date follows the term, so it is
// only mentioned when the start moved it.
func DiffQuotes(a, b Quote) []string {
	var out []string
	field := func(what, x, y string) {
		if x != y {
			out = append(out, fmt.Sprintf("%s %s → %s", what, x, y))
		}
	}
	field("customer", a.Party(), b.Party())
	if a.Prospect != nil && b.Prospect != nil {
		pa, pb := *a.Prospect, *b.Prospect
		field("prospect legal name", orNone(pa.LegalName), orNone(pb.LegalName))
		field("prospect billing emails", orNone(strings.Join(pa.Emails, ", ")), orNone(strings.Join(pb.Emails, ", ")))
		field("prospect address", orNone(pa.Address), orNone(pb.Address))
	}
	field("term", fmt.Sprintf("%d months", a.TermMonths), fmt.Sprintf("%d months", b.TermMonths))
	field("payment terms", fmt.Sprintf("%d days", a.PaymentTermsDays), fmt.Sprintf("%d days", b.PaymentTermsDays))
	field("expires", a.Expires.String(), b.Expires.String())
	field("notes", quoteText(a.Notes), quoteText(b.Notes))
	for _, s := range pricing.DiffSchedules(a.Schedule, b.Schedule) {
		if strings.HasPrefix(s, "end ") && a.TermMonths != b.TermMonths && a.Schedule.Start.Equal(b.Schedule.Start) {
			continue // said by the term
		}
		out = append(out, s)
	}
	return out
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func quoteText(s string) string {
	if s == "" {
		return "none"
	}
	return fmt.Sprintf("%q", s)
}
