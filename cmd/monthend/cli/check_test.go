package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckTmp: check --tmp DIR finds a small book sound and leaves DIR as
// it was; with a DIR that does not exist it fails, naming DIR and --tmp.
func TestCheckTmp(t *testing.T) {
	db := newBookArgs(t)
	events := `{"id":"1","customer":"acme","metric":"api_calls","timestamp":"2026-03-05T10:00:00Z"}
{"id":"2","customer":"acme","metric":"gb","timestamp":"2026-03-05T10:00:00Z","value":"2.5"}
{"id":"3","customer":"acme-eu","metric":"gb","timestamp":"2026-03-06T10:00:00Z","value":1}
`
	if code, _, errOut := run(t, events, append(db, "usage", "import", "-")...); code != exitOK {
		t.Fatalf("import: exit %d: %s", code, errOut)
	}
	tmp := t.TempDir()
	if code, out, errOut := run(t, "", append(db, "check", "--tmp", tmp)...); code != exitOK || !strings.Contains(out, "is sound") {
		t.Fatalf("check --tmp %s: exit %d\nstdout %s\nstderr %s", tmp, code, out, errOut)
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("check left %v in %s", left, tmp)
	}
	missing := filepath.Join(tmp, "missing")
	code, out, errOut := run(t, "", append(db, "check", "--tmp", missing)...)
	if code != exitError || strings.Contains(out, "is sound") {
		t.Fatalf("check --tmp %s: exit %d, want %d\nstdout %s", missing, code, exitError, out)
	}
	for _, want := range []string{"cannot use the temporary folder " + missing, "bytes for each of the book's 3 events", "--tmp"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr %q lacks %q", errOut, want)
		}
	}
}
