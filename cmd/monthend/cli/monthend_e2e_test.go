package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// gridRow is what the test reads of `invoices list --json`: one row of the
// month-end grid.
type gridRow struct {
	ID         string `json:"id"`
	CustomerID string `json:"customer_id"`
	Status     string `json:"status"`
	Number     string `json:"number"`
	CreditNote string `json:"credit_note"`
	Period     struct {
		Label string `json:"label"`
	} `json:"period"`
	Subtotal decimal.Decimal `json:"subtotal"`
	Tax      decimal.Decimal `json:"tax"`
	Total    decimal.Decimal `json:"total"`
	Lines    []struct {
		Kind, Name, Metric string
		Amount, Tax        decimal.Decimal
	} `json:"lines"`
	Adjustments []struct {
		Invoice string `json:"invoice"`
	} `json:"adjustments"`
	Prev *struct {
		ID     string          `json:"id"`
		Number string          `json:"number"`
		Total  decimal.Decimal `json:"total"`
	} `json:"previous_invoice"`
	Change *struct {
		Delta   decimal.Decimal
		Percent *decimal.Decimal
	} `json:"change"`
	Flags []string `json:"flags"`
}

func (r gridRow) has(flag string) bool { return slices.Contains(r.Flags, flag) }

// lateLine is the name of r's line billing late usage, "" if none.
func (r gridRow) lateLine() string {
	for _, l := range r.Lines {
		if strings.HasPrefix(l.Name, "Late usage") {
			return l.Name
		}
	}
	return ""
}

// monthBefore is the label of the month before label ("2026-03" → "2026-02").
func monthBefore(t *testing.T, label string) string {
	t.Helper()
	m, err := time.Parse("2006-01", label)
	if err != nil {
		t.Fatal(err)
	}
	return m.AddDate(0, -1, 0).Format("2006-01")
}

// TestMonthEndEndToEnd is issue 4's month-end on a temporary demo book,
// through the command line only: late usage for an issued month, recalc of
// the "Last month — drafts" view, the grid's deltas and flags, issue, send,
// a second recalc that changes nothing, more usage that leaves issued
// invoices alone and is flagged late, and a void with its credit note and
// a reissued replacement. After every step `check` passes, every invoice's
// totals are the sums of its lines and invoice numbers have no gaps.
//
// Expectations are computed from the book's own data (the demo's figures
// depend on the seed and on today's date), never hard-coded totals.
func TestMonthEndEndToEnd(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "book.db")
	must := func(args ...string) string {
		t.Helper()
		code, out, errOut := run(t, "", append([]string{"--db", db}, args...)...)
		if code != exitOK {
			t.Fatalf("monthend %s: exit %d: %s%s", strings.Join(args, " "), code, out, errOut)
		}
		return out
	}
	mustJSON := func(v any, args ...string) {
		t.Helper()
		out := must(append(args, "--json")...)
		if err := json.Unmarshal([]byte(out), v); err != nil {
			t.Fatalf("monthend %s --json: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	list := func(period string) []gridRow {
		t.Helper()
		var rows []gridRow
		mustJSON(&rows, "invoices", "list", "--period", period)
		return rows
	}
	importUsage := func(name string, lines ...string) {
		t.Helper()
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if out := must("usage", "import", path); !strings.Contains(out, fmt.Sprintf("accepted %d,", len(lines))) {
			t.Fatalf("import %s: %s", name, out)
		}
	}

	must("demo", "--customers", "6", "--months", "3", "--seed", "3")
	var drafts []gridRow
	mustJSON(&drafts, "invoices", "list", "--view", "Last month — drafts")
	if len(drafts) == 0 {
		t.Fatal("the demo left no drafts last month")
	}
	last := drafts[0].Period.Label
	issuedMonth := monthBefore(t, last)       // issued and sent by the demo
	usageMonth := monthBefore(t, issuedMonth) // its usage, billed in arrears
	periods := []string{usageMonth, issuedMonth, last}

	// invariants holds after every step: check passes, every invoice
	// reconciles, invoice numbers run 1…n in each year.
	invariants := func(step string) {
		t.Helper()
		if out := must("check"); !strings.Contains(out, "is sound") {
			t.Fatalf("%s: check: %s", step, out)
		}
		numbers := map[string][]int{}
		for _, p := range periods {
			for _, r := range list(p) {
				if r.ID == "" {
					continue // a "missing" row
				}
				sub, tax := decimal.Zero, decimal.Zero
				for _, l := range r.Lines {
					sub, tax = sub.Add(l.Amount), tax.Add(l.Tax)
				}
				if !sub.Equal(r.Subtotal) || !tax.Equal(r.Tax) || !sub.Add(tax).Equal(r.Total) {
					t.Errorf("%s: %s: lines sum to %s + %s, invoice says %s + %s = %s", step, r.ID, sub, tax, r.Subtotal, r.Tax, r.Total)
				}
				if r.Number != "" {
					parts := strings.Split(r.Number, "-")
					n, err := strconv.Atoi(parts[len(parts)-1])
					if len(parts) != 3 || parts[0] != "INV" || err != nil {
						t.Fatalf("%s: %s has number %q", step, r.ID, r.Number)
					}
					numbers[parts[1]] = append(numbers[parts[1]], n)
				}
			}
		}
		for year, ns := range numbers {
			sort.Ints(ns)
			for i, n := range ns {
				if n != i+1 {
					t.Fatalf("%s: INV-%s numbers %v have a gap or a duplicate", step, year, ns)
				}
			}
		}
	}
	invariants("demo")
	for _, r := range drafts {
		if r.Status != "draft" || r.has("late") {
			t.Fatalf("demo: %s is %s with flags %v, want a draft without late usage", r.ID, r.Status, r.Flags)
		}
	}

	// Late usage for the month the issued invoices billed, for a customer
	// whose issued invoice charged for invoices issued.
	var lateCustomer, lateNumber string
	for _, r := range list(issuedMonth) {
		if r.Status != "sent" && r.Status != "issued" {
			t.Fatalf("%s: %s is %s, want issued or sent", issuedMonth, r.ID, r.Status)
		}
		for _, l := range r.Lines {
			if l.Metric == "invoices_issued" && l.Amount.IsPositive() && lateCustomer == "" {
				lateCustomer, lateNumber = r.CustomerID, r.Number
			}
		}
	}
	if lateCustomer == "" {
		t.Fatalf("no invoice of %s charges for invoices issued", issuedMonth)
	}
	importUsage("late.jsonl",
		fmt.Sprintf(`{"id":"late-1","customer":%q,"metric":"invoices_issued","timestamp":"%s-15T12:00:00Z","value":40000}`, lateCustomer, usageMonth),
		fmt.Sprintf(`{"id":"late-2","customer":%q,"metric":"invoices_issued","timestamp":"%s-16T12:00:00Z","value":2500}`, lateCustomer, usageMonth))
	invariants("late usage")

	// recalc the view: only the late customer's draft moves.
	var recalced []struct {
		ID         string `json:"id"`
		Outcome    string `json:"outcome"`
		CustomerID string `json:"customer_id"`
	}
	mustJSON(&recalced, "recalc", "--view", "Last month — drafts")
	for _, r := range recalced {
		want := "unchanged"
		if r.CustomerID == lateCustomer {
			want = "updated"
		}
		if r.Outcome != want {
			t.Errorf("recalc: %s %s, want %s", r.ID, r.Outcome, want)
		}
	}
	invariants("recalc")

	// The grid: Δ, Δ% and flags as the data implies them.
	var grid []gridRow
	mustJSON(&grid, "invoices", "list", "--view", "Last month — drafts")
	if len(grid) != len(drafts) {
		t.Fatalf("the view shows %d rows, %d before", len(grid), len(drafts))
	}
	for _, r := range grid {
		t.Run("grid "+r.ID, func(t *testing.T) {
			if r.Prev == nil {
				if !r.has("new") || r.Change != nil {
					t.Errorf("no previous invoice: flags %v, change %+v; want new and no change", r.Flags, r.Change)
				}
			} else {
				if r.has("new") || r.Change == nil || !r.Change.Delta.Equal(r.Total.Sub(r.Prev.Total)) {
					t.Fatalf("Δ %+v, want %s − %s; flags %v", r.Change, r.Total, r.Prev.Total, r.Flags)
				}
				if !r.Prev.Total.IsZero() {
					pct := r.Total.Sub(r.Prev.Total).Div(r.Prev.Total).Mul(decimal.NewFromInt(100)).Abs()
					// Δ% is shown to one decimal place: decide only clear cases.
					if pct.GreaterThanOrEqual(decimal.RequireFromString("20.05")) && !r.has("significant") {
						t.Errorf("Δ%% %s, not flagged significant", pct.StringFixed(2))
					}
					if pct.LessThan(decimal.RequireFromString("19.95")) && r.has("significant") {
						t.Errorf("Δ%% %s, flagged significant", pct.StringFixed(2))
					}
					if r.Change.Percent == nil || r.Change.Percent.Abs().Sub(pct).Abs().GreaterThan(decimal.RequireFromString("0.05")) {
						t.Errorf("Δ%% %v, computed %s", r.Change.Percent, pct.StringFixed(2))
					}
				}
			}
			late := r.CustomerID == lateCustomer
			if r.has("late") != late {
				t.Errorf("late flag %v, want %v (flags %v)", r.has("late"), late, r.Flags)
			}
			if late && !strings.Contains(r.lateLine(), "("+lateNumber+")") {
				t.Errorf("late usage line %q does not name %s", r.lateLine(), lateNumber)
			}
			if r.has("stale") {
				t.Errorf("stale right after recalc: %v", r.Flags)
			}
		})
	}

	// Issue the view, then queue the issued invoices for sending.
	if out := must("issue", "--view", "Last month — drafts"); !strings.Contains(out, fmt.Sprintf("%d of %d issued", len(grid), len(grid))) {
		t.Fatalf("issue: %s", out)
	}
	invariants("issue")
	var queued []struct {
		InvoiceID string `json:"invoice_id"`
		Queued    bool   `json:"queued"`
	}
	mustJSON(&queued, "send", "--view", "Ready to send")
	if len(queued) != len(grid) {
		t.Fatalf("send queued %d results for %d invoices", len(queued), len(grid))
	}
	for _, q := range queued {
		if !q.Queued {
			t.Errorf("send: %s not queued", q.InvoiceID)
		}
	}
	invariants("send")

	// A second recalc touches nothing.
	before := map[string][]gridRow{issuedMonth: list(issuedMonth), last: list(last)}
	mustJSON(&recalced, "recalc", "--period", last)
	for _, r := range recalced {
		if r.Outcome != "skipped" {
			t.Errorf("second recalc: %s %s, want skipped (issued)", r.ID, r.Outcome)
		}
	}
	invariants("second recalc")

	// More usage arrives: for the month last month's invoices billed (other
	// customer) and again for the late customer's usage month.
	var other string
	for _, r := range grid {
		if r.CustomerID != lateCustomer {
			other = r.CustomerID
			break
		}
	}
	importUsage("more.jsonl",
		fmt.Sprintf(`{"id":"more-1","customer":%q,"metric":"invoices_issued","timestamp":"%s-10T12:00:00Z","value":30000}`, other, issuedMonth),
		fmt.Sprintf(`{"id":"more-2","customer":%q,"metric":"invoices_issued","timestamp":"%s-17T12:00:00Z","value":30000}`, lateCustomer, usageMonth))
	for p, rows := range before {
		if after := list(p); !reflect.DeepEqual(after, rows) {
			t.Errorf("%s: issued invoices changed after more usage arrived", p)
		}
	}
	invariants("more usage")
	// The late usage is billed on the next period's drafts, flagged late.
	next, err := time.Parse("2006-01", last)
	if err != nil {
		t.Fatal(err)
	}
	thisMonth := next.AddDate(0, 1, 0).Format("2006-01")
	periods = append(periods, thisMonth)
	must("recalc", "--period", thisMonth)
	flaggedLate := map[string]bool{}
	for _, r := range list(thisMonth) {
		if r.has("late") {
			flaggedLate[r.CustomerID] = true
		}
	}
	if !flaggedLate[other] || !flaggedLate[lateCustomer] || len(flaggedLate) != 2 {
		t.Errorf("late in %s: %v, want %s and %s", thisMonth, flaggedLate, other, lateCustomer)
	}
	invariants("next period")

	// Void the late customer's issued invoice of last month: a credit note
	// negates it, its queued mail is stopped, and recalc drafts a
	// replacement that bills the late usage once.
	var voidRow gridRow
	for _, r := range before[last] {
		if r.CustomerID == lateCustomer {
			voidRow = r
		}
	}
	if out := must("invoices", "void", voidRow.Number, "--reason", "late usage belongs on one invoice"); !strings.Contains(out, "1 of 1 voided") {
		t.Fatalf("void: %s", out)
	}
	var cn struct {
		Number        string          `json:"number"`
		Invoice       string          `json:"invoice"`
		InvoiceNumber string          `json:"invoice_number"`
		Total         decimal.Decimal `json:"total"`
		Lines         []struct {
			Name        string
			Amount, Tax decimal.Decimal
		} `json:"lines"`
	}
	mustJSON(&cn, "credit-notes", "show", voidRow.Number)
	if !strings.HasPrefix(cn.Number, "CN-") || cn.InvoiceNumber != voidRow.Number || !cn.Total.Equal(voidRow.Total.Neg()) || len(cn.Lines) != len(voidRow.Lines) {
		t.Fatalf("credit note %+v for %s (total %s)", cn, voidRow.Number, voidRow.Total)
	}
	for i, l := range cn.Lines {
		if !l.Amount.Equal(voidRow.Lines[i].Amount.Neg()) || !l.Tax.Equal(voidRow.Lines[i].Tax.Neg()) {
			t.Errorf("credit note line %d %s: %s tax %s, the invoice has %s tax %s", i, l.Name, l.Amount, l.Tax, voidRow.Lines[i].Amount, voidRow.Lines[i].Tax)
		}
	}
	var outbox []struct {
		InvoiceID string `json:"invoice_id"`
		Status    string `json:"status"`
		LastError string `json:"last_error"`
	}
	mustJSON(&outbox, "outbox", "list")
	stopped := false
	for _, it := range outbox {
		if it.InvoiceID == cn.Invoice {
			stopped = it.Status == "failed" && strings.Contains(it.LastError, cn.Number)
		}
	}
	if !stopped {
		t.Errorf("the voided invoice's mail is still to go out: %+v", outbox)
	}
	invariants("void")
	must("recalc", "--period", last)
	must("recalc", "--period", thisMonth)
	var replacement gridRow
	for _, r := range list(last) {
		if r.ID == voidRow.ID {
			replacement = r
		}
	}
	if replacement.Status != "draft" || !replacement.has("late") || replacement.lateLine() == "" {
		t.Fatalf("replacement %s: %s, flags %v, late line %q", voidRow.ID, replacement.Status, replacement.Flags, replacement.lateLine())
	}
	if out := must("issue", voidRow.ID); !strings.Contains(out, "issued as INV-") {
		t.Fatalf("reissue: %s", out)
	}
	must("recalc", "--period", thisMonth) // the replacement now bills what this month's draft did
	for _, r := range list(thisMonth) {
		if r.CustomerID == lateCustomer && strings.Contains(r.lateLine(), "("+lateNumber+")") {
			t.Errorf("%s bills %s's late usage again after the replacement: %q", r.ID, lateNumber, r.lateLine())
		}
		if r.has("stale") {
			t.Errorf("%s stale after recalc", r.ID)
		}
	}
	invariants("reissue")

	// The credit note as its customer receives it.
	if out := must("credit-notes", "list"); !strings.Contains(out, cn.Number) || !strings.Contains(out, voidRow.Number) {
		t.Errorf("credit-notes list: %s", out)
	}
	pdfPath := filepath.Join(dir, "credit.pdf")
	must("credit-notes", "pdf", cn.Number, "-o", pdfPath, "--settings", "testdata/settings.yaml")
	text := pdfText(t, pdfPath)
	for _, want := range []string{"CREDIT NOTE", cn.Number, voidRow.Number, "Northwind Analytics GmbH"} {
		if !strings.Contains(text, want) {
			t.Errorf("the credit note PDF lacks %q:\n%s", want, text)
		}
	}
}
