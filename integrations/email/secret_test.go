package email

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func noEnv(string) string { return "" }

// The file rules (mode, emptiness, newline) are package secret's, tested
// there; these are the SMTP ones.
func TestLoadPassword(t *testing.T) {
	dir := t.TempDir()
	shared := filepath.Join(dir, "shared.pw")
	if err := os.WriteFile(shared, []byte("leaky"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(shared, 0o644); err != nil { // umask may have narrowed it
		t.Fatal(err)
	}
	env := func(k string) string {
		if k == PasswordEnv {
			return "from-env"
		}
		return ""
	}
	for _, tc := range []struct {
		name   string
		s      Settings
		getenv func(string) string
		want   string
		err    string
	}{
		{"environment wins", Settings{Username: "u", PasswordFile: shared}, env, "from-env", ""},
		{"file readable by others", Settings{Username: "u", PasswordFile: shared}, noEnv, "", "chmod 600"},
		{"username without password", Settings{Username: "u"}, noEnv, "", PasswordEnv},
		{"no authentication", Settings{}, noEnv, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := LoadPassword(tc.s, tc.getenv)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), "smtp") {
					t.Fatalf("err = %v, want it to name smtp and mention %q", err, tc.err)
				}
				return
			}
			if err != nil || got.Reveal() != tc.want {
				t.Errorf("password %q, %v; want %q", got.Reveal(), err, tc.want)
			}
		})
	}
	if _, err := LoadPassword(Settings{Username: "u", PasswordFile: shared}, noEnv); !errors.Is(err, ErrPasswordFileMode) {
		t.Errorf("err = %v, want ErrPasswordFileMode", err)
	}
}
