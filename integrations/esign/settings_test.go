package esign

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseSettings(t *testing.T) {
	for _, tc := range []struct {
		name string
		doc  string
		want Settings // compared when err is ""
		err  string
	}{
		{
			name: "full",
			doc:  "smtp:\n  host: h\ndropbox_sign:\n  base_url: https://api.hellosign.com/v3\n  api_key_file: dropbox.key\n  test_mode: true\n  timeout: 20s\n",
			want: Settings{BaseURL: DefaultBaseURL, APIKeyFile: "dropbox.key", TestMode: true, Timeout: 20 * time.Second},
		},
		{name: "defaults", doc: "dropbox_sign: {}\n", want: Settings{BaseURL: DefaultBaseURL, Timeout: DefaultTimeout}},
		{name: "loopback http for a local stand-in", doc: "dropbox_sign:\n  base_url: http://127.0.0.1:8089/v3\n",
			want: Settings{BaseURL: "http://127.0.0.1:8089/v3", Timeout: DefaultTimeout}},
		{name: "no block", doc: "smtp:\n  host: h\n", err: "no dropbox_sign: block"},
		{name: "typo", doc: "dropbox_sign:\n  api_key: abc\n", err: "api_key"},
		{name: "key on the wire in the clear", doc: "dropbox_sign:\n  base_url: http://api.hellosign.com/v3\n", err: "use https"},
		{name: "not a URL", doc: "dropbox_sign:\n  base_url: api.hellosign.com\n", err: "not an http(s) URL"},
		{name: "negative timeout", doc: "dropbox_sign:\n  timeout: -1s\n", err: "negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseSettings([]byte(tc.doc))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Errorf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("got %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

func TestLoadSettingsResolvesTheKeyFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "settings.yaml")
	if err := os.WriteFile(path, []byte("dropbox_sign:\n  api_key_file: dropbox.key\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := LoadSettings(path)
	if err != nil || s.APIKeyFile != filepath.Join(dir, "dropbox.key") {
		t.Errorf("got %+v, %v", s, err)
	}
}

// The file rules (mode, emptiness, newline) are package secret's, tested
// there; these are Dropbox Sign's.
func TestLoadAPIKey(t *testing.T) {
	dir := t.TempDir()
	private := filepath.Join(dir, "private.key")
	if err := os.WriteFile(private, []byte(" from-file \n"), 0o600); err != nil {
		t.Fatal(err)
	}
	noEnv := func(string) string { return "" }
	env := func(k string) string {
		if k == APIKeyEnv {
			return " from-env\n"
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
		{"environment wins, white space dropped", Settings{APIKeyFile: private}, env, "from-env", ""},
		{"file, white space dropped", Settings{APIKeyFile: private}, noEnv, "from-file", ""},
		{"missing file", Settings{APIKeyFile: filepath.Join(dir, "nope")}, noEnv, "", "no such file"},
		{"no key anywhere", Settings{}, noEnv, "", APIKeyEnv},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := LoadAPIKey(tc.s, tc.getenv)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Errorf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || got.Reveal() != tc.want {
				t.Errorf("got %q, %v; want %q", got.Reveal(), err, tc.want)
			}
		})
	}
	if _, err := LoadAPIKey(Settings{}, noEnv); !errors.Is(err, ErrNoAPIKey) {
		t.Errorf("err = %v, want ErrNoAPIKey", err)
	}
}

// TestAPIKeyNeverPrints: every way a key, or a client holding one, can
// reach a log or a message shows "[redacted]".
func TestAPIKeyNeverPrints(t *testing.T) {
	key := NewAPIKey(testKey)
	c, err := New(Settings{}, key)
	if err != nil {
		t.Fatal(err)
	}
	h := NewCallbackHandler(key, nil, nil)
	var log strings.Builder
	slog.New(slog.NewTextHandler(&log, nil)).Info("settings", "key", key, "client", c, "handler", h)
	slog.New(slog.NewJSONHandler(&log, nil)).Info("settings", "key", key)
	for _, s := range []string{
		fmt.Sprint(key), fmt.Sprintf("%v %s %+v %#v %q", key, key, key, key, key),
		fmt.Sprintf("%v %+v %#v", c, c, c), fmt.Sprintf("%v %+v %#v", h, h, h), fmt.Sprintf("%+v", *c), fmt.Sprintf("%+v", *h), fmt.Sprintf("%+v", struct{ K APIKey }{key}), log.String(),
	} {
		if strings.Contains(s, testKey) || strings.Contains(s, testKey[:12]) {
			t.Errorf("the key shows in %q", s)
		}
	}
	if !strings.Contains(fmt.Sprint(key), "[redacted]") {
		t.Errorf("%v", key)
	}
}
