package ledger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/monthend/monthend/pricing"
)

// quoteBook is a fresh book with the test catalog, customers acme (EUR) and
// globex (USD), and a clock the test moves (*now).
func quoteBook(t *testing.T) (*Book, *time.Time) {
	t.Helper()
	now := time.Date(2026, 4, 2, 9, 0, 0, 0, time.UTC)
	b, err := Open(filepath.Join(t.TempDir(), "book.db"), Options{Actor: "test", NoSync: true, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		mustCheck(t, b)
		b.Close()
	})
	setup(t, b)
	products, err := ParseCatalog("testdata/catalog.yaml", readFile(t, "testdata/catalog.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if r, err := b.ImportProducts(products); err != nil || r.Added != len(products) {
		t.Fatalf("import products: %+v %v", r, err)
	}
	return b, &now
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// saveQuoteFile parses a quote file and saves it as quote id.
func saveQuoteFile(t *testing.T, b *Book, id, path string) Quote {
	t.Helper()
	c, err := b.ParseQuote(path, readFile(t, path))
	if err != nil {
		t.Fatal(err)
	}
	q, err := b.SaveQuote(id, c)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func TestParseCatalogListsEveryProblem(t *testing.T) {
	for _, tc := range []struct {
		name, doc string
		want      []string
	}{
		{"valid", "products:\n  - {id: p, name: P, kind: platform, prices: {EUR: {model: flat, price: 10}}}\n", nil},
		{"unknown field", "products:\n  - {id: p, name: P, kind: platform, prise: 1, prices: {EUR: {model: flat, price: 10}}}\n",
			[]string{`unknown field "prise"`}},
		{"several problems", `products:
  - {id: p, name: P, kind: platfrom, prices: {EUR: {model: flat, price: 10}}}
  - {id: q, name: Q, kind: usage, prices: {EUR: {model: per_unit, price: 0.1}, eur: {model: flat}}}
  - {id: s, kind: seat, prices: {USD: {model: flat, price: 1}}}
  - {id: p, name: P2, kind: platform, prices: {EUR: {model: flat, price: 1.001}}}
`, []string{
			`6 problems`,
			`product "p": kind "platfrom": use platform, usage, seat or services`,
			`product "q", price EUR: metric is missing`,
			`product "q": prices: currency "eur"`,
			`product "s": name is missing`,
			`product "s", price USD: a seat product is priced per_seat, not flat`,
			`product "p": listed twice`,
		}},
		{"empty", "products: []\n", []string{"no products"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseCatalog("catalog.yaml", []byte(tc.doc))
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestImportProductsCountsChanges(t *testing.T) {
	b, _ := quoteBook(t)
	products, _ := b.Products()
	if len(products) != 5 {
		t.Fatalf("%d products", len(products))
	}
	r, err := b.ImportProducts(products)
	if err != nil || r != (ImportResult{Unchanged: 5}) {
		t.Errorf("re-import: %+v %v", r, err)
	}
	products[0].Description = "new words"
	if r, err := b.ImportProducts(products[:1]); err != nil || r.Updated != 1 {
		t.Errorf("update: %+v %v", r, err)
	}
	bad := Product{ID: "x", Name: "X", Kind: KindPlatform}
	if _, err := b.ImportProducts([]Product{bad}); !errors.Is(err, ErrInvalid) {
		t.Errorf("a product without prices: %v", err)
	}
}

func TestParseQuoteResolvesTheCatalog(t *testing.T) {
	b, _ := quoteBook(t)
	c, err := b.ParseQuote("contoso.yaml", readFile(t, "testdata/quotes/contoso.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s := c.Schedule
	if !s.End.Equal(pricing.MustDate("2029-05-15")) || s.Currency.Code() != "EUR" || s.TimeZone != "Europe/Zurich" || s.Customer != "Contoso Aktiengesellschaft" {
		t.Errorf("header: end %s %s %s %q", s.End, s.Currency, s.TimeZone, s.Customer)
	}
	if !s.TaxRate.Equal(decimal.RequireFromString("8.1")) {
		t.Errorf("tax rate %s, want the prospect's 8.1", s.TaxRate)
	}
	trial := s.Phases[0].Lines[0]
	if trial.Name != "Platform" || trial.Model != pricing.Flat || !trial.Price.IsZero() {
		t.Errorf("the trial's line overrides the price to 0: %+v", trial)
	}
	y2 := s.Phases[2].Lines[2]
	if y2.Metric != "invoices_issued" || !y2.Package.Price.Equal(decimal.RequireFromString("27")) || !y2.Package.FreeUnits.Equal(decimal.RequireFromString("1000")) {
		t.Errorf("year 2 invoices: %+v %+v", y2, y2.Package)
	}
	if len(c.Lines) != 8 || c.Lines[0] != (LineSource{Phase: "Trial", Line: "Platform", Product: "platform"}) {
		t.Errorf("line sources: %+v", c.Lines)
	}
	// Export and parse again: the same content.
	doc := c.Doc()
	data, err := jsonMarshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	again, err := b.ParseQuote("again.json", data)
	if err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	if d := DiffQuotes(Quote{QuoteContent: c}, Quote{QuoteContent: again}); len(d) > 0 {
		t.Errorf("export → import changed: %q", d)
	}

	for _, tc := range []struct{ name, doc, want string }{
		{"unknown product", strings.Replace(string(readFile(t, "testdata/quotes/contoso.yaml")), "{product: api}", "{product: apl}", 1),
			`phase "Year 1", line 4: product "apl" is not in the catalog`},
		{"no price in currency", strings.Replace(string(readFile(t, "testdata/quotes/globex.yaml")), "{product: platform}", "{product: api}", 1),
			`product "api" has no USD price`},
		{"unknown customer", strings.Replace(string(readFile(t, "testdata/quotes/globex.yaml")), "customer: globex", "customer: globx", 1),
			`customer "globx" is not in the book`},
		{"both", strings.Replace(string(readFile(t, "testdata/quotes/globex.yaml")), "customer: globex", "customer: globex\nprospect: {name: X, currency: USD, time_zone: UTC}", 1),
			"not both"},
		{"stray field on a line", strings.Replace(string(readFile(t, "testdata/quotes/contoso.yaml")), "{product: api}", "{product: api, prise: 3}", 1),
			`line 4: unknown field "prise"`},
		{"schedule rule", strings.Replace(string(readFile(t, "testdata/quotes/contoso.yaml")), "start: 2027-06-01", "start: 2026-05-01", 1),
			`phase "Year 2": start 2026-05-01 is not after the previous phase's start`},
		{"no term", strings.Replace(string(readFile(t, "testdata/quotes/contoso.yaml")), "term_months: 36\n", "", 1),
			"term_months is missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := b.ParseQuote("q.yaml", []byte(tc.doc))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want %q", err, tc.want)
			}
		})
	}
}

// step is one lifecycle operation on quote "q", with the error it must give.
type step struct {
	do   string // save, send, sign, sign-v1, decline, expire, execute, clock
	arg  string
	want error // nil: succeeds
}

func TestQuoteStatusRules(t *testing.T) {
	for _, tc := range []struct {
		name       string
		steps      []step
		wantStatus QuoteStatus
		wantVer    int
	}{
		{"draft saves over itself", []step{{do: "save"}, {do: "save"}}, QuoteDraft, 1},
		{"the happy path", []step{{do: "save"}, {do: "send"}, {do: "sign"}, {do: "execute"}}, QuoteExecuted, 1},
		{"a draft cannot be signed", []step{{do: "save"}, {do: "sign", want: ErrQuoteStatus}}, QuoteDraft, 1},
		{"a draft cannot be executed", []step{{do: "save"}, {do: "execute", want: ErrQuoteStatus}}, QuoteDraft, 1},
		{"a sent quote cannot be executed", []step{{do: "save"}, {do: "send"}, {do: "execute", want: ErrQuoteStatus}}, QuoteSent, 1},
		{"a draft cannot be declined", []step{{do: "save"}, {do: "decline", want: ErrQuoteStatus}}, QuoteDraft, 1},
		{"saving a sent quote makes a version", []step{{do: "save"}, {do: "send"}, {do: "save"}}, QuoteDraft, 2},
		{"only the newest version can be signed", []step{{do: "save"}, {do: "send"}, {do: "save"}, {do: "send"}, {do: "sign-v1", want: ErrQuoteSuperseded}, {do: "sign"}}, QuoteSigned, 2},
		{"a signed quote cannot change", []step{{do: "save"}, {do: "send"}, {do: "sign"}, {do: "save", want: ErrQuoteStatus}, {do: "decline", want: ErrQuoteStatus}}, QuoteSigned, 1},
		{"signing twice changes nothing", []step{{do: "save"}, {do: "send"}, {do: "sign"}, {do: "sign"}}, QuoteSigned, 1},
		{"declined, revised, sent again", []step{{do: "save"}, {do: "send"}, {do: "decline"}, {do: "sign", want: ErrQuoteStatus}, {do: "save"}, {do: "send"}, {do: "sign"}}, QuoteSigned, 2},
		{"no sending after expiry", []step{{do: "save"}, {do: "clock", arg: "2026-05-02T12:00:00Z"}, {do: "send", want: ErrQuoteExpired}}, QuoteDraft, 1},
		{"no signing after expiry", []step{{do: "save"}, {do: "send"}, {do: "clock", arg: "2026-05-02T12:00:00Z"}, {do: "sign", want: ErrQuoteExpired}, {do: "expire"}, {do: "sign", want: ErrQuoteStatus}}, QuoteExpired, 1},
		// 30 April 23:30 in Zurich is still the expiry day.
		{"expiry is a day in the quote's zone", []step{{do: "save"}, {do: "send"}, {do: "clock", arg: "2026-04-30T21:30:00Z"}, {do: "expire"}, {do: "sign"}}, QuoteSigned, 1},
		{"executing twice makes one schedule", []step{{do: "save"}, {do: "send"}, {do: "sign"}, {do: "execute"}, {do: "execute"}, {do: "save", want: ErrQuoteStatus}}, QuoteExecuted, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, now := quoteBook(t)
			content, err := b.ParseQuote("contoso.yaml", readFile(t, "testdata/quotes/contoso.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			for i, st := range tc.steps {
				var err error
				switch st.do {
				case "save":
					_, err = b.SaveQuote("q", content)
				case "send":
					_, err = b.MarkQuoteSent("q", "")
				case "sign":
					_, _, err = b.MarkQuoteSigned("q", 0, Signature{By: "Dana Signer", At: *now})
				case "sign-v1":
					_, _, err = b.MarkQuoteSigned("q", 1, Signature{By: "Dana Signer", At: *now})
				case "decline":
					_, err = b.DeclineQuote("q", "budget")
				case "expire":
					_, err = b.ExpireQuotes()
				case "execute":
					_, err = b.ExecuteQuote("q", ExecuteOptions{Aliases: []string{"contoso-prod"}})
				case "clock":
					*now, err = time.Parse(time.RFC3339, st.arg)
				}
				if st.want == nil && err != nil || st.want != nil && !errors.Is(err, st.want) {
					t.Fatalf("step %d (%s): got %v, want %v", i+1, st.do, err, st.want)
				}
			}
			q, err := b.Quote("q", 0)
			if err != nil {
				t.Fatal(err)
			}
			if q.Status != tc.wantStatus || q.Version != tc.wantVer {
				t.Errorf("v%d %s, want v%d %s", q.Version, q.Status, tc.wantVer, tc.wantStatus)
			}
			if scheds, _ := b.Schedules(); tc.wantStatus == QuoteExecuted && len(scheds) != 1 || tc.wantStatus != QuoteExecuted && len(scheds) != 0 {
				t.Errorf("%d schedules", len(scheds))
			}
		})
	}
}

func TestQuoteRevisionsStayReadableAndDiff(t *testing.T) {
	b, _ := quoteBook(t)
	saveQuoteFile(t, b, "contoso", "testdata/quotes/contoso.yaml")
	if _, err := b.MarkQuoteSent("contoso", "sigreq-1"); err != nil {
		t.Fatal(err)
	}
	revised := strings.NewReplacer(
		"price: 2160.00", "price: 2100.00",
		"term_months: 36", "term_months: 24",
		"percent: 15, label: 3-year commitment", "percent: 10, label: 2-year commitment",
		"payment_terms_days: 30", "payment_terms_days: 14",
	).Replace(string(readFile(t, "testdata/quotes/contoso.yaml")))
	c, err := b.ParseQuote("v2.yaml", []byte(revised))
	if err != nil {
		t.Fatal(err)
	}
	v2, err := b.SaveQuote("contoso", c)
	if err != nil || v2.Version != 2 || v2.Status != QuoteDraft {
		t.Fatalf("revision: v%d %s %v", v2.Version, v2.Status, err)
	}
	v1, err := b.Quote("contoso", 1)
	if err != nil || v1.Status != QuoteSent || v1.SignatureRequestID != "sigreq-1" || v1.TermMonths != 36 {
		t.Fatalf("v1 is kept as it was: %+v %v", v1, err)
	}
	if q, err := b.QuoteBySignatureRequest("sigreq-1"); err != nil || q.Version != 1 {
		t.Errorf("by signature request: v%d %v", q.Version, err)
	}
	if _, _, err := b.MarkQuoteSigned("contoso", 1, Signature{By: "x"}); !errors.Is(err, ErrQuoteSuperseded) {
		t.Errorf("signing v1's request after v2: %v", err)
	}
	all, err := b.QuoteVersions("contoso")
	if err != nil || len(all) != 2 {
		t.Fatalf("versions: %d %v", len(all), err)
	}
	got := strings.Join(DiffQuotes(v1, v2), "\n")
	for _, want := range []string{
		"term 36 months → 24 months",
		"payment terms 30 days → 14 days",
		`phase "Year 2", line "Platform" price 2,160.00 → 2,100.00 (-2.78%)`,
		`phase "Year 1" discounts: added 10% (2-year commitment)`,
		`phase "Year 1" discounts: removed 15% (3-year commitment)`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("diff lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "end ") {
		t.Errorf("the end moves with the term; said twice:\n%s", got)
	}
	audit, _ := b.Audit(0)
	var actions []string
	for _, a := range audit {
		if strings.HasPrefix(a.Action, "quote.") {
			actions = append(actions, a.Action+" "+a.After)
		}
	}
	if want := []string{"quote.save v1 draft", "quote.send v1 sent signature request sigreq-1", "quote.save v2 draft"}; !slices.Equal(actions, want) {
		t.Errorf("audit: %q, want %q", actions, want)
	}
}

func TestExecuteCreatesTheProspectAndADraftSchedule(t *testing.T) {
	b, now := quoteBook(t)
	// Usage already waiting under the alias the new customer will use.
	ingest(t, b, ev("early-1", "contoso-prod", "calls", "2026-03-30T10:00:00Z", "1"))
	saveQuoteFile(t, b, "contoso-2026", "testdata/quotes/contoso.yaml")
	if _, err := b.MarkQuoteSent("contoso-2026", ""); err != nil {
		t.Fatal(err)
	}
	pdf := []byte("%PDF-1.7 signed")
	if _, changed, err := b.MarkQuoteSigned("contoso-2026", 0, Signature{By: "Dana Signer", At: *now, Via: "hand", PDF: pdf}); err != nil || !changed {
		t.Fatal(err)
	}
	r, err := b.ExecuteQuote("contoso-2026", ExecuteOptions{Aliases: []string{"contoso-prod"}})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Changed || !r.CustomerCreated || r.Quote.CustomerID != "contoso-ag" || r.Schedule.ID != "contoso-2026" || r.Schedule.Status != ScheduleDraft {
		t.Fatalf("execute: %+v", r)
	}
	c, err := b.Customer("contoso-ag")
	if err != nil {
		t.Fatal(err)
	}
	if c.LegalName != "Contoso Aktiengesellschaft" || c.PaymentTermsDays != 30 || c.TimeZone != "Europe/Zurich" || !slices.Equal(c.Emails, []string{"ap@contoso.example"}) {
		t.Errorf("customer: %+v", c)
	}
	aliases, _ := b.Aliases("contoso-ag")
	if len(aliases) != 2 {
		t.Errorf("aliases: %+v", aliases)
	}
	if got := total(t, b, "contoso-ag", "calls", "2026-03"); got != "1" {
		t.Errorf("the waiting usage was not attributed: %s", got)
	}
	q, _ := b.Quote("contoso-2026", 0)
	if d := pricing.DiffSchedules(q.Schedule, r.Schedule.Schedule); len(d) > 0 {
		t.Errorf("the schedule differs from the quote: %q", d)
	}
	again, err := b.ExecuteQuote("contoso-2026", ExecuteOptions{})
	if err != nil || again.Changed || again.Schedule.Version != 1 {
		t.Errorf("second execute: %+v %v", again, err)
	}
	if got, err := b.SignedQuotePDF("contoso-2026", 0); err != nil || string(got) != string(pdf) {
		t.Errorf("signed PDF: %q %v", got, err)
	}
	// An existing schedule id is never overwritten.
	saveQuoteFile(t, b, "other", "testdata/quotes/initech.yaml")
	b.MarkQuoteSent("other", "")
	b.MarkQuoteSigned("other", 0, Signature{By: "x"})
	if _, err := b.ExecuteQuote("other", ExecuteOptions{ScheduleID: "contoso-2026"}); !errors.Is(err, ErrExists) {
		t.Errorf("execute onto an existing schedule: %v", err)
	}
}

// TestExecutedScheduleBillsTheQuotePreview is the promise of quotes: for
// quotes with ramps, seats, usage tiers, discounts and minimums, the
// invoices the billing engine makes from the executed schedule — from usage
// ingested into the book, by Recalc — equal the quote's preview line by
// line, to the cent, period by period.
func TestExecutedScheduleBillsTheQuotePreview(t *testing.T) {
	for _, tc := range []struct {
		file, customer string // customer: an existing one, or "" for a prospect
		usage          map[string]string
	}{
		{"contoso.yaml", "", map[string]string{"invoices_issued": "12400", "api_calls": "6240"}},
		{"contoso.yaml", "", map[string]string{"invoices_issued": "900", "api_calls": "10"}}, // under the minimum
		{"globex.yaml", "globex", map[string]string{"invoices_issued": "31000"}},
		{"initech.yaml", "", map[string]string{"api_calls": "2000"}}, // under the line minimum
		{"initech.yaml", "", map[string]string{"api_calls": "123457"}},
	} {
		t.Run(fmt.Sprintf("%s %v", tc.file, tc.usage), func(t *testing.T) {
			b, now := quoteBook(t)
			for _, m := range []string{"invoices_issued", "api_calls"} {
				if err := b.AddMetric(Metric{Code: m, Aggregation: AggSum}); err != nil {
					t.Fatal(err)
				}
			}
			q := saveQuoteFile(t, b, "deal", "testdata/quotes/"+tc.file)
			if _, err := b.MarkQuoteSent("deal", ""); err != nil {
				t.Fatal(err)
			}
			if _, _, err := b.MarkQuoteSigned("deal", 0, Signature{By: "Signer", At: *now}); err != nil {
				t.Fatal(err)
			}
			r, err := b.ExecuteQuote("deal", ExecuteOptions{Aliases: []string{"deal-usage"}})
			if err != nil {
				t.Fatal(err)
			}
			usage := map[string]decimal.Decimal{}
			for m, v := range tc.usage {
				usage[m] = decimal.RequireFromString(v)
			}
			fig, err := q.Figures(usage)
			if err != nil {
				t.Fatal(err)
			}
			preview := fig.Invoices[:3]

			// The assumed volume of each period, recorded on its first day.
			s := r.Schedule.Schedule
			cust, _ := b.Customer(r.Quote.CustomerID)
			loc, _ := cust.Location()
			cal := s.Calendar()
			var events []Event
			for i := range 3 {
				p, _ := cal.Period(i)
				for m, v := range tc.usage {
					events = append(events, Event{ID: fmt.Sprintf("%s-%d", m, i), Customer: "deal-usage", Metric: m,
						Timestamp: p.Start.Start(loc).Add(12 * time.Hour), Value: decimal.RequireFromString(v)})
				}
			}
			ingest(t, b, events...)
			// The draft becomes active, as the finance lead would after review.
			if _, err := b.SaveSchedule("deal", r.Quote.CustomerID, ScheduleActive, LateAdjust, s); err != nil {
				t.Fatal(err)
			}
			for i, want := range preview {
				label := want.Period.Label()
				if _, err := b.Recalc(context.Background(), label, nil); err != nil {
					t.Fatal(err)
				}
				got, err := b.Invoice("deal:" + label)
				if err != nil {
					t.Fatalf("invoice %d (%s): %v", i+1, label, err)
				}
				if !got.Total.Equal(want.Total) || !got.Subtotal.Equal(want.Subtotal) || !got.Tax.Equal(want.Tax) {
					t.Errorf("invoice %d (%s): billed %s + %s = %s, quoted %s + %s = %s", i+1, label,
						got.Subtotal, got.Tax, got.Total, want.Subtotal, want.Tax, want.Total)
				}
				if len(got.Lines) != len(want.Lines) {
					t.Fatalf("invoice %d (%s): %d lines billed, %d quoted", i+1, label, len(got.Lines), len(want.Lines))
				}
				for j := range want.Lines {
					g, w := got.Lines[j], want.Lines[j]
					if g.Name != w.Name || g.Phase != w.Phase || !g.Amount.Equal(w.Amount) || !g.Tax.Equal(w.Tax) || g.Explanation != w.Explanation {
						t.Errorf("invoice %d line %d: billed %s/%s %s (%s), quoted %s/%s %s (%s)", i+1, j+1,
							g.Phase, g.Name, g.Amount, g.Explanation, w.Phase, w.Name, w.Amount, w.Explanation)
					}
				}
			}
			// The preview is not trivially empty: usage and discounts show.
			var kinds []pricing.LineKind
			for _, inv := range preview {
				for _, l := range inv.Lines {
					kinds = append(kinds, l.Kind)
				}
			}
			if !slices.Contains(kinds, pricing.DiscountLine) || preview[2].Total.IsZero() {
				t.Errorf("a weak preview: %v, third total %s", kinds, preview[2].Total)
			}
		})
	}
}

// FuzzParseQuote: any document either parses into a quote that SaveQuote's
// checks accept, or is refused with an error; parsing never panics.
func FuzzParseQuote(f *testing.F) {
	for _, name := range []string{"contoso.yaml", "globex.yaml", "initech.yaml"} {
		data, err := os.ReadFile(filepath.Join("testdata", "quotes", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"prospect":{"name":"X","currency":"EUR","time_zone":"UTC"},"start":"2026-01-01","term_months":1,"billing":{"frequency":"monthly"},"expires":"2026-01-01","phases":[{"name":"A","lines":[{"product":"platform"}]}]}`))
	f.Add([]byte("phases: [{lines: [1]}]"))
	catalog, err := ParseCatalog("catalog.yaml", mustRead(f, "testdata/catalog.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	products := map[string]Product{}
	for _, p := range catalog {
		products[p.ID] = p
	}
	look := QuoteLookup{
		Product: func(id string) (Product, bool) { p, ok := products[id]; return p, ok },
		Customer: func(id string) (Customer, bool) {
			return Customer{ID: id, Name: id, Currency: pricing.MustCurrency("USD"), TimeZone: "UTC"}, id == "globex"
		},
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseQuote("q.yaml", data, look)
		if err != nil {
			return
		}
		if err := c.validate(); err != nil {
			t.Fatalf("parsed a quote SaveQuote refuses: %v", err)
		}
	})
}

// FuzzParseCatalog: a catalog either parses into valid products or is
// refused; it never panics.
func FuzzParseCatalog(f *testing.F) {
	f.Add(mustRead(f, "testdata/catalog.yaml"))
	f.Add([]byte(`{"products":[{"id":"p","name":"P","kind":"platform","prices":{"EUR":{"model":"flat","price":1}}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ps, err := ParseCatalog("c.yaml", data)
		if err != nil {
			return
		}
		for _, p := range ps {
			if err := p.Validate(); err != nil {
				t.Fatalf("parsed an invalid product: %v", err)
			}
		}
	})
}

func mustRead(f *testing.F, path string) []byte {
	data, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	return data
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

// TestQuoteDocExamples parses the catalog and the quote printed in
// docs/quotes.md, so the page cannot show a file monthend refuses.
func TestQuoteDocExamples(t *testing.T) {
	page := string(readFile(t, "../docs/quotes.md"))
	block := func(name string) []byte {
		t.Helper()
		_, rest, ok := strings.Cut(page, "```yaml file="+name+"\n")
		body, _, ok2 := strings.Cut(rest, "```")
		if !ok || !ok2 {
			t.Fatalf("docs/quotes.md has no %s block", name)
		}
		return []byte(body)
	}
	products, err := ParseCatalog("catalog.yaml", block("catalog.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	b := newBook(t)
	if _, err := b.ImportProducts(products); err != nil {
		t.Fatal(err)
	}
	c, err := b.ParseQuote("quote.yaml", block("quote.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Schedule.Phases) != 3 || c.Prospect == nil || c.Prospect.Name != "Contoso AG" {
		t.Errorf("quote: %+v", c)
	}
}
