package ledger

import (
	"time"

	"github.com/shopspring/decimal"
)

// eventParser reads the event lines of one import stream straight into
// Events: the common shape (fastEventJSON's) without EventJSON and its map
// of raw properties, and with what repeats from line to line shared rather
// than allocated per event: strings (aliases, metric codes, property keys
// and values), small values, and whole Properties maps, which were a third
// of the parsing side's memory. Events of one stream may therefore share a
// Properties map: the import only reads them. A line it cannot read so, or
// one that is not a valid event, goes through ParseEventJSON's full path,
// so every answer and error is the one that path gives (FuzzEventParser).
// The zero eventParser shares nothing.
type eventParser struct {
	raw      rawEvent
	names    sharing[string]            // aliases, metric codes, property keys
	texts    sharing[string]            // property values
	propMaps sharing[map[string]string] // by the properties object's text
	values   []cachedValue              // direct-mapped by coefficient and exponent
	// ownAliases: each event gets its own customer alias string instead of
	// the names table's (see BatchParser).
	ownAliases bool
}

type cachedValue struct {
	coef int64
	exp  int32
	set  bool
	d    decimal.Decimal
}

const (
	maxShared      = 1 << 14 // entries of a sharing table
	maxSharedLen   = 128     // the longest text shared
	valueCacheSize = 1 << 10
)

func newEventParser() *eventParser {
	return &eventParser{names: newSharing[string](), texts: newSharing[string](), propMaps: newSharing[map[string]string](),
		values: make([]cachedValue, valueCacheSize)}
}

// sharing is a bounded table of what a stream's lines repeat, by its text.
// When the table is full it is emptied; if it had fewer hits than entries,
// the stream's texts do not repeat (ids, say), or not within maxShared
// others, and the table is dropped, so such a stream pays for at most
// maxShared look-ups that missed.
type sharing[V any] struct {
	m    map[string]V // nil: share nothing
	hits int          // since the table was last emptied
}

func newSharing[V any]() sharing[V] { return sharing[V]{m: make(map[string]V)} }

func (t *sharing[V]) get(text []byte) (v V, ok bool) {
	if v, ok = t.m[string(text)]; ok {
		t.hits++
	}
	return v, ok
}

// keeps reports whether put would keep text.
func (t *sharing[V]) keeps(text []byte) bool { return t.m != nil && len(text) <= maxSharedLen }

// put adds text, which t keeps, and its v.
func (t *sharing[V]) put(text string, v V) {
	if len(t.m) == maxShared {
		if t.hits < len(t.m) {
			t.m = nil
			return
		}
		clear(t.m)
		t.hits = 0
	}
	t.m[text] = v
}

// parse reads one event line.
func (ep *eventParser) parse(data []byte) (Event, error) {
	if e, ok := ep.fast(data); ok {
		return e, nil
	}
	return parseEventJSONSlow(data)
}

// fast reads a line of fastEventJSON's shape that is a valid event, and
// returns ok == false for anything else.
func (ep *eventParser) fast(data []byte) (e Event, ok bool) {
	p := fastParser{b: data}
	if !p.rawEvent(&ep.raw) {
		return e, false
	}
	if p.ws(); p.i != len(p.b) {
		return e, false
	}
	return ep.event(&ep.raw)
}

// event makes the Event of r, an object fastParser.rawEvent read, if it is
// a valid event it can make without ParseEventJSON's full path, and
// returns ok == false for anything else.
func (ep *eventParser) event(r *rawEvent) (e Event, ok bool) {
	if len(r.id) == 0 || len(r.customer) == 0 || len(r.metric) == 0 || len(r.timestamp) == 0 {
		return e, false
	}
	if e.Timestamp, ok = parseUTCTimestamp(r.timestamp); !ok {
		t, err := ParseTimestamp(string(r.timestamp))
		if err != nil {
			return e, false
		}
		e.Timestamp = t
	}
	if r.value == nil || string(r.value) == "null" {
		e.Value = ep.decimal(1, 0)
	} else if e.Value, ok = ep.value(r.value); !ok {
		return e, false
	}
	if len(r.props) > 0 {
		if e.Properties, ok = ep.properties(r); !ok {
			return e, false
		}
	}
	e.ID = string(r.id)
	if ep.ownAliases {
		e.Customer = string(r.customer)
	} else {
		e.Customer = sharedText(&ep.names, r.customer)
	}
	e.Metric = sharedText(&ep.names, r.metric)
	return e, true
}

// properties returns r's properties as a map; lines with the same
// properties object share one (see eventParser).
func (ep *eventParser) properties(r *rawEvent) (map[string]string, bool) {
	if m, ok := ep.propMaps.get(r.propsText); ok {
		return m, true
	}
	m := make(map[string]string, len(r.props))
	for _, kv := range r.props {
		var v string
		switch {
		case kv.val[0] == '"':
			v = sharedText(&ep.texts, kv.val[1:len(kv.val)-1])
		case smallNumber(kv.val):
			v = sharedText(&ep.texts, kv.val)
		default:
			// A long number or one with an exponent: jsonScalar says
			// whether decimal reads it.
			s, err := jsonScalar(kv.val)
			if err != nil {
				return nil, false
			}
			v = s
		}
		m[sharedText(&ep.names, kv.key)] = v
	}
	if ep.propMaps.keeps(r.propsText) {
		ep.propMaps.put(string(r.propsText), m)
	}
	return m, true
}

// sharedText returns b as a string, the same string each time while t holds
// it.
func sharedText(t *sharing[string], b []byte) string {
	if s, ok := t.get(b); ok {
		return s
	}
	s := string(b)
	if t.keeps(b) {
		t.put(s, s)
	}
	return s
}

// value reads an event's value, a JSON number or a string holding one, as
// jsonDecimal does.
func (ep *eventParser) value(raw []byte) (decimal.Decimal, bool) {
	lit := raw
	if lit[0] == '"' {
		lit = lit[1 : len(lit)-1] // fastParser's strings have no escapes
	}
	coef, exp, ok := parseSmallDecimal(lit)
	if !ok {
		v, err := jsonDecimal(raw)
		return v, err == nil
	}
	return ep.decimal(coef, exp), true
}

// decimal returns decimal.New(coef, exp), from the cache if it holds it. A
// Decimal never changes its coefficient (every operation makes a new one),
// so events can share one.
func (ep *eventParser) decimal(coef int64, exp int32) decimal.Decimal {
	if ep.values == nil {
		return decimal.New(coef, exp)
	}
	h := (uint64(coef)*0x9e3779b97f4a7c15 + uint64(uint32(exp))) >> 54
	c := &ep.values[h%valueCacheSize]
	if !c.set || c.coef != coef || c.exp != exp {
		*c = cachedValue{coef: coef, exp: exp, set: true, d: decimal.New(coef, exp)}
	}
	return c.d
}

// smallNumber reports whether a JSON number literal is one parseSmallDecimal
// reads, which decimal.NewFromString always reads too.
func smallNumber(lit []byte) bool {
	_, _, ok := parseSmallDecimal(lit)
	return ok
}

// parseSmallDecimal reads -?[0-9]+(\.[0-9]+)? of at most 18 characters
// besides the point: the literals decimal.NewFromString reads through an
// int64 into decimal.New(coef, exp), which is what this returns.
func parseSmallDecimal(lit []byte) (coef int64, exp int32, ok bool) {
	i, neg := 0, false
	if len(lit) > 0 && lit[0] == '-' {
		i, neg = 1, true
	}
	digits, point := 0, -1
	for ; i < len(lit); i++ {
		switch c := lit[i]; {
		case c >= '0' && c <= '9':
			coef = coef*10 + int64(c-'0')
			digits++
		case c == '.' && point < 0 && digits > 0:
			point = i
		default:
			return 0, 0, false
		}
	}
	n := len(lit)
	if point >= 0 {
		if point == len(lit)-1 {
			return 0, 0, false
		}
		exp = -int32(len(lit) - 1 - point)
		n--
	}
	if digits == 0 || n > 18 {
		return 0, 0, false
	}
	if neg {
		coef = -coef
	}
	return coef, exp, true
}

// parseUTCTimestamp reads the commonest RFC 3339 form,
// 2006-01-02T15:04:05Z, into what time.Parse(time.RFC3339Nano, s) gives
// for it; anything else (fractions, offsets, a malformed time) returns
// ok == false and is left to time.Parse.
func parseUTCTimestamp(s []byte) (t time.Time, ok bool) {
	if len(s) != len("2006-01-02T15:04:05Z") || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
		s[13] != ':' || s[16] != ':' || s[19] != 'Z' {
		return t, false
	}
	ok = true
	num := func(i, j, lo, hi int) int {
		n := 0
		for _, c := range s[i:j] {
			if c < '0' || c > '9' {
				ok = false
				return lo
			}
			n = n*10 + int(c-'0')
		}
		if n < lo || n > hi {
			ok = false
		}
		return n
	}
	year, month := num(0, 4, 0, 9999), num(5, 7, 1, 12)
	day := num(8, 10, 1, 31)
	hour, minute, sec := num(11, 13, 0, 23), num(14, 16, 0, 59), num(17, 19, 0, 59)
	if !ok || day > daysIn(time.Month(month), year) {
		return t, false
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, 0, time.UTC), true
}

// daysIn is the number of days of month in year.
func daysIn(month time.Month, year int) int {
	switch month {
	case time.February:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}
