package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestMonthEndFromTheCommandLine runs a small month-end on a real book
// file: set up, import usage, import a schedule, recalc twice, issue, and
// check that the book's invariants hold and the invoice matches `price`.
func TestMonthEndFromTheCommandLine(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "book.db")
	must := func(args ...string) string {
		t.Helper()
		code, out, errOut := run(t, "", append([]string{"--db", db}, args...)...)
		if code != exitOK {
			t.Fatalf("monthend %s: exit %d: %s", strings.Join(args, " "), code, errOut)
		}
		return out
	}
	must("customers", "add", "acme", "--name", "Acme Logistics", "--currency", "EUR", "--time-zone", "Europe/Berlin", "--tax-rate", "19", "--payment-terms", "14")
	must("metrics", "add", "invoices_issued", "--aggregation", "count")
	must("metrics", "add", "api_calls", "--aggregation", "count")
	var events strings.Builder
	for i := range 12400 {
		fmt.Fprintf(&events, `{"id":"inv-%d","customer":"acme","metric":"invoices_issued","timestamp":"2026-03-%02dT10:00:00Z"}`+"\n", i, 1+i%28)
	}
	for i := range 1240 {
		fmt.Fprintf(&events, `{"id":"api-%d","customer":"acme","metric":"api_calls","timestamp":"2026-03-%02dT10:00:00Z"}`+"\n", i, 1+i%28)
	}
	usage := filepath.Join(dir, "usage.jsonl")
	if err := os.WriteFile(usage, []byte(events.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	must("usage", "import", usage)
	must("schedules", "import", "testdata/acme.yaml", "--id", "acme-2026", "--customer", "acme")
	if out := must("recalc", "--period", "2026-04"); !strings.Contains(out, "1 created") {
		t.Errorf("first recalc: %s", out)
	}
	if out := must("recalc", "--period", "2026-04"); !strings.Contains(out, "0 created, 0 updated, 1 unchanged") {
		t.Errorf("second recalc changed something: %s", out)
	}
	var list []struct {
		ID, Status, Total string
		Flags             []string
	}
	if err := json.Unmarshal([]byte(must("invoices", "list", "--period", "2026-04", "--json")), &list); err != nil {
		t.Fatal(err)
	}
	// The same figure `monthend price` previews for this schedule and usage
	// (TestPriceJSONReconciles): the engine prices from the book's rollups.
	if len(list) != 1 || list[0].Status != "draft" || list[0].Total != "4524.97" || strings.Join(list[0].Flags, ",") != "new,minimum" {
		t.Fatalf("invoices: %+v", list)
	}
	must("views", "save", "April drafts", "--period", "2026-04", "--status", "draft", "--sort", "-total")
	if out := must("invoices", "list", "--view", "April drafts"); !strings.Contains(out, "acme-2026:2026-04") {
		t.Errorf("view April drafts: %s", out)
	}
	if code, _, errOut := run(t, "", "--db", db, "views", "save", "bad", "--period", "March"); code != exitError || !strings.Contains(errOut, "this month or last month") {
		t.Errorf("a bad view: exit %d %s", code, errOut)
	}
	if out := must("recalc", "--view", "April drafts"); !strings.Contains(out, "1 unchanged") {
		t.Errorf("recalc --view: %s", out)
	}
	// One draft by id, every period with drafts, and forced pricing: none
	// changes a current draft.
	for _, args := range [][]string{{"recalc", list[0].ID}, {"recalc", "--all"}, {"recalc", "--all", "--force"}} {
		if out := must(args...); !strings.Contains(out, "recalc 2026-04: 0 created, 0 updated, 1 unchanged") {
			t.Errorf("%s: %s", strings.Join(args, " "), out)
		}
	}
	for _, bad := range [][]string{{"recalc"}, {"recalc", "--all", "--period", "2026-04"}, {"recalc", list[0].ID, "--all"}} {
		if code, _, errOut := run(t, "", append([]string{"--db", db}, bad...)...); code != exitUsage {
			t.Errorf("%s: exit %d %s", strings.Join(bad, " "), code, errOut)
		}
	}
	if out := must("issue", "--view", "April drafts"); !strings.Contains(out, "issued as INV-") {
		t.Errorf("issue: %s", out)
	}
	if code, _, errOut := run(t, "", "--db", db, "recalc", list[0].ID); code != exitError || !strings.Contains(errOut, "only drafts are recalculated") {
		t.Errorf("recalc of an issued invoice: exit %d %s", code, errOut)
	}
	show := must("invoices", "show", list[0].ID)
	for _, want := range []string{"issued", "12,400 − 1,000 free = 11,400 → 12 blocks of 1,000 × 25.00 = 300.00", "4,524.97 EUR"} {
		if !strings.Contains(show, want) {
			t.Errorf("invoices show lacks %q:\n%s", want, show)
		}
	}
	// The issued invoice as PDF, read back with the real pdftotext.
	pdfPath := filepath.Join(dir, "invoice.pdf")
	must("invoices", "pdf", list[0].ID, "-o", pdfPath, "--settings", "testdata/settings.yaml")
	text := pdfText(t, pdfPath)
	for _, want := range []string{"INV-2026-000001", "Northwind Analytics GmbH", "Acme Logistics", "4,524.97"} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF's text lacks %q:\n%s", want, text)
		}
	}
	if out := must("check"); !strings.Contains(out, "is sound") {
		t.Errorf("check: %s", out)
	}
}

// pdfText extracts a PDF's text with Debian's pdftotext. Without the tool
// the test is skipped on a developer's machine and fails under CI, which
// installs it (.ci/run).
func pdfText(t *testing.T, path string) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("pdftotext is missing; .ci/run installs poppler-utils")
		}
		t.Skip("pdftotext not installed (apt-get install poppler-utils)")
	}
	out, err := exec.Command(bin, "-layout", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext %s: %v", path, err)
	}
	return string(out)
}

func TestScheduleActivateAndEnd(t *testing.T) {
	db := filepath.Join(t.TempDir(), "book.db")
	must := func(args ...string) string {
		t.Helper()
		code, out, errOut := run(t, "", append([]string{"--db", db}, args...)...)
		if code != exitOK {
			t.Fatalf("monthend %s: exit %d: %s", strings.Join(args, " "), code, errOut)
		}
		return out
	}
	must("customers", "add", "acme", "--name", "Acme", "--currency", "EUR", "--time-zone", "Europe/Berlin")
	must("metrics", "add", "invoices_issued", "--aggregation", "count")
	must("metrics", "add", "api_calls", "--aggregation", "count")
	must("schedules", "import", "testdata/acme.yaml", "--id", "acme-2026", "--customer", "acme", "--status", "draft")
	if out := must("recalc", "--period", "2026-04"); !strings.Contains(out, "0 created") {
		t.Errorf("a draft schedule billed: %s", out)
	}
	if out := must("schedules", "activate", "acme-2026"); !strings.Contains(out, "schedule acme-2026 v2 is active") {
		t.Errorf("activate: %s", out)
	}
	if out := must("recalc", "--period", "2026-04"); !strings.Contains(out, "1 created") {
		t.Errorf("after activate: %s", out)
	}
	if out := must("schedules", "end", "acme-2026"); !strings.Contains(out, "v3 is ended") {
		t.Errorf("end: %s", out)
	}
	if code, _, errOut := run(t, "", "--db", db, "schedules", "activate", "nope"); code != exitError || !strings.Contains(errOut, "schedules list") {
		t.Errorf("unknown schedule: exit %d %s", code, errOut)
	}
	if code, _, _ := run(t, "", "--db", db, "schedules", "activate"); code != exitUsage {
		t.Errorf("no id: exit %d", code)
	}
}
