package email

import (
	"errors"
	"fmt"
	"net/mail"
	"os"
	"path/filepath"
	"time"

	"github.com/monthend/monthend/integrations/settingsdoc"
)

// TLSPolicy says how the connection is encrypted.
type TLSPolicy string

const (
	// TLSNone sends in the clear: only for a relay on the same machine or
	// a test server.
	TLSNone TLSPolicy = "none"
	// STARTTLS upgrades a plain connection (usually port 587) and refuses
	// to send if the server does not offer it.
	STARTTLS TLSPolicy = "starttls"
	// TLS connects with TLS from the start (implicit TLS, usually port 465).
	TLS TLSPolicy = "tls"
)

// Settings is the `smtp:` block of the settings file (docs/delivery.md).
// It holds no secret: the password comes from LoadPassword.
type Settings struct {
	Host string    `yaml:"host"`
	Port int       `yaml:"port"`
	TLS  TLSPolicy `yaml:"tls"`
	// Username for SMTP AUTH; empty for a server without authentication.
	Username string `yaml:"username"`
	// PasswordFile is read when MONTHEND_SMTP_PASSWORD is unset; it must
	// be mode 0600 (or stricter).
	PasswordFile string `yaml:"password_file"`
	// From is the sender, "Northwind Billing <billing@northwind.example>".
	From    string `yaml:"from"`
	ReplyTo string `yaml:"reply_to"`
	// Bcc receives a copy of every invoice (an archive mailbox); optional.
	Bcc string `yaml:"bcc"`
	// Timeout bounds connecting and each SMTP command; default 30s.
	Timeout time.Duration `yaml:"timeout"`
	// CAFile is a PEM file of certificate authorities to trust instead of
	// the system's, for a relay with a private CA.
	CAFile string `yaml:"ca_file"`
	// HELO is the name announced to the server; default "localhost".
	HELO string `yaml:"helo"`
	// SubjectTemplate and BodyTemplate are files with text/template
	// templates replacing the built-in ones (templates/); relative paths
	// are relative to the settings file.
	SubjectTemplate string `yaml:"subject_template"`
	BodyTemplate    string `yaml:"body_template"`
}

// DefaultTimeout bounds connecting and each command when Settings.Timeout
// is zero.
const DefaultTimeout = 30 * time.Second

// LoadSettings reads the `smtp:` block of the settings file at path; other
// blocks are left to their owners. Relative file names in it are resolved
// against the file's directory.
func LoadSettings(path string) (Settings, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Settings{}, fmt.Errorf("smtp settings: %w", err)
	}
	s, err := ParseSettings(b)
	if err != nil {
		return Settings{}, fmt.Errorf("smtp settings %s: %w", path, err)
	}
	dir := filepath.Dir(path)
	for _, p := range []*string{&s.PasswordFile, &s.CAFile, &s.SubjectTemplate, &s.BodyTemplate} {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
	return s, nil
}

// ParseSettings parses the `smtp:` block of a settings document strictly
// (unknown keys are errors), applies defaults and validates it.
func ParseSettings(doc []byte) (Settings, error) {
	var s Settings
	found, err := settingsdoc.Decode(doc, "smtp", &s)
	if err != nil {
		return Settings{}, err
	}
	if !found {
		return Settings{}, errors.New("no smtp: block; add one with host, port, tls and from (see docs/delivery.md)")
	}
	s.applyDefaults()
	return s, s.Validate()
}

func (s *Settings) applyDefaults() {
	if s.TLS == "" {
		s.TLS = STARTTLS
	}
	if s.Port == 0 {
		switch s.TLS {
		case TLS:
			s.Port = 465
		case STARTTLS:
			s.Port = 587
		default:
			s.Port = 25
		}
	}
	if s.Timeout == 0 {
		s.Timeout = DefaultTimeout
	}
	if s.HELO == "" {
		s.HELO = "localhost"
	}
}

// Validate checks the settings without connecting.
func (s Settings) Validate() error {
	switch {
	case s.Host == "":
		return errors.New("smtp: host is missing")
	case s.Port <= 0 || s.Port > 65535:
		return fmt.Errorf("smtp: port %d is not a TCP port", s.Port)
	case s.TLS != TLSNone && s.TLS != STARTTLS && s.TLS != TLS:
		return fmt.Errorf("smtp: tls %q: use none, starttls or tls", s.TLS)
	case s.Timeout < 0:
		return fmt.Errorf("smtp: timeout %s is negative", s.Timeout)
	case s.Username != "" && s.TLS == TLSNone:
		return errors.New("smtp: refusing to send a password unencrypted: use tls: starttls or tls with a username")
	case s.From == "":
		return errors.New("smtp: from is missing (the sender address of invoices)")
	}
	for _, a := range []struct{ key, value string }{{"from", s.From}, {"reply_to", s.ReplyTo}, {"bcc", s.Bcc}} {
		if a.value == "" {
			continue
		}
		if _, err := mail.ParseAddress(a.value); err != nil {
			return fmt.Errorf("smtp: %s %q: %w", a.key, a.value, err)
		}
	}
	return nil
}
