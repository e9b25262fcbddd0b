package ledger

// BatchParser reads the request bodies the HTTP API receives most — a JSON
// array of event objects, or {"events": [...]} with nothing else in the
// object — straight into Events, with the import's line reader
// (eventParser): no encoding/json, no EventJSON; metric codes, property
// keys and values and small values are shared rather than allocated per
// event, and events with the same properties object share one read-only
// Properties map (the book only reads them).
//
// Customer aliases are not shared: a batch names many customers, and in
// BenchmarkHTTPIngest (5,000 customers, 500 distinct ones per request)
// looking each up in the table, cold in the cache after the writer's turn,
// cost more than the small string it saves (docs/performance.md, "HTTP
// ingestion: the handler's share").
//
// A BatchParser keeps its tables from one body to the next, so that a
// server reusing one per request (through a sync.Pool, say) shares the
// strings its senders repeat across requests; it is not safe for
// concurrent use.
type BatchParser struct {
	ep *eventParser
}

// NewBatchParser returns a BatchParser with empty tables.
func NewBatchParser() *BatchParser {
	ep := newEventParser()
	ep.ownAliases = true
	return &BatchParser{ep: ep}
}

// Parse appends the events of data to events. It reads only bodies of the
// shapes above whose every item is an event object of the fast shape
// (fastEventJSON's: the known keys once each, strings without escapes or
// non-ASCII bytes, flat properties of strings and numbers) and a valid
// event. For anything else — another key beside "events", an unusual
// item, an invalid event — it returns ok == false (and events holds
// nothing of use): the caller takes the encoding/json path, which says
// which event is wrong and why. Whatever Parse reads, that path reads to
// the same events (FuzzBatchParser). An empty batch reads as no events.
func (bp *BatchParser) Parse(data []byte, events []Event) (_ []Event, ok bool) {
	p := fastParser{b: data}
	r := &bp.ep.raw
	ok = p.batch(func() bool {
		if !p.rawEvent(r) {
			return false
		}
		e, ok := bp.ep.event(r)
		if ok {
			events = append(events, e)
		}
		return ok
	})
	return events, ok
}
