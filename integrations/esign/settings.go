package esign

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/monthend/monthend/integrations/settingsdoc"
)

// DefaultBaseURL is Dropbox Sign's API, as the OpenAPI description's
// server names it.
const DefaultBaseURL = "https://api.hellosign.com/v3"

// DefaultTimeout bounds one API call when Settings.Timeout is zero.
const DefaultTimeout = 60 * time.Second

// Settings is the `dropbox_sign:` block of the settings file
// (docs/esign.md). It holds no secret: the key comes from LoadAPIKey.
type Settings struct {
	// BaseURL of the API; default DefaultBaseURL. Tests point it at a
	// local server.
	BaseURL string `yaml:"base_url"`
	// APIKeyFile is read when MONTHEND_DROPBOX_SIGN_API_KEY is unset; it
	// must be mode 0600 (or stricter).
	APIKeyFile string `yaml:"api_key_file"`
	// TestMode sends signature requests that are not legally binding
	// (Dropbox Sign marks them so); for trying the flow end to end.
	TestMode bool `yaml:"test_mode"`
	// Timeout bounds each API call; default 60s.
	Timeout time.Duration `yaml:"timeout"`
}

// ErrNoSettings: the settings file has no `dropbox_sign:` block, so
// e-signature is not set up (callers may treat that as "off").
var ErrNoSettings = errors.New("no dropbox_sign: block in the settings; add one (see docs/esign.md)")

// LoadSettings reads the `dropbox_sign:` block of the settings file at
// path; other blocks are left to their owners. A relative api_key_file is
// resolved against the file's directory.
func LoadSettings(path string) (Settings, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Settings{}, fmt.Errorf("dropbox_sign settings: %w", err)
	}
	s, err := ParseSettings(b)
	if err != nil {
		return Settings{}, fmt.Errorf("dropbox_sign settings %s: %w", path, err)
	}
	if s.APIKeyFile != "" && !filepath.IsAbs(s.APIKeyFile) {
		s.APIKeyFile = filepath.Join(filepath.Dir(path), s.APIKeyFile)
	}
	return s, nil
}

// ParseSettings parses the `dropbox_sign:` block of a settings document
// strictly (unknown keys are errors), applies defaults and validates it.
func ParseSettings(doc []byte) (Settings, error) {
	var s Settings
	found, err := settingsdoc.Decode(doc, "dropbox_sign", &s)
	if err != nil {
		return Settings{}, err
	}
	if !found {
		return Settings{}, ErrNoSettings
	}
	if s.BaseURL == "" {
		s.BaseURL = DefaultBaseURL
	}
	if s.Timeout == 0 {
		s.Timeout = DefaultTimeout
	}
	return s, s.Validate()
}

// Validate checks the settings without connecting.
func (s Settings) Validate() error {
	if s.Timeout < 0 {
		return fmt.Errorf("dropbox_sign: timeout %s is negative", s.Timeout)
	}
	if s.BaseURL != "" {
		u, err := url.Parse(s.BaseURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf("dropbox_sign: base_url %q is not an http(s) URL", s.BaseURL)
		}
		if u.Scheme == "http" && !isLoopback(u.Hostname()) {
			return fmt.Errorf("dropbox_sign: base_url %q would send the API key unencrypted; use https", s.BaseURL)
		}
	}
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
