package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestWorkstationUnderTmux drives the real binary in a real terminal
// (tmux): open the demo book, pick "Last month — drafts", filter, mark
// three invoices, recalc, issue, send, confirm — then checks the book with
// `monthend invoices list --json` and `monthend outbox list --json`.
func TestWorkstationUnderTmux(t *testing.T) {
	dir, bin := buildForTmux(t)
	db := filepath.Join(dir, "demo.db")
	run := monthendOn(t, bin, db)
	run("demo", "--customers", "12", "--months", "3", "--seed", "7")

	sock := fmt.Sprintf("monthend-e2e-%d-%d", os.Getpid(), time.Now().UnixNano()) // unique: other runs may use tmux at the same time
	tmux := func(args ...string) string {
		t.Helper()
		out, err := exec.Command("tmux", append([]string{"-L", sock}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	tmux("new-session", "-d", "-s", "e2e", "-x", "200", "-y", "35", "env", "NO_COLOR=1", bin, "--db", db)
	t.Cleanup(func() { exec.Command("tmux", "-L", sock, "kill-server").Run() })
	screen := func() string { return tmux("capture-pane", "-p", "-t", "e2e") }
	waitFor := func(what string) string {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second) // generous: CI may be loaded
		for {
			s := screen()
			if strings.Contains(s, what) {
				return s
			}
			if time.Now().After(deadline) {
				t.Fatalf("%q never appeared; the screen:\n%s", what, s)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	keys := func(k ...string) { tmux(append([]string{"send-keys", "-t", "e2e"}, k...)...) }
	// closeDialog presses esc and waits until the dialog is gone: a key
	// sent right behind a lone ESC would be read as alt+key.
	closeDialog := func() {
		t.Helper()
		keys("Escape")
		deadline := time.Now().Add(20 * time.Second)
		for strings.Contains(screen(), "any key closes") {
			if time.Now().After(deadline) {
				t.Fatalf("esc did not close the dialog:\n%s", screen())
			}
			time.Sleep(50 * time.Millisecond)
		}
		time.Sleep(100 * time.Millisecond)
	}

	waitFor(" rows")
	// Pick the view from the views pane, then back to the grid.
	keys("BTab", "g", "Tab")
	waitFor("Last month — drafts ·")
	keys("/")
	waitFor("│/") // the filter input is open: typed at once, "/status…" arrives as one key
	keys("-l", "status:draft")
	keys("Enter")
	waitFor("filter: status:draft")
	keys("Space", "Space", "Space")
	s := waitFor("3 marked")
	var marked []string // customer names on the marked rows
	for _, line := range strings.Split(s, "\n") {
		if i := strings.Index(line, "● "); i >= 0 {
			f := strings.Fields(line[i+len("● "):])
			marked = append(marked, strings.Join(f[:3], " "))
		}
	}
	if len(marked) != 3 {
		t.Fatalf("marked rows on screen: %q\n%s", marked, s)
	}
	keys("r")
	if strings.Contains(waitFor("recalc 2026"), "any key closes") {
		closeDialog() // drafts that changed are listed
	}
	keys("i")
	waitFor("Issue 3 invoices?")
	keys("y")
	waitFor("issued 3 of 3 invoices")
	closeDialog()
	// Ready to send is the next view; mark all it shows and send.
	keys("BTab", "j", "Tab")
	waitFor("Ready to send ·")
	keys("C-a", "S")
	waitFor("Send 3 invoices?")
	keys("y")
	waitFor("queued 3 of 3 invoices")
	closeDialog()
	keys("q")
	deadline := time.Now().Add(10 * time.Second)
	for exec.Command("tmux", "-L", sock, "has-session", "-t", "e2e").Run() == nil {
		if time.Now().After(deadline) {
			t.Fatalf("q did not quit:\n%s", screen())
		}
		time.Sleep(50 * time.Millisecond)
	}

	// The book agrees with the screen.
	var customers []struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	if err := json.Unmarshal(run("customers", "list", "--json"), &customers); err != nil {
		t.Fatal(err)
	}
	var items []struct {
		InvoiceID string `json:"invoice_id"`
		Number    string `json:"number"`
		Status    string `json:"status"`
	}
	if err := json.Unmarshal(run("outbox", "list", "--json"), &items); err != nil {
		t.Fatal(err)
	}
	var queuedCustomers []string
	for _, it := range items {
		if it.Status != "queued" {
			continue
		}
		var inv struct {
			CustomerID string `json:"customer_id"`
			Status     string `json:"status"`
		}
		if err := json.Unmarshal(run("invoices", "show", it.InvoiceID, "--json"), &inv); err != nil {
			t.Fatal(err)
		}
		if inv.Status != "issued" {
			t.Errorf("%s is %s", it.InvoiceID, inv.Status)
		}
		for _, c := range customers {
			if c.ID == inv.CustomerID {
				queuedCustomers = append(queuedCustomers, c.Name)
			}
		}
	}
	slices.Sort(queuedCustomers)
	slices.Sort(marked)
	if fmt.Sprint(queuedCustomers) != fmt.Sprint(marked) {
		t.Errorf("queued %v, marked on screen %v", queuedCustomers, marked)
	}
}

// tmuxSession starts the workstation on db under tmux and returns what
// drives it: keys sends keys, waitFor waits for text on screen, quit
// presses q and waits for the program to end. env (NAME=VALUE) is added
// to the program's environment.
func tmuxSession(t *testing.T, bin, db, name string, env ...string) (keys func(...string), waitFor func(string) string, quit func()) {
	t.Helper()
	sock := fmt.Sprintf("monthend-%s-%d-%d", name, os.Getpid(), time.Now().UnixNano()) // unique: other runs may use tmux at the same time
	tmux := func(args ...string) string {
		t.Helper()
		out, err := exec.Command("tmux", append([]string{"-L", sock}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	tmux(append(append([]string{"new-session", "-d", "-s", name, "-x", "160", "-y", "40", "env", "NO_COLOR=1"}, env...), bin, "--db", db)...)
	t.Cleanup(func() { exec.Command("tmux", "-L", sock, "kill-server").Run() })
	screen := func() string { return tmux("capture-pane", "-p", "-t", name) }
	waitFor = func(what string) string {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			s := screen()
			if strings.Contains(s, what) {
				return s
			}
			if time.Now().After(deadline) {
				t.Fatalf("%q never appeared; the screen:\n%s", what, s)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	keys = func(k ...string) { tmux(append([]string{"send-keys", "-t", name}, k...)...) }
	quit = func() {
		t.Helper()
		time.Sleep(100 * time.Millisecond) // ESC then q at once reads as alt+q
		keys("q")
		deadline := time.Now().Add(10 * time.Second)
		for exec.Command("tmux", "-L", sock, "has-session", "-t", name).Run() == nil {
			if time.Now().After(deadline) {
				t.Fatalf("q did not quit:\n%s", screen())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return keys, waitFor, quit
}

// TestQuoteUnderTmux writes a quote in the workstation's editor — a
// prospect, three years as a ramp made with "next year +8%" twice, a 10%
// commitment discount — saves it, marks it sent and signed, executes it
// with one key (the new customer's alias typed at that step), then, once
// the draft schedule is made active and last month recalculated with the
// CLI, finds the new customer's draft invoice in the workstation's grid.
func TestQuoteUnderTmux(t *testing.T) {
	dir, bin := buildForTmux(t)
	db := filepath.Join(dir, "quotes.db")
	run := monthendOn(t, bin, db)
	run("products", "import", "../../ledger/testdata/catalog.yaml")
	now := time.Now().UTC()
	lastMonth := time.Date(now.Year(), now.Month()-1, 1, 0, 0, 0, 0, time.UTC)
	start, period := lastMonth.Format(time.DateOnly), lastMonth.Format("2006-01")

	keys, waitFor, quit := tmuxSession(t, bin, db, "quote")
	waitFor(" rows")
	keys("4")
	waitFor("no quotes yet")
	keys("n")
	waitFor("New quote")
	// The cursor starts on the quote id; tab moves field by field
	// (quote id, customer, prospect name, legal name, emails, address,
	// currency, time zone, prospect tax, tax rate, start, term, billing, anchor day,
	// payment days, expires, seats, discounts, invoice minimum, notes,
	// then phase 1).
	keys("-l", "ramp-e2e")
	keys("Tab", "Tab")
	keys("-l", "Ramp Test GmbH")
	keys("Tab", "Tab", "Tab", "Tab")
	keys("-l", "EUR")
	keys("Tab")
	keys("-l", "Europe/Berlin")
	keys("Tab", "Tab", "Tab", "C-u")
	keys("-l", start)
	keys("Tab", "C-u")
	keys("-l", "36")
	keys("Tab", "Tab", "Tab", "Tab", "Tab", "Tab")
	keys("-l", "[{percent: 10, label: 3-year commitment}]")
	keys("Tab", "Tab", "Tab")
	waitFor("▸ phase 1")
	keys("C-y")
	waitFor("raise prices by %")
	keys("Enter")
	waitFor(`added "Year 2"`)
	keys("C-y")
	waitFor(`as "Year 3"`)
	keys("Enter")
	waitFor(`added "Year 3"`)
	s := waitFor("ARR Y1")
	if !strings.Contains(s, "Y3 ") || !strings.Contains(s, "effective discount 10.0%") {
		t.Fatalf("the totals do not show three years at 10%% off:\n%s", s)
	}
	keys("C-s")
	waitFor("saved quote ramp-e2e v1")
	keys("Escape")
	waitFor("Quotes: 1 draft")
	keys("m")
	waitFor("Mark quote ramp-e2e v1 sent?")
	keys("y")
	waitFor("marked sent")
	keys("s")
	waitFor("signed by:")
	keys("-l", "Dana Meier, CFO")
	keys("Enter")
	waitFor("signed by Dana Meier, CFO")
	keys("x")
	waitFor("Execute quote ramp-e2e v1?")
	keys("-l", "ramp-events")
	keys("Enter")
	waitFor("executed ramp-e2e: draft schedule ramp-e2e for new customer ramp-test-gmbh")
	// The schedule was stored as a draft for review; a makes it bill.
	keys("a")
	waitFor("Start billing schedule ramp-e2e?")
	keys("y")
	waitFor("schedule ramp-e2e v2 is active")
	quit()
	run("recalc", "--period", period)

	keys, waitFor, quit = tmuxSession(t, bin, db, "grid")
	waitFor(" rows")
	keys("/")
	waitFor("│/")
	keys("-l", "ramp")
	keys("Enter")
	s = waitFor("filter: ramp")
	found := false
	for _, line := range strings.Split(s, "\n") {
		f := strings.Fields(line[strings.Index(line, "│")+1:])
		// Customer, period, status, total: the row of the new customer's
		// draft of last month, platform 2,000.00 less 10%.
		if strings.Contains(line, "Ramp Test GmbH") && slices.Contains(f, period) && slices.Contains(f, "draft") && slices.Contains(f, "1,800.00") {
			found = true
		}
	}
	if !found {
		t.Fatalf("the new customer's %s draft invoice (platform 2,000.00 less 10%%) is not in the grid:\n%s", period, s)
	}
	quit()
}

// buildForTmux skips (fails under CI) without tmux, and builds the binary
// into a fresh folder.
func buildForTmux(t *testing.T) (dir, bin string) {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("tmux is missing (.ci/run installs it)")
		}
		t.Skip("tmux not installed")
	}
	dir = t.TempDir()
	bin = filepath.Join(dir, "monthend")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return dir, bin
}

// monthendOn runs the binary's sub-commands on book db and returns their
// standard output; a failure ends the test with both streams.
func monthendOn(t *testing.T, bin, db string) func(args ...string) []byte {
	return func(args ...string) []byte {
		t.Helper()
		cmd := exec.Command(bin, append([]string{"--db", db}, args...)...)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("monthend %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr.String())
		}
		return out
	}
}
