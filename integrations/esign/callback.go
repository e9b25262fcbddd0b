package esign

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
)

// CallbackAnswer is the body Dropbox Sign requires in a 200 answer to a
// callback; anything else makes it retry the event (and, after repeated
// failures, stop sending events to the URL).
const CallbackAnswer = "Hello API Event Received"

// DefaultMaxCallbackBytes bounds a callback's body.
const DefaultMaxCallbackBytes = 4 << 20

// CallbackFunc applies one verified event, typically to the quote named
// by ev.SignatureRequest.Quote(). It returns nil once the event is stored
// or deliberately ignored; an error makes the handler answer 500 so that
// Dropbox Sign delivers the event again later.
//
// It must be idempotent: the same event can arrive more than once (a
// retry after a lost answer, a slow store), and events can arrive out of
// order. Use ev.Key() to recognise a repeat, and move a quote's status
// only forward (signed stays signed).
type CallbackFunc func(ctx context.Context, ev Event) error

// CallbackHandler is the http.Handler for Dropbox Sign's callback events,
// to be mounted at e.g. POST /v1/esign/callback. Each request carries one
// event as the multipart form field `json`. It answers:
//
//	200 "Hello API Event Received"  the event verified and Func returned nil
//	400                             no `json` field, or not an event
//	401                             event_hash does not match the API key
//	405                             not a POST
//	413                             body larger than MaxBytes
//	500                             Func failed; Dropbox Sign will retry
type CallbackHandler struct {
	key APIKey
	fn  CallbackFunc
	log *slog.Logger
	max int64
}

// NewCallbackHandler verifies events with key and hands them to fn. A nil
// logger discards the log; the log never holds the key or the payload.
func NewCallbackHandler(key APIKey, fn CallbackFunc, log *slog.Logger) *CallbackHandler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &CallbackHandler{key: key, fn: fn, log: log, max: DefaultMaxCallbackBytes}
}

// SetMaxBytes changes the body limit (DefaultMaxCallbackBytes).
func (h *CallbackHandler) SetMaxBytes(n int64) { h.max = n }

func (h *CallbackHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		plain(w, http.StatusMethodNotAllowed, "use POST")
		return
	}
	payload, err := readJSONField(http.MaxBytesReader(w, r.Body, h.max), r.Header.Get("Content-Type"))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			plain(w, http.StatusRequestEntityTooLarge, "callback body too large")
			return
		}
		h.log.Warn("dropbox sign callback refused", "status", http.StatusBadRequest, "err", err)
		plain(w, http.StatusBadRequest, err.Error())
		return
	}
	ev, err := ParseEvent(payload, h.key)
	switch {
	case errors.Is(err, ErrEventHash):
		h.log.Warn("dropbox sign callback refused", "status", http.StatusUnauthorized, "err", err)
		plain(w, http.StatusUnauthorized, err.Error())
		return
	case err != nil:
		h.log.Warn("dropbox sign callback refused", "status", http.StatusBadRequest, "err", err)
		plain(w, http.StatusBadRequest, err.Error())
		return
	}
	if err := h.fn(r.Context(), ev); err != nil {
		h.log.Error("dropbox sign event not stored; Dropbox Sign will retry", "event", ev.Key(), "err", err)
		plain(w, http.StatusInternalServerError, "event not stored; retry later")
		return
	}
	h.log.Info("dropbox sign event", "event", ev.Key())
	plain(w, http.StatusOK, CallbackAnswer)
}

func plain(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// errNoJSONField: the form has no `json` field.
var errNoJSONField = errors.New("no json field in the callback form")

// readJSONField reads the multipart form field `json`, skipping every
// other part; two `json` fields are an error, so that what is verified is
// what is used.
func readJSONField(body io.Reader, contentType string) ([]byte, error) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return nil, errors.New("callback is not multipart/form-data")
	}
	mr := multipart.NewReader(body, params["boundary"])
	var payload []byte
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if p.FormName() != "json" {
			if _, err := io.Copy(io.Discard, p); err != nil {
				return nil, err
			}
			continue
		}
		if payload != nil {
			return nil, errors.New("two json fields in the callback form")
		}
		b, err := io.ReadAll(p)
		if err != nil {
			return nil, err
		}
		payload = b
		if payload == nil {
			payload = []byte{}
		}
	}
	if payload == nil {
		return nil, errNoJSONField
	}
	return payload, nil
}

// String describes the handler without its key.
func (h CallbackHandler) String() string { return "esign.CallbackHandler{key: [redacted]}" }

// GoString is String, for %#v.
func (h CallbackHandler) GoString() string { return h.String() }

// LogValue is String, for slog.
func (h CallbackHandler) LogValue() slog.Value { return slog.StringValue(h.String()) }
