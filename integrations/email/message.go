package email

import (
	"bytes"
	"errors"
	"fmt"
	"net/mail"

	"github.com/monthend/monthend/integrations/documents"
)

// Message is one invoice email.
type Message struct {
	// ID is the Message-ID without angle brackets, e.g. the outbox item's
	// "outbox-42@billing.northwind.example", so that a message re-sent
	// after an unclear failure can be recognised as the same; a random one
	// when empty.
	ID      string
	To      []string // the customer's billing contacts
	Subject string
	Body    string // plain text
	// Attachment is the invoice PDF.
	Attachment Attachment
}

// Attachment is a file attached to a Message.
type Attachment struct {
	Name        string // "INV-2026-000123.pdf"
	ContentType string // "application/pdf"
	Data        []byte
}

// ErrNoRecipients reports an invoice whose customer has no billing email.
var ErrNoRecipients = errors.New("customer has no billing email")

// InvoiceMessage makes the email of inv: to the customer's billing emails,
// subject and body from t (the body embeds the plain-text invoice), with
// pdf attached as Number.pdf.
func InvoiceMessage(inv documents.Invoice, pdf []byte, t *Templates) (Message, error) {
	if len(inv.Customer.Emails) == 0 {
		return Message{}, fmt.Errorf("invoice %s to %s: %w; add one to the customer", inv.Number, inv.Customer.Name, ErrNoRecipients)
	}
	for _, a := range inv.Customer.Emails {
		if _, err := mail.ParseAddress(a); err != nil {
			return Message{}, fmt.Errorf("invoice %s: billing email %q: %w", inv.Number, a, err)
		}
	}
	var text bytes.Buffer
	if err := documents.RenderText(&text, inv); err != nil {
		return Message{}, err
	}
	subject, body, err := t.Render(inv, text.String())
	if err != nil {
		return Message{}, err
	}
	return Message{
		To:         append([]string(nil), inv.Customer.Emails...),
		Subject:    subject,
		Body:       body,
		Attachment: Attachment{Name: inv.FileName(), ContentType: "application/pdf", Data: pdf},
	}, nil
}
