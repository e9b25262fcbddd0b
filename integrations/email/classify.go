package email

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/textproto"
	"strings"

	"github.com/wneessen/go-mail"
)

// Failure classes of Sender.Send, for errors.Is. Every error Send returns
// is a *DeliveryError in exactly one class.
var (
	// ErrTemporary: the server was unreachable, timed out, dropped the
	// connection or answered 4xx. Retry later with backoff.
	ErrTemporary = errors.New("temporary delivery failure; will retry")
	// ErrRejected: the server refused this message for good (5xx to a
	// recipient or to the data) or the message is malformed. Retrying the
	// same message fails again: fix the customer's billing email.
	ErrRejected = errors.New("message rejected")
	// ErrSettings: the server refused the account or the connection setup
	// (authentication, TLS, the sender address). Every message will fail
	// the same way until the smtp settings are fixed: stop sending.
	ErrSettings = errors.New("smtp settings rejected")
)

// DeliveryError is a classified Send error.
type DeliveryError struct {
	Class error // ErrTemporary, ErrRejected or ErrSettings
	// Code is the SMTP reply code (421, 550, …) when the server gave one.
	Code int
	// Recipients are the addresses the server refused, if any.
	Recipients []string
	Err        error
}

func (e *DeliveryError) Error() string { return e.Class.Error() + ": " + e.Err.Error() }

func (e *DeliveryError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrTemporary) (and the other classes) work.
func (e *DeliveryError) Is(target error) bool { return target == e.Class }

// IsTemporary reports whether err is worth retrying later.
func IsTemporary(err error) bool { return errors.Is(err, ErrTemporary) }

// IsPermanent reports whether err will fail again if retried unchanged
// (ErrRejected or ErrSettings).
func IsPermanent(err error) bool { return errors.Is(err, ErrRejected) || errors.Is(err, ErrSettings) }

// classify turns a go-mail error into a DeliveryError.
func classify(ctx context.Context, err error) *DeliveryError {
	d := &DeliveryError{Class: ErrTemporary, Err: err}
	var sendErr *mail.SendError
	var proto *textproto.Error
	switch {
	case errors.As(err, &sendErr):
		// After the connection was set up: MAIL FROM, RCPT TO, DATA.
		d.Code = sendErr.ErrorCode()
		switch {
		case d.Code >= 500 && sendErr.Reason == mail.ErrSMTPMailFrom:
			d.Class = ErrSettings
		case d.Code >= 500, sendErr.Reason == mail.ErrGetSender, sendErr.Reason == mail.ErrGetRcpts:
			d.Class = ErrRejected
			if sendErr.Reason == mail.ErrSMTPRcptTo {
				d.Recipients = rejectedRecipients(sendErr)
			}
		}
		// 4xx and failures without a code (connection lost) stay temporary.
	case ctx.Err() != nil:
		// Cancelled or past the deadline: the work was not done; retry.
	case errors.As(err, &proto):
		// During the connection setup: greeting, EHLO, STARTTLS, AUTH.
		d.Code = proto.Code
		if proto.Code >= 500 {
			d.Class = ErrSettings
		}
	case isTLSFailure(err):
		d.Class = ErrSettings
	case isNetworkFailure(err):
		// refused, unreachable, reset, timed out: temporary
	}
	return d
}

func rejectedRecipients(e *mail.SendError) []string {
	// go-mail lists them in the error text after "affected recipient(s): ".
	const marker = "affected recipient(s): "
	s := e.Error()
	i := strings.Index(s, marker)
	if i < 0 {
		return nil
	}
	s = s[i+len(marker):]
	if j := strings.Index(s, ", affected message ID"); j >= 0 {
		s = s[:j]
	}
	rcpts := strings.Split(s, ", ")
	for i, r := range rcpts {
		rcpts[i] = strings.TrimSuffix(strings.TrimPrefix(r, "<"), ">")
	}
	return rcpts
}

// isTLSFailure: certificate problems, a server without STARTTLS when
// starttls is required, or without an authentication mechanism we can use.
// These do not heal by waiting.
func isTLSFailure(err error) bool {
	var certErr *tls.CertificateVerificationError
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var alert tls.AlertError
	var recordErr tls.RecordHeaderError
	return errors.As(err, &certErr) || errors.As(err, &unknownCA) || errors.As(err, &hostErr) ||
		errors.As(err, &alert) || errors.As(err, &recordErr) ||
		errors.Is(err, mail.ErrNoSupportedAuthDiscovered) ||
		errors.Is(err, mail.ErrPlainAuthNotSupported) || errors.Is(err, mail.ErrLoginAuthNotSupported) ||
		// go-mail reports these without a sentinel.
		strings.Contains(err.Error(), "does not support STARTTLS") ||
		strings.Contains(err.Error(), "server does not support SMTP AUTH")
}

func isNetworkFailure(err error) bool {
	var netErr net.Error
	return errors.As(err, &netErr) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}
