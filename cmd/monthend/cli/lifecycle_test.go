package cli

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestPaidAndVoidCommands drives invoices paid and void on a demo book:
// what each answers, and its exit code.
func TestPaidAndVoidCommands(t *testing.T) {
	db := filepath.Join(t.TempDir(), "book.db")
	if code, _, errOut := run(t, "", "--db", db, "demo", "--customers", "2", "--months", "3", "--seed", "5"); code != exitOK {
		t.Fatalf("demo: %s", errOut)
	}
	var drafts []gridRow
	_, out, _ := run(t, "", "--db", db, "invoices", "list", "--view", "Last month — drafts", "--json")
	if err := json.Unmarshal([]byte(out), &drafts); err != nil {
		t.Fatal(err)
	}
	// The demo's earlier months are sent: take one by number from the grid
	// of last month's drafts (their previous invoice).
	if len(drafts) == 0 || drafts[0].Prev == nil {
		t.Fatalf("demo drafts %+v", drafts)
	}
	sent, draft := drafts[0].Prev.Number, drafts[0].ID
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"paid with a date", []string{"invoices", "paid", sent, "--date", "2099-01-02"}, exitOK, sent + "  paid 2099-01-02"},
		{"paid again changes nothing", []string{"invoices", "paid", sent}, exitOK, "unchanged: already paid on 2099-01-02"},
		{"a draft cannot be paid", []string{"invoices", "paid", draft}, exitError, "issue it first"},
		{"a bad date", []string{"invoices", "paid", sent, "--date", "soon"}, exitUsage, "a date such as"},
		{"paid needs an invoice", []string{"invoices", "paid"}, exitUsage, "one or more invoice"},
		{"void needs a reason", []string{"invoices", "void", sent}, exitUsage, "give --reason"},
		{"a draft cannot be voided", []string{"invoices", "void", draft, "--reason", "x"}, exitError, "a draft has no number"},
		{"void a paid invoice", []string{"invoices", "void", sent, "--reason", "refund"}, exitOK, "void: credit note CN-"},
		{"void again changes nothing", []string{"invoices", "void", sent, "--reason", "refund"}, exitOK, "unchanged: already void"},
		{"a void invoice is not paid", []string{"invoices", "paid", sent}, exitError, "is void"},
		{"credit note of the invoice", []string{"credit-notes", "show", sent}, exitOK, "cancels invoice " + sent},
		{"no credit note", []string{"credit-notes", "show", draft}, exitError, "has no credit note"},
		{"check", []string{"check"}, exitOK, "is sound"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := run(t, "", append([]string{"--db", db}, tc.args...)...)
			if code != tc.code || !strings.Contains(out+errOut, tc.want) {
				t.Errorf("exit %d (want %d), output lacks %q:\n%s%s", code, tc.code, tc.want, out, errOut)
			}
		})
	}
}
