package tui

import (
	"bytes"
	"encoding/json"
	"regexp"
	"slices"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/monthend/monthend/ledger"
	"github.com/monthend/monthend/pricing"
)

// The quote editor shows deep fields (a line, seats, discounts) as one line
// of YAML flow — the quote file's own format — and reads them back with
// pricing.DecodeDocument. These helpers write JSON as that flow text,
// keeping the order of keys and the literal text of numbers.

// flowOf writes v (marshalled to JSON) as YAML flow text.
func flowOf(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return flowJSON(data)
}

// flowJSON writes a JSON value as YAML flow text: {product: api, price: 0.10}.
func flowJSON(data []byte) string {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var b strings.Builder
	if err := writeFlow(&b, dec); err != nil {
		return string(data)
	}
	return b.String()
}

func writeFlow(b *strings.Builder, dec *json.Decoder) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch t := tok.(type) {
	case json.Delim:
		open, close := "{", "}"
		if t == '[' {
			open, close = "[", "]"
		}
		b.WriteString(open)
		first := true
		for dec.More() {
			if !first {
				b.WriteString(", ")
			}
			first = false
			if t == '{' {
				k, err := dec.Token()
				if err != nil {
					return err
				}
				b.WriteString(flowString(k.(string)))
				b.WriteString(": ")
			}
			if err := writeFlow(b, dec); err != nil {
				return err
			}
		}
		if _, err := dec.Token(); err != nil { // the closing delimiter
			return err
		}
		b.WriteString(close)
	case string:
		b.WriteString(flowString(t))
	case json.Number:
		b.WriteString(t.String())
	case bool:
		if t {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case nil:
		b.WriteString("null")
	}
	return nil
}

// plainScalar is text YAML reads back as the same string (or, for numbers
// and dates, as the same literal, which the decoders take either way).
var plainScalar = regexp.MustCompile(`^[\p{L}0-9_.][\p{L}0-9 _.@/+\-]*$`)

func flowString(s string) string {
	switch strings.ToLower(s) {
	case "", "true", "false", "yes", "no", "on", "off", "null", "~", "y", "n":
		q, _ := json.Marshal(s)
		return string(q)
	}
	if plainScalar.MatchString(s) && !strings.HasSuffix(s, " ") {
		return s
	}
	q, _ := json.Marshal(s)
	return string(q)
}

func sortStrings(s []string) { slices.Sort(s) }

// orderedLine writes a line's fields with product and name first, so a
// ramped line reads like the one it came from.
type orderedLine map[string]json.RawMessage

func (o orderedLine) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	first := true
	write := func(k string) {
		v, ok := o[k]
		if !ok {
			return
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		b.Write(v)
	}
	order := []string{"product", "name", "model", "metric", "seats", "price", "tiers", "package", "percent", "fixed_fee"}
	done := map[string]bool{}
	for _, k := range order {
		write(k)
		done[k] = true
	}
	var rest []string
	for k := range o {
		if !done[k] {
			rest = append(rest, k)
		}
	}
	sortStrings(rest)
	for _, k := range rest {
		write(k)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// compactLine writes a catalog line without the fields that repeat the
// product's own price line (QuoteContent.Doc spells every field out, so an
// exported file imports unchanged): {product: platform, name: Platform,
// model: flat, price: 2000, discounts: [], tax_rate: null} reads
// {product: platform} when 2000 is the catalog price. Removing such a
// field resolves to the same line, so nothing changes but the text.
func compactLine(raw json.RawMessage, look ledger.QuoteLookup, cur pricing.Currency) json.RawMessage {
	var fields map[string]json.RawMessage
	if json.Unmarshal(raw, &fields) != nil || look.Product == nil {
		return raw
	}
	var id string
	if json.Unmarshal(fields["product"], &id) != nil {
		return raw
	}
	prod, ok := look.Product(id)
	if !ok {
		return raw
	}
	baseLine, ok := prod.PriceLine(cur)
	if !ok {
		return raw
	}
	var base map[string]json.RawMessage
	data, _ := json.Marshal(baseLine)
	if json.Unmarshal(data, &base) != nil {
		return raw
	}
	if m, ok := fields["model"]; ok && !jsonEqual(m, base["model"]) {
		// A new model starts over from the product's name, tax rate and
		// (between usage models) metric: only those can repeat it.
		kept := map[string]json.RawMessage{}
		for _, k := range []string{"name", "tax_rate", "metric"} {
			if v, ok := base[k]; ok {
				kept[k] = v
			}
		}
		var model pricing.Model
		json.Unmarshal(m, &model)
		if !slices.Contains(usageModelsTUI, model) || !slices.Contains(usageModelsTUI, baseLine.Model) {
			delete(kept, "metric")
		}
		base = kept
	}
	for k, v := range fields {
		if k == "product" {
			continue
		}
		if bv, inBase := base[k]; inBase && jsonEqual(v, bv) || !inBase && jsonZero(v) {
			delete(fields, k)
		}
	}
	out, _ := json.Marshal(orderedLine(fields))
	return out
}

// usageModelsTUI are the models that price a metric (ledger's rule for
// keeping a product's metric when a line changes its model).
var usageModelsTUI = []pricing.Model{pricing.PerUnit, pricing.GraduatedM, pricing.VolumeM, pricing.Package, pricing.Percentage}

// jsonEqual compares two JSON values, numbers (or numeric strings, as
// decimals marshal) by value.
func jsonEqual(a, b json.RawMessage) bool {
	var va, vb any
	da, db := json.NewDecoder(bytes.NewReader(a)), json.NewDecoder(bytes.NewReader(b))
	da.UseNumber()
	db.UseNumber()
	if da.Decode(&va) != nil || db.Decode(&vb) != nil {
		return false
	}
	return valueEqual(va, vb)
}

func valueEqual(a, b any) bool {
	if x, ok := asDecimal(a); ok {
		y, ok := asDecimal(b)
		return ok && x.Equal(y)
	}
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			if w, ok := y[k]; !ok || !valueEqual(v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !valueEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	}
	return a == b
}

func asDecimal(v any) (decimal.Decimal, bool) {
	switch x := v.(type) {
	case json.Number:
		d, err := decimal.NewFromString(x.String())
		return d, err == nil
	case string:
		d, err := decimal.NewFromString(x)
		return d, err == nil
	}
	return decimal.Decimal{}, false
}

// jsonZero is a value a missing field also means: null, [], {}, "", 0.
func jsonZero(v json.RawMessage) bool {
	switch strings.TrimSpace(string(v)) {
	case "null", "[]", "{}", `""`, "0", `"0"`:
		return true
	}
	return false
}
