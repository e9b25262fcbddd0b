package pricing

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// ErrInvalidSchedule marks a schedule document that parsed but breaks the
// rules of docs/schedule-format.md.
var ErrInvalidSchedule = errors.New("invalid schedule")

// ParseSchedule reads a schedule document, JSON or YAML, and validates it.
// name is the file name: ".json" means JSON, ".yaml"/".yml" YAML, anything
// else is sniffed (a document starting with '{' is JSON). Errors name the
// file and, where they can, the place in the document.
//
// YAML numbers never pass through binary floating point: the YAML is turned into JSON
// with every number's literal text kept, then decoded into decimals.
func ParseSchedule(name string, data []byte) (*Schedule, error) {
	var s Schedule
	if err := DecodeDocument(name, data, &s, scheduleDoc); err != nil {
		return nil, err
	}
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w%s", name, ErrInvalidSchedule, ListProblems(err, "docs/schedule-format.md"))
	}
	return &s, nil
}

// DocKind names a kind of document for DecodeDocument's messages: what one
// file holds and the page that documents its fields.
type DocKind struct {
	What string // "schedule", "quote"
	Ref  string // "docs/schedule-format.md"
}

var scheduleDoc = DocKind{What: "schedule", Ref: "docs/schedule-format.md"}

// DecodeDocument reads one JSON or YAML document into v, strictly: unknown
// fields are errors, a second document is an error, and YAML numbers keep
// their literal text (never a binary floating-point value). name is the file
// name: ".json" means JSON, ".yaml"/".yml" YAML, anything else is sniffed
// (a document starting with '{' is JSON). Errors name the file and, where
// they can, the place in the document. Other documents in the schedule
// format's style (product catalogs, quotes) decode through it.
func DecodeDocument(name string, data []byte, v any, kind DocKind) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return fmt.Errorf("%s: the document is empty", name)
	}
	isJSON := false
	switch strings.ToLower(filepath.Ext(name)) {
	case ".json":
		isJSON = true
	case ".yaml", ".yml":
	default:
		isJSON = bytes.TrimSpace(data)[0] == '{'
	}
	if !isJSON {
		converted, err := yamlToJSON(data, kind.What)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		data = converted
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%s: %w", name, describeDecodeError(err, data, kind.Ref))
	}
	if dec.More() {
		return fmt.Errorf("%s: more than one document; a file holds one %s", name, kind.What)
	}
	return nil
}

// ListProblems formats a validation error for a message: ": the problem"
// for one, ", N problems (see ref):" and one indented line each for several
// (errors.Join's list).
func ListProblems(err error, ref string) string {
	var many interface{ Unwrap() []error }
	if errors.As(err, &many) && len(many.Unwrap()) > 1 {
		var b strings.Builder
		fmt.Fprintf(&b, ", %d problems (see %s):", len(many.Unwrap()), ref)
		for _, e := range many.Unwrap() {
			b.WriteString("\n  - ")
			b.WriteString(e.Error())
		}
		return b.String()
	}
	return ": " + err.Error()
}

// describeDecodeError turns encoding/json's errors into the user's terms.
func describeDecodeError(err error, data []byte, ref string) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "the document"
		}
		return fmt.Errorf("%s: a %s cannot be a %s", placeOf(field), typeErr.Value, friendlyType(typeErr.Type.String()))
	case errors.As(err, &syntaxErr):
		line := 1 + bytes.Count(data[:min(int(syntaxErr.Offset), len(data))], []byte("\n"))
		return fmt.Errorf("line %d: %v", line, syntaxErr)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return fmt.Errorf("unknown field %s (see %s for the fields)", strings.TrimPrefix(err.Error(), "json: unknown field "), ref)
	}
	// Errors from UnmarshalText/UnmarshalJSON (dates, currencies, decimals)
	// come wrapped without a field; say what they are.
	return errors.New(strings.TrimPrefix(err.Error(), "json: "))
}

// placeOf makes "phases.lines.price" read "field phases → lines → price".
func placeOf(field string) string {
	return "field " + strings.ReplaceAll(field, ".", " → ")
}

func friendlyType(t string) string {
	switch {
	case strings.Contains(t, "decimal.Decimal"):
		return "number"
	case strings.HasPrefix(t, "[]") || strings.HasPrefix(t, "map"):
		return "list"
	case strings.HasPrefix(t, "int"):
		return "whole number"
	case strings.HasPrefix(t, "pricing."), strings.HasPrefix(t, "*pricing."):
		return "section"
	}
	return t
}

// yamlToJSON converts a YAML document to JSON, keeping scalars' literal
// text: numbers stay exact, dates stay YYYY-MM-DD strings.
func yamlToJSON(data []byte, what string) ([]byte, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil && err != io.EOF {
		return nil, fmt.Errorf("not valid YAML: %w", err)
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, errors.New("the document is empty")
	}
	// A second document (after ---) would be ignored silently: refuse it,
	// as a second JSON value is refused.
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == io.EOF:
	case err != nil:
		return nil, fmt.Errorf("not valid YAML: %w", err)
	case len(next.Content) > 0 && next.Content[0].ShortTag() != "!!null":
		return nil, fmt.Errorf("line %d: more than one document; a file holds one %s", next.Content[0].Line, what)
	}
	var b bytes.Buffer
	if err := writeJSON(&b, doc.Content[0], 0); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// yamlNumber matches the YAML number forms we accept; underscores
// (1_000) are allowed as digit separators and dropped.
var yamlNumber = regexp.MustCompile(`^[-+]?(\d[\d_]*)?(\.\d[\d_]*)?([eE][-+]?\d+)?$`)

// maxExpandedJSON bounds the JSON a YAML document may turn into: aliases
// can make a few hundred bytes expand exponentially ("billion laughs").
const maxExpandedJSON = 4 << 20

func writeJSON(b *bytes.Buffer, n *yaml.Node, depth int) error {
	if depth > 64 {
		return fmt.Errorf("line %d: the document nests too deeply", n.Line)
	}
	if b.Len() > maxExpandedJSON {
		return fmt.Errorf("line %d: the document expands to more than 4 MB; are aliases (*name) repeating large sections?", n.Line)
	}
	switch n.Kind {
	case yaml.AliasNode:
		return writeJSON(b, n.Alias, depth+1)
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			b.WriteString("null")
			return nil
		}
		return writeJSON(b, n.Content[0], depth+1)
	case yaml.MappingNode:
		b.WriteByte('{')
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode {
				return fmt.Errorf("line %d: a key must be a plain name", k.Line)
			}
			if k.Value == "<<" {
				return fmt.Errorf("line %d: YAML merge keys (<<) are not supported; write the fields out", k.Line)
			}
			if seen[k.Value] {
				return fmt.Errorf("line %d: %q appears twice in the same section", k.Line, k.Value)
			}
			seen[k.Value] = true
			if i > 0 {
				b.WriteByte(',')
			}
			key, _ := json.Marshal(k.Value)
			b.Write(key)
			b.WriteByte(':')
			if err := writeJSON(b, v, depth+1); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	case yaml.SequenceNode:
		b.WriteByte('[')
		for i, c := range n.Content {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := writeJSON(b, c, depth+1); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case yaml.ScalarNode:
		return writeScalar(b, n)
	default:
		return fmt.Errorf("line %d: unexpected YAML node", n.Line)
	}
	return nil
}

func writeScalar(b *bytes.Buffer, n *yaml.Node) error {
	switch n.ShortTag() {
	case "!!int", "!!float":
		v := strings.ReplaceAll(n.Value, "_", "")
		if !yamlNumber.MatchString(n.Value) || !json.Valid([]byte(strings.TrimPrefix(normaliseNumber(v), "-"))) {
			return fmt.Errorf("line %d: %q is not a number monthend reads (write plain decimals such as 1000 or 0.10)", n.Line, n.Value)
		}
		b.WriteString(normaliseNumber(v))
	case "!!bool":
		switch strings.ToLower(n.Value) {
		case "true":
			b.WriteString("true")
		case "false":
			b.WriteString("false")
		default:
			return fmt.Errorf("line %d: %q: write true or false", n.Line, n.Value)
		}
	case "!!null":
		b.WriteString("null")
	default: // strings, timestamps (dates keep their literal text), binary
		s, _ := json.Marshal(n.Value)
		b.Write(s)
	}
	return nil
}

// normaliseNumber turns YAML number text into JSON number text: "+1" → "1",
// ".5" → "0.5", "1." → "1", "-.5" → "-0.5".
func normaliseNumber(v string) string {
	neg := strings.HasPrefix(v, "-")
	v = strings.TrimLeft(v, "+-")
	if strings.HasPrefix(v, ".") {
		v = "0" + v
	}
	if mant, exp, ok := strings.Cut(strings.ToLower(v), "e"); ok {
		mant = strings.TrimSuffix(mant, ".")
		v = mant + "e" + exp
	} else {
		v = strings.TrimSuffix(v, ".")
	}
	// Leading zeros ("007") are not JSON; keep the value.
	if len(v) > 1 && v[0] == '0' && v[1] != '.' && v[1] != 'e' {
		if i, err := strconv.ParseUint(strings.TrimLeft(v, "0"), 10, 64); err == nil {
			v = strconv.FormatUint(i, 10)
		}
	}
	if neg {
		return "-" + v
	}
	return v
}
