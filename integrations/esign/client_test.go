package esign

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// samplePDF is a small PDF-looking document holding every byte value, so
// a transfer that mangles bytes (text encoding, newline conversion) shows.
func samplePDF(label string) []byte {
	b := []byte("%PDF-1.7\n% " + label + "\n")
	for i := range 256 {
		b = append(b, byte(i))
	}
	return append(b, "\n%%EOF\n"...)
}

func quoteRequest() SendRequest {
	return SendRequest{
		Title:   "Quote Q-2026-0042 v3 — Northwind Traders",
		Subject: "Your quote from Example Co. is ready to sign",
		Message: "Please review and sign the attached quote.",
		Signers: []Signer{
			{Name: "Ada Lovelace", Email: "ada@northwind.example"},
			{Name: "Charles Babbage", Email: "charles@northwind.example"},
		},
		PDF:          samplePDF("quote"),
		FileName:     "Q-2026-0042-v3.pdf",
		QuoteID:      "Q-2026-0042",
		QuoteVersion: 3,
		TestMode:     true,
	}
}

func TestSendForSignature(t *testing.T) {
	f := newFakeAPI(t)
	c := f.client(t, testKey)
	req := quoteRequest()
	got, err := c.SendForSignature(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != "fa5c8a0b0f492d768749333ad6fcc214c111e967" || got.Status() != StatusAwaiting || !got.TestMode {
		t.Errorf("got id %q status %s test_mode %v", got.ID, got.Status(), got.TestMode)
	}
	if ref, ok := got.Quote(); !ok || ref != (QuoteRef{ID: "Q-2026-0042", Version: 3}) {
		t.Errorf("Quote() = %+v, %v", ref, ok)
	}

	reqs := f.Requests()
	if len(reqs) != 1 || reqs[0].Method != http.MethodPost || reqs[0].Path != "/signature_request/send" {
		t.Fatalf("requests: %+v", reqs)
	}
	form := reqs[0].Form
	files, _ := form["files"].([]any)
	if len(files) != 1 {
		t.Fatalf("files: %#v", form["files"])
	}
	file := files[0].(*formFile)
	if !bytes.Equal(file.Data, req.PDF) || file.ContentType != "application/pdf" || file.Name != "Q-2026-0042-v3.pdf" {
		t.Errorf("files[0]: %d bytes (want %d, intact: %v), %s, %q", len(file.Data), len(req.PDF), bytes.Equal(file.Data, req.PDF), file.ContentType, file.Name)
	}
	wantSigners := []any{
		map[string]any{"name": "Ada Lovelace", "email_address": "ada@northwind.example"},
		map[string]any{"name": "Charles Babbage", "email_address": "charles@northwind.example"},
	}
	if fmt.Sprint(form["signers"]) != fmt.Sprint(wantSigners) {
		t.Errorf("signers = %v, want %v", form["signers"], wantSigners)
	}
	wantMeta := map[string]any{MetadataQuoteID: "Q-2026-0042", MetadataQuoteVersion: "3"}
	if fmt.Sprint(form["metadata"]) != fmt.Sprint(wantMeta) {
		t.Errorf("metadata = %v, want %v", form["metadata"], wantMeta)
	}
	for k, want := range map[string]string{"title": req.Title, "subject": req.Subject, "message": req.Message, "test_mode": "1"} {
		if form[k] != want {
			t.Errorf("%s = %q, want %q", k, form[k], want)
		}
	}
}

func TestSendTestMode(t *testing.T) {
	for _, tc := range []struct {
		name              string
		settings, request bool
		want              string
	}{
		{"binding", false, false, "0"},
		{"asked for by the request", false, true, "1"},
		{"forced by settings", true, false, "1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeAPI(t)
			c, err := New(Settings{BaseURL: f.baseURL(), TestMode: tc.settings}, NewAPIKey(testKey))
			if err != nil {
				t.Fatal(err)
			}
			req := quoteRequest()
			req.TestMode = tc.request
			got, err := c.SendForSignature(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			if sent := f.Requests()[0].Form["test_mode"]; sent != tc.want || got.TestMode != (tc.want == "1") {
				t.Errorf("test_mode sent %q, answered %v; want %s", sent, got.TestMode, tc.want)
			}
		})
	}
}

func TestSendRefusesBadRequestsLocally(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*SendRequest)
		want   string
	}{
		{"no PDF", func(r *SendRequest) { r.PDF = nil }, "no PDF"},
		{"not a PDF", func(r *SendRequest) { r.PDF = []byte("<html>") }, "not a PDF"},
		{"no signer", func(r *SendRequest) { r.Signers = nil }, "no signer"},
		{"signer without name", func(r *SendRequest) { r.Signers[1].Name = " " }, "signer 2 has no name"},
		{"bad email", func(r *SendRequest) { r.Signers[0].Email = "ada" }, `"ada" is not an email address`},
		{"title too long", func(r *SendRequest) { r.Title = strings.Repeat("x", 256) }, "title is 256 characters, at most 255"},
		{"message too long", func(r *SendRequest) { r.Message = strings.Repeat("é", 5001) }, "message is 5001 characters"},
		{"no quote id", func(r *SendRequest) { r.QuoteID = "" }, "no quote id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeAPI(t)
			req := quoteRequest()
			tc.change(&req)
			_, err := f.client(t, testKey).SendForSignature(context.Background(), req)
			if !errors.Is(err, ErrRejected) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want ErrRejected with %q", err, tc.want)
			}
			if n := len(f.Requests()); n != 0 {
				t.Errorf("%d requests reached the API", n)
			}
		})
	}
}

func TestGet(t *testing.T) {
	f := newFakeAPI(t)
	got, err := f.client(t, testKey).Get(context.Background(), "a9f4825edef25f47e7b4c14ce8100d81d1693160")
	if err != nil {
		t.Fatal(err)
	}
	if r := f.Requests(); len(r) != 1 || r[0].Method != http.MethodGet || r[0].Path != "/signature_request/a9f4825edef25f47e7b4c14ce8100d81d1693160" {
		t.Errorf("requests: %+v", r)
	}
	// The fixture: two signers awaiting signature, not complete.
	if got.ID != "a9f4825edef25f47e7b4c14ce8100d81d1693160" || got.Complete || got.Status() != StatusAwaiting ||
		got.CreatedAt != time.Unix(1570471067, 0).UTC() || len(got.Signatures) != 2 {
		t.Fatalf("got %+v", got)
	}
	if s := got.Signatures[1]; s.Name != "Jill" || s.Email != "jill@example.com" || s.StatusCode != "awaiting_signature" || !s.SignedAt.IsZero() {
		t.Errorf("signature 2: %+v", s)
	}
	if _, ok := got.Quote(); ok {
		t.Error("the fixture has no monthend metadata, yet Quote() found one")
	}
}

// TestPollUntilSigned polls as a caller without callbacks would: the
// status moves from awaiting to signed when the API says complete.
func TestPollUntilSigned(t *testing.T) {
	f := newFakeAPI(t)
	var calls atomic.Int32
	f.Answer = func(w http.ResponseWriter, r received) bool {
		resp := fixture(t, "SignatureRequestGetResponse")
		sr := resp["signature_request"].(map[string]any)
		sr["metadata"] = map[string]any{MetadataQuoteID: "Q-7", MetadataQuoteVersion: "2"}
		n := calls.Add(1)
		for i, s := range sr["signatures"].([]any) {
			if int(n) > i+1 { // one more signer each poll
				s.(map[string]any)["status_code"] = "signed"
				s.(map[string]any)["signed_at"] = 1570471100 + i
			}
		}
		sr["is_complete"] = n >= 3
		writeJSON(w, http.StatusOK, resp)
		return true
	}
	c := f.client(t, testKey)
	var statuses []string
	for range 3 {
		r, err := c.Get(context.Background(), "a9f4825edef25f47e7b4c14ce8100d81d1693160")
		if err != nil {
			t.Fatal(err)
		}
		signed := 0
		for _, s := range r.Signatures {
			if s.StatusCode == "signed" && !s.SignedAt.IsZero() {
				signed++
			}
		}
		statuses = append(statuses, fmt.Sprintf("%s/%d", r.Status(), signed))
		if ref, _ := r.Quote(); ref != (QuoteRef{"Q-7", 2}) {
			t.Errorf("Quote() = %+v", ref)
		}
	}
	if got := strings.Join(statuses, " "); got != "awaiting_signature/0 awaiting_signature/1 signed/2" {
		t.Errorf("polled %s", got)
	}
}

func TestDownloadSigned(t *testing.T) {
	f := newFakeAPI(t)
	got, err := f.client(t, testKey).DownloadSigned(context.Background(), "a9f4825edef25f47e7b4c14ce8100d81d1693160")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, f.PDF) {
		t.Errorf("got %d bytes, want the %d the API sent", len(got), len(f.PDF))
	}
	r := f.Requests()
	if len(r) != 1 || r[0].Path != "/signature_request/files/a9f4825edef25f47e7b4c14ce8100d81d1693160" || r[0].Query != "file_type=pdf" {
		t.Errorf("requests: %+v", r)
	}
}

func TestDownloadNotAPDF(t *testing.T) {
	f := newFakeAPI(t)
	f.PDF = []byte("PK\x03\x04 a zip")
	_, err := f.client(t, testKey).DownloadSigned(context.Background(), "a9f4825edef25f47e7b4c14ce8100d81d1693160")
	if !IsTemporary(err) || !strings.Contains(err.Error(), "not a PDF") {
		t.Errorf("err = %v", err)
	}
}

// TestAPIErrors: every class of answer, as the description documents its
// 4XX answers (ErrorResponse) and as servers give 5xx.
func TestAPIErrors(t *testing.T) {
	errorFixture := fixture(t, "ErrorResponse")
	for _, tc := range []struct {
		name    string
		op      string // send, get, download
		key     string
		status  int
		header  map[string]string
		body    any // nil: an ErrorResponse made from status
		class   error
		retry   time.Duration
		inError []string
	}{
		{name: "bad API key", op: "get", key: "0000wrong", class: ErrSettings, status: 401,
			inError: []string{"401 unauthorized", "check the API key in settings"}},
		{name: "400 with the fixture's ErrorResponse", op: "send", status: 400, body: errorFixture, class: ErrRejected,
			inError: []string{"400 bad_request: Generic error message (path_to_error[0])", "fix the request"}},
		{name: "402 plan", op: "send", status: 402, class: ErrSettings, inError: []string{"billing"}},
		{name: "403 forbidden", op: "get", status: 403, class: ErrSettings, inError: []string{"no access"}},
		{name: "404 unknown id", op: "get", status: 404, class: ErrRejected, inError: []string{"no such signature request"}},
		{name: "409 files not ready", op: "download", status: 409, class: ErrTemporary, inError: []string{"still being prepared"}},
		{name: "429 with Retry-After", op: "send", status: 429, header: map[string]string{"Retry-After": "30"},
			class: ErrTemporary, retry: 30 * time.Second, inError: []string{"429 exceeded_rate", "rate limited"}},
		{name: "500", op: "get", status: 500, body: "<html>oops</html>", class: ErrTemporary, inError: []string{"500 Internal Server Error", "retry later"}},
		{name: "503", op: "download", status: 503, class: ErrTemporary},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeAPI(t)
			f.Answer = func(w http.ResponseWriter, _ received) bool {
				for k, v := range tc.header {
					w.Header().Set(k, v)
				}
				switch b := tc.body.(type) {
				case nil:
					name := map[int]string{402: "payment_required", 403: "forbidden", 404: "not_found", 409: "conflict", 429: "exceeded_rate", 503: "unavailable"}[tc.status]
					writeError(w, tc.status, name, http.StatusText(tc.status))
				case string:
					w.Header().Set("Content-Type", "text/html")
					w.WriteHeader(tc.status)
					_, _ = w.Write([]byte(b))
				default:
					writeJSON(w, tc.status, b)
				}
				return true
			}
			key := testKey
			if tc.key != "" {
				key = tc.key
			}
			err := call(f.client(t, key), tc.op)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v (%T), want *Error", err, err)
			}
			if !errors.Is(err, tc.class) || e.Status != tc.status || e.RetryAfter != tc.retry || e.Op != tc.op {
				t.Errorf("got class %v status %d retry %s op %s; want %v %d %s %s", e.Class, e.Status, e.RetryAfter, e.Op, tc.class, tc.status, tc.retry, tc.op)
			}
			if IsTemporary(err) == IsPermanent(err) {
				t.Errorf("temporary %v and permanent %v", IsTemporary(err), IsPermanent(err))
			}
			for _, s := range tc.inError {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("%q does not say %q", err, s)
				}
			}
			if strings.Contains(err.Error(), key) || strings.Contains(fmt.Sprintf("%+v %#v", e, e), key) {
				t.Errorf("the error shows the API key: %v", err)
			}
		})
	}
}

func call(c *Client, op string) error {
	ctx := context.Background()
	var err error
	switch op {
	case "send":
		_, err = c.SendForSignature(ctx, quoteRequest())
	case "get":
		_, err = c.Get(ctx, "a9f4825edef25f47e7b4c14ce8100d81d1693160")
	case "download":
		_, err = c.DownloadSigned(ctx, "a9f4825edef25f47e7b4c14ce8100d81d1693160")
	}
	return err
}

func TestRetryAfterForms(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		header http.Header
		want   time.Duration
	}{
		{"seconds", http.Header{"Retry-After": {"120"}}, 2 * time.Minute},
		{"HTTP date", http.Header{"Retry-After": {now.Add(90 * time.Second).Format(http.TimeFormat)}}, 90 * time.Second},
		{"rate-limit reset", http.Header{"X-Ratelimit-Reset": {fmt.Sprint(now.Add(time.Hour).Unix())}}, time.Hour},
		{"garbage", http.Header{"Retry-After": {"soon"}}, 0},
		{"none", http.Header{}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := retryAfter(tc.header, now); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func TestConnectionRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	c, err := New(Settings{BaseURL: "http://" + addr + "/v3"}, NewAPIKey(testKey))
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range []string{"send", "get", "download"} {
		err := call(c, op)
		var e *Error
		if !errors.As(err, &e) || !IsTemporary(err) || e.Status != 0 || !strings.Contains(err.Error(), "could not reach Dropbox Sign") {
			t.Errorf("%s: err = %v", op, err)
		}
		var opErr *net.OpError
		if !errors.As(err, &opErr) {
			t.Errorf("%s: the network error is not kept: %v", op, err)
		}
	}
}

func TestContextCancelled(t *testing.T) {
	f := newFakeAPI(t)
	arrived := make(chan struct{})
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	f.Answer = func(w http.ResponseWriter, _ received) bool {
		arrived <- struct{}{}
		<-release
		return false
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-arrived; cancel() }()
	_, err := f.client(t, testKey).Get(ctx, "a9f4825edef25f47e7b4c14ce8100d81d1693160")
	if !errors.Is(err, context.Canceled) || !IsTemporary(err) || !strings.Contains(err.Error(), "cancelled") {
		t.Errorf("err = %v", err)
	}

	// Cancelled before the call: nothing is sent.
	n := len(f.Requests())
	if _, err := f.client(t, testKey).Get(ctx, "x"); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
	if len(f.Requests()) != n {
		t.Error("a cancelled call reached the API")
	}
}

func TestTimeout(t *testing.T) {
	f := newFakeAPI(t)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	f.Answer = func(http.ResponseWriter, received) bool { <-release; return false }
	c, err := New(Settings{BaseURL: f.baseURL(), Timeout: 50 * time.Millisecond}, NewAPIKey(testKey))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Get(context.Background(), "a9f4825edef25f47e7b4c14ce8100d81d1693160")
	if !IsTemporary(err) || !strings.Contains(err.Error(), "did not answer in time") {
		t.Errorf("err = %v", err)
	}
}

func TestNewNeedsAKey(t *testing.T) {
	_, err := New(Settings{}, APIKey{})
	if !errors.Is(err, ErrSettings) || !errors.Is(err, ErrNoAPIKey) || !strings.Contains(err.Error(), APIKeyEnv) {
		t.Errorf("err = %v", err)
	}
}
