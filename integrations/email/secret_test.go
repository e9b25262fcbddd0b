package email

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func noEnv(string) string { return "" }

func TestLoadPassword(t *testing.T) {
	dir := t.TempDir()
	file := func(name, content string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil { // umask may have narrowed it
			t.Fatal(err)
		}
		return p
	}
	private := file("private.pw", "from-file\n", 0o600)
	ownerOnly := file("readonly.pw", "read-only", 0o400)
	shared := file("shared.pw", "leaky", 0o644)
	empty := file("empty.pw", "\n", 0o600)

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
		{"file 0600, newline dropped", Settings{Username: "u", PasswordFile: private}, noEnv, "from-file", ""},
		{"file 0400", Settings{Username: "u", PasswordFile: ownerOnly}, noEnv, "read-only", ""},
		{"file readable by others", Settings{Username: "u", PasswordFile: shared}, noEnv, "", "chmod 600"},
		{"empty file", Settings{Username: "u", PasswordFile: empty}, noEnv, "", "is empty"},
		{"missing file", Settings{Username: "u", PasswordFile: filepath.Join(dir, "nope")}, noEnv, "", "no such file"},
		{"username without password", Settings{Username: "u"}, noEnv, "", PasswordEnv},
		{"no authentication", Settings{}, noEnv, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := LoadPassword(tc.s, tc.getenv)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want it to mention %q", err, tc.err)
				}
				if strings.Contains(err.Error(), "leaky") {
					t.Errorf("the error shows the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Reveal() != tc.want {
				t.Errorf("password %q, want %q", got.Reveal(), tc.want)
			}
		})
	}
	if _, err := LoadPassword(Settings{Username: "u", PasswordFile: shared}, noEnv); !errors.Is(err, ErrPasswordFileMode) {
		t.Errorf("err = %v, want ErrPasswordFileMode", err)
	}
}

// TestSecretNeverPrints formats a Secret, alone and inside a struct, every
// way logs and errors do.
func TestSecretNeverPrints(t *testing.T) {
	s := NewSecret("hunter2")
	holder := struct {
		User     string
		Password Secret
	}{"billing", s}
	var out bytes.Buffer
	fmt.Fprintf(&out, "%v %s %+v %#v %v %+v %#v %q", s, s, s, s, holder, holder, holder, s)
	slog.New(slog.NewTextHandler(&out, nil)).Info("login", "password", s, "holder", holder)
	slog.New(slog.NewJSONHandler(&out, nil)).Info("login", "password", s)
	if strings.Contains(out.String(), "hunter2") {
		t.Fatalf("the secret leaked:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "[redacted]") {
		t.Fatalf("no redaction marker:\n%s", out.String())
	}
}
