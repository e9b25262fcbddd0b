package esign

import (
	"errors"
	"fmt"
	"strings"

	"github.com/monthend/monthend/integrations/secret"
)

// APIKeyEnv is the environment variable holding the Dropbox Sign API key.
// It wins over Settings.APIKeyFile.
const APIKeyEnv = "MONTHEND_DROPBOX_SIGN_API_KEY"

// APIKey is a Dropbox Sign API key (see package secret): it never prints,
// alone or in a client, a handler or an error; Reveal is the one way to
// read it.
type APIKey = secret.Value

// NewAPIKey wraps a key.
func NewAPIKey(s string) APIKey { return secret.New(s) }

// ErrAPIKeyFileMode reports a key file others can read.
var ErrAPIKeyFileMode = secret.ErrFileMode

// ErrNoAPIKey reports that neither the environment nor the settings give a
// key.
var ErrNoAPIKey = errors.New("no Dropbox Sign API key")

// LoadAPIKey finds the API key: the environment variable
// MONTHEND_DROPBOX_SIGN_API_KEY if set (getenv is os.Getenv, a parameter
// for tests), else Settings.APIKeyFile, which must be a regular file with
// mode 0600 or stricter. Surrounding white space is dropped: a key never
// holds any.
func LoadAPIKey(s Settings, getenv func(string) string) (APIKey, error) {
	trimmed := func(k string) string { return strings.TrimSpace(getenv(k)) }
	key, err := secret.Load("dropbox sign API key", APIKeyEnv, s.APIKeyFile, trimmed)
	switch {
	case err != nil:
		return APIKey{}, err
	case key.IsZero():
		return APIKey{}, fmt.Errorf("%w: set %s or dropbox_sign.api_key_file (a 0600 file) in settings", ErrNoAPIKey, APIKeyEnv)
	case strings.TrimSpace(key.Reveal()) != key.Reveal():
		return secret.New(strings.TrimSpace(key.Reveal())), nil
	}
	return key, nil
}
