package ledger

import (
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
)

// CSV files have a header row naming the columns, in any order:
//
//	id         required, the idempotency key
//	customer   required, a customer alias
//	metric     required, a metric code
//	timestamp  required, RFC 3339
//	value      optional, a decimal number; empty or absent means 1
//	property.NAME  optional, any number of them: property NAME (empty cell: absent)
//
// Any other column is an error, so that a misspelt header is caught.

// CSVHeader maps a CSV header row to column positions.
type CSVHeader struct {
	id, customer, metric, timestamp, value int
	props                                  []csvProp
	n                                      int
}

type csvProp struct {
	name string
	col  int
}

// ParseCSVHeader reads the header row.
func ParseCSVHeader(row []string) (*CSVHeader, error) {
	h := &CSVHeader{id: -1, customer: -1, metric: -1, timestamp: -1, value: -1, n: len(row)}
	seen := map[string]bool{}
	for i, name := range row {
		name = strings.TrimSpace(strings.TrimPrefix(name, "\ufeff"))
		if seen[name] {
			return nil, fmt.Errorf("header names column %q twice", name)
		}
		seen[name] = true
		switch name {
		case "id":
			h.id = i
		case "customer":
			h.customer = i
		case "metric":
			h.metric = i
		case "timestamp":
			h.timestamp = i
		case "value":
			h.value = i
		default:
			p, ok := strings.CutPrefix(name, "property.")
			if !ok || p == "" {
				return nil, fmt.Errorf("unknown column %q (columns: id, customer, metric, timestamp, value, property.NAME)", name)
			}
			h.props = append(h.props, csvProp{p, i})
		}
	}
	for _, c := range []struct {
		name string
		col  int
	}{{"id", h.id}, {"customer", h.customer}, {"metric", h.metric}, {"timestamp", h.timestamp}} {
		if c.col < 0 {
			return nil, fmt.Errorf("header lacks the required column %q (required: id, customer, metric, timestamp)", c.name)
		}
	}
	return h, nil
}

// Event reads one data row.
func (h *CSVHeader) Event(row []string) (Event, error) {
	if len(row) != h.n {
		return Event{}, fmt.Errorf("row has %d fields, the header %d", len(row), h.n)
	}
	j := EventJSON{ID: row[h.id], Customer: row[h.customer], Metric: row[h.metric], Timestamp: row[h.timestamp]}
	e, err := j.Event()
	if err != nil {
		return e, err
	}
	if h.value >= 0 && strings.TrimSpace(row[h.value]) != "" {
		v, err := decimal.NewFromString(strings.TrimSpace(row[h.value]))
		if err != nil {
			return e, fmt.Errorf("event %s: value %q is not a decimal number", e.ID, row[h.value])
		}
		e.Value = v
	}
	for _, p := range h.props {
		if v := row[p.col]; v != "" {
			if e.Properties == nil {
				e.Properties = make(map[string]string, len(h.props))
			}
			e.Properties[p.name] = v
		}
	}
	return e, nil
}
