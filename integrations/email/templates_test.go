package email

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestDefaultTemplatesGolden pins the built-in subject and body.
func TestDefaultTemplatesGolden(t *testing.T) {
	m, _ := invoiceMessage(t, testInvoice())
	got := []byte("Subject: " + m.Subject + "\n\n" + m.Body)
	path := filepath.Join("testdata", "invoice-email.txt")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("the email differs from %s; run go test -update if intended:\n%s", path, got)
	}
}

func TestTemplatesFromFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	inv := testInvoice()
	for _, tc := range []struct {
		name          string
		subject, body string // template texts; "" keeps the built-in one
		wantSubject   string
		wantBody      string // a substring
		err           string
	}{
		{name: "custom both", subject: "Rechnung {{.Number}}", body: "Hallo {{.Customer.Name}}, {{.Total}} bis {{.DueDate}}.",
			wantSubject: "Rechnung INV-2026-000123", wantBody: "Hallo Acme, 4,043.02 EUR bis 2026-05-01."},
		{name: "custom body only", body: "{{.Invoice.Customer.Emails}}",
			wantSubject: "Invoice INV-2026-000123 from Northwind Analytics GmbH", wantBody: "[ap@acme.example finance@acme.example]"},
		{name: "subject on two lines", subject: "Invoice\n{{.Number}}", err: "several lines"},
		{name: "unknown field", body: "{{.Nope}}", err: "body template"},
		{name: "syntax error", subject: "{{.Number", err: "subject template"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s Settings
			if tc.subject != "" {
				s.SubjectTemplate = write("subject.tmpl", tc.subject)
			}
			if tc.body != "" {
				s.BodyTemplate = write("body.tmpl", tc.body)
			}
			tpl, err := LoadTemplates(s)
			var subject, body string
			if err == nil {
				subject, body, err = tpl.Render(inv, "TEXT")
			}
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want it to mention %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if subject != tc.wantSubject || !strings.Contains(body, tc.wantBody) {
				t.Errorf("subject %q, body %q; want %q and a body containing %q", subject, body, tc.wantSubject, tc.wantBody)
			}
		})
	}
	if _, err := LoadTemplates(Settings{BodyTemplate: filepath.Join(dir, "missing.tmpl")}); err == nil {
		t.Error("a missing template file gave no error")
	}
}

func TestInvoiceMessage(t *testing.T) {
	inv := testInvoice()
	pdf := []byte("%PDF-1.3 stand-in")
	m, err := InvoiceMessage(inv, pdf, DefaultTemplates())
	if err != nil {
		t.Fatal(err)
	}
	if len(m.To) != 2 || m.To[0] != "ap@acme.example" || m.Attachment.Name != "INV-2026-000123.pdf" ||
		m.Attachment.ContentType != "application/pdf" || !bytes.Equal(m.Attachment.Data, pdf) {
		t.Errorf("message %+v", m)
	}
	m.To[0] = "changed@example.com"
	if inv.Customer.Emails[0] != "ap@acme.example" {
		t.Error("the message shares its To slice with the invoice")
	}

	inv.Customer.Emails = nil
	if _, err := InvoiceMessage(inv, pdf, DefaultTemplates()); !errors.Is(err, ErrNoRecipients) {
		t.Errorf("no emails: err = %v, want ErrNoRecipients", err)
	}
	inv.Customer.Emails = []string{"not an address"}
	if _, err := InvoiceMessage(inv, pdf, DefaultTemplates()); err == nil || !strings.Contains(err.Error(), "not an address") {
		t.Errorf("bad email: err = %v", err)
	}
}
