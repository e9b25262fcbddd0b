package esign

import (
	"bytes"
	"context"
	"errors"
	"mime/multipart"
	"net/http"
	"strconv"
	"testing"
)

// FuzzParseEvent: any payload either fails with one of the two documented
// errors or yields an event whose hash verifies under the key.
func FuzzParseEvent(f *testing.F) {
	for _, p := range callbackFixtures(f) {
		f.Add([]byte(p))
	}
	f.Add([]byte(makeEvent(f, testKey, string(EventAllSigned), "1764000000", signedRequest(f))))
	f.Add([]byte(`{"event":{"event_time":"1","event_type":"x","event_hash":"00"},"signature_request":null}`))
	key := NewAPIKey(testKey)
	f.Fuzz(func(t *testing.T, payload []byte) {
		ev, err := ParseEvent(payload, key)
		if err != nil {
			if !errors.Is(err, ErrMalformedEvent) && !errors.Is(err, ErrEventHash) {
				t.Fatalf("unclassified error %v", err)
			}
			return
		}
		if !VerifyEventHash(key, ev.RawTime, string(ev.Type), ev.Hash) {
			t.Fatalf("accepted an event whose hash does not verify: %+v", ev)
		}
		if secs, err := strconv.ParseInt(ev.RawTime, 10, 64); err != nil || ev.Time.Unix() != secs {
			t.Fatalf("time %q decoded as %v", ev.RawTime, ev.Time)
		}
	})
}

const fuzzBoundary = "monthend-fuzz-boundary"

// FuzzCallbackHandler feeds raw bodies to the handler: it never panics,
// answers only the documented statuses, and says "Hello API Event
// Received" exactly when it handed one verified event to the caller.
func FuzzCallbackHandler(f *testing.F) {
	seed := func(fields ...string) []byte {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		_ = w.SetBoundary(fuzzBoundary)
		for i := 0; i+1 < len(fields); i += 2 {
			_ = w.WriteField(fields[i], fields[i+1])
		}
		_ = w.Close()
		return buf.Bytes()
	}
	for _, p := range callbackFixtures(f) {
		f.Add(seed("json", string(p)))
	}
	f.Add(seed("json", makeEvent(f, testKey, "callback_test", "1764000000", nil), "other", "x"))
	f.Add(seed("other", "x"))
	f.Add([]byte("--" + fuzzBoundary + "\r\n"))
	key := NewAPIKey(testKey)
	f.Fuzz(func(t *testing.T, body []byte) {
		calls := 0
		h := NewCallbackHandler(key, func(_ context.Context, ev Event) error {
			calls++
			if !VerifyEventHash(key, ev.RawTime, string(ev.Type), ev.Hash) {
				t.Fatalf("unverified event reached the caller: %+v", ev)
			}
			return nil
		}, nil)
		h.SetMaxBytes(64 << 10)
		w := postRaw(h, body, "multipart/form-data; boundary="+fuzzBoundary)
		switch w.Code {
		case http.StatusOK:
			if calls != 1 || w.Body.String() != CallbackAnswer {
				t.Fatalf("200 %q after %d calls", w.Body, calls)
			}
		case http.StatusBadRequest, http.StatusUnauthorized, http.StatusRequestEntityTooLarge:
			if calls != 0 || w.Body.String() == CallbackAnswer {
				t.Fatalf("%d %q after %d calls", w.Code, w.Body, calls)
			}
		default:
			t.Fatalf("status %d", w.Code)
		}
	})
}
