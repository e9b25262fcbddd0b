package ledger

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	bolt "go.etcd.io/bbolt"

	"github.com/monthend/monthend/pricing"
)

// QuoteStatus is where a quote version is in its life:
//
//	draft → sent → signed → executed
//	          ├──→ declined
//	          └──→ expired
//
// Saving a sent, declined or expired quote makes a new draft version; a
// signed or executed quote no longer changes.
type QuoteStatus string

const (
	QuoteDraft    QuoteStatus = "draft"    // being written; saves replace it
	QuoteSent     QuoteStatus = "sent"     // with the customer; a save makes a new version
	QuoteSigned   QuoteStatus = "signed"   // accepted: ready to execute
	QuoteDeclined QuoteStatus = "declined" // refused by the customer
	QuoteExpired  QuoteStatus = "expired"  // not signed by its expiry date
	QuoteExecuted QuoteStatus = "executed" // turned into a draft billing schedule
)

// Errors of the quote lifecycle, for callers that act on them.
var (
	// ErrQuoteStatus: the quote's status does not allow the change.
	ErrQuoteStatus = errors.New("the quote's status does not allow it")
	// ErrQuoteSuperseded: the version acted on is not the newest; only
	// the newest version can be sent or signed.
	ErrQuoteSuperseded = errors.New("a newer version of the quote exists")
	// ErrQuoteExpired: the quote's expiry date has passed.
	ErrQuoteExpired = errors.New("the quote has expired")
)

// Prospect is someone a quote is for who is not a customer yet; executing
// the quote makes them one.
type Prospect struct {
	Name      string           `json:"name"`
	LegalName string           `json:"legal_name,omitempty"`
	Emails    []string         `json:"billing_emails,omitempty"`
	Address   string           `json:"address,omitempty"`
	Currency  pricing.Currency `json:"currency"`
	TimeZone  string           `json:"time_zone"`
	TaxRate   decimal.Decimal  `json:"tax_rate,omitzero"` // percent
}

// Validate checks the prospect as the customer it will become.
func (p Prospect) Validate() error {
	c := p.customer("prospect")
	if err := c.Validate(); err != nil {
		return errors.New(strings.ReplaceAll(strings.TrimPrefix(err.Error(), ErrInvalid.Error()+": "), "customer prospect", "prospect"))
	}
	return nil
}

func (p Prospect) customer(id string) Customer {
	return Customer{ID: id, Name: p.Name, LegalName: p.LegalName, Emails: p.Emails, Address: p.Address,
		Currency: p.Currency, TimeZone: p.TimeZone, TaxRate: p.TaxRate}
}

// LineSource records which catalog product a quote line started from.
type LineSource struct {
	Phase   string `json:"phase"`
	Line    string `json:"line"`
	Product string `json:"product"`
}

// QuoteContent is what a quote offers: who, the terms, and the commercial
// content as a pricing.Schedule — the very schedule executing the quote
// stores, so what is quoted is what is billed.
type QuoteContent struct {
	// CustomerID is the existing customer the quote is for; for a
	// prospect it is empty until execution creates the customer.
	CustomerID       string            `json:"customer_id,omitempty"`
	Prospect         *Prospect         `json:"prospect,omitempty"`
	TermMonths       int               `json:"term_months"`
	PaymentTermsDays int               `json:"payment_terms_days"`
	Expires          pricing.Date      `json:"expires"`
	Notes            string            `json:"notes,omitempty"`
	Schedule         *pricing.Schedule `json:"schedule"`
	Lines            []LineSource      `json:"lines,omitempty"`
}

// Party is who the quote is for, for lists: the customer id or the
// prospect's name.
func (c QuoteContent) Party() string {
	if c.Prospect != nil && c.CustomerID == "" {
		return c.Prospect.Name + " (prospect)"
	}
	return c.CustomerID
}

// Figures prices the quote's whole term at the assumed usage per metric per
// billing period (pricing.QuoteFigures).
func (c QuoteContent) Figures(perPeriod map[string]decimal.Decimal) (pricing.Figures, error) {
	return pricing.QuoteFigures(c.Schedule, perPeriod)
}

// Quote is one version of a quote. Versions are kept: a save of a quote
// that was sent makes the next version, and earlier ones stay readable
// with the status they had.
type Quote struct {
	ID      string      `json:"id"`
	Version int         `json:"version"`
	Status  QuoteStatus `json:"status"`
	QuoteContent
	CreatedAt time.Time `json:"created_at"` // this version's first save
	SavedAt   time.Time `json:"saved_at"`   // its last save (drafts are saved over)

	SentAt             time.Time `json:"sent_at,omitzero"`
	SignatureRequestID string    `json:"signature_request_id,omitempty"`
	SignedBy           string    `json:"signed_by,omitempty"`
	SignedAt           time.Time `json:"signed_at,omitzero"`
	SignedVia          string    `json:"signed_via,omitempty"` // "hand", "dropbox_sign", …
	SignedPDFBytes     int       `json:"signed_pdf_bytes,omitempty"`
	DeclinedAt         time.Time `json:"declined_at,omitzero"`
	DeclineReason      string    `json:"decline_reason,omitempty"`
	ExpiredAt          time.Time `json:"expired_at,omitzero"`
	ExecutedAt         time.Time `json:"executed_at,omitzero"`
	ScheduleID         string    `json:"schedule_id,omitempty"` // the draft schedule execution created
}

func quoteKey(id string, version int) []byte { return scheduleKey(id, version) }

// today is the day in the quote's time zone.
func (b *Book) quoteToday(q *Quote) pricing.Date {
	loc, err := loadLocation(q.Schedule.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	return pricing.DateOf(b.now(), loc)
}

func (q *Quote) summary() string { return fmt.Sprintf("v%d %s", q.Version, q.Status) }

func putQuote(tx *bolt.Tx, q *Quote) error {
	data, err := json.Marshal(q)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketQuotes).Put(quoteKey(q.ID, q.Version), data)
}

// latestQuote reads the newest version of quote id.
func latestQuote(tx *bolt.Tx, id string) (Quote, bool, error) {
	var q Quote
	prefix := append([]byte(id), 0)
	c := tx.Bucket(bucketQuotes).Cursor()
	k, v := c.Seek(quoteKey(id, 1<<32-1))
	if k == nil || !bytes.HasPrefix(k, prefix) || len(k) != len(prefix)+4 {
		k, v = c.Prev()
	}
	if k == nil || !bytes.HasPrefix(k, prefix) || len(k) != len(prefix)+4 {
		return q, false, nil
	}
	err := json.Unmarshal(v, &q)
	return q, err == nil, err
}

func mustLatestQuote(tx *bolt.Tx, id string) (Quote, error) {
	q, found, err := latestQuote(tx, id)
	if err != nil {
		return q, err
	}
	if !found {
		return q, fmt.Errorf("quote %q %w (monthend quotes list shows them)", id, ErrNotFound)
	}
	return q, nil
}

// SaveQuote stores content as quote id: a new quote is version 1, draft; a
// draft is saved over (same version); a sent, declined or expired quote
// gets a new draft version (the earlier stays readable); a signed or
// executed quote is refused (ErrQuoteStatus). The content must be valid (as
// ParseQuote makes it); an existing customer must still exist.
func (b *Book) SaveQuote(id string, c QuoteContent) (Quote, error) {
	if err := validKey("quote id", id); err != nil {
		return Quote{}, err
	}
	if err := c.validate(); err != nil {
		return Quote{}, fmt.Errorf("%w: quote %s: %v", ErrInvalid, id, err)
	}
	var q Quote
	err := b.update(func(tx *bolt.Tx) error {
		if c.CustomerID != "" {
			cust, err := getCustomer(tx, c.CustomerID)
			if err != nil {
				return err
			}
			if cust.Currency != c.Schedule.Currency {
				return fmt.Errorf("%w: quote %s is in %s but customer %s is billed in %s", ErrInvalid, id, c.Schedule.Currency, cust.ID, cust.Currency)
			}
		}
		prev, found, err := latestQuote(tx, id)
		if err != nil {
			return err
		}
		now := b.now().UTC()
		before := ""
		switch {
		case !found:
			q = Quote{ID: id, Version: 1, CreatedAt: now}
		case prev.Status == QuoteDraft:
			q = Quote{ID: id, Version: prev.Version, CreatedAt: prev.CreatedAt}
			before = prev.summary()
		case prev.Status == QuoteSent || prev.Status == QuoteDeclined || prev.Status == QuoteExpired:
			q = Quote{ID: id, Version: prev.Version + 1, CreatedAt: now}
			before = prev.summary()
		default:
			return fmt.Errorf("quote %s is %s (%w): it can no longer change; write a new quote for a new offer", id, prev.Status, ErrQuoteStatus)
		}
		q.Status, q.QuoteContent, q.SavedAt = QuoteDraft, c, now
		if err := putQuote(tx, &q); err != nil {
			return err
		}
		return b.audit(tx, "quote.save", "quote "+id, before, q.summary())
	})
	return q, err
}

// validate checks what SaveQuote relies on.
func (c QuoteContent) validate() error {
	if c.Schedule == nil {
		return errors.New("no schedule")
	}
	if err := c.Schedule.Validate(); err != nil {
		return err
	}
	if c.CustomerID == "" && c.Prospect == nil {
		return errors.New("a quote is for an existing customer or a prospect (executing a prospect's quote sets both)")
	}
	if c.Prospect != nil {
		if err := c.Prospect.Validate(); err != nil {
			return err
		}
	}
	if c.TermMonths <= 0 || c.Schedule.End.IsZero() || !addMonths(c.Schedule.Start, c.TermMonths).Equal(c.Schedule.End) {
		return fmt.Errorf("the schedule's end must be start + term_months (%d)", c.TermMonths)
	}
	if c.Expires.IsZero() {
		return errors.New("no expiry date")
	}
	return nil
}

// Quote returns version of quote id (0: the newest).
func (b *Book) Quote(id string, version int) (Quote, error) {
	var q Quote
	err := b.view(func(tx *bolt.Tx) error {
		if version == 0 {
			var err error
			q, err = mustLatestQuote(tx, id)
			return err
		}
		v := tx.Bucket(bucketQuotes).Get(quoteKey(id, version))
		if v == nil {
			return fmt.Errorf("quote %q version %d %w (monthend quotes show %s lists its versions)", id, version, ErrNotFound, id)
		}
		return json.Unmarshal(v, &q)
	})
	return q, err
}

// QuoteVersions returns every version of quote id, oldest first.
func (b *Book) QuoteVersions(id string) ([]Quote, error) {
	var out []Quote
	err := b.view(func(tx *bolt.Tx) error {
		prefix := append([]byte(id), 0)
		c := tx.Bucket(bucketQuotes).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			if len(k) != len(prefix)+4 {
				continue
			}
			var q Quote
			if err := json.Unmarshal(v, &q); err != nil {
				return fmt.Errorf("quote %s: %w", id, err)
			}
			out = append(out, q)
		}
		if len(out) == 0 {
			return fmt.Errorf("quote %q %w (monthend quotes list shows them)", id, ErrNotFound)
		}
		return nil
	})
	return out, err
}

// Quotes returns the newest version of every quote, by id.
func (b *Book) Quotes() ([]Quote, error) {
	var out []Quote
	err := b.view(func(tx *bolt.Tx) error {
		var err error
		out, err = allQuoteVersions(tx, true)
		return err
	})
	return out, err
}

// allQuoteVersions reads every quote version by id and version, or only
// the newest of each.
func allQuoteVersions(tx *bolt.Tx, newestOnly bool) ([]Quote, error) {
	var out []Quote
	err := tx.Bucket(bucketQuotes).ForEach(func(k, v []byte) error {
		var q Quote
		if err := json.Unmarshal(v, &q); err != nil {
			return fmt.Errorf("quote record %q: %w", k, err)
		}
		if newestOnly && len(out) > 0 && out[len(out)-1].ID == q.ID {
			out[len(out)-1] = q
			return nil
		}
		out = append(out, q)
		return nil
	})
	return out, err
}

// QuoteBySignatureRequest finds the quote version a signature request was
// made for (the e-signature callback names only the request).
func (b *Book) QuoteBySignatureRequest(requestID string) (Quote, error) {
	var q Quote
	err := b.view(func(tx *bolt.Tx) error {
		all, err := allQuoteVersions(tx, false)
		if err != nil {
			return err
		}
		for i := len(all) - 1; i >= 0; i-- {
			if requestID != "" && all[i].SignatureRequestID == requestID {
				q = all[i]
				return nil
			}
		}
		return fmt.Errorf("no quote has signature request %q: %w", requestID, ErrNotFound)
	})
	return q, err
}

// MarkQuoteSent records that the newest version of quote id went to the
// customer (draft → sent), with the e-signature request made for it, if
// any. Sending a sent quote again only records a new request id. A quote
// past its expiry date is refused (ErrQuoteExpired): change expires and save.
func (b *Book) MarkQuoteSent(id, signatureRequestID string) (Quote, error) {
	var q Quote
	err := b.update(func(tx *bolt.Tx) error {
		var err error
		if q, err = mustLatestQuote(tx, id); err != nil {
			return err
		}
		before := q.summary()
		switch q.Status {
		case QuoteDraft, QuoteSent:
		default:
			return fmt.Errorf("quote %s v%d is %s (%w): only a draft can be sent; to offer it again, import a revision (monthend quotes import FILE --id %s)", id, q.Version, q.Status, ErrQuoteStatus, id)
		}
		if today := b.quoteToday(&q); today.After(q.Expires) {
			return fmt.Errorf("quote %s expired on %s (%w): set a later expires and import it again", id, q.Expires, ErrQuoteExpired)
		}
		if q.Status == QuoteSent && (signatureRequestID == "" || signatureRequestID == q.SignatureRequestID) {
			return nil
		}
		if q.Status == QuoteDraft {
			q.Status, q.SentAt = QuoteSent, b.now().UTC()
		}
		if signatureRequestID != "" {
			q.SignatureRequestID = signatureRequestID
		}
		if err := putQuote(tx, &q); err != nil {
			return err
		}
		after := q.summary()
		if q.SignatureRequestID != "" {
			after += " signature request " + q.SignatureRequestID
		}
		return b.audit(tx, "quote.send", "quote "+id, before, after)
	})
	return q, err
}

// Signature is how a quote was signed.
type Signature struct {
	By  string    // who signed (a name, or the signer's email)
	At  time.Time // when
	Via string    // "hand" (marked by a person), "dropbox_sign", …
	// PDF is the signed document, stored with the quote version (nil: none).
	PDF []byte
}

// MarkQuoteSigned records that version of quote id (0: the newest) was
// signed. Only the newest version can be signed (ErrQuoteSuperseded), only
// once sent (ErrQuoteStatus), and not after its expiry date in the quote's
// time zone (ErrQuoteExpired). Signing a signed or executed version again
// changes nothing and reports changed false, so callbacks can repeat.
func (b *Book) MarkQuoteSigned(id string, version int, sig Signature) (q Quote, changed bool, err error) {
	if strings.TrimSpace(sig.By) == "" {
		return Quote{}, false, fmt.Errorf("%w: say who signed the quote", ErrInvalid)
	}
	if sig.At.IsZero() {
		sig.At = b.now()
	}
	if sig.Via == "" {
		sig.Via = "hand"
	}
	err = b.update(func(tx *bolt.Tx) error {
		var err error
		if q, err = mustLatestQuote(tx, id); err != nil {
			return err
		}
		if version != 0 && version != q.Version {
			return fmt.Errorf("quote %s v%d cannot be signed (%w): v%d is the newest; send that one", id, version, ErrQuoteSuperseded, q.Version)
		}
		switch q.Status {
		case QuoteSent:
		case QuoteSigned, QuoteExecuted:
			return nil
		case QuoteDraft:
			return fmt.Errorf("quote %s v%d is a draft (%w): send it before it is signed (monthend quotes send %s)", id, q.Version, ErrQuoteStatus, id)
		default:
			return fmt.Errorf("quote %s v%d is %s (%w): import a revision and send it again", id, q.Version, q.Status, ErrQuoteStatus)
		}
		loc, _ := loadLocation(q.Schedule.TimeZone)
		if loc == nil {
			loc = time.UTC
		}
		if day := pricing.DateOf(sig.At, loc); day.After(q.Expires) {
			return fmt.Errorf("quote %s was signed on %s, after it expired on %s (%w): import a revision with a later expires, send and sign it", id, day, q.Expires, ErrQuoteExpired)
		}
		before := q.summary()
		q.Status, q.SignedBy, q.SignedAt, q.SignedVia = QuoteSigned, sig.By, sig.At.UTC(), sig.Via
		if len(sig.PDF) > 0 {
			q.SignedPDFBytes = len(sig.PDF)
			if err := tx.Bucket(bucketQuoteDocs).Put(quoteKey(q.ID, q.Version), sig.PDF); err != nil {
				return err
			}
		}
		if err := putQuote(tx, &q); err != nil {
			return err
		}
		changed = true
		return b.audit(tx, "quote.sign", "quote "+id, before, fmt.Sprintf("%s by %s at %s via %s", q.summary(), sig.By, q.SignedAt.Format(time.RFC3339), sig.Via))
	})
	return q, changed, err
}

// SignedQuotePDF returns the signed document stored with version of quote
// id (0: the newest), or ErrNotFound.
func (b *Book) SignedQuotePDF(id string, version int) ([]byte, error) {
	var out []byte
	err := b.view(func(tx *bolt.Tx) error {
		if version == 0 {
			q, err := mustLatestQuote(tx, id)
			if err != nil {
				return err
			}
			version = q.Version
		}
		v := tx.Bucket(bucketQuoteDocs).Get(quoteKey(id, version))
		if v == nil {
			return fmt.Errorf("quote %s v%d has no signed PDF: %w", id, version, ErrNotFound)
		}
		out = append([]byte(nil), v...)
		return nil
	})
	return out, err
}

// DeclineQuote records that the customer refused the newest version of a
// sent quote. Declining a declined quote changes nothing.
func (b *Book) DeclineQuote(id, reason string) (Quote, error) {
	var q Quote
	err := b.update(func(tx *bolt.Tx) error {
		var err error
		if q, err = mustLatestQuote(tx, id); err != nil {
			return err
		}
		switch q.Status {
		case QuoteSent:
		case QuoteDeclined:
			return nil
		default:
			return fmt.Errorf("quote %s v%d is %s (%w): only a sent quote can be declined", id, q.Version, q.Status, ErrQuoteStatus)
		}
		before := q.summary()
		q.Status, q.DeclinedAt, q.DeclineReason = QuoteDeclined, b.now().UTC(), reason
		if err := putQuote(tx, &q); err != nil {
			return err
		}
		return b.audit(tx, "quote.decline", "quote "+id, before, strings.TrimSpace(q.summary()+" "+reason))
	})
	return q, err
}

// ExpireQuotes moves every sent quote whose expiry date has passed (in its
// time zone) to expired, in one transaction with an audit record each, and
// returns them.
func (b *Book) ExpireQuotes() ([]Quote, error) {
	var out []Quote
	err := b.update(func(tx *bolt.Tx) error {
		out = nil
		all, err := allQuoteVersions(tx, true)
		if err != nil {
			return err
		}
		for _, q := range all {
			if q.Status != QuoteSent || !b.quoteToday(&q).After(q.Expires) {
				continue
			}
			before := q.summary()
			q.Status, q.ExpiredAt = QuoteExpired, b.now().UTC()
			if err := putQuote(tx, &q); err != nil {
				return err
			}
			if err := b.audit(tx, "quote.expire", "quote "+q.ID, before, q.summary()+" (expired "+q.Expires.String()+")"); err != nil {
				return err
			}
			out = append(out, q)
		}
		return nil
	})
	return out, err
}
