package tui

import (
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
)

// A filter is what the user types after "/": words that must all match.
//
//	acme              any column contains "acme" (case-insensitive)
//	status:draft      the status column contains "draft"
//	Δ%>20  delta%>=20 a numeric column compared with a number (> >= < <= =)
//	-status:sent      a leading - negates a term
//
// Column names are the grid's column keys or titles, case-insensitive.
type filter struct {
	terms []term
}

type term struct {
	col    int // -1: any column
	negate bool
	text   string          // lower-cased substring, for text terms
	op     string          // "", ">", ">=", "<", "<=", "="
	num    decimal.Decimal // for numeric terms
	scaled int64           // num scaled like Cell.Num
}

// parseFilter reads a filter against the grid's columns.
func parseFilter(s string, cols []Column) (filter, error) {
	var f filter
	for _, word := range strings.Fields(s) {
		t := term{col: -1}
		if strings.HasPrefix(word, "-") && len(word) > 1 {
			t.negate, word = true, word[1:]
		}
		name, rest, op := splitTerm(word)
		if op == "" {
			t.text = strings.ToLower(word)
			f.terms = append(f.terms, t)
			continue
		}
		t.col = findColumn(cols, name)
		if t.col < 0 {
			return filter{}, fmt.Errorf("no column %q (columns: %s)", name, columnNames(cols))
		}
		if op == ":" {
			t.text = strings.ToLower(rest)
			f.terms = append(f.terms, t)
			continue
		}
		if !cols[t.col].Numeric {
			return filter{}, fmt.Errorf("column %q is not a number: use %s:TEXT", name, name)
		}
		n, err := decimal.NewFromString(strings.ReplaceAll(strings.TrimSuffix(rest, "%"), ",", ""))
		if err != nil || n.Exponent() < -NumScale || n.Abs().GreaterThan(decimal.New(1, 14)) {
			return filter{}, fmt.Errorf("%s%s%s: %q is not a number", name, op, rest, rest)
		}
		t.op, t.num, t.scaled = op, n, n.Shift(NumScale).IntPart()
		f.terms = append(f.terms, t)
	}
	return f, nil
}

// splitTerm finds the first operator in a word: "status:draft" →
// ("status", "draft", ":"); "Δ%>=20" → ("Δ%", "20", ">=").
func splitTerm(word string) (name, rest, op string) {
	for i, r := range word {
		if i == 0 {
			continue
		}
		switch r {
		case ':', '=':
			return word[:i], word[i+1:], string(r)
		case '>', '<':
			if strings.HasPrefix(word[i+1:], "=") {
				return word[:i], word[i+2:], string(r) + "="
			}
			return word[:i], word[i+1:], string(r)
		}
	}
	return "", "", ""
}

func findColumn(cols []Column, name string) int {
	name = strings.ToLower(name)
	for i, c := range cols {
		if strings.ToLower(c.Key) == name || strings.ToLower(c.Title) == name {
			return i
		}
	}
	return -1
}

func columnNames(cols []Column) string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Key
	}
	return strings.Join(names, ", ")
}

// match reports whether row r (with its lower-cased cells) passes.
func (f filter) match(r *Row, lower []string) bool {
	for _, t := range f.terms {
		if t.matches(r, lower) == t.negate {
			return false
		}
	}
	return true
}

func (t term) matches(r *Row, lower []string) bool {
	if t.op == "" {
		if t.col >= 0 {
			return t.col < len(lower) && strings.Contains(lower[t.col], t.text)
		}
		for _, c := range lower {
			if strings.Contains(c, t.text) {
				return true
			}
		}
		return false
	}
	if t.col >= len(r.Cells) || !r.Cells[t.col].HasNum {
		return false
	}
	v := r.Cells[t.col].Num
	switch t.op {
	case ">":
		return v > t.scaled
	case ">=":
		return v >= t.scaled
	case "<":
		return v < t.scaled
	case "<=":
		return v <= t.scaled
	}
	return v == t.scaled
}
