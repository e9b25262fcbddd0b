package usageapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"github.com/monthend/monthend/ledger"
)

// nativeEvents: POST /v1/usage/events with one event object, a JSON array
// of events, or {"events": [...]}.
func (s *Server) nativeEvents(w http.ResponseWriter, r *http.Request, key ledger.APIKey) {
	buf := getBuffer()
	defer putBuffer(buf)
	body, err := readBody(r, *buf, s.maxBytes)
	*buf = body
	if err != nil {
		s.bodyError(w, err)
		return
	}
	events, errs, fail := readNative(body)
	if fail != nil {
		writeError(w, fail.status, fail.code, fail.msg)
		return
	}
	s.ingest(w, r, key, events, errs)
}

// failure is an answer to a request that stores nothing.
type failure struct {
	status    int
	code, msg string
}

// batchParsers are reused across requests: each keeps the strings and
// values its bodies repeat (metric codes, properties, values), so a
// sender's next batch shares them instead of allocating them again.
var batchParsers = sync.Pool{New: func() any { return ledger.NewBatchParser() }}

// readNative reads a native body into its events and, per event, why it
// was rejected before it reaches the book (errs nil: none was), or the
// failure to answer instead. The common batch shapes are read straight into
// events (ledger.BatchParser), with no EventJSON in between: under a third
// of the bytes and a quarter of the allocations of the scanner into
// EventJSONs that came before it (BenchmarkParseBatch), and far less of
// BenchmarkHTTPIngest's CPU (docs/performance.md). Anything else —
// including every batch with an invalid event — takes the encoding/json
// paths (readNativeJSON), with their answers and error messages; the two
// agree on every body (FuzzReadNative).
func readNative(body []byte) ([]ledger.Event, []error, *failure) {
	bp := batchParsers.Get().(*ledger.BatchParser)
	events, ok := bp.Parse(body, make([]ledger.Event, 0, batchCapacity(body)))
	batchParsers.Put(bp)
	if ok {
		return events, nil, nil
	}
	return readNativeJSON(body, true)
}

// batchCapacity guesses the events in a body from its length, so that the
// slice of events is allocated once: a typical event is over 100 bytes.
func batchCapacity(body []byte) int {
	return min(len(body)/100+1, MaxBatch+1)
}

// readNativeJSON is readNative through encoding/json. With whole, a
// well-formed batch of valid events is decoded in one pass (fastNative);
// otherwise, or if that fails, item by item, which says which event is
// wrong and why.
func readNativeJSON(body []byte, whole bool) ([]ledger.Event, []error, *failure) {
	var raw json.RawMessage
	if err := decodeJSON(bytes.NewReader(body), &raw); err != nil {
		return nil, nil, &failure{http.StatusBadRequest, CodeMalformedJSON, "malformed JSON: " + err.Error()}
	}
	t := bytes.TrimSpace(raw)
	if whole {
		if events, ok := fastNative(t); ok {
			return events, nil, nil
		}
	}
	var items []json.RawMessage
	switch {
	case len(t) > 0 && t[0] == '[':
		if err := json.Unmarshal(t, &items); err != nil {
			return nil, nil, &failure{http.StatusBadRequest, CodeMalformedJSON, "malformed JSON: " + err.Error()}
		}
	case len(t) > 0 && t[0] == '{':
		var batch struct {
			Events []json.RawMessage `json:"events"`
		}
		if err := json.Unmarshal(t, &batch); err == nil && batch.Events != nil {
			items = batch.Events
		} else {
			items = []json.RawMessage{t}
		}
	default:
		return nil, nil, &failure{http.StatusBadRequest, CodeMalformedJSON, "the body must be an event object, an array of events or {\"events\": [...]}"}
	}
	events, errs := make([]ledger.Event, len(items)), make([]error, len(items))
	for i, it := range items {
		events[i], errs[i] = ledger.ParseEventJSON(it)
	}
	return events, errs, nil
}

// fastNative decodes a well-formed batch (an array of events or
// {"events": [...]}) in one pass, straight into EventJSON, instead of
// splitting it into raw items first and decoding each again. It reports
// false if anything is off — an item that is not an event object, a field
// of the wrong type, an invalid event — and readNativeJSON then takes the
// item by item path, which says which event is wrong and why.
func fastNative(t []byte) ([]ledger.Event, bool) {
	var js []ledger.EventJSON
	switch {
	case len(t) > 0 && t[0] == '[':
		if json.Unmarshal(t, &js) != nil {
			return nil, false
		}
	case len(t) > 0 && t[0] == '{':
		var batch struct {
			Events []ledger.EventJSON `json:"events"`
		}
		if json.Unmarshal(t, &batch) != nil || batch.Events == nil {
			return nil, false
		}
		js = batch.Events
	default:
		return nil, false
	}
	events := make([]ledger.Event, len(js))
	for i := range js {
		var err error
		if events[i], err = js[i].Event(); err != nil {
			return nil, false
		}
	}
	return events, true
}

// Sequence's shape (POST /api/usage-events), one event per request:
//
//	customerAlias   → customer
//	eventType       → metric
//	customerEventId → id (if absent: "seq-" + SHA-256 of the content, so an
//	                  identical resend is a duplicate)
//	eventTimestamp  → timestamp (RFC 3339)
//	eventProperties → properties (value stays 1; metrics aggregate a property)
type sequenceEvent struct {
	CustomerAlias   string                     `json:"customerAlias"`
	EventType       string                     `json:"eventType"`
	CustomerEventID string                     `json:"customerEventId"`
	EventTimestamp  string                     `json:"eventTimestamp"`
	EventProperties map[string]json.RawMessage `json:"eventProperties"`
}

func (s *Server) sequenceEvent(w http.ResponseWriter, r *http.Request, key ledger.APIKey) {
	var se sequenceEvent
	if !s.decode(w, r, &se) {
		return
	}
	j := ledger.EventJSON{ID: se.CustomerEventID, Customer: se.CustomerAlias, Metric: se.EventType,
		Timestamp: se.EventTimestamp, Properties: se.EventProperties}
	if j.ID == "" {
		j.ID = contentID("seq-", j)
	}
	e, err := j.Event()
	s.ingest(w, r, key, []ledger.Event{e}, []error{err})
}

// Lago's shape (POST /api/v1/events with {"event": {...}}, POST
// /api/v1/events/batch with {"events": [...]}):
//
//	transaction_id       → id
//	external_customer_id → customer
//	code                 → metric
//	timestamp            → timestamp: Unix seconds (number or string, may have
//	                       a fraction) or RFC 3339; absent means now
//	properties           → properties (value stays 1)
//
// external_subscription_id and precise_total_amount_cents are accepted and
// ignored.
type lagoEvent struct {
	TransactionID      string                     `json:"transaction_id"`
	ExternalCustomerID string                     `json:"external_customer_id"`
	Code               string                     `json:"code"`
	Timestamp          json.RawMessage            `json:"timestamp"`
	Properties         map[string]json.RawMessage `json:"properties"`
}

func (s *Server) lagoEvent(w http.ResponseWriter, r *http.Request, key ledger.APIKey) {
	var body struct {
		Event *lagoEvent `json:"event"`
	}
	if !s.decode(w, r, &body) {
		return
	}
	if body.Event == nil {
		writeError(w, http.StatusBadRequest, CodeMalformedJSON, `Lago events come as {"event": {...}}`)
		return
	}
	e, err := body.Event.event(time.Now())
	s.ingest(w, r, key, []ledger.Event{e}, []error{err})
}

func (s *Server) lagoBatch(w http.ResponseWriter, r *http.Request, key ledger.APIKey) {
	var body struct {
		Events []lagoEvent `json:"events"`
	}
	if !s.decode(w, r, &body) {
		return
	}
	now := time.Now()
	events, errs := make([]ledger.Event, len(body.Events)), make([]error, len(body.Events))
	for i := range body.Events {
		events[i], errs[i] = body.Events[i].event(now)
	}
	s.ingest(w, r, key, events, errs)
}

func (le *lagoEvent) event(now time.Time) (ledger.Event, error) {
	j := ledger.EventJSON{ID: le.TransactionID, Customer: le.ExternalCustomerID, Metric: le.Code, Properties: le.Properties}
	ts, err := lagoTimestamp(le.Timestamp, now)
	if err != nil {
		return ledger.Event{ID: j.ID}, fmt.Errorf("event %s: %w", j.ID, err)
	}
	j.Timestamp = ts.Format(time.RFC3339Nano)
	if j.ID == "" {
		return ledger.Event{}, errors.New(`"transaction_id" is required (it is the idempotency key)`)
	}
	return j.Event()
}

// lagoTimestamp reads Unix seconds (a number or a string, with an optional
// fraction, never through float64) or RFC 3339.
func lagoTimestamp(raw json.RawMessage, now time.Time) (time.Time, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return now, nil
	}
	s := string(raw)
	if raw[0] == '"' {
		if err := json.Unmarshal(raw, &s); err != nil {
			return time.Time{}, err
		}
		if strings.ContainsAny(s, "T-") && !strings.HasPrefix(s, "-") {
			return ledger.ParseTimestamp(s)
		}
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return time.Time{}, fmt.Errorf("timestamp %s is neither Unix seconds nor RFC 3339", raw)
	}
	ns := d.Shift(9).Truncate(0)
	if !ns.IsInteger() || ns.Abs().GreaterThan(decimal.NewFromInt(1<<62)) {
		return time.Time{}, fmt.Errorf("timestamp %s is out of range", raw)
	}
	return time.Unix(0, ns.IntPart()).UTC(), nil
}

// contentID derives an idempotency key from an event's content for senders
// that send none.
func contentID(prefix string, j ledger.EventJSON) string {
	b, _ := json.Marshal(j) // map keys are sorted, so this is canonical
	sum := sha256.Sum256(b)
	return prefix + hex.EncodeToString(sum[:16])
}
