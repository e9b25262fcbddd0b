package email

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
)

// PasswordEnv is the environment variable holding the SMTP password. It
// wins over Settings.PasswordFile.
const PasswordEnv = "MONTHEND_SMTP_PASSWORD"

// Secret is a password. It formats as "[redacted]" through fmt, %v, %s,
// %#v and slog, so logging settings or errors never leaks it; Reveal is
// the one way to read it.
type Secret struct{ value string }

// NewSecret wraps a password.
func NewSecret(s string) Secret { return Secret{s} }

// Reveal returns the password, for the SMTP client only.
func (s Secret) Reveal() string { return s.value }

// IsZero reports whether there is no password.
func (s Secret) IsZero() bool { return s.value == "" }

func (s Secret) String() string               { return "[redacted]" }
func (s Secret) GoString() string             { return "email.Secret{[redacted]}" }
func (s Secret) LogValue() slog.Value         { return slog.StringValue("[redacted]") }
func (s Secret) MarshalText() ([]byte, error) { return []byte("[redacted]"), nil }

// ErrPasswordFileMode reports a password file others can read.
var ErrPasswordFileMode = errors.New("password file is readable by others")

// LoadPassword finds the SMTP password: the environment variable
// MONTHEND_SMTP_PASSWORD if set (getenv is os.Getenv, a parameter for
// tests), else Settings.PasswordFile, which must be a regular file with
// mode 0600 or stricter. No username means no authentication and no
// password. A trailing newline in the file is dropped.
func LoadPassword(s Settings, getenv func(string) string) (Secret, error) {
	if v := getenv(PasswordEnv); v != "" {
		return Secret{v}, nil
	}
	if s.PasswordFile == "" {
		if s.Username != "" {
			return Secret{}, fmt.Errorf("smtp: username %q needs a password: set %s or password_file", s.Username, PasswordEnv)
		}
		return Secret{}, nil
	}
	fi, err := os.Stat(s.PasswordFile)
	if err != nil {
		return Secret{}, fmt.Errorf("smtp password: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return Secret{}, fmt.Errorf("smtp password file %s is not a regular file", s.PasswordFile)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return Secret{}, fmt.Errorf("smtp password file %s has mode %04o: %w; run chmod 600 %s", s.PasswordFile, perm, ErrPasswordFileMode, s.PasswordFile)
	}
	b, err := os.ReadFile(s.PasswordFile)
	if err != nil {
		return Secret{}, fmt.Errorf("smtp password: %w", err)
	}
	pw := strings.TrimRight(string(b), "\r\n")
	if pw == "" {
		return Secret{}, fmt.Errorf("smtp password file %s is empty", s.PasswordFile)
	}
	return Secret{pw}, nil
}
