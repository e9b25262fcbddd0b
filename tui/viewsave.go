package tui

import (
	"fmt"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/monthend/monthend/ledger"
)

// viewFromGrid folds the grid's filter and sort into a copy of base, for
// "save as view". Only terms a saved view can express are accepted; the
// error names the first that cannot be saved, so nothing is silently lost.
//
//	word | customer:word   the customer id contains word
//	status:draft           status (repeatable: any of)
//	flags:late             a flag (repeatable: any of)
//	total>=N  total<=N     total range
//	Δ%>=N                  changed by at least N% either way
//	Δ>=N                   changed by at least N either way
func viewFromGrid(base ledger.View, filterText string, cols []Column, sortCol int, desc bool) (ledger.View, error) {
	v := base
	v.Status = append([]ledger.InvoiceStatus(nil), base.Status...)
	v.Flags = append([]string(nil), base.Flags...)
	for _, word := range strings.Fields(filterText) {
		if strings.HasPrefix(word, "-") {
			return v, fmt.Errorf("%q: a saved view cannot exclude (-)", word)
		}
		name, rest, op := splitTerm(word)
		col := ""
		if op != "" {
			i := findColumn(cols, name)
			if i < 0 {
				return v, fmt.Errorf("%q: no column %q", word, name)
			}
			col = cols[i].Key
		}
		switch {
		case op == "" || col == "customer" && op == ":":
			if v.Customer != "" {
				return v, fmt.Errorf("%q: a view holds one customer text (%q already)", word, v.Customer)
			}
			if op == "" {
				v.Customer = word
			} else {
				v.Customer = rest
			}
		case col == "status" && op == ":":
			v.Status = append(v.Status, ledger.InvoiceStatus(strings.ToLower(rest)))
		case col == "flags" && op == ":":
			f := strings.ToLower(rest)
			for full, short := range flagLabels {
				if short == f {
					f = full
				}
			}
			v.Flags = append(v.Flags, f)
		case col == "total" && (op == ">=" || op == "<="):
			n, err := decimal.NewFromString(strings.ReplaceAll(rest, ",", ""))
			if err != nil {
				return v, fmt.Errorf("%q: %q is not a number", word, rest)
			}
			if op == ">=" {
				v.MinTotal = &n
			} else {
				v.MaxTotal = &n
			}
		case (col == "delta%" || col == "delta") && op == ">=":
			n, err := decimal.NewFromString(strings.ReplaceAll(strings.TrimSuffix(rest, "%"), ",", ""))
			if err != nil {
				return v, fmt.Errorf("%q: %q is not a number", word, rest)
			}
			if col == "delta%" {
				v.ChangedPercent = &n
			} else {
				v.ChangedAmount = &n
			}
		default:
			return v, fmt.Errorf("%q: views save customer text, status:, flags:, total>= / total<=, Δ%%>= and Δ>=", word)
		}
	}
	if sortCol >= 0 && sortCol < len(cols) {
		key := cols[sortCol].Key
		switch key {
		case "customer", "total", "delta", "delta%", "status":
		case "number":
			key = "id"
		default:
			return v, fmt.Errorf("views sort by customer, number, status, total, Δ or Δ%%, not %s", cols[sortCol].Title)
		}
		if desc {
			key = "-" + key
		}
		v.Sort = key
	}
	if err := v.Validate(); err != nil {
		return v, err
	}
	return v, nil
}

// describeView says in words what a view selects.
func describeView(v ledger.View) string {
	var parts []string
	if len(v.Status) > 0 {
		s := make([]string, len(v.Status))
		for i, st := range v.Status {
			s[i] = string(st)
		}
		parts = append(parts, "status "+strings.Join(s, " or "))
	}
	if v.Customer != "" {
		parts = append(parts, "customer contains "+v.Customer)
	}
	if v.Currency != "" {
		parts = append(parts, "currency "+v.Currency)
	}
	if v.MinTotal != nil {
		parts = append(parts, "total ≥ "+v.MinTotal.String())
	}
	if v.MaxTotal != nil {
		parts = append(parts, "total ≤ "+v.MaxTotal.String())
	}
	if v.ChangedPercent != nil {
		parts = append(parts, "changed ≥ "+v.ChangedPercent.String()+"%")
	}
	if v.ChangedAmount != nil {
		parts = append(parts, "changed ≥ "+v.ChangedAmount.String())
	}
	if len(v.Flags) > 0 {
		parts = append(parts, "flags "+strings.Join(v.Flags, " or "))
	}
	if v.Sort != "" {
		parts = append(parts, "sorted by "+v.Sort)
	}
	if len(parts) == 0 {
		return "every invoice"
	}
	return strings.Join(parts, ", ")
}
