package ledger

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	bolt "go.etcd.io/bbolt"
)

// View is a saved, named filter over invoices plus a sort: what the
// workstation's views pane lists and `--view NAME` selects.
type View struct {
	Name string `json:"name"`
	// Period is "YYYY-MM", "this month" or "last month" (the book's clock,
	// the machine's zone).
	Period   string           `json:"period"`
	Status   []InvoiceStatus  `json:"status,omitempty"`   // any of; empty: all
	Customer string           `json:"customer,omitempty"` // text in the customer id
	Currency string           `json:"currency,omitempty"`
	MinTotal *decimal.Decimal `json:"min_total,omitempty"`
	MaxTotal *decimal.Decimal `json:"max_total,omitempty"`
	// ChangedPercent / ChangedAmount: the total moved by at least this
	// much against the previous period (either is enough).
	ChangedPercent *decimal.Decimal `json:"changed_percent,omitempty"`
	ChangedAmount  *decimal.Decimal `json:"changed_amount,omitempty"`
	Flags          []string         `json:"flags,omitempty"` // any of, e.g. stale, late, new
	// Sort is a column, "-" first for descending: customer, total, delta,
	// delta%, status, id.
	Sort string `json:"sort,omitempty"`
}

// DefaultViews are created with a new book.
func DefaultViews() []View {
	twenty := decimal.NewFromInt(20)
	return []View{
		{Name: "Last month — drafts", Period: "last month", Status: []InvoiceStatus{InvoiceDraft}, Sort: "customer"},
		{Name: "Significant changes", Period: "last month", ChangedPercent: &twenty, Sort: "-delta%"},
		{Name: "Ready to send", Period: "last month", Status: []InvoiceStatus{InvoiceIssued}, Sort: "customer"},
	}
}

// Validate checks a view's fields.
func (v View) Validate() error {
	if strings.TrimSpace(v.Name) == "" {
		return fmt.Errorf("%w: a view needs a name", ErrInvalid)
	}
	if _, err := resolvePeriod(v.Period, time.Now()); err != nil {
		return fmt.Errorf("%w: view %q: %v", ErrInvalid, v.Name, err)
	}
	for _, s := range v.Status {
		switch s {
		case InvoiceDraft, InvoiceIssued, InvoiceSent, InvoicePaid, InvoiceVoid:
		default:
			return fmt.Errorf("%w: view %q: status %q: use draft, issued, sent, paid or void", ErrInvalid, v.Name, s)
		}
	}
	if _, _, err := sortKey(v.Sort); err != nil {
		return fmt.Errorf("%w: view %q: %v", ErrInvalid, v.Name, err)
	}
	return nil
}

// resolvePeriod turns a view's period into a label.
func resolvePeriod(p string, now time.Time) (string, error) {
	switch strings.ToLower(strings.TrimSpace(p)) {
	case "this month":
		return now.Format("2006-01"), nil
	case "last month":
		y, m, _ := now.Date()
		return time.Date(y, m-1, 1, 0, 0, 0, 0, time.UTC).Format("2006-01"), nil
	}
	if _, _, err := Month(p); err != nil {
		return "", fmt.Errorf("period %q: use YYYY-MM, this month or last month", p)
	}
	return p, nil
}

func sortKey(s string) (string, bool, error) {
	desc := strings.HasPrefix(s, "-")
	key := strings.TrimPrefix(s, "-")
	switch key {
	case "", "customer", "total", "delta", "delta%", "status", "id":
		return key, desc, nil
	}
	return "", false, fmt.Errorf("sort %q: use customer, total, delta, delta%%, status or id (- for descending)", s)
}

// SaveView stores (or replaces) a view.
func (b *Book) SaveView(v View) error {
	if err := v.Validate(); err != nil {
		return err
	}
	return b.update(func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucketViews)
		before := ""
		if old := bk.Get([]byte(v.Name)); old != nil {
			before = string(old)
		}
		data, err := json.Marshal(v)
		if err != nil {
			return err
		}
		if err := bk.Put([]byte(v.Name), data); err != nil {
			return err
		}
		return b.audit(tx, "view.save", "view "+v.Name, before, string(data))
	})
}

// DeleteView removes a view.
func (b *Book) DeleteView(name string) error {
	return b.update(func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucketViews)
		old := bk.Get([]byte(name))
		if old == nil {
			return fmt.Errorf("view %q %w (monthend views list shows them)", name, ErrNotFound)
		}
		before := string(old)
		if err := bk.Delete([]byte(name)); err != nil {
			return err
		}
		return b.audit(tx, "view.delete", "view "+name, before, "")
	})
}

// RenameView gives a view a new name in one transaction; the new name must
// be free.
func (b *Book) RenameView(old, name string) error {
	if strings.TrimSpace(name) == "" {
		return fmt.Errorf("%w: a view needs a name", ErrInvalid)
	}
	return b.update(func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucketViews)
		data := bk.Get([]byte(old))
		if data == nil {
			return fmt.Errorf("view %q %w (monthend views list shows them)", old, ErrNotFound)
		}
		if old == name {
			return nil
		}
		if bk.Get([]byte(name)) != nil {
			return fmt.Errorf("view %q %w: choose another name", name, ErrExists)
		}
		var v View
		if err := json.Unmarshal(data, &v); err != nil {
			return err
		}
		v.Name = name
		renamed, err := json.Marshal(v)
		if err != nil {
			return err
		}
		if err := bk.Delete([]byte(old)); err != nil {
			return err
		}
		if err := bk.Put([]byte(name), renamed); err != nil {
			return err
		}
		return b.audit(tx, "view.rename", "view "+old, old, name)
	})
}

// Views lists the saved views by name.
func (b *Book) Views() ([]View, error) {
	var out []View
	err := b.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketViews).ForEach(func(_, v []byte) error {
			var view View
			if err := json.Unmarshal(v, &view); err != nil {
				return err
			}
			out = append(out, view)
			return nil
		})
	})
	return out, err
}

// GetView returns the view called name.
func (b *Book) GetView(name string) (View, error) {
	var v View
	err := b.view(func(tx *bolt.Tx) error {
		data := tx.Bucket(bucketViews).Get([]byte(name))
		if data == nil {
			return fmt.Errorf("view %q %w (monthend views list shows them)", name, ErrNotFound)
		}
		return json.Unmarshal(data, &v)
	})
	return v, err
}

// ViewPeriod is the period label a view selects now.
func (b *Book) ViewPeriod(v View) (string, error) { return resolvePeriod(v.Period, b.now()) }

// ViewRows returns the rows a view selects, in its order, and the period
// label it resolved to.
func (b *Book) ViewRows(v View, th Thresholds) ([]InvoiceRow, string, error) {
	return b.viewRows(v, th, b.MonthOverMonth)
}

// ViewSummaryRows is ViewRows from SummaryRows: the same rows, flags and
// order, without lines and per-line changes — for lists.
func (b *Book) ViewSummaryRows(v View, th Thresholds) ([]InvoiceRow, string, error) {
	return b.viewRows(v, th, b.SummaryRows)
}

func (b *Book) viewRows(v View, th Thresholds, rowsOf func(string, Thresholds) ([]InvoiceRow, error)) ([]InvoiceRow, string, error) {
	label, err := resolvePeriod(v.Period, b.now())
	if err != nil {
		return nil, "", err
	}
	rows, err := rowsOf(label, th)
	if err != nil {
		return nil, label, err
	}
	// Keep the selected rows in place, then sort them without swapping:
	// a row is several hundred bytes, and listing a 5,000-invoice month
	// costs page faults more than work (docs/performance.md).
	n := 0
	for i := range rows {
		if v.matches(&rows[i]) {
			if i != n {
				rows[n] = rows[i]
			}
			n++
		}
	}
	clear(rows[n:]) // let go of what the rows not selected point to
	rows = rows[:n]
	v.SortRows(rows)
	return rows, label, nil
}

// Match reports whether the view selects row r (the view's filters, not
// its period: rows come from one period already).
func (v View) Match(r *InvoiceRow) bool { return v.matches(r) }

// SortRows sorts rows in the view's order, stably. It sorts indices and
// then moves each row once, along the permutation's cycles, instead of
// swapping rows of several hundred bytes as a sort would.
func (v View) SortRows(rows []InvoiceRow) {
	key, desc, _ := sortKey(v.Sort)
	order := make([]int32, len(rows))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortStableFunc(order, func(x, y int32) int {
		c := compareRows(&rows[x], &rows[y], key)
		if desc {
			return -c
		}
		return c
	})
	permute(rows, order)
}

// permute rearranges rows so that the row at order[i] ends at i, moving
// each row once. order must be a permutation of the indices of rows; it is
// consumed (every entry ends as its own index).
func permute(rows []InvoiceRow, order []int32) {
	for i := range order {
		if int(order[i]) == i {
			continue
		}
		tmp := rows[i]
		j := i
		for {
			k := int(order[j])
			order[j] = int32(j)
			if k == i {
				rows[j] = tmp
				break
			}
			rows[j] = rows[k]
			j = k
		}
	}
}

func (v View) matches(r *InvoiceRow) bool {
	if len(v.Status) > 0 && !slices.Contains(v.Status, r.Status) {
		return false
	}
	if v.Customer != "" && !strings.Contains(strings.ToLower(r.CustomerID), strings.ToLower(v.Customer)) {
		return false
	}
	if v.Currency != "" && !strings.EqualFold(v.Currency, r.Currency.Code()) {
		return false
	}
	if v.MinTotal != nil && r.Total.LessThan(*v.MinTotal) || v.MaxTotal != nil && r.Total.GreaterThan(*v.MaxTotal) {
		return false
	}
	if v.ChangedPercent != nil || v.ChangedAmount != nil {
		if r.Change == nil {
			return false
		}
		var pct, amt decimal.Decimal
		if v.ChangedPercent != nil {
			pct = *v.ChangedPercent
		}
		if v.ChangedAmount != nil {
			amt = *v.ChangedAmount
		}
		if !r.Change.Exceeds(pct, amt) {
			return false
		}
	}
	if len(v.Flags) > 0 && !slices.ContainsFunc(v.Flags, func(f string) bool { return slices.Contains(r.Flags, f) }) {
		return false
	}
	return true
}

func compareRows(x, y *InvoiceRow, key string) int {
	switch key {
	case "total":
		return x.Total.Cmp(y.Total)
	case "delta", "delta%":
		xd, yd := changeKey(x, key), changeKey(y, key)
		return xd.Cmp(yd)
	case "status":
		return strings.Compare(string(x.Status), string(y.Status))
	case "id":
		return strings.Compare(x.ID, y.ID)
	}
	if c := strings.Compare(x.CustomerID, y.CustomerID); c != 0 {
		return c
	}
	return strings.Compare(x.ID, y.ID)
}

// changeKey sorts rows without a previous period as no change.
func changeKey(r *InvoiceRow, key string) decimal.Decimal {
	if r.Change == nil {
		return decimal.Zero
	}
	if key == "delta" {
		return r.Change.Delta
	}
	if r.Change.Percent == nil {
		return decimal.Zero
	}
	return *r.Change.Percent
}
