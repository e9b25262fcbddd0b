package email

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/monthend/monthend/integrations/documents"
)

// plainSettings talk to a test server on loopback without TLS; the rest
// are defaults.
func plainSettings(port int) Settings {
	return Settings{Host: "127.0.0.1", Port: port, TLS: TLSNone, From: "Northwind Billing <billing@northwind.example>"}
}

func mustSender(t testing.TB, s Settings, pw Secret) *Sender {
	t.Helper()
	snd, err := NewSender(s, pw)
	if err != nil {
		t.Fatal(err)
	}
	return snd
}

func invoiceMessage(t testing.TB, inv documents.Invoice) (Message, []byte) {
	t.Helper()
	pdf, err := documents.RenderPDF(inv)
	if err != nil {
		t.Fatal(err)
	}
	m, err := InvoiceMessage(inv, pdf, DefaultTemplates())
	if err != nil {
		t.Fatal(err)
	}
	return m, pdf
}

// TestSendInvoiceEndToEnd renders an invoice, sends it to aiosmtpd running
// as a separate process, and reads back what the server received.
func TestSendInvoiceEndToEnd(t *testing.T) {
	srv := startSMTPD(t, smtpdOptions{})
	s := plainSettings(srv.port)
	s.Bcc = "archive@northwind.example"
	s.ReplyTo = "ar@northwind.example"
	inv := testInvoice()
	m, pdf := invoiceMessage(t, inv)
	m.ID = "outbox-42@billing.northwind.example"
	if err := mustSender(t, s, Secret{}).Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}

	got := srv.messages(t)
	if len(got) != 1 {
		t.Fatalf("server holds %d messages, want 1", len(got))
	}
	r := got[0]
	wantRcpt := []string{"ap@acme.example", "finance@acme.example", "archive@northwind.example"}
	if r.mailFrom != "billing@northwind.example" || !slices.Equal(r.rcptTos, wantRcpt) {
		t.Errorf("envelope from %q to %v, want billing@northwind.example to %v", r.mailFrom, r.rcptTos, wantRcpt)
	}
	h := r.msg.Header
	to, err := h.AddressList("To")
	if err != nil {
		t.Fatal(err)
	}
	if len(to) != 2 || to[0].Address != "ap@acme.example" || to[1].Address != "finance@acme.example" {
		t.Errorf("To: %v", to)
	}
	if h.Get("Bcc") != "" {
		t.Errorf("the Bcc header was sent: %q", h.Get("Bcc"))
	}
	for key, want := range map[string]string{
		"Subject":    "Invoice INV-2026-000123 from Northwind Analytics GmbH",
		"From":       `"Northwind Billing" <billing@northwind.example>`,
		"Reply-To":   "<ar@northwind.example>",
		"Message-Id": "<outbox-42@billing.northwind.example>",
	} {
		if got := decodeHeader(t, h.Get(key)); got != want {
			t.Errorf("%s: %q, want %q", key, got, want)
		}
	}
	if _, err := h.Date(); err != nil {
		t.Errorf("Date: %v", err)
	}

	ps := parts(t, r.msg)
	if len(ps) != 2 {
		t.Fatalf("%d MIME parts, want body and attachment", len(ps))
	}
	body := strings.ReplaceAll(string(ps[0].data), "\r\n", "\n") // SMTP lines end in CRLF
	if ps[0].contentType != "text/plain" || body != m.Body {
		t.Errorf("body part %s differs from the message body:\n%s", ps[0].contentType, body)
	}
	for _, want := range []string{"Dear Acme Logistics GmbH,", "invoice INV-2026-000123", "4,043.02 EUR", "due on 2026-05-01",
		"Total EUR    4,043.02", "15 seats × 45.00 = 675.00", "IBAN: DE89 3704 0044 0532 0130 00"} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %q", want)
		}
	}
	a := ps[1]
	if a.contentType != "application/pdf" || a.filename != "INV-2026-000123.pdf" {
		t.Errorf("attachment %q of type %s, want INV-2026-000123.pdf, application/pdf", a.filename, a.contentType)
	}
	if !bytes.Equal(a.data, pdf) {
		t.Fatalf("attachment (%d bytes) differs from the rendered PDF (%d bytes)", len(a.data), len(pdf))
	}
	text := pdfText(t, a.data)
	for _, want := range []string{inv.Number, "4,043.02 EUR", "Acme Logistics GmbH"} {
		if !strings.Contains(text, want) {
			t.Errorf("the attached PDF's text lacks %q", want)
		}
	}
}

// TestSendSTARTTLSAndAuth runs the production path: STARTTLS required,
// certificate checked against ca_file, then AUTH.
func TestSendSTARTTLSAndAuth(t *testing.T) {
	cert, key := selfSignedCert(t, t.TempDir())
	srv := startSMTPD(t, smtpdOptions{auth: "billing:s3cret pass", certFile: cert, keyFile: key})
	s := plainSettings(srv.port)
	s.TLS, s.CAFile, s.Username = STARTTLS, cert, "billing"
	m, _ := invoiceMessage(t, testInvoice())
	ctx := context.Background()

	if err := mustSender(t, s, NewSecret("s3cret pass")).Send(ctx, m); err != nil {
		t.Fatalf("STARTTLS + AUTH: %v", err)
	}
	if n := len(srv.messages(t)); n != 1 {
		t.Fatalf("server holds %d messages, want 1", n)
	}

	t.Run("wrong password", func(t *testing.T) {
		err := mustSender(t, s, NewSecret("wrong")).Send(ctx, m)
		var d *DeliveryError
		if !errors.Is(err, ErrSettings) || !errors.As(err, &d) || d.Code != 535 {
			t.Fatalf("err = %v, want ErrSettings with code 535", err)
		}
		if strings.Contains(err.Error(), "wrong") {
			t.Errorf("the error shows the password: %v", err)
		}
	})
	t.Run("no password", func(t *testing.T) {
		if _, err := NewSender(s, Secret{}); err == nil || !strings.Contains(err.Error(), PasswordEnv) {
			t.Fatalf("NewSender without a password: %v", err)
		}
	})
	t.Run("untrusted certificate", func(t *testing.T) {
		s := s
		s.CAFile = ""
		err := mustSender(t, s, NewSecret("s3cret pass")).Send(ctx, m)
		if !errors.Is(err, ErrSettings) || !IsPermanent(err) {
			t.Fatalf("err = %v, want ErrSettings", err)
		}
	})
	if n := len(srv.messages(t)); n != 1 {
		t.Errorf("server holds %d messages after the failures, want 1", n)
	}
}

// TestSendImplicitTLS: tls: tls connects with TLS from the first byte
// (port 465 style) and authenticates.
func TestSendImplicitTLS(t *testing.T) {
	cert, key := selfSignedCert(t, t.TempDir())
	srv := startSMTPD(t, smtpdOptions{auth: "billing:pw", certFile: cert, keyFile: key, implicit: true})
	s := plainSettings(srv.port)
	s.TLS, s.CAFile, s.Username = TLS, cert, "billing"
	m, _ := invoiceMessage(t, testInvoice())
	if err := mustSender(t, s, NewSecret("pw")).Send(context.Background(), m); err != nil {
		t.Fatalf("implicit TLS + AUTH: %v", err)
	}
	if n := len(srv.messages(t)); n != 1 {
		t.Fatalf("server holds %d messages, want 1", n)
	}
}

func TestSendFailuresAreClassified(t *testing.T) {
	srv := startSMTPD(t, smtpdOptions{})
	ctx := context.Background()
	m, _ := invoiceMessage(t, testInvoice())
	send := func(s Settings, to ...string) error {
		m := m
		m.To = to
		return mustSender(t, s, Secret{}).Send(ctx, m)
	}

	t.Run("recipient rejected", func(t *testing.T) {
		err := send(plainSettings(srv.port), "ap@acme.example", "reject-me@acme.example")
		var d *DeliveryError
		if !errors.Is(err, ErrRejected) || !IsPermanent(err) || IsTemporary(err) || !errors.As(err, &d) {
			t.Fatalf("err = %v, want ErrRejected", err)
		}
		if d.Code != 550 || !slices.Equal(d.Recipients, []string{"reject-me@acme.example"}) {
			t.Errorf("code %d, recipients %v; want 550 and the rejected address", d.Code, d.Recipients)
		}
	})
	t.Run("recipient busy", func(t *testing.T) {
		err := send(plainSettings(srv.port), "busy@acme.example")
		var d *DeliveryError
		if !IsTemporary(err) || IsPermanent(err) || !errors.As(err, &d) || d.Code != 451 {
			t.Fatalf("err = %v, want ErrTemporary with code 451", err)
		}
	})
	t.Run("server down", func(t *testing.T) {
		err := send(plainSettings(closedPort(t)), "ap@acme.example")
		if !IsTemporary(err) {
			t.Fatalf("err = %v, want ErrTemporary", err)
		}
	})
	t.Run("server silent past the timeout", func(t *testing.T) {
		s := plainSettings(silentServer(t))
		s.Timeout = 300 * time.Millisecond
		if err := send(s, "ap@acme.example"); !IsTemporary(err) {
			t.Fatalf("err = %v, want ErrTemporary", err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if err := mustSender(t, plainSettings(srv.port), Secret{}).Send(cctx, m); !IsTemporary(err) {
			t.Fatalf("err = %v, want ErrTemporary", err)
		}
	})
	t.Run("starttls required, not offered", func(t *testing.T) {
		s := plainSettings(srv.port)
		s.TLS = STARTTLS
		if err := send(s, "ap@acme.example"); !errors.Is(err, ErrSettings) {
			t.Fatalf("err = %v, want ErrSettings", err)
		}
	})
	t.Run("sender refused", func(t *testing.T) {
		s := plainSettings(srv.port)
		s.From = "reject-sender@northwind.example"
		err := send(s, "ap@acme.example")
		var d *DeliveryError
		if !errors.Is(err, ErrSettings) || !errors.As(err, &d) || d.Code != 553 {
			t.Fatalf("err = %v, want ErrSettings with code 553", err)
		}
	})
	t.Run("no recipients", func(t *testing.T) {
		if err := send(plainSettings(srv.port)); !errors.Is(err, ErrRejected) {
			t.Fatalf("err = %v, want ErrRejected", err)
		}
	})
	if n := len(srv.messages(t)); n != 0 {
		t.Errorf("server holds %d messages, want none", n)
	}
}

// closedPort is a loopback port nothing listens on.
func closedPort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}

// silentServer accepts connections and never says a word.
func silentServer(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
			close(done)
		}()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() { l.Close(); <-done })
	return l.Addr().(*net.TCPAddr).Port
}

// TestSendConcurrently: one Sender used by several goroutines (as a bulk
// send with workers would) delivers every message exactly once.
func TestSendConcurrently(t *testing.T) {
	srv := startSMTPD(t, smtpdOptions{})
	snd := mustSender(t, plainSettings(srv.port), Secret{})
	m, _ := invoiceMessage(t, testInvoice())
	const n = 12
	errs := make(chan error, n)
	for i := range n {
		go func() {
			m := m
			m.ID = fmt.Sprintf("outbox-%d@test", i)
			errs <- snd.Send(context.Background(), m)
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	ids := map[string]bool{}
	for _, r := range srv.messages(t) {
		ids[r.msg.Header.Get("Message-Id")] = true
	}
	if len(ids) != n {
		t.Errorf("server holds %d distinct messages, want %d", len(ids), n)
	}
}
