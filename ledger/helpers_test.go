package ledger

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"

	"github.com/monthend/monthend/pricing"
)

// newBook opens a fresh book in a temporary folder and checks its
// invariants when the test ends.
func newBook(t testing.TB) *Book {
	t.Helper()
	b, err := Open(filepath.Join(t.TempDir(), "book.db"), Options{Actor: "test", NoSync: true,
		Now: func() time.Time { return time.Date(2026, 4, 2, 9, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		mustCheck(t, b)
		b.Close()
	})
	return b
}

func mustCheck(t testing.TB, b *Book) {
	t.Helper()
	breaches, err := b.Check(context.Background(), nil)
	if err != nil {
		t.Fatalf("check: %v", err)
	}
	for _, br := range breaches {
		t.Errorf("check: %s", br)
	}
}

// wantBreach fails the test unless Check reports a breach containing want.
func wantBreach(t testing.TB, b *Book, want string) {
	t.Helper()
	breaches, err := b.Check(context.Background(), nil)
	if err != nil {
		t.Fatalf("check: %v", err)
	}
	if !slices.ContainsFunc(breaches, func(s string) bool { return strings.Contains(s, want) }) {
		t.Errorf("breaches %q, want one containing %q", breaches, want)
	}
}

// setup adds customers acme (Europe/Berlin) and globex (America/New_York)
// and one metric of each aggregation.
func setup(t testing.TB, b *Book) {
	t.Helper()
	for _, c := range []Customer{
		{ID: "acme", Name: "Acme", Currency: pricing.MustCurrency("EUR"), TimeZone: "Europe/Berlin", PaymentTermsDays: 14, TaxRate: decimal.NewFromInt(19)},
		{ID: "globex", Name: "Globex", Currency: pricing.MustCurrency("USD"), TimeZone: "America/New_York", PaymentTermsDays: 30},
	} {
		if err := b.AddCustomer(c); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range []Metric{
		{Code: "calls", Aggregation: AggCount},
		{Code: "bytes", Aggregation: AggSum, Property: "bytes"},
		{Code: "gb", Aggregation: AggSum},
		{Code: "seats", Aggregation: AggMax},
		{Code: "users", Aggregation: AggUniqueCount, Property: "user"},
		{Code: "plan", Aggregation: AggLatest},
	} {
		if err := b.AddMetric(m); err != nil {
			t.Fatal(err)
		}
	}
}

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func ev(id, alias, metric, at, value string, props ...string) Event {
	e := Event{ID: id, Customer: alias, Metric: metric, Timestamp: ts(at), Value: decimal.RequireFromString(value)}
	if len(props) > 0 {
		e.Properties = map[string]string{}
		for i := 0; i+1 < len(props); i += 2 {
			e.Properties[props[i]] = props[i+1]
		}
	}
	return e
}

func ingest(t testing.TB, b *Book, events ...Event) []Result {
	t.Helper()
	res, err := b.Ingest(context.Background(), events)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// total returns one metric's quantity for the customer over a month.
func total(t testing.TB, b *Book, customer, metric, month string) string {
	t.Helper()
	from, to, err := Month(month)
	if err != nil {
		t.Fatal(err)
	}
	tots, err := b.Totals(customer, from, to)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range tots {
		if x.Metric == metric {
			return x.Quantity.String()
		}
	}
	t.Fatalf("no total for %s", metric)
	return ""
}

// propBooks returns a function that opens a fresh book with setup's
// customers and metrics, for each run of a property test; the run closes it.
func propBooks(t *testing.T) func(rt *rapid.T) *Book {
	dir := t.TempDir()
	n := 0
	return func(rt *rapid.T) *Book {
		n++
		b, err := Open(filepath.Join(dir, fmt.Sprintf("b%d.db", n)), Options{NoSync: true})
		if err != nil {
			rt.Fatal(err)
		}
		rt.Cleanup(func() { b.Close() })
		setup(t, b)
		return b
	}
}

// reopen closes b, after prepare has changed it, and opens it again.
func reopen(t *testing.T, b *Book, path string, opts Options) *Book {
	t.Helper()
	b.Close()
	b, err := Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// wantOutcomes reports each result whose outcome is not the one wanted.
func wantOutcomes(t testing.TB, res []Result, want ...Outcome) {
	t.Helper()
	if len(res) != len(want) {
		t.Fatalf("%d results, want %d", len(res), len(want))
	}
	for i, r := range res {
		if r.Outcome != want[i] {
			t.Errorf("event %s: %v, want %v", r.ID, r.Outcome, want[i])
		}
	}
}
