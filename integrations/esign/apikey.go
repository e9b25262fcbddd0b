package esign

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
)

// APIKeyEnv is the environment variable holding the Dropbox Sign API key.
// It wins over Settings.APIKeyFile.
const APIKeyEnv = "MONTHEND_DROPBOX_SIGN_API_KEY"

// APIKey is a Dropbox Sign API key. It formats as "[redacted]" through
// fmt (%v, %s, %#v), slog and text marshalling, so logging settings, a
// client or an error never leaks it; Reveal is the one way to read it.
type APIKey struct{ value string }

// NewAPIKey wraps a key.
func NewAPIKey(s string) APIKey { return APIKey{s} }

// Reveal returns the key, for HTTP Basic auth and HMAC checks only.
func (k APIKey) Reveal() string { return k.value }

// IsZero reports whether there is no key.
func (k APIKey) IsZero() bool { return k.value == "" }

func (k APIKey) String() string               { return "[redacted]" }
func (k APIKey) GoString() string             { return "esign.APIKey{[redacted]}" }
func (k APIKey) LogValue() slog.Value         { return slog.StringValue("[redacted]") }
func (k APIKey) MarshalText() ([]byte, error) { return []byte("[redacted]"), nil }

// ErrAPIKeyFileMode reports a key file others can read.
var ErrAPIKeyFileMode = errors.New("API key file is readable by others")

// ErrNoAPIKey reports that neither the environment nor the settings give a
// key.
var ErrNoAPIKey = errors.New("no Dropbox Sign API key")

// LoadAPIKey finds the API key: the environment variable
// MONTHEND_DROPBOX_SIGN_API_KEY if set (getenv is os.Getenv, a parameter
// for tests), else Settings.APIKeyFile, which must be a regular file with
// mode 0600 or stricter. A trailing newline in the file is dropped.
func LoadAPIKey(s Settings, getenv func(string) string) (APIKey, error) {
	if v := strings.TrimSpace(getenv(APIKeyEnv)); v != "" {
		return APIKey{v}, nil
	}
	if s.APIKeyFile == "" {
		return APIKey{}, fmt.Errorf("%w: set %s or dropbox_sign.api_key_file (a 0600 file) in settings", ErrNoAPIKey, APIKeyEnv)
	}
	fi, err := os.Stat(s.APIKeyFile)
	if err != nil {
		return APIKey{}, fmt.Errorf("dropbox sign API key: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return APIKey{}, fmt.Errorf("dropbox sign API key file %s is not a regular file", s.APIKeyFile)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return APIKey{}, fmt.Errorf("dropbox sign API key file %s has mode %04o: %w; run chmod 600 %s", s.APIKeyFile, perm, ErrAPIKeyFileMode, s.APIKeyFile)
	}
	b, err := os.ReadFile(s.APIKeyFile)
	if err != nil {
		return APIKey{}, fmt.Errorf("dropbox sign API key: %w", err)
	}
	key := strings.TrimSpace(string(b))
	if key == "" {
		return APIKey{}, fmt.Errorf("dropbox sign API key file %s is empty", s.APIKeyFile)
	}
	return APIKey{key}, nil
}
