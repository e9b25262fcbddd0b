package esign

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// callbackFixtures returns every event of the vendor's
// EventCallbackHelper fixtures, named file/key.
func callbackFixtures(t testing.TB) map[string]json.RawMessage {
	t.Helper()
	out := map[string]json.RawMessage{}
	for _, name := range []string{"EventCallbackHelper_AccountCallbacks", "EventCallbackHelper_AppCallbacks"} {
		b, err := os.ReadFile(filepath.Join(specDir, "fixtures", name+".json"))
		if err != nil {
			t.Fatal(err)
		}
		var events map[string]json.RawMessage
		if err := json.Unmarshal(b, &events); err != nil {
			t.Fatal(err)
		}
		for k, v := range events {
			out[name+"/"+k] = v
		}
	}
	return out
}

// callbackForm is a callback as Dropbox Sign posts it: the event in the
// form field `json`.
func callbackForm(t testing.TB, fields map[string]string) (body []byte, contentType string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	names := make([]string, 0, len(fields))
	for k := range fields {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if err := w.WriteField(k, fields[k]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), w.FormDataContentType()
}

// recorder is a CallbackFunc that keeps what it was given.
type recorder struct {
	events []Event
	err    error
}

func (r *recorder) store(_ context.Context, ev Event) error {
	if r.err != nil {
		return r.err
	}
	r.events = append(r.events, ev)
	return nil
}

func post(t testing.TB, h http.Handler, payload string) *httptest.ResponseRecorder {
	t.Helper()
	body, ct := callbackForm(t, map[string]string{"json": payload})
	return postRaw(h, body, ct)
}

func postRaw(h http.Handler, body []byte, contentType string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/v1/esign/callback", bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// makeEvent signs an event with key as Dropbox Sign does; sr, if not nil,
// is the signature_request object.
func makeEvent(t testing.TB, key, eventType, eventTime string, sr map[string]any) string {
	t.Helper()
	ev := map[string]any{
		"event": map[string]any{
			"event_time": eventTime, "event_type": eventType,
			"event_hash":     hex.EncodeToString(eventHash(NewAPIKey(key), eventTime, eventType)),
			"event_metadata": map[string]any{"related_signature_id": "616629ed37f8588d28600be17ab5d6b7", "reported_for_account_id": "63522885f9261e2b04eea043933ee7313eb674fd"},
		},
	}
	if sr != nil {
		ev["signature_request"] = sr
	}
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// signedRequest is the fixture's signature request, complete, sent by
// monthend for quote Q-2026-0042 version 3.
func signedRequest(t testing.TB) map[string]any {
	sr := fixture(t, "SignatureRequestGetResponse")["signature_request"].(map[string]any)
	sr["is_complete"] = true
	sr["metadata"] = map[string]any{MetadataQuoteID: "Q-2026-0042", MetadataQuoteVersion: "3"}
	for _, s := range sr["signatures"].([]any) {
		s.(map[string]any)["status_code"] = "signed"
		s.(map[string]any)["signed_at"] = 1764000000
	}
	return sr
}

func TestCallbackFixturesAccepted(t *testing.T) {
	fixtures := callbackFixtures(t)
	if len(fixtures) != 12 {
		t.Fatalf("%d fixture events, want 12", len(fixtures))
	}
	for name, payload := range fixtures {
		t.Run(name, func(t *testing.T) {
			var rec recorder
			w := post(t, NewCallbackHandler(NewAPIKey(testKey), rec.store, nil), string(payload))
			if w.Code != http.StatusOK || w.Body.String() != CallbackAnswer {
				t.Fatalf("%d %q", w.Code, w.Body)
			}
			if len(rec.events) != 1 {
				t.Fatalf("%d events stored", len(rec.events))
			}
			ev := rec.events[0]
			if ev.Time != time.Unix(1348177752, 0).UTC() || ev.RawTime != "1348177752" || ev.Hash == "" || ev.SignatureRequest != nil {
				t.Errorf("event %+v", ev)
			}
			var want struct {
				Event struct {
					Type     string `json:"event_type"`
					Metadata struct {
						App string `json:"reported_for_app_id"`
					} `json:"event_metadata"`
				} `json:"event"`
			}
			_ = json.Unmarshal(payload, &want)
			if string(ev.Type) != want.Event.Type || ev.ReportedForAppID != want.Event.Metadata.App {
				t.Errorf("type %q app %q, want %q %q", ev.Type, ev.ReportedForAppID, want.Event.Type, want.Event.Metadata.App)
			}
		})
	}
}

// TestCallbackRefused: the vendor's own negative check (the key reversed)
// and every malformed request; the caller's function is never reached.
func TestCallbackRefused(t *testing.T) {
	fixture := string(callbackFixtures(t)["EventCallbackHelper_AppCallbacks/signature_request"])
	reversed := []rune(testKey)
	for i, j := 0, len(reversed)-1; i < j; i, j = i+1, j-1 {
		reversed[i], reversed[j] = reversed[j], reversed[i]
	}
	form := func(fields map[string]string) ([]byte, string) { return callbackForm(t, fields) }
	for _, tc := range []struct {
		name   string
		key    string
		method string
		body   func() ([]byte, string)
		status int
		want   string
	}{
		{name: "wrong key", key: string(reversed), status: 401, want: "does not match",
			body: func() ([]byte, string) { return form(map[string]string{"json": fixture}) }},
		{name: "event_type changed after signing", status: 401,
			body: func() ([]byte, string) {
				return form(map[string]string{"json": strings.Replace(fixture, "signature_request_sent", "signature_request_all_signed", 1)})
			}},
		{name: "hash not hex", status: 401,
			body: func() ([]byte, string) {
				return form(map[string]string{"json": strings.Replace(fixture, "08d45a6b", "zzzzzzzz", 1)})
			}},
		{name: "no json field", status: 400, want: "no json field",
			body: func() ([]byte, string) { return form(map[string]string{"event": fixture}) }},
		{name: "two json fields", status: 400, want: "two json fields",
			body: func() ([]byte, string) {
				var buf bytes.Buffer
				w := multipart.NewWriter(&buf)
				_ = w.WriteField("json", fixture)
				_ = w.WriteField("json", fixture)
				_ = w.Close()
				return buf.Bytes(), w.FormDataContentType()
			}},
		{name: "not multipart", status: 400, want: "not multipart",
			body: func() ([]byte, string) { return []byte(fixture), "application/json" }},
		{name: "json not JSON", status: 400, want: "malformed",
			body: func() ([]byte, string) { return form(map[string]string{"json": "{event"}) }},
		{name: "no event_hash", status: 400, want: "no event_hash",
			body: func() ([]byte, string) {
				return form(map[string]string{"json": `{"event":{"event_time":"1","event_type":"callback_test"}}`})
			}},
		{name: "event_time not a time", status: 400, want: "not a Unix time",
			body: func() ([]byte, string) {
				return form(map[string]string{"json": makeEvent(t, testKey, "callback_test", "yesterday", nil)})
			}},
		{name: "signature_request of the wrong shape", status: 400, want: "signature_request",
			body: func() ([]byte, string) {
				return form(map[string]string{"json": makeEvent(t, testKey, "signature_request_signed", "1764000000", map[string]any{"is_complete": "yes"})})
			}},
		{name: "GET", method: http.MethodGet, status: 405,
			body: func() ([]byte, string) { return form(map[string]string{"json": fixture}) }},
		{name: "too large", status: 413,
			body: func() ([]byte, string) {
				return form(map[string]string{"json": fixture, "padding": strings.Repeat("x", DefaultMaxCallbackBytes)})
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key := testKey
			if tc.key != "" {
				key = tc.key
			}
			var rec recorder
			h := NewCallbackHandler(NewAPIKey(key), rec.store, nil)
			body, ct := tc.body()
			method := http.MethodPost
			if tc.method != "" {
				method = tc.method
			}
			req := httptest.NewRequest(method, "/v1/esign/callback", bytes.NewReader(body))
			req.Header.Set("Content-Type", ct)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != tc.status || !strings.Contains(w.Body.String(), tc.want) || w.Body.String() == CallbackAnswer {
				t.Errorf("%d %q, want %d with %q", w.Code, w.Body, tc.status, tc.want)
			}
			if len(rec.events) != 0 {
				t.Errorf("the callback function got %d events", len(rec.events))
			}
			if strings.Contains(w.Body.String(), key) {
				t.Error("the answer shows the API key")
			}
		})
	}
}

func TestCallbackTestEvent(t *testing.T) {
	var rec recorder
	w := post(t, NewCallbackHandler(NewAPIKey(testKey), rec.store, nil), makeEvent(t, testKey, "callback_test", "1764000000", nil))
	if w.Code != 200 || w.Body.String() != CallbackAnswer || len(rec.events) != 1 || rec.events[0].Type != EventCallbackTest {
		t.Errorf("%d %q %+v", w.Code, w.Body, rec.events)
	}
}

func TestCallbackAllSigned(t *testing.T) {
	payload := makeEvent(t, testKey, string(EventAllSigned), "1764000000", signedRequest(t))
	validateEventAgainstSpec(t, payload)
	var rec recorder
	w := post(t, NewCallbackHandler(NewAPIKey(testKey), rec.store, nil), payload)
	if w.Code != 200 || w.Body.String() != CallbackAnswer || len(rec.events) != 1 {
		t.Fatalf("%d %q, %d events", w.Code, w.Body, len(rec.events))
	}
	ev := rec.events[0]
	sr := ev.SignatureRequest
	if ev.Type != EventAllSigned || sr == nil || sr.ID != "a9f4825edef25f47e7b4c14ce8100d81d1693160" || sr.Status() != StatusSigned {
		t.Fatalf("event %+v, request %+v", ev, sr)
	}
	if ref, ok := sr.Quote(); !ok || ref != (QuoteRef{"Q-2026-0042", 3}) {
		t.Errorf("Quote() = %+v %v", ref, ok)
	}
	if ev.RelatedSignatureID != "616629ed37f8588d28600be17ab5d6b7" || ev.Key() != "signature_request_all_signed/1764000000/a9f4825edef25f47e7b4c14ce8100d81d1693160/616629ed37f8588d28600be17ab5d6b7" {
		t.Errorf("related %q key %q", ev.RelatedSignatureID, ev.Key())
	}
}

func TestCallbackDeclined(t *testing.T) {
	sr := fixture(t, "SignatureRequestGetResponse")["signature_request"].(map[string]any)
	sr["is_declined"] = true
	sr["signatures"].([]any)[0].(map[string]any)["status_code"] = "declined"
	sr["signatures"].([]any)[0].(map[string]any)["decline_reason"] = "price too high"
	var rec recorder
	w := post(t, NewCallbackHandler(NewAPIKey(testKey), rec.store, nil), makeEvent(t, testKey, string(EventDeclined), "1764000001", sr))
	if w.Code != 200 || len(rec.events) != 1 {
		t.Fatalf("%d %q", w.Code, w.Body)
	}
	got := rec.events[0].SignatureRequest
	if got.Status() != StatusDeclined || got.Signatures[0].DeclineReason != "price too high" {
		t.Errorf("request %+v", got)
	}
}

// TestCallbackStoreFailsThenRetried: no "Hello API Event Received" until
// the event is stored, so Dropbox Sign retries; the retry carries the same
// Key, so storing it twice can be recognised.
func TestCallbackStoreFailsThenRetried(t *testing.T) {
	payload := makeEvent(t, testKey, string(EventAllSigned), "1764000000", signedRequest(t))
	rec := recorder{err: errors.New("book is open in another process")}
	h := NewCallbackHandler(NewAPIKey(testKey), rec.store, nil)
	w := post(t, h, payload)
	if w.Code != http.StatusInternalServerError || w.Body.String() == CallbackAnswer || strings.Contains(w.Body.String(), "book") {
		t.Errorf("failed store answered %d %q", w.Code, w.Body)
	}
	rec.err = nil
	for range 2 { // the retry, and a duplicate delivery
		if w := post(t, h, payload); w.Code != 200 || w.Body.String() != CallbackAnswer {
			t.Errorf("retry answered %d %q", w.Code, w.Body)
		}
	}
	if len(rec.events) != 2 || rec.events[0].Key() != rec.events[1].Key() {
		t.Errorf("events %+v", rec.events)
	}
}

// validateEventAgainstSpec checks a made-up event against the
// description's EventCallbackRequest, so the tests' events have the
// vendor's shape.
func validateEventAgainstSpec(t testing.TB, payload string) {
	t.Helper()
	schema := loadSpec(t).doc.Components.Schemas["EventCallbackRequest"]
	var v any
	if err := json.Unmarshal([]byte(payload), &v); err != nil {
		t.Fatal(err)
	}
	if err := schema.Value.VisitJSON(v); err != nil {
		t.Errorf("event does not follow EventCallbackRequest: %v", err)
	}
}

func TestMadeEventsFollowTheSpec(t *testing.T) {
	for name, payload := range callbackFixtures(t) {
		validateEventAgainstSpec(t, string(payload))
		_ = name
	}
	validateEventAgainstSpec(t, makeEvent(t, testKey, "callback_test", "1764000000", nil))
	// And the check can fail.
	schema := loadSpec(t).doc.Components.Schemas["EventCallbackRequest"]
	var bad any
	_ = json.Unmarshal([]byte(makeEvent(t, testKey, "signature_request_party", "1", nil)), &bad)
	if schema.Value.VisitJSON(bad) == nil {
		t.Error("an unknown event_type passed the schema")
	}
}

// TestCallbackWithoutKeyRefusesAll: a handler set up without a key must
// not accept events signed with the empty key.
func TestCallbackWithoutKeyRefusesAll(t *testing.T) {
	var rec recorder
	w := post(t, NewCallbackHandler(APIKey{}, rec.store, nil), makeEvent(t, "", string(EventAllSigned), "1764000000", signedRequest(t)))
	if w.Code != http.StatusUnauthorized || len(rec.events) != 0 {
		t.Errorf("%d %q, %d events", w.Code, w.Body, len(rec.events))
	}
}
