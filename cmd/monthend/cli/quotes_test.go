package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestQuotesFromTheCommandLine runs a quote's life on a real book file:
// catalog, import, send, revise, diff, sign (refused for the old version),
// execute twice, and checks the book and what each command answers.
func TestQuotesFromTheCommandLine(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "book.db")
	do := func(stdin string, wantCode int, args ...string) string {
		t.Helper()
		code, out, errOut := run(t, stdin, append([]string{"--db", db}, args...)...)
		if code != wantCode {
			t.Fatalf("monthend %s: exit %d (want %d)\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, wantCode, out, errOut)
		}
		return out + errOut
	}
	contains := func(out string, wants ...string) {
		t.Helper()
		for _, w := range wants {
			if !strings.Contains(out, w) {
				t.Errorf("output lacks %q:\n%s", w, out)
			}
		}
	}

	contains(do("", exitOK, "products", "import", "testdata/catalog.yaml"), "5 added, 0 updated, 0 unchanged")
	contains(do("", exitOK, "products", "list"), "analysts", "per_seat", "EUR USD")
	exported := do("", exitOK, "products", "export")
	contains(do(exported, exitOK, "products", "import", "-"), "0 added, 0 updated, 5 unchanged")
	contains(do("products:\n  - {id: x, kind: seat, prices: {EUR: {model: flat, price: 1}}}\n", exitError, "products", "import", "-"),
		"2 problems", `product "x": name is missing`, `a seat product is priced per_seat, not flat`)

	contains(do("", exitOK, "quotes", "import", "testdata/quote.yaml", "--id", "contoso"), "quote contoso v1 saved (draft) for Contoso AG (prospect)")
	contains(do("", exitError, "quotes", "mark-signed", "contoso", "--by", "Dana"), "send it before it is signed")
	contains(do("", exitOK, "quotes", "send", "contoso"), "quote contoso v1 sent")
	revised := strings.Replace(readTestFile(t, "testdata/quote.yaml"), "price: 2160.00", "price: 2100.00", 1)
	contains(do(revised, exitOK, "quotes", "import", "-", "--id", "contoso"), "quote contoso v2 saved (draft)", "monthend quotes diff contoso 1 2")
	contains(do("", exitOK, "quotes", "diff", "contoso", "1", "2"), `phase "Year 2", line "Platform" price 2,160.00 → 2,100.00 (-2.78%)`)
	contains(do("", exitOK, "quotes", "show", "contoso", "--version", "1"), "version 1 of 2, sent", "2,160.00 per period  [platform]")
	do("", exitOK, "quotes", "send", "contoso", "--signature-request", "sr-42")
	contains(do("", exitError, "quotes", "mark-signed", "contoso", "--by", "Dana", "--version", "1"), "v2 is the newest")

	// The preview of the first invoices, as JSON.
	var fig QuoteFiguresJSON
	if err := json.Unmarshal([]byte(do("", exitOK, "quotes", "figures", "contoso", "--usage", "invoices_issued=12400", "--json")), &fig); err != nil {
		t.Fatal(err)
	}
	if len(fig.Preview) != 3 || fig.Preview[1].Subtotal != "2082.50" || fig.Preview[2].Subtotal != "2422.50" || fig.EffectiveDiscount == "0" {
		t.Errorf("figures: %+v", fig)
	}
	contains(do("", exitOK, "quotes", "figures", "contoso", "--usage", "invoices_issued=12400"),
		"Year 1  2030-02-01  2031-01-31", "Total contract value", "Invoice 3 of 37", "minimum 400.00 − usage charges 300.00 = 100.00")

	contains(do("", exitOK, "quotes", "mark-signed", "contoso", "--by", "Dana Meier, CFO", "--at", "2029-12-01"), "quote contoso v2 signed by Dana Meier, CFO on 2029-12-01T11:00:00Z")
	contains(do("", exitError, "quotes", "import", "testdata/quote.yaml", "--id", "contoso"), "can no longer change")
	contains(do("", exitOK, "quotes", "execute", "contoso", "--alias", "contoso-prod"), "customer contoso-ag created", "schedule contoso v1 (draft) for contoso-ag")
	contains(do("", exitOK, "quotes", "execute", "contoso"), "already executed: schedule contoso")
	contains(do("", exitOK, "schedules", "list"), "contoso-ag  1        draft")
	contains(do("", exitOK, "aliases", "list", "--customer", "contoso-ag"), "contoso-prod")
	var listed []quoteRow
	if err := json.Unmarshal([]byte(do("", exitOK, "quotes", "list", "--json")), &listed); err != nil {
		t.Fatal(err)
	}
	if len(listed) != 1 || listed[0].Status != "executed" || listed[0].Version != 2 || listed[0].Schedule != "contoso" {
		t.Errorf("quotes list: %+v", listed)
	}
	contains(do("", exitOK, "check"), "is sound")
}

func TestQuotesNewFromTheCatalog(t *testing.T) {
	db := filepath.Join(t.TempDir(), "book.db")
	must := func(args ...string) string {
		t.Helper()
		code, out, errOut := run(t, "", append([]string{"--db", db}, args...)...)
		if code != exitOK {
			t.Fatalf("monthend %s: exit %d: %s", strings.Join(args, " "), code, errOut)
		}
		return out
	}
	must("products", "import", "testdata/catalog.yaml")
	must("customers", "add", "globex", "--name", "Globex", "--currency", "USD", "--time-zone", "America/New_York")
	out := must("quotes", "new", "globex-2030", "--customer", "globex", "--start", "2030-01-01", "--term", "24",
		"--product", "platform", "--product", "analysts", "--seats", "analysts=5", "--expires", "2029-12-01")
	if !strings.Contains(out, "quote globex-2030 v1 saved (draft) for globex, 24 months from 2030-01-01") {
		t.Errorf("new: %s", out)
	}
	show := must("quotes", "show", "globex-2030")
	for _, want := range []string{"Year 1 (from 2030-01-01)", "Year 2 (from 2031-01-01)", "2,200.00 per period  [platform]", "50.00 per seat (analysts)"} {
		if !strings.Contains(show, want) {
			t.Errorf("show lacks %q:\n%s", want, show)
		}
	}
	// Export, import unchanged: a draft is saved over, same version.
	path := filepath.Join(t.TempDir(), "q.json")
	if err := os.WriteFile(path, []byte(must("quotes", "export", "globex-2030")), 0o600); err != nil {
		t.Fatal(err)
	}
	if out := must("quotes", "import", path, "--id", "globex-2030"); !strings.Contains(out, "v1 saved (draft)") {
		t.Errorf("re-import: %s", out)
	}
	if out := must("quotes", "diff", "globex-2030", "1", "1"); !strings.Contains(out, "offer the same") {
		t.Errorf("diff: %s", out)
	}
}

func TestQuotesUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"import without id", []string{"quotes", "import", "testdata/quote.yaml"}, "needs --id"},
		{"mark-signed without by", []string{"quotes", "mark-signed", "q"}, "needs --by"},
		{"diff versions", []string{"quotes", "diff", "q", "one", "2"}, "whole numbers"},
		{"new without a product", []string{"quotes", "new", "q", "--customer", "c", "--start", "2030-01-01", "--term", "12"}, "--product"},
		{"figures usage", []string{"quotes", "figures", "q", "--usage", "x"}, "METRIC=QTY"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := run(t, "", append([]string{"--db", filepath.Join(t.TempDir(), "b.db")}, tc.args...)...)
			if code != exitUsage || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, stderr %q; want exit 2 mentioning %q", code, errOut, tc.want)
			}
		})
	}
}

func readTestFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
