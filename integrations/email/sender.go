package email

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"

	"github.com/wneessen/go-mail"
)

// Sender delivers Messages through one SMTP server. It is safe for
// concurrent use; each Send opens its own connection.
type Sender struct {
	settings Settings
	client   *mail.Client
}

// NewSender prepares a Sender; it does not connect. Unset settings take
// their defaults (as in ParseSettings). password may be zero when
// Settings.Username is empty.
func NewSender(s Settings, password Secret) (*Sender, error) {
	s.applyDefaults()
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if s.Username != "" && password.IsZero() {
		return nil, fmt.Errorf("smtp: username %q needs a password: set %s or password_file", s.Username, PasswordEnv)
	}
	tlsConfig := &tls.Config{ServerName: s.Host, MinVersion: tls.VersionTLS12}
	if s.CAFile != "" {
		pem, err := os.ReadFile(s.CAFile)
		if err != nil {
			return nil, fmt.Errorf("smtp ca_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("smtp ca_file %s: no PEM certificates in it", s.CAFile)
		}
		tlsConfig.RootCAs = pool
	}
	opts := []mail.Option{
		mail.WithPort(s.Port),
		mail.WithTimeout(s.Timeout),
		mail.WithHELO(s.HELO),
		mail.WithTLSConfig(tlsConfig),
		mail.WithoutNoop(), // each connection is fresh: no need to probe it
	}
	switch s.TLS {
	case TLSNone:
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	case STARTTLS:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	case TLS:
		opts = append(opts, mail.WithSSL())
	}
	if s.Username != "" {
		opts = append(opts,
			mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover),
			mail.WithUsername(s.Username),
			mail.WithPassword(password.Reveal()))
	}
	c, err := mail.NewClient(s.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("smtp settings: %w", err)
	}
	return &Sender{settings: s, client: c}, nil
}

// Send delivers m in one SMTP transaction on a new connection: every
// recipient accepted and the data accepted, or an error and, as far as
// the server said, nothing delivered. ctx bounds connecting; each command
// is bounded by Settings.Timeout.
//
// Errors are classified: errors.Is(err, ErrTemporary) — retry later;
// ErrRejected — this message cannot be delivered as it is; ErrSettings —
// no message can be delivered until the settings are fixed.
func (s *Sender) Send(ctx context.Context, m Message) error {
	msg, err := s.build(m)
	if err != nil {
		return &DeliveryError{Class: ErrRejected, Err: err}
	}
	conn, err := s.client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return classify(ctx, err)
	}
	err = s.client.SendWithSMTPClient(conn, msg)
	// Once the server has answered 250 to the data, the message is
	// delivered: a failed QUIT must not make the outbox send it twice, so
	// its error is dropped (go-mail's DialAndSend would return it).
	_ = s.client.CloseWithSMTPClient(conn)
	if err != nil {
		return classify(ctx, err)
	}
	return nil
}

func (s *Sender) build(m Message) (*mail.Msg, error) {
	if len(m.To) == 0 {
		return nil, ErrNoRecipients
	}
	msg := mail.NewMsg()
	if err := msg.From(s.settings.From); err != nil {
		return nil, fmt.Errorf("from %q: %w", s.settings.From, err)
	}
	if err := msg.To(m.To...); err != nil {
		return nil, fmt.Errorf("to %v: %w", m.To, err)
	}
	if s.settings.ReplyTo != "" {
		if err := msg.ReplyTo(s.settings.ReplyTo); err != nil {
			return nil, fmt.Errorf("reply_to %q: %w", s.settings.ReplyTo, err)
		}
	}
	if s.settings.Bcc != "" {
		if err := msg.Bcc(s.settings.Bcc); err != nil {
			return nil, fmt.Errorf("bcc %q: %w", s.settings.Bcc, err)
		}
	}
	msg.Subject(m.Subject)
	msg.SetDate()
	if m.ID != "" {
		msg.SetMessageIDWithValue(m.ID)
	} else {
		msg.SetMessageID()
	}
	msg.SetUserAgent("monthend")
	msg.SetBodyString(mail.TypeTextPlain, m.Body)
	if a := m.Attachment; a.Data != nil {
		ct := a.ContentType
		if ct == "" {
			ct = "application/octet-stream"
		}
		if err := msg.AttachReader(a.Name, bytes.NewReader(a.Data), mail.WithFileContentType(mail.ContentType(ct))); err != nil {
			return nil, fmt.Errorf("attach %s: %w", a.Name, err)
		}
	}
	return msg, nil
}
