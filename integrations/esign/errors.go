package esign

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"
)

// Failure classes, for errors.Is. Every error the Client returns is an
// *Error in exactly one class.
var (
	// ErrTemporary: Dropbox Sign was unreachable, timed out, answered 5xx,
	// limited the rate (429) or is still preparing files (409). Retry
	// later; Error.RetryAfter says when, if the server said.
	ErrTemporary = errors.New("temporary failure of dropbox sign; retry later")
	// ErrRejected: Dropbox Sign refused this request for good (400, 404,
	// 410, …) or it was invalid before it was sent. Retrying it unchanged
	// fails again.
	ErrRejected = errors.New("request rejected by dropbox sign")
	// ErrSettings: the API key or the account is the problem (401, 402,
	// 403). Every request will fail the same way until the settings are
	// fixed: stop the run.
	ErrSettings = errors.New("dropbox sign refused the account or API key")
)

// Error is a classified failure of a Client call.
type Error struct {
	// Op names the call: "send", "get", "download".
	Op string
	// Class is ErrTemporary, ErrRejected or ErrSettings.
	Class error
	// Status is the HTTP status, 0 when no response arrived.
	Status int
	// Name and Message are the API's error_name and error_msg; Path is
	// error_path (the offending parameter), when it gave one.
	Name, Message, Path string
	// RetryAfter is how long the server asked us to wait (Retry-After or
	// X-Ratelimit-Reset), 0 if it did not say.
	RetryAfter time.Duration
	// Hint says what the user should do next.
	Hint string
	// Err is the underlying cause (a network error, a context error, a
	// decoding error); nil for a plain API error.
	Err error
}

func (e *Error) Error() string {
	s := "dropbox sign " + e.Op + ": "
	switch {
	case e.Status != 0 && e.Message != "":
		s += fmt.Sprintf("%d %s: %s", e.Status, e.Name, e.Message)
		if e.Path != "" {
			s += " (" + e.Path + ")"
		}
	case e.Status != 0:
		s += fmt.Sprintf("%d %s", e.Status, http.StatusText(e.Status))
	}
	if e.Err != nil {
		if e.Status != 0 {
			s += ": "
		}
		s += e.Err.Error()
	}
	if e.Hint != "" {
		s += "; " + e.Hint
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrTemporary) (and the other classes) work.
func (e *Error) Is(target error) bool { return target == e.Class }

// IsTemporary reports whether err is worth retrying later.
func IsTemporary(err error) bool { return errors.Is(err, ErrTemporary) }

// IsPermanent reports whether err will fail again if retried unchanged
// (ErrRejected or ErrSettings).
func IsPermanent(err error) bool { return errors.Is(err, ErrRejected) || errors.Is(err, ErrSettings) }

// classifyStatus fills Class and Hint from the HTTP status and the API's
// error_name.
func (e *Error) classifyStatus() {
	switch {
	case e.Status == http.StatusUnauthorized:
		e.Class = ErrSettings
		e.Hint = "check the API key in settings (" + APIKeyEnv + " or dropbox_sign.api_key_file)"
	case e.Status == http.StatusPaymentRequired:
		e.Class = ErrSettings
		e.Hint = "the Dropbox Sign account's plan does not allow this; check billing in the Dropbox Sign API dashboard, or use test_mode"
	case e.Status == http.StatusForbidden:
		e.Class = ErrSettings
		e.Hint = "the API key has no access to this; check the key and its account in settings"
	case e.Status == http.StatusTooManyRequests:
		e.Class = ErrTemporary
		e.Hint = "rate limited; retry after the wait Dropbox Sign asked for"
	case e.Status == http.StatusConflict && e.Op == "download":
		e.Class = ErrTemporary
		e.Hint = "the signed files are still being prepared; try again in a minute"
	case e.Status >= 500:
		e.Class = ErrTemporary
		e.Hint = "Dropbox Sign is having trouble; retry later"
	case e.Status == http.StatusNotFound:
		e.Class = ErrRejected
		e.Hint = "no such signature request in this account (check the id, and that the same API key sent it)"
	case e.Status == http.StatusGone:
		e.Class = ErrRejected
		e.Hint = "the signature request was deleted or cancelled"
	default:
		e.Class = ErrRejected
		e.Hint = "fix the request; retrying it unchanged fails again"
	}
}

// transportError classifies a failure to get any response.
func transportError(ctx context.Context, op string, err error) *Error {
	e := &Error{Op: op, Class: ErrTemporary, Err: err}
	var netErr net.Error
	switch {
	case ctx.Err() != nil:
		e.Hint = "the operation was cancelled or timed out"
	case errors.As(err, &netErr) && netErr.Timeout():
		e.Hint = "Dropbox Sign did not answer in time; retry later"
	default:
		e.Hint = "could not reach Dropbox Sign; check the network (and base_url in settings)"
	}
	return e
}

// retryAfter reads Retry-After (seconds or an HTTP date), else
// X-Ratelimit-Reset (a Unix time, as the API's rate-limit headers give it).
func retryAfter(h http.Header, now time.Time) time.Duration {
	if v := h.Get("Retry-After"); v != "" {
		if s, err := strconv.Atoi(v); err == nil && s >= 0 {
			return time.Duration(s) * time.Second
		}
		if t, err := http.ParseTime(v); err == nil && t.After(now) {
			return t.Sub(now)
		}
	}
	if v := h.Get("X-Ratelimit-Reset"); v != "" {
		if s, err := strconv.ParseInt(v, 10, 64); err == nil {
			if t := time.Unix(s, 0); t.After(now) {
				return t.Sub(now)
			}
		}
	}
	return 0
}
