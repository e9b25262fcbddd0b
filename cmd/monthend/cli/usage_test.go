package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// newBookArgs sets up a book with customer acme and metric api_calls through
// the command line, and returns the --db arguments for it.
func newBookArgs(t *testing.T) []string {
	t.Helper()
	db := []string{"--db", filepath.Join(t.TempDir(), "book.db")}
	for _, args := range [][]string{
		{"customers", "add", "acme", "--name", "Acme", "--currency", "EUR", "--time-zone", "Europe/Berlin", "--tax-rate", "19", "--email", "ap@acme.example", "--external-id", "accounting=C-1"},
		{"metrics", "add", "api_calls", "--aggregation", "count"},
		{"metrics", "add", "gb", "--aggregation", "sum"},
	} {
		if code, _, errOut := run(t, "", append(db, args...)...); code != exitOK {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
	}
	return db
}

func TestUsageImportAndTotals(t *testing.T) {
	db := newBookArgs(t)
	input := `{"id":"1","customer":"acme","metric":"api_calls","timestamp":"2026-03-05T10:00:00Z"}
{"id":"2","customer":"acme","metric":"gb","timestamp":"2026-03-05T10:00:00Z","value":"2.5"}
{"id":"3","customer":"acme-eu","metric":"gb","timestamp":"2026-03-06T10:00:00Z","value":1}
{"id":"4","customer":"acme","metric":"gb","timestamp":"whenever"}
{"id":"1","customer":"acme","metric":"api_calls","timestamp":"2026-03-05T10:00:00Z"}
`
	code, out, errOut := run(t, input, append(db, "usage", "import", "-")...)
	if code != exitError || !strings.Contains(out, "accepted 2, duplicates 1, superseded 0, unattributed 1, rejected 1") ||
		!strings.Contains(errOut, "-:4: event 4: timestamp") {
		t.Fatalf("import: exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	code, out, _ = run(t, "", append(db, "usage", "unattributed")...)
	if code != exitOK || !strings.Contains(out, "FIRST SEEN") ||
		!regexp.MustCompile(`acme-eu +1 +2026-03-06T10:00:00Z +2026-03-06T10:00:00Z`).MatchString(out) {
		t.Errorf("unattributed: %d %s", code, out)
	}
	if code, out, errOut = run(t, "", append(db, "aliases", "map", "acme-eu", "acme")...); code != exitOK || !strings.Contains(out, "1 waiting events attributed") {
		t.Errorf("aliases map: %d %s %s", code, out, errOut)
	}
	code, out, errOut = run(t, "", append(db, "usage", "totals", "--customer", "acme", "--period", "2026-03", "--json")...)
	if code != exitOK {
		t.Fatalf("totals: %d %s", code, errOut)
	}
	var totals []struct {
		Metric   string `json:"metric"`
		Quantity string `json:"quantity"`
	}
	if err := json.Unmarshal([]byte(out), &totals); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, x := range totals {
		got[x.Metric] = x.Quantity
	}
	if got["api_calls"] != "1" || got["gb"] != "3.5" {
		t.Errorf("totals %v, want api_calls 1, gb 3.5", got)
	}
	if code, out, _ := run(t, "", append(db, "check")...); code != exitOK || !strings.Contains(out, "is sound") {
		t.Errorf("check: %d %s", code, out)
	}
	backup := filepath.Join(t.TempDir(), "copy.db")
	if code, _, errOut := run(t, "", append(db, "backup", backup)...); code != exitOK {
		t.Errorf("backup: %s", errOut)
	}
	if code, out, _ := run(t, "", "--db", backup, "check"); code != exitOK {
		t.Errorf("check of the backup: %s", out)
	}
	if fi, err := os.Stat(backup); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("backup mode: %v %v", fi.Mode(), err)
	}
}

func TestBookCommands(t *testing.T) {
	db := newBookArgs(t)
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"customers list", []string{"customers", "list"}, exitOK, "acme"},
		{"customers show", []string{"customers", "show", "acme"}, exitOK, "C-1"},
		{"customers show missing", []string{"customers", "show", "nobody"}, exitError, "customers list"},
		{"customer twice", []string{"customers", "add", "acme", "--name", "A", "--currency", "EUR", "--time-zone", "UTC"}, exitError, "already exists"},
		{"bad time zone", []string{"customers", "add", "x", "--name", "X", "--currency", "EUR", "--time-zone", "Mars/Olympus"}, exitError, "time zone"},
		{"missing flags", []string{"customers", "add", "x"}, exitUsage, "--name"},
		{"metrics list", []string{"metrics", "list"}, exitOK, "api_calls"},
		{"bad aggregation", []string{"metrics", "add", "m", "--aggregation", "avg"}, exitUsage, "aggregation"},
		{"unique without property", []string{"metrics", "add", "m", "--aggregation", "unique_count"}, exitUsage, "property"},
		{"aliases list", []string{"aliases", "list", "--customer", "acme"}, exitOK, "acme"},
		{"alias to missing customer", []string{"aliases", "map", "x", "nobody"}, exitError, "not found"},
		{"totals bad period", []string{"usage", "totals", "--customer", "acme", "--period", "March"}, exitUsage, "YYYY-MM"},
		{"write refused read-only", []string{"--read-only", "metrics", "add", "m", "--aggregation", "count"}, exitUsage, "without --read-only"},
		{"read works read-only", []string{"--read-only", "customers", "list"}, exitOK, "acme"},
		{"serve refuses a public address", []string{"serve", "--addr", "0.0.0.0:8080"}, exitUsage, "--allow-remote"},
		{"apikey list", []string{"apikey", "list"}, exitOK, "ID"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := run(t, "", append(db, tc.args...)...)
			if code != tc.code || !strings.Contains(out+errOut, tc.want) {
				t.Errorf("exit %d, out %q, err %q; want exit %d mentioning %q", code, out, errOut, tc.code, tc.want)
			}
		})
	}
}

func TestAPIKeyLifecycle(t *testing.T) {
	db := newBookArgs(t)
	code, key, errOut := run(t, "", append(db, "apikey", "create", "pipeline")...)
	if code != exitOK || !strings.HasPrefix(key, "mek_") {
		t.Fatalf("create: %d %q %s", code, key, errOut)
	}
	id := strings.SplitN(strings.TrimPrefix(key, "mek_"), "_", 2)[0]
	_, list, _ := run(t, "", append(db, "apikey", "list")...)
	if !strings.Contains(list, id) || strings.Contains(list, strings.TrimSpace(key)) {
		t.Errorf("list must show the id, never the key:\n%s", list)
	}
	if code, _, errOut := run(t, "", append(db, "apikey", "revoke", id)...); code != exitOK {
		t.Errorf("revoke: %s", errOut)
	}
	if _, list, _ = run(t, "", append(db, "apikey", "list")...); !strings.Contains(list, "revoked") {
		t.Errorf("after revoke:\n%s", list)
	}
}
