// Package secret reads credentials — the SMTP password, the Dropbox Sign
// API key — the one way monthend accepts them: from an environment
// variable, else from a file only its owner can read; and it keeps them out
// of every log line and error message.
package secret

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
)

// Value is a credential. It formats as "[redacted]" through fmt (%v, %s,
// %+v, %#v, %q), slog and text marshalling, alone or inside a struct;
// Reveal is the one way to read it.
type Value struct{ v string }

// New wraps a credential.
func New(s string) Value { return Value{s} }

// Reveal returns the credential, for the protocol that needs it only.
func (v Value) Reveal() string { return v.v }

// IsZero reports whether there is no credential.
func (v Value) IsZero() bool { return v.v == "" }

func (v Value) String() string               { return "[redacted]" }
func (v Value) GoString() string             { return "secret.Value{[redacted]}" }
func (v Value) LogValue() slog.Value         { return slog.StringValue("[redacted]") }
func (v Value) MarshalText() ([]byte, error) { return []byte("[redacted]"), nil }

// ErrFileMode reports a credential file that others can read.
var ErrFileMode = errors.New("readable by others")

// Load returns the value of environment variable env if it is set (getenv
// is os.Getenv, a parameter for tests), else the contents of file, which
// must be a regular file with mode 0600 or stricter, without its trailing
// newline. what names the credential in messages ("smtp password"). With
// neither, it returns the zero Value: whether that is an error is the
// caller's to say.
func Load(what, env, file string, getenv func(string) string) (Value, error) {
	if v := getenv(env); v != "" {
		return Value{v}, nil
	}
	if file == "" {
		return Value{}, nil
	}
	fi, err := os.Stat(file)
	if err != nil {
		return Value{}, fmt.Errorf("%s: %w", what, err)
	}
	if !fi.Mode().IsRegular() {
		return Value{}, fmt.Errorf("%s file %s is not a regular file", what, file)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return Value{}, fmt.Errorf("%s file %s has mode %04o, %w; run chmod 600 %s", what, file, perm, ErrFileMode, file)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return Value{}, fmt.Errorf("%s: %w", what, err)
	}
	v := strings.TrimRight(string(b), "\r\n")
	if v == "" {
		return Value{}, fmt.Errorf("%s file %s is empty", what, file)
	}
	return Value{v}, nil
}
