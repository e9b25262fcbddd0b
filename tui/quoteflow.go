package tui

import (
	"bytes"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
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
