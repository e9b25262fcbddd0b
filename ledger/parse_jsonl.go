package ledger

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// EventJSON is the JSON form of an event, one per line in JSON Lines files
// and in the HTTP API:
//
//	{"id":"evt-1","customer":"acme-prod","metric":"api_calls",
//	 "timestamp":"2026-03-05T10:00:00Z","value":1,"properties":{"region":"eu","bytes":512}}
//
// value may be a JSON number or a string holding one; it defaults to 1.
// properties map to strings or numbers; numbers keep their literal text.
// Numbers never pass through float64.
type EventJSON struct {
	ID         string                     `json:"id"`
	Customer   string                     `json:"customer"`
	Metric     string                     `json:"metric"`
	Timestamp  string                     `json:"timestamp"`
	Value      json.RawMessage            `json:"value,omitempty"`
	Properties map[string]json.RawMessage `json:"properties,omitempty"`
}

// ParseEventJSON reads one event from its JSON form.
func ParseEventJSON(data []byte) (Event, error) {
	var ep eventParser
	return ep.parse(data)
}

// parseEventJSONSlow is ParseEventJSON through EventJSON, for the lines
// eventParser does not read itself.
func parseEventJSONSlow(data []byte) (Event, error) {
	if j, ok := fastEventJSON(data); ok {
		return j.Event()
	}
	var j EventJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return Event{}, jsonError(err)
	}
	return j.Event()
}

// jsonError makes encoding/json's messages readable for people who send us
// files.
func jsonError(err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Errorf("malformed JSON at byte %d: %v", se.Offset, se)
	case errors.As(err, &te):
		if te.Field != "" {
			return fmt.Errorf("field %q must be a %s, not a JSON %s", te.Field, te.Type, te.Value)
		}
		return fmt.Errorf("want a JSON object, got a JSON %s", te.Value)
	}
	return err
}

// Event checks and converts the JSON form.
func (j *EventJSON) Event() (Event, error) {
	e := Event{ID: j.ID, Customer: j.Customer, Metric: j.Metric, Value: decimal.NewFromInt(1)}
	switch {
	case j.ID == "":
		return e, errors.New(`"id" is required (it is the idempotency key)`)
	case j.Customer == "":
		return e, fmt.Errorf(`event %s: "customer" is required (a customer alias)`, j.ID)
	case j.Metric == "":
		return e, fmt.Errorf(`event %s: "metric" is required (a metric code)`, j.ID)
	case j.Timestamp == "":
		return e, fmt.Errorf(`event %s: "timestamp" is required (RFC 3339, e.g. 2026-03-05T10:00:00Z)`, j.ID)
	}
	t, err := ParseTimestamp(j.Timestamp)
	if err != nil {
		return e, fmt.Errorf("event %s: %w", j.ID, err)
	}
	e.Timestamp = t
	if len(j.Value) > 0 && !bytes.Equal(j.Value, []byte("null")) {
		v, err := jsonDecimal(j.Value)
		if err != nil {
			return e, fmt.Errorf(`event %s: "value": %w`, j.ID, err)
		}
		e.Value = v
	}
	if len(j.Properties) > 0 {
		e.Properties = make(map[string]string, len(j.Properties))
		for k, raw := range j.Properties {
			s, err := jsonScalar(raw)
			if err != nil {
				return e, fmt.Errorf("event %s: property %q: %w", j.ID, k, err)
			}
			e.Properties[k] = s
		}
	}
	return e, nil
}

// ParseTimestamp reads an RFC 3339 timestamp.
func ParseTimestamp(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return t, fmt.Errorf("timestamp %q is not RFC 3339 (e.g. 2026-03-05T10:00:00Z)", s)
	}
	return t, nil
}

// jsonDecimal reads a JSON number, or a string holding a number, exactly.
func jsonDecimal(raw json.RawMessage) (decimal.Decimal, error) {
	s := raw
	if len(s) > 0 && s[0] == '"' {
		var str string
		if err := json.Unmarshal(raw, &str); err != nil {
			return decimal.Decimal{}, err
		}
		s = []byte(str)
	}
	v, err := decimal.NewFromString(string(s))
	if err != nil {
		return v, fmt.Errorf("%s is not a decimal number", raw)
	}
	return v, nil
}

// jsonScalar returns a property's text: a string's contents or a number's
// literal.
func jsonScalar(raw json.RawMessage) (string, error) {
	if len(raw) == 0 {
		return "", errors.New("empty")
	}
	switch c := raw[0]; {
	case c == '"':
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err
	case c == '-' || c >= '0' && c <= '9':
		if _, err := decimal.NewFromString(string(raw)); err != nil {
			return "", fmt.Errorf("%s is not a number", raw)
		}
		return string(raw), nil
	}
	return "", fmt.Errorf("must be a string or a number, not %s", raw)
}
