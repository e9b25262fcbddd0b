package ledger

import "encoding/json"

// fastEventJSON reads the common shape of an event line without
// encoding/json: one flat object with the known keys once each, strings
// without escapes or non-ASCII bytes, a number or string value, properties
// of such strings and numbers. Anything else returns ok == false and the
// caller uses encoding/json, so every answer (and every error message) is
// the one encoding/json would give (FuzzFastEventJSON). Parsing is about a
// third of an import's CPU; this path allocates only the strings it keeps.
func fastEventJSON(data []byte) (j EventJSON, ok bool) {
	p := fastParser{b: data}
	if j, ok = p.event(); !ok {
		return j, false
	}
	p.ws()
	return j, p.i == len(p.b)
}

// FastEventBatchJSON reads a batch of events in the shapes the HTTP API
// receives most — a JSON array of event objects, or {"events": [...]} with
// nothing else in the object — with the scanner of fastEventJSON, without
// encoding/json. Values and properties alias data. Anything else (another
// key beside "events", an item fastEventJSON would not take) returns
// ok == false, and the caller decodes with encoding/json, which gives the
// same EventJSONs for whatever this accepts (FuzzFastEventBatchJSON).
func FastEventBatchJSON(data []byte) (events []EventJSON, ok bool) {
	p := fastParser{b: data}
	events = []EventJSON{}
	if !p.batch(func() bool {
		j, ok := p.event()
		if ok {
			events = append(events, j)
		}
		return ok
	}) {
		return nil, false
	}
	return events, true
}

// batch walks a batch body — a JSON array, or {"events": [...]} with
// nothing else in the object — calling item to read each element from p.
// It reports false if the body has another shape or an item fails.
func (p *fastParser) batch(item func() bool) bool {
	wrapped := p.peek() == '{'
	if wrapped {
		p.i++
		key, ok := p.str()
		if !ok || string(key) != "events" || !p.byte(':') {
			return false
		}
	}
	if !p.byte('[') {
		return false
	}
	if !p.byte(']') {
		for {
			if !item() {
				return false
			}
			if p.byte(',') {
				continue
			}
			if p.byte(']') {
				break
			}
			return false
		}
	}
	if wrapped && !p.byte('}') {
		return false
	}
	p.ws()
	return p.i == len(p.b)
}

// event reads one event object (see fastEventJSON).
func (p *fastParser) event() (j EventJSON, ok bool) {
	var r rawEvent
	if !p.rawEvent(&r) {
		return j, false
	}
	j = EventJSON{ID: string(r.id), Customer: string(r.customer), Metric: string(r.metric), Timestamp: string(r.timestamp)}
	if r.value != nil {
		j.Value = json.RawMessage(r.value)
	}
	if r.hasProps {
		j.Properties = make(map[string]json.RawMessage, len(r.props))
		for _, kv := range r.props {
			j.Properties[string(kv.key)] = json.RawMessage(kv.val)
		}
	}
	return j, true
}

// rawEvent is an event object as fastParser.rawEvent read it: slices of the
// line, nothing allocated but props (kept between calls by its owner).
type rawEvent struct {
	id, customer, metric, timestamp []byte
	value                           []byte // the JSON text, nil if absent
	props                           []rawProp
	propsText                       []byte // the properties object
	hasProps                        bool   // "properties" was present, if empty
}

// rawProp is one property: its key and its value's JSON text.
type rawProp struct{ key, val []byte }

// maxFastProps bounds the properties the fast path reads; more go to
// encoding/json (and are then rejected by Validate, which allows 64).
const maxFastProps = 64

// rawEvent reads one event object into r (see fastEventJSON).
func (p *fastParser) rawEvent(r *rawEvent) bool {
	*r = rawEvent{props: r.props[:0]}
	var seen uint8
	return p.object(func(key []byte) bool {
		var bit uint8
		switch string(key) {
		case "id", "customer", "metric", "timestamp":
			s, ok := p.str()
			if !ok {
				return false
			}
			switch string(key) {
			case "id":
				bit, r.id = 1, s
			case "customer":
				bit, r.customer = 2, s
			case "metric":
				bit, r.metric = 4, s
			default:
				bit, r.timestamp = 8, s
			}
		case "value":
			bit = 16
			raw, ok := p.scalar(true)
			if !ok {
				return false
			}
			r.value = raw
		case "properties":
			bit, r.hasProps = 32, true
			p.ws()
			start := p.i
			if !p.properties(r) {
				return false
			}
			r.propsText = p.b[start:p.i]
		default:
			return false
		}
		if seen&bit != 0 {
			return false // a repeated key: encoding/json's rules decide
		}
		seen |= bit
		return true
	})
}

// object reads a JSON object, calling field after each key and its colon
// to read the value.
func (p *fastParser) object(field func(key []byte) bool) bool {
	if !p.byte('{') {
		return false
	}
	if p.byte('}') {
		return true
	}
	for {
		key, ok := p.str()
		if !ok || !p.byte(':') || !field(key) {
			return false
		}
		if p.byte(',') {
			continue
		}
		return p.byte('}')
	}
}

type fastParser struct {
	b []byte
	i int
}

func (p *fastParser) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// peek returns the next byte after white space (0 at the end).
func (p *fastParser) peek() byte {
	p.ws()
	if p.i < len(p.b) {
		return p.b[p.i]
	}
	return 0
}

// byte consumes c after white space.
func (p *fastParser) byte(c byte) bool {
	if p.peek() == c {
		p.i++
		return true
	}
	return false
}

// str reads a string without escapes, control or non-ASCII bytes and
// returns its contents.
func (p *fastParser) str() ([]byte, bool) {
	if !p.byte('"') {
		return nil, false
	}
	start := p.i
	for ; p.i < len(p.b); p.i++ {
		switch c := p.b[p.i]; {
		case c == '"':
			p.i++
			return p.b[start : p.i-1], true
		case c == '\\' || c < 0x20 || c >= 0x80:
			return nil, false
		}
	}
	return nil, false
}

// scalar reads a string (quotes kept), a JSON number or, if allowNull,
// null, and returns its text.
func (p *fastParser) scalar(allowNull bool) ([]byte, bool) {
	switch c := p.peek(); {
	case c == '"':
		start := p.i
		if _, ok := p.str(); !ok {
			return nil, false
		}
		return p.b[start:p.i], true
	case c == 'n' && allowNull:
		if len(p.b)-p.i >= 4 && string(p.b[p.i:p.i+4]) == "null" {
			p.i += 4
			return p.b[p.i-4 : p.i], true
		}
		return nil, false
	case c == '-' || c >= '0' && c <= '9':
		start := p.i
		if !p.number() {
			return nil, false
		}
		return p.b[start:p.i], true
	}
	return nil, false
}

// number reads a JSON number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (p *fastParser) number() bool {
	digits := func() int {
		n := 0
		for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
			p.i++
			n++
		}
		return n
	}
	if p.i < len(p.b) && p.b[p.i] == '-' {
		p.i++
	}
	switch {
	case p.i < len(p.b) && p.b[p.i] == '0':
		p.i++
	case digits() == 0:
		return false
	}
	if p.i < len(p.b) && p.b[p.i] == '.' {
		p.i++
		if digits() == 0 {
			return false
		}
	}
	if p.i < len(p.b) && (p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		p.i++
		if p.i < len(p.b) && (p.b[p.i] == '+' || p.b[p.i] == '-') {
			p.i++
		}
		if digits() == 0 {
			return false
		}
	}
	// A number must end here: what follows is checked by the caller, but a
	// letter or digit glued on (1x, 01) is not JSON.
	if p.i < len(p.b) {
		switch c := p.b[p.i]; {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '.', c == '-', c == '+':
			return false
		}
	}
	return true
}

// properties reads a flat object of strings and numbers into r.props.
func (p *fastParser) properties(r *rawEvent) bool {
	return p.object(func(k []byte) bool {
		v, ok := p.scalar(false)
		if !ok || len(r.props) == maxFastProps {
			return false
		}
		for _, kv := range r.props {
			if string(kv.key) == string(k) {
				return false // a repeated key: encoding/json's rules decide
			}
		}
		r.props = append(r.props, rawProp{k, v})
		return true
	})
}
