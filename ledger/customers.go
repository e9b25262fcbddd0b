package ledger

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/shopspring/decimal"
	bolt "go.etcd.io/bbolt"

	"github.com/monthend/monthend/pricing"
)

// Customer is someone we bill. ID is the short key used everywhere in the
// book and on the command line ("acme"); it is also mapped as the
// customer's first alias when the customer is added.
type Customer struct {
	ID               string            `json:"id"`
	Name             string            `json:"name"`
	LegalName        string            `json:"legal_name,omitempty"`
	Emails           []string          `json:"billing_emails,omitempty"`
	Address          string            `json:"address,omitempty"`
	Currency         pricing.Currency  `json:"currency"`
	TimeZone         string            `json:"time_zone"`
	PaymentTermsDays int               `json:"payment_terms_days"`
	TaxRate          decimal.Decimal   `json:"tax_rate"`               // percent, 19 = 19%, as in pricing
	ExternalIDs      map[string]string `json:"external_ids,omitempty"` // e.g. "accounting" → contact id
	// IssuedThrough is the last day (in the customer's time zone) covered by
	// an issued invoice. Events on or before it are stored with Late set and
	// never change an issued invoice. The billing engine moves it forward.
	IssuedThrough pricing.Date `json:"issued_through,omitzero"`
}

// Location is the customer's time zone.
func (c Customer) Location() (*time.Location, error) { return loadLocation(c.TimeZone) }

// locations caches time.LoadLocation, which reads the zone database each
// time (it showed up at 10% of an import's profile).
var locations sync.Map // name → *time.Location

func loadLocation(name string) (*time.Location, error) {
	if l, ok := locations.Load(name); ok {
		return l.(*time.Location), nil
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	locations.Store(name, l)
	return l, nil
}

func validKey(kind, s string) error {
	switch {
	case s == "":
		return fmt.Errorf("%w: %s is empty", ErrInvalid, kind)
	case len(s) > 200:
		return fmt.Errorf("%w: %s %.20q… is longer than 200 bytes", ErrInvalid, kind, s)
	case strings.ContainsRune(s, 0):
		return fmt.Errorf("%w: %s %q contains a NUL byte", ErrInvalid, kind, s)
	}
	return nil
}

// Validate checks the customer's fields.
func (c Customer) Validate() error {
	if err := validKey("customer id", c.ID); err != nil {
		return err
	}
	if strings.TrimSpace(c.Name) == "" {
		return fmt.Errorf("%w: customer %s has no name", ErrInvalid, c.ID)
	}
	if c.Currency.IsZero() {
		return fmt.Errorf("%w: customer %s has no currency (e.g. EUR)", ErrInvalid, c.ID)
	}
	if c.TimeZone == "" {
		return fmt.Errorf("%w: customer %s has no time zone (e.g. Europe/Berlin)", ErrInvalid, c.ID)
	}
	if _, err := c.Location(); err != nil {
		return fmt.Errorf("%w: customer %s: time zone %q: %v", ErrInvalid, c.ID, c.TimeZone, err)
	}
	if c.PaymentTermsDays < 0 {
		return fmt.Errorf("%w: customer %s: payment terms must not be negative", ErrInvalid, c.ID)
	}
	if c.TaxRate.IsNegative() || c.TaxRate.GreaterThan(decimal.NewFromInt(100)) {
		return fmt.Errorf("%w: customer %s: tax rate %s is not a percentage between 0 and 100", ErrInvalid, c.ID, c.TaxRate)
	}
	for _, e := range c.Emails {
		if !strings.Contains(e, "@") {
			return fmt.Errorf("%w: customer %s: billing email %q has no @", ErrInvalid, c.ID, e)
		}
	}
	return nil
}

func (c Customer) summary() string {
	v, _ := json.Marshal(c)
	return string(v)
}

// AddCustomer stores a new customer and maps its id as an alias (attributing
// any usage already received under that alias).
func (b *Book) AddCustomer(c Customer) error {
	if err := c.Validate(); err != nil {
		return err
	}
	return b.update(func(tx *bolt.Tx) error { return b.addCustomer(tx, c) })
}

// addCustomer is AddCustomer inside tx; c must be valid.
func (b *Book) addCustomer(tx *bolt.Tx, c Customer) error {
	bk := tx.Bucket(bucketCustomers)
	if bk.Get([]byte(c.ID)) != nil {
		return fmt.Errorf("customer %s %w; pick another id", c.ID, ErrExists)
	}
	b.forgetCustomers()
	if err := putJSON(bk, c.ID, c); err != nil {
		return err
	}
	if err := b.audit(tx, "customer.add", "customer "+c.ID, "", c.summary()); err != nil {
		return err
	}
	if owner := tx.Bucket(bucketAliases).Get([]byte(c.ID)); owner != nil {
		return nil // the id is already someone else's alias; leave it
	}
	_, err := b.mapAlias(tx, c.ID, c.ID)
	return err
}

// Customer returns the customer with id.
func (b *Book) Customer(id string) (Customer, error) {
	var c Customer
	err := b.view(func(tx *bolt.Tx) error {
		var err error
		c, err = getCustomer(tx, id)
		return err
	})
	return c, err
}

func getCustomer(tx *bolt.Tx, id string) (Customer, error) {
	var c Customer
	v := tx.Bucket(bucketCustomers).Get([]byte(id))
	if v == nil {
		return c, fmt.Errorf("customer %q %w (monthend customers list shows them)", id, ErrNotFound)
	}
	err := json.Unmarshal(v, &c)
	return c, err
}

// Customers lists every customer by id.
func (b *Book) Customers() ([]Customer, error) {
	var out []Customer
	err := b.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketCustomers).ForEach(func(_, v []byte) error {
			var c Customer
			if err := json.Unmarshal(v, &c); err != nil {
				return err
			}
			out = append(out, c)
			return nil
		})
	})
	return out, err
}

// UpdateCustomer replaces a customer's record. The time zone cannot change
// once usage is rolled up by day in it.
func (b *Book) UpdateCustomer(c Customer) error {
	if err := c.Validate(); err != nil {
		return err
	}
	return b.update(func(tx *bolt.Tx) error {
		old, err := getCustomer(tx, c.ID)
		if err != nil {
			return err
		}
		if old.TimeZone != c.TimeZone {
			return fmt.Errorf("%w: customer %s: the time zone cannot change (usage is rolled up by day in %s)", ErrInvalid, c.ID, old.TimeZone)
		}
		b.forgetCustomers()
		if err := putJSON(tx.Bucket(bucketCustomers), c.ID, c); err != nil {
			return err
		}
		// The tax rate prices the customer's drafts (changes.go).
		if err := markChanged(tx, c.ID, 0); err != nil {
			return err
		}
		return b.audit(tx, "customer.update", "customer "+c.ID, old.summary(), c.summary())
	})
}

// SetIssuedThrough records that invoices are issued up to and including day
// for the customer: later events on or before day are flagged Late. It is
// the hook the billing engine calls when it issues an invoice.
func (b *Book) SetIssuedThrough(customerID string, day pricing.Date) error {
	return b.update(func(tx *bolt.Tx) error {
		c, err := getCustomer(tx, customerID)
		if err != nil {
			return err
		}
		before := c.IssuedThrough
		c.IssuedThrough = day
		b.forgetCustomers()
		if err := putJSON(tx.Bucket(bucketCustomers), c.ID, c); err != nil {
			return err
		}
		if err := markChanged(tx, c.ID, 0); err != nil { // what is late moved (changes.go)
			return err
		}
		return b.audit(tx, "customer.issued_through", "customer "+c.ID, before.String(), day.String())
	})
}

func putJSON(bk *bolt.Bucket, key string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return bk.Put([]byte(key), data)
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
