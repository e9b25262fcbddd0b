package secret

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

func TestLoad(t *testing.T) {
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
	private := file("private", "from-file\n", 0o600)
	crlf := file("crlf", "windows\r\n", 0o600)
	ownerOnly := file("readonly", "read-only", 0o400)
	shared := file("shared", "leaky", 0o644)
	empty := file("empty", "\n", 0o600)
	noEnv := func(string) string { return "" }
	env := func(k string) string {
		if k == "TEST_SECRET" {
			return "from-env"
		}
		return ""
	}
	for _, tc := range []struct {
		name   string
		file   string
		getenv func(string) string
		want   string
		err    string
	}{
		{"environment wins", shared, env, "from-env", ""},
		{"file 0600, newline dropped", private, noEnv, "from-file", ""},
		{"CRLF dropped", crlf, noEnv, "windows", ""},
		{"file 0400", ownerOnly, noEnv, "read-only", ""},
		{"file readable by others", shared, noEnv, "", "chmod 600 " + shared},
		{"empty file", empty, noEnv, "", "is empty"},
		{"missing file", filepath.Join(dir, "nope"), noEnv, "", "no such file"},
		{"a directory", dir, noEnv, "", "not a regular file"},
		{"neither", "", noEnv, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Load("test secret", "TEST_SECRET", tc.file, tc.getenv)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.HasPrefix(err.Error(), "test secret") {
					t.Fatalf("err = %v, want it to name the secret and mention %q", err, tc.err)
				}
				if strings.Contains(err.Error(), "leaky") {
					t.Errorf("the error shows the secret: %v", err)
				}
				return
			}
			if err != nil || got.Reveal() != tc.want {
				t.Errorf("got %q, %v; want %q", got.Reveal(), err, tc.want)
			}
		})
	}
	if _, err := Load("test secret", "TEST_SECRET", shared, noEnv); !errors.Is(err, ErrFileMode) {
		t.Errorf("err = %v, want ErrFileMode", err)
	}
}

// A Value never prints, alone or inside a struct, any way logs and errors
// format it.
func TestValueNeverPrints(t *testing.T) {
	v := New("hunter2")
	holder := struct {
		User   string
		Secret Value
	}{"billing", v}
	var out bytes.Buffer
	fmt.Fprintf(&out, "%v %s %+v %#v %v %+v %#v %q", v, v, v, v, holder, holder, holder, v)
	slog.New(slog.NewTextHandler(&out, nil)).Info("login", "secret", v, "holder", holder)
	slog.New(slog.NewJSONHandler(&out, nil)).Info("login", "secret", v)
	if strings.Contains(out.String(), "hunter2") {
		t.Fatalf("the secret leaked:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "[redacted]") {
		t.Fatalf("no redaction marker:\n%s", out.String())
	}
	if v.Reveal() != "hunter2" || v.IsZero() || !(Value{}).IsZero() {
		t.Error("Reveal or IsZero is wrong")
	}
}
