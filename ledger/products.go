package ledger

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"

	"github.com/monthend/monthend/pricing"
)

// ProductKind is what a product sells; it fixes which price models its
// default prices may use.
type ProductKind string

const (
	KindPlatform ProductKind = "platform" // a recurring fee: flat
	KindUsage    ProductKind = "usage"    // a usage-based module: per_unit, graduated, volume, package, percentage
	KindSeat     ProductKind = "seat"     // a seat-based module: per_seat
	KindServices ProductKind = "services" // services, a fee: flat
)

// Product is an entry of the catalog quotes are written from. Its default
// prices are pricing.PriceLines, one per currency (ISO code → line), so a
// product's price drops into a schedule phase unchanged; a quote may
// override any field of it.
type Product struct {
	ID          string                       `json:"id"`
	Name        string                       `json:"name"`
	Kind        ProductKind                  `json:"kind"`
	Description string                       `json:"description,omitempty"`
	Prices      map[string]pricing.PriceLine `json:"prices"`
}

// Catalog is the product file format: {products: [...]}.
type Catalog struct {
	Products []Product `json:"products"`
}

var catalogDoc = pricing.DocKind{What: "product catalog", Ref: "docs/quotes.md"}

// PriceLine is the product's default line in currency cur, named after the
// product when the line has no name of its own.
func (p Product) PriceLine(cur pricing.Currency) (pricing.PriceLine, bool) {
	l, ok := p.Prices[cur.Code()]
	if ok && l.Name == "" {
		l.Name = p.Name
	}
	return l, ok
}

// Validate returns every problem of the product, each naming its place
// (`product "api", price EUR: metric is missing`).
func (p Product) Validate() error {
	place := fmt.Sprintf("product %q", p.ID)
	var errs []error
	add := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", place, fmt.Sprintf(format, args...)))
	}
	if err := validKey("product id", p.ID); err != nil {
		add("the id is empty or too long (letters, digits, - _ .)")
	}
	if p.Name == "" {
		add("name is missing")
	}
	models := map[ProductKind][]pricing.Model{
		KindPlatform: {pricing.Flat},
		KindServices: {pricing.Flat},
		KindSeat:     {pricing.PerSeat},
		KindUsage:    usageModels,
	}
	allowed, ok := models[p.Kind]
	if !ok {
		add("kind %q: use platform, usage, seat or services", p.Kind)
	}
	if len(p.Prices) == 0 {
		add("prices are missing: give at least one currency's price line")
	}
	for _, code := range sortedKeys(p.Prices) {
		cur, err := pricing.ParseCurrency(code)
		if err != nil {
			add("prices: %v", err)
			continue
		}
		l, _ := p.PriceLine(cur)
		if l.Name == "" {
			l.Name = p.ID // the missing name is reported once, above
		}
		lp := fmt.Sprintf("%s, price %s", place, code)
		if err := pricing.ValidatePriceLine(lp, cur, l); err != nil {
			var many interface{ Unwrap() []error }
			if errors.As(err, &many) {
				errs = append(errs, many.Unwrap()...)
			} else {
				errs = append(errs, err)
			}
			continue
		}
		if ok && !slices.Contains(allowed, l.Model) {
			errs = append(errs, fmt.Errorf("%s: a %s product is priced %s, not %s", lp, p.Kind, modelList(allowed), l.Model))
		}
	}
	return errors.Join(errs...)
}

func modelList(ms []pricing.Model) string {
	s := ""
	for i, m := range ms {
		switch {
		case i == 0:
		case i == len(ms)-1:
			s += " or "
		default:
			s += ", "
		}
		s += string(m)
	}
	return s
}

// ParseCatalog reads a product file (YAML or JSON, docs/quotes.md) strictly
// and validates every product; the error lists every problem with its place.
func ParseCatalog(name string, data []byte) ([]Product, error) {
	var c Catalog
	if err := pricing.DecodeDocument(name, data, &c, catalogDoc); err != nil {
		return nil, err
	}
	if len(c.Products) == 0 {
		return nil, fmt.Errorf("%s: no products (the file holds {products: [...]}; see docs/quotes.md)", name)
	}
	var errs []error
	seen := map[string]bool{}
	for i, p := range c.Products {
		if p.ID != "" && seen[p.ID] {
			errs = append(errs, fmt.Errorf("product %q: listed twice (product %d)", p.ID, i+1))
		}
		seen[p.ID] = true
		if err := p.Validate(); err != nil {
			var many interface{ Unwrap() []error }
			if errors.As(err, &many) {
				errs = append(errs, many.Unwrap()...)
			} else {
				errs = append(errs, err)
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("%s: %w: product catalog%s", name, ErrInvalid, pricing.ListProblems(err, "docs/quotes.md"))
	}
	return c.Products, nil
}

// ImportResult counts what ImportProducts did.
type ImportResult struct {
	Added, Updated, Unchanged int
}

// ImportProducts adds or replaces products in one transaction, with one
// audit record per product that changed. Every product is validated first;
// nothing is stored if one is invalid.
func (b *Book) ImportProducts(products []Product) (ImportResult, error) {
	var r ImportResult
	for _, p := range products {
		if err := p.Validate(); err != nil {
			return r, fmt.Errorf("%w: %v", ErrInvalid, err)
		}
	}
	err := b.update(func(tx *bolt.Tx) error {
		r = ImportResult{}
		bk := tx.Bucket(bucketProducts)
		for _, p := range products {
			data, err := json.Marshal(p)
			if err != nil {
				return err
			}
			old := bk.Get([]byte(p.ID))
			action := "product.add"
			switch {
			case old == nil:
				r.Added++
			case string(old) == string(data):
				r.Unchanged++
				continue
			default:
				r.Updated++
				action = "product.update"
			}
			if err := bk.Put([]byte(p.ID), data); err != nil {
				return err
			}
			if err := b.audit(tx, action, "product "+p.ID, string(old), string(data)); err != nil {
				return err
			}
		}
		return nil
	})
	return r, err
}

// Products lists the catalog by id.
func (b *Book) Products() ([]Product, error) {
	var out []Product
	err := b.view(func(tx *bolt.Tx) error {
		var err error
		out, err = allProducts(tx)
		return err
	})
	return out, err
}

func allProducts(tx *bolt.Tx) ([]Product, error) {
	var out []Product
	err := tx.Bucket(bucketProducts).ForEach(func(k, v []byte) error {
		var p Product
		if err := json.Unmarshal(v, &p); err != nil {
			return fmt.Errorf("product %s: %w", k, err)
		}
		out = append(out, p)
		return nil
	})
	return out, err
}

// Product returns the product with id.
func (b *Book) Product(id string) (Product, error) {
	var p Product
	err := b.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketProducts).Get([]byte(id))
		if v == nil {
			return fmt.Errorf("product %q %w (monthend products list shows them)", id, ErrNotFound)
		}
		return json.Unmarshal(v, &p)
	})
	return p, err
}
