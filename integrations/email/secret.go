package email

import (
	"fmt"

	"github.com/monthend/monthend/integrations/secret"
)

// PasswordEnv is the environment variable holding the SMTP password. It
// wins over Settings.PasswordFile.
const PasswordEnv = "MONTHEND_SMTP_PASSWORD"

// Secret is a password (see package secret): it never prints; Reveal is
// the one way to read it.
type Secret = secret.Value

// NewSecret wraps a password.
func NewSecret(s string) Secret { return secret.New(s) }

// ErrPasswordFileMode reports a password file others can read.
var ErrPasswordFileMode = secret.ErrFileMode

// LoadPassword finds the SMTP password: the environment variable
// MONTHEND_SMTP_PASSWORD if set (getenv is os.Getenv, a parameter for
// tests), else Settings.PasswordFile, which must be a regular file with
// mode 0600 or stricter. No username means no authentication and no
// password. A trailing newline in the file is dropped.
func LoadPassword(s Settings, getenv func(string) string) (Secret, error) {
	pw, err := secret.Load("smtp password", PasswordEnv, s.PasswordFile, getenv)
	if err == nil && pw.IsZero() && s.Username != "" {
		err = fmt.Errorf("smtp: username %q needs a password: set %s or password_file", s.Username, PasswordEnv)
	}
	return pw, err
}
