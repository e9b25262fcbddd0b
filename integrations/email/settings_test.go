package email

import (
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
			doc: `seller:
  legal_name: Northwind
smtp:
  host: smtp.example.com
  port: 2525
  tls: tls
  username: billing
  password_file: smtp.pw
  from: "Northwind Billing <billing@northwind.example>"
  reply_to: ar@northwind.example
  bcc: archive@northwind.example
  timeout: 45s
  helo: billing.northwind.example
`,
			want: Settings{Host: "smtp.example.com", Port: 2525, TLS: TLS, Username: "billing", PasswordFile: "smtp.pw",
				From: "Northwind Billing <billing@northwind.example>", ReplyTo: "ar@northwind.example", Bcc: "archive@northwind.example",
				Timeout: 45 * time.Second, HELO: "billing.northwind.example"},
		},
		{
			name: "defaults: starttls on 587, 30 s",
			doc:  "smtp:\n  host: smtp.example.com\n  from: billing@northwind.example\n",
			want: Settings{Host: "smtp.example.com", Port: 587, TLS: STARTTLS, From: "billing@northwind.example", Timeout: 30 * time.Second, HELO: "localhost"},
		},
		{
			name: "implicit tls defaults to 465",
			doc:  "smtp:\n  host: h\n  tls: tls\n  from: a@b.example\n",
			want: Settings{Host: "h", Port: 465, TLS: TLS, From: "a@b.example", Timeout: 30 * time.Second, HELO: "localhost"},
		},
		{name: "no block", doc: "seller:\n  legal_name: N\n", err: "no smtp: block"},
		{name: "typo", doc: "smtp:\n  hots: h\n  from: a@b.example\n", err: "hots"},
		{name: "no host", doc: "smtp:\n  from: a@b.example\n", err: "host is missing"},
		{name: "no from", doc: "smtp:\n  host: h\n", err: "from is missing"},
		{name: "bad from", doc: "smtp:\n  host: h\n  from: not an address\n", err: "from"},
		{name: "bad tls", doc: "smtp:\n  host: h\n  tls: ssl\n  from: a@b.example\n", err: "use none, starttls or tls"},
		{name: "bad port", doc: "smtp:\n  host: h\n  port: 70000\n  from: a@b.example\n", err: "not a TCP port"},
		{name: "password in the clear", doc: "smtp:\n  host: h\n  tls: none\n  username: u\n  from: a@b.example\n", err: "unencrypted"},
		{name: "bad timeout", doc: "smtp:\n  host: h\n  timeout: soon\n  from: a@b.example\n", err: "smtp:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseSettings([]byte(tc.doc))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want it to mention %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestLoadSettingsResolvesRelativeFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "monthend.yaml")
	doc := "smtp:\n  host: h\n  from: a@b.example\n  password_file: secrets/smtp.pw\n  ca_file: /etc/ca.pem\n  body_template: body.tmpl\n"
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := LoadSettings(path)
	if err != nil {
		t.Fatal(err)
	}
	if s.PasswordFile != filepath.Join(dir, "secrets/smtp.pw") || s.CAFile != "/etc/ca.pem" || s.BodyTemplate != filepath.Join(dir, "body.tmpl") || s.SubjectTemplate != "" {
		t.Errorf("paths not resolved against the settings file: %+v", s)
	}
}
