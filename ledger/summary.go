package ledger

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	bolt "go.etcd.io/bbolt"

	"github.com/monthend/monthend/pricing"
)

// invoiceSummary is the compact record of an invoice (schema 5) that
// listings read instead of decoding the whole invoice: everything a grid
// row shows, without the lines, readings, adjustments or previous figures.
// It is the value of the invoice's entry in the period index (label|id), so
// a period's summaries sit together and a listing reads them in one short
// scan. putInvoice writes it in the same transaction as the invoice, so the
// two never disagree; Check verifies that they do not.
type invoiceSummary struct {
	ID              string // the key; not stored in the value
	CustomerID      string
	ScheduleID      string
	ScheduleVersion int
	Period          InvoicePeriod
	Status          InvoiceStatus
	Number          string
	IssueDate       pricing.Date
	DueDate         pricing.Date
	Currency        string // ISO code
	Subtotal        decimal.Decimal
	Tax             decimal.Decimal
	Total           decimal.Decimal
	CalculatedAt    time.Time
	Minimum         bool // a usage or invoice minimum line was applied
	Late            bool // bills late usage of an issued period (has adjustments)
	// Fingerprint of a draft's priced figures and inputs (zero for other
	// invoices, and for drafts summarised before it existed).
	Fingerprint fingerprint
	freshness
}

// fingerprint is the first 16 bytes of a SHA-256 of what recalc compares
// to tell whether pricing a draft again changed it: its schedule version,
// readings, adjustments, lines and total, in their stored (JSON) form.
// Equal fingerprints stand for the same figures and inputs, so recalc need
// not decode the stored invoice to compare; unequal ones are compared the
// full way (sameInputs, sameFigures), as the same amount may once be
// written "1.0" and once "1".
type fingerprint [16]byte

func fingerprintOf(inv *Invoice) fingerprint {
	h := sha256.New()
	// The encoder cannot fail on these types; an error would only make
	// the fingerprint differ, which sends recalc the full way.
	_ = json.NewEncoder(h).Encode(struct {
		V int                   `json:"v"`
		R []pricing.Reading     `json:"r"`
		A []Adjustment          `json:"a"`
		L []pricing.InvoiceLine `json:"l"`
		T decimal.Decimal       `json:"t"`
	}{inv.ScheduleVersion, inv.Readings, inv.Adjustments, inv.Lines, inv.Total})
	var f fingerprint
	copy(f[:], h.Sum(nil))
	return f
}

// freshness says when a draft was last found current (changes.go): the
// customer's change counter read before its pricing read any usage
// (Checked, 0 if never), and the end (exclusive) of the days that pricing
// read (Through, zero if none). Only Recalc sets it.
//
// LateQuiet says that pricing's late-usage check found the usage of every
// earlier issued invoice as billed, reading days before LateThrough (zero
// if it read none): until usage of those days, or something customer-wide,
// changes, the check would find the same and can be skipped
// (lateKnownQuiet). Summaries written before LateQuiet existed decode
// without it: their drafts are checked the full way once.
type freshness struct {
	Checked     uint64
	Through     pricing.Date
	LateQuiet   bool
	LateThrough pricing.Date // stored only when LateQuiet
}

func summaryOf(inv *Invoice, f freshness) invoiceSummary {
	var fp fingerprint
	if inv.Status == InvoiceDraft {
		fp = fingerprintOf(inv)
	}
	return invoiceSummary{
		Fingerprint: fp,
		ID:          inv.ID, CustomerID: inv.CustomerID, ScheduleID: inv.ScheduleID, ScheduleVersion: inv.ScheduleVersion,
		Period: inv.Period, Status: inv.Status, Number: inv.Number, IssueDate: inv.IssueDate, DueDate: inv.DueDate,
		Currency: inv.Currency.Code(), Subtotal: inv.Subtotal, Tax: inv.Tax, Total: inv.Total,
		CalculatedAt: inv.CalculatedAt,
		Minimum: slices.ContainsFunc(inv.Lines, func(l pricing.InvoiceLine) bool {
			return l.Kind == pricing.MinimumLine || l.Kind == pricing.InvoiceMinimumLine
		}),
		Late:      len(inv.Adjustments) > 0,
		freshness: f,
	}
}

// sameSummary compares everything but the freshness.
func sameSummary(a, b *invoiceSummary) bool {
	return a.ID == b.ID && a.CustomerID == b.CustomerID && a.ScheduleID == b.ScheduleID &&
		a.ScheduleVersion == b.ScheduleVersion && a.Period.Label == b.Period.Label &&
		a.Period.Start.Equal(b.Period.Start) && a.Period.End.Equal(b.Period.End) && a.Period.Index == b.Period.Index &&
		a.Status == b.Status && a.Number == b.Number && a.IssueDate.Equal(b.IssueDate) && a.DueDate.Equal(b.DueDate) &&
		a.Currency == b.Currency && a.Subtotal.Equal(b.Subtotal) && a.Tax.Equal(b.Tax) && a.Total.Equal(b.Total) &&
		a.CalculatedAt.Equal(b.CalculatedAt) && a.Minimum == b.Minimum && a.Late == b.Late &&
		a.Fingerprint == b.Fingerprint
}

const summaryFormat = 1

func encodeSummary(buf []byte, s *invoiceSummary) []byte {
	buf = append(buf, summaryFormat)
	buf = appendStr(buf, s.CustomerID)
	buf = appendStr(buf, s.ScheduleID)
	buf = binary.AppendUvarint(buf, uint64(s.ScheduleVersion))
	buf = appendStr(buf, s.Period.Label)
	buf = binary.AppendUvarint(buf, uint64(dayNum(s.Period.Start)))
	buf = binary.AppendUvarint(buf, uint64(dayNum(s.Period.End)))
	buf = binary.AppendVarint(buf, int64(s.Period.Index))
	buf = appendStr(buf, string(s.Status))
	buf = appendStr(buf, s.Number)
	buf = binary.AppendUvarint(buf, uint64(dayNum(s.IssueDate)))
	buf = binary.AppendUvarint(buf, uint64(dayNum(s.DueDate)))
	buf = appendStr(buf, s.Currency)
	buf = appendStr(buf, s.Subtotal.String())
	buf = appendStr(buf, s.Tax.String())
	buf = appendStr(buf, s.Total.String())
	var at int64
	if !s.CalculatedAt.IsZero() {
		at = s.CalculatedAt.UnixNano()
	}
	buf = binary.AppendVarint(buf, at)
	var flags byte
	if s.Minimum {
		flags |= 1
	}
	if s.Late {
		flags |= 2
	}
	if s.LateQuiet {
		flags |= 4
	}
	if s.Fingerprint != (fingerprint{}) {
		flags |= 8
	}
	buf = append(buf, flags)
	buf = binary.AppendUvarint(buf, s.Checked)
	buf = binary.AppendUvarint(buf, uint64(dayNum(s.Through)))
	if s.LateQuiet {
		buf = binary.AppendUvarint(buf, uint64(dayNum(s.LateThrough)))
	}
	if flags&8 != 0 {
		buf = append(buf, s.Fingerprint[:]...)
	}
	return buf
}

func decodeSummary(id string, b []byte) (invoiceSummary, error) {
	d := decoder{b: b}
	s := invoiceSummary{ID: id}
	if d.byte() != summaryFormat {
		return s, errCorrupt
	}
	s.CustomerID = d.str()
	s.ScheduleID = d.str()
	s.ScheduleVersion = int(d.uvarint())
	s.Period.Label = d.str()
	s.Period.Start = dayOfNum(uint32(d.uvarint()))
	s.Period.End = dayOfNum(uint32(d.uvarint()))
	s.Period.Index = int(d.varint())
	s.Status = InvoiceStatus(d.str())
	s.Number = d.str()
	s.IssueDate = dayOfNum(uint32(d.uvarint()))
	s.DueDate = dayOfNum(uint32(d.uvarint()))
	s.Currency = d.str()
	s.Subtotal = d.decimal()
	s.Tax = d.decimal()
	s.Total = d.decimal()
	if at := d.varint(); at != 0 {
		s.CalculatedAt = time.Unix(0, at).UTC()
	}
	flags := d.byte()
	s.Minimum, s.Late, s.LateQuiet = flags&1 != 0, flags&2 != 0, flags&4 != 0
	s.Checked = d.uvarint()
	s.Through = dayOfNum(uint32(d.uvarint()))
	if s.LateQuiet {
		s.LateThrough = dayOfNum(uint32(d.uvarint()))
	}
	if flags&8 != 0 && d.err == nil {
		if len(d.b) < len(s.Fingerprint) {
			d.err = errCorrupt
		} else {
			d.b = d.b[copy(s.Fingerprint[:], d.b):]
		}
	}
	if d.err == nil && len(d.b) != 0 {
		d.err = errCorrupt
	}
	return s, d.err
}

// labelOfID is the period label of invoice id (schedule id ":" label; a
// label never holds ":").
func labelOfID(id string) string {
	label := id[strings.LastIndexByte(id, ':')+1:]
	label, _, _ = strings.Cut(label, "~") // a voided invoice: schedule:label~NUMBER (lifecycle.go)
	return label
}

func getSummary(tx *bolt.Tx, id string) (invoiceSummary, bool, error) {
	v := tx.Bucket(bucketInvoicePeriods).Get(periodIndexKey(labelOfID(id), id))
	if len(v) == 0 {
		return invoiceSummary{ID: id}, false, nil
	}
	s, err := decodeSummary(id, v)
	if err != nil {
		return s, false, fmt.Errorf("invoice summary %s: %w", id, err)
	}
	return s, true, nil
}

func putSummary(tx *bolt.Tx, s *invoiceSummary) error {
	bk := tx.Bucket(bucketInvoicePeriods)
	bk.FillPercent = periodIndexFill
	return bk.Put(periodIndexKey(s.Period.Label, s.ID), encodeSummary(nil, s))
}

// currencies caches parsed currency codes for summaries: ParseCurrency
// looks the code up in CLDR's table each time.
type currencies map[string]pricing.Currency

func (cs currencies) get(code string) (pricing.Currency, error) {
	if c, ok := cs[code]; ok {
		return c, nil
	}
	c, err := pricing.ParseCurrency(code)
	if err != nil {
		return c, err
	}
	cs[code] = c
	return c, nil
}

// invoice is the summary as an Invoice without lines, readings,
// adjustments or previous figures.
func (s *invoiceSummary) invoice(cs currencies) (Invoice, error) {
	cur, err := cs.get(s.Currency)
	if err != nil {
		return Invoice{}, fmt.Errorf("invoice summary %s: %w", s.ID, err)
	}
	return Invoice{
		ID: s.ID, CustomerID: s.CustomerID, ScheduleID: s.ScheduleID, ScheduleVersion: s.ScheduleVersion,
		Period: s.Period, Status: s.Status, Number: s.Number, IssueDate: s.IssueDate, DueDate: s.DueDate,
		Currency: cur, Figures: Figures{Subtotal: s.Subtotal, Tax: s.Tax, Total: s.Total},
		CalculatedAt: s.CalculatedAt,
	}, nil
}
