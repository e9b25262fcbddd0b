package esign

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// EventType is a callback event's event_type.
type EventType string

// The event types monthend acts on or meets first; the API sends others
// (see EventCallbackRequestEvent in the OpenAPI description), which decode
// to their own names.
const (
	// EventCallbackTest is sent when the callback URL is set or tested in
	// the Dropbox Sign dashboard; it must be answered like any other.
	EventCallbackTest EventType = "callback_test"
	// EventSent: the request went out to the signers.
	EventSent EventType = "signature_request_sent"
	// EventViewed: a signer opened the document.
	EventViewed EventType = "signature_request_viewed"
	// EventSigned: one signer signed; others may still be to sign.
	EventSigned EventType = "signature_request_signed"
	// EventAllSigned: every signer signed. The signed PDF may still be in
	// preparation; EventDownloadable says it is ready.
	EventAllSigned EventType = "signature_request_all_signed"
	// EventDownloadable: the signed files can be downloaded.
	EventDownloadable EventType = "signature_request_downloadable"
	// EventDeclined: a signer declined; the request is over.
	EventDeclined EventType = "signature_request_declined"
	// EventCanceled, EventExpired, EventInvalid: the request is over
	// without signatures (cancelled by the sender, expired, or rejected
	// by Dropbox Sign after it was accepted).
	EventCanceled EventType = "signature_request_canceled"
	EventExpired  EventType = "signature_request_expired"
	EventInvalid  EventType = "signature_request_invalid"
	// EventFileError and EventUnknownError: Dropbox Sign could not process
	// the document.
	EventFileError    EventType = "file_error"
	EventUnknownError EventType = "unknown_error"
)

// Event is one verified callback event.
type Event struct {
	Type EventType
	// Time is event_time; RawTime is its text as signed.
	Time    time.Time
	RawTime string
	// Hash is event_hash, the HMAC that was verified.
	Hash string
	// RelatedSignatureID names the signer an event is about (signed,
	// declined, viewed); ReportedForAccountID and ReportedForAppID say
	// whose callback this is; Message explains a decline or a failure.
	RelatedSignatureID   string
	ReportedForAccountID string
	ReportedForAppID     string
	Message              string
	// SignatureRequest is the request the event is about, as it stood when
	// the event was sent; nil for account and template events.
	SignatureRequest *SignatureRequest
}

// Key identifies the event across deliveries: Dropbox Sign retries an
// event it got no proper answer to, with the same type, time, request and
// signer. A caller that must not apply an event twice can store it.
func (e Event) Key() string {
	id := ""
	if e.SignatureRequest != nil {
		id = e.SignatureRequest.ID
	}
	return string(e.Type) + "/" + e.RawTime + "/" + id + "/" + e.RelatedSignatureID
}

// Errors of ParseEvent.
var (
	// ErrMalformedEvent: the payload is not an event (HTTP 400).
	ErrMalformedEvent = errors.New("malformed callback event")
	// ErrEventHash: event_hash does not match; the event was not sent by
	// Dropbox Sign for this API key (HTTP 401).
	ErrEventHash = errors.New("callback event_hash does not match the API key")
)

// eventCallbackRequest is EventCallbackRequest, decoded in two steps so
// that the hash is checked before the signature request is decoded.
type eventCallbackRequest struct {
	Event struct {
		Time     *string `json:"event_time"`
		Type     *string `json:"event_type"`
		Hash     *string `json:"event_hash"`
		Metadata *struct {
			RelatedSignatureID   *string `json:"related_signature_id"`
			ReportedForAccountID *string `json:"reported_for_account_id"`
			ReportedForAppID     *string `json:"reported_for_app_id"`
			Message              *string `json:"event_message"`
		} `json:"event_metadata"`
	} `json:"event"`
	SignatureRequest json.RawMessage `json:"signature_request"`
}

// ParseEvent decodes the callback's `json` field and verifies its
// event_hash (hex HMAC-SHA256 of event_time + event_type, keyed with the
// API key) in constant time. The error wraps ErrMalformedEvent or
// ErrEventHash.
func ParseEvent(payload []byte, key APIKey) (Event, error) {
	var raw eventCallbackRequest
	if err := json.Unmarshal(payload, &raw); err != nil {
		return Event{}, fmt.Errorf("%w: %w", ErrMalformedEvent, err)
	}
	ev := raw.Event
	switch {
	case ev.Time == nil || *ev.Time == "":
		return Event{}, fmt.Errorf("%w: no event_time", ErrMalformedEvent)
	case ev.Type == nil || *ev.Type == "":
		return Event{}, fmt.Errorf("%w: no event_type", ErrMalformedEvent)
	case ev.Hash == nil || *ev.Hash == "":
		return Event{}, fmt.Errorf("%w: no event_hash", ErrMalformedEvent)
	}
	if !VerifyEventHash(key, *ev.Time, *ev.Type, *ev.Hash) {
		return Event{}, ErrEventHash
	}
	secs, err := strconv.ParseInt(*ev.Time, 10, 64)
	if err != nil {
		return Event{}, fmt.Errorf("%w: event_time %q is not a Unix time", ErrMalformedEvent, *ev.Time)
	}
	out := Event{Type: EventType(*ev.Type), Time: time.Unix(secs, 0).UTC(), RawTime: *ev.Time, Hash: *ev.Hash}
	if m := ev.Metadata; m != nil {
		out.RelatedSignatureID = deref(m.RelatedSignatureID)
		out.ReportedForAccountID = deref(m.ReportedForAccountID)
		out.ReportedForAppID = deref(m.ReportedForAppID)
		out.Message = deref(m.Message)
	}
	if len(raw.SignatureRequest) > 0 && string(raw.SignatureRequest) != "null" {
		var sr signatureRequestResponse
		if err := json.Unmarshal(raw.SignatureRequest, &sr); err != nil {
			return Event{}, fmt.Errorf("%w: signature_request: %w", ErrMalformedEvent, err)
		}
		r := sr.toRequest()
		out.SignatureRequest = &r
	}
	return out, nil
}

// VerifyEventHash reports whether hash is the hex HMAC-SHA256 of
// eventTime + eventType keyed with the API key; the comparison takes the
// same time wherever the first difference is. With no key nothing
// verifies: an HMAC keyed with the empty string is anyone's to make.
func VerifyEventHash(key APIKey, eventTime, eventType, hash string) bool {
	if key.IsZero() {
		return false
	}
	got, err := hex.DecodeString(hash)
	if err != nil {
		return false
	}
	return hmac.Equal(got, eventHash(key, eventTime, eventType))
}

func eventHash(key APIKey, eventTime, eventType string) []byte {
	m := hmac.New(sha256.New, []byte(key.Reveal()))
	m.Write([]byte(eventTime + eventType))
	return m.Sum(nil)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
