package cli

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/monthend/monthend/integrations/esign"
	"github.com/monthend/monthend/integrations/esign/esigntest"
	"github.com/monthend/monthend/ledger"
)

// esignBook is a book with the test catalog, a settings file whose
// dropbox_sign: block points at a fake Dropbox Sign that validates every
// request against the vendor's OpenAPI description, and the API key in
// the environment.
type esignBook struct {
	t        *testing.T
	db       string
	settings string
	fake     *esigntest.Server
}

func newESignBook(t *testing.T) *esignBook {
	t.Helper()
	dir := t.TempDir()
	e := &esignBook{t: t, db: filepath.Join(dir, "book.db"), settings: filepath.Join(dir, "settings.yaml"), fake: esigntest.New(t, esigntest.VendorTestKey)}
	seller := readTestFile(t, "testdata/settings.yaml")
	if err := os.WriteFile(e.settings, []byte(seller+"dropbox_sign:\n  base_url: "+e.fake.URL()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv(esign.APIKeyEnv, esigntest.VendorTestKey)
	e.do(exitOK, "products", "import", "testdata/catalog.yaml")
	return e
}

// do runs monthend on the book and returns stdout and stderr.
func (e *esignBook) do(wantCode int, args ...string) string {
	e.t.Helper()
	code, out, errOut := run(e.t, "", append([]string{"--db", e.db}, args...)...)
	if code != wantCode {
		e.t.Fatalf("monthend %s: exit %d (want %d)\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, wantCode, out, errOut)
	}
	return out + errOut
}

func (e *esignBook) quote(id string) ledger.Quote {
	e.t.Helper()
	b, err := ledger.Open(e.db, ledger.Options{ReadOnly: true})
	if err != nil {
		e.t.Fatal(err)
	}
	defer b.Close()
	q, err := b.Quote(id, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	return q
}

// eventOf reads the fields the event_hash covers.
func eventOf(t *testing.T, payload []byte) (ev struct{ Time, Type, Hash string }) {
	t.Helper()
	var raw struct {
		Event struct {
			Time string `json:"event_time"`
			Type string `json:"event_type"`
			Hash string `json:"event_hash"`
		} `json:"event"`
	}
	if err := json.Unmarshal(payload, &raw); err != nil {
		t.Fatal(err)
	}
	ev.Time, ev.Type, ev.Hash = raw.Event.Time, raw.Event.Type, raw.Event.Hash
	return ev
}

func mustQuote(t *testing.T, b *ledger.Book, id string) ledger.Quote {
	t.Helper()
	q, err := b.Quote(id, 0)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func wantIn(t *testing.T, out string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
}

// TestQuoteSignedThroughCallbacks runs the e-signature flow on a real
// book file: the quote's PDF is sent for signature (the fake checks the
// request against the spec; the file sent is our PDF), the signed
// callback delivered to serve's handler marks the quote signed and keeps
// the signed PDF, a repeat changes nothing, a forged event is refused,
// and the signed quote executes.
func TestQuoteSignedThroughCallbacks(t *testing.T) {
	e := newESignBook(t)
	e.do(exitOK, "quotes", "import", "testdata/quote.yaml", "--id", "contoso")
	dir := t.TempDir()
	pdfPath := filepath.Join(dir, "contoso.pdf")
	wantIn(t, e.do(exitOK, "quotes", "pdf", "contoso", "-o", pdfPath, "--settings", e.settings), "wrote "+pdfPath)
	rendered, err := os.ReadFile(pdfPath)
	if err != nil || !bytes.HasPrefix(rendered, []byte("%PDF-")) {
		t.Fatalf("quotes pdf wrote no PDF: %v", err)
	}
	wantIn(t, e.do(exitOK, "quotes", "text", "contoso", "--settings", e.settings),
		"# Quote contoso v1", "**Prospect:** Contoso Aktiengesellschaft (Contoso AG)", "Northwind Analytics GmbH", "| Year 2 ", "Total contract value:", "## Acceptance")

	out := e.do(exitOK, "quotes", "send-for-signature", "contoso", "--test", "--settings", e.settings)
	wantIn(t, out, "quote contoso v1 sent for signature to Contoso Aktiengesellschaft <ap@contoso.example> (test mode", "signature request fa5c8a0b0f492d768749333ad6fcc214c111e967")
	reqs := e.fake.Requests()
	if len(reqs) != 1 || reqs[0].Path != "/signature_request/send" {
		t.Fatalf("requests: %+v", reqs)
	}
	form := reqs[0].Form
	files, _ := form["files"].([]any)
	if len(files) != 1 || !bytes.Equal(files[0].(*esigntest.File).Data, rendered) {
		t.Error("the file sent for signature is not the quote's PDF as quotes pdf renders it")
	}
	signers, _ := form["signers"].([]any)
	if len(signers) != 1 || signers[0].(map[string]any)["email_address"] != "ap@contoso.example" {
		t.Errorf("signers sent: %v", form["signers"])
	}
	if md, _ := form["metadata"].(map[string]any); md[esign.MetadataQuoteID] != "contoso" || md[esign.MetadataQuoteVersion] != "1" || form["test_mode"] != "1" {
		t.Errorf("metadata and test mode sent: %v %v", form["metadata"], form["test_mode"])
	}
	q := e.quote("contoso")
	requestID := q.SignatureRequestID
	if q.Status != ledger.QuoteSent || requestID != "fa5c8a0b0f492d768749333ad6fcc214c111e967" {
		t.Fatalf("after send-for-signature: %s, request %q", q.Status, requestID)
	}
	wantIn(t, e.do(exitError, "quotes", "send-for-signature", "contoso", "--settings", e.settings), "already has signature request", "--again")

	// monthend serve's handler on the book.
	b, err := ledger.Open(e.db, ledger.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var logged bytes.Buffer
	h, signing, err := serveHandler(b, e.settings, 0, slog.New(slog.NewTextHandler(&logged, nil)))
	if err != nil || !signing {
		t.Fatalf("serveHandler: signing %v, %v", signing, err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	post := func(payload []byte) (int, string) {
		t.Helper()
		body, ct := esigntest.CallbackForm(payload)
		resp, err := http.Post(srv.URL+esignCallbackPath, ct, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if resp, err := http.Get(srv.URL + "/healthz"); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("the usage API's /healthz beside the callback route: %v %v", resp, err)
	}

	signedAt := time.Now().UTC().Truncate(time.Second)
	e.fake.Sign(requestID, signedAt)
	allSigned := esigntest.Event(esigntest.VendorTestKey, string(esign.EventAllSigned), signedAt.Unix()+5, e.fake.SignatureRequest(requestID))
	if ev := eventOf(t, allSigned); !esign.VerifyEventHash(esign.NewAPIKey(esigntest.VendorTestKey), ev.Time, ev.Type, ev.Hash) {
		t.Fatal("esigntest.Event's event_hash does not verify with esign.VerifyEventHash")
	}

	forged := esigntest.Event("not-the-key", string(esign.EventAllSigned), signedAt.Unix(), e.fake.SignatureRequest(requestID))
	if code, _ := post(forged); code != http.StatusUnauthorized {
		t.Errorf("an event with a wrong hash: %d, want 401", code)
	}
	if got := mustQuote(t, b, "contoso"); got.Status != ledger.QuoteSent {
		t.Fatalf("a refused event changed the quote: %s", got.Status)
	}
	if code, body := post(esigntest.Event(esigntest.VendorTestKey, string(esign.EventViewed), signedAt.Unix(), e.fake.SignatureRequest(requestID))); code != http.StatusOK || body != esign.CallbackAnswer {
		t.Errorf("a viewed event: %d %q", code, body)
	}

	if code, body := post(allSigned); code != http.StatusOK || body != esign.CallbackAnswer {
		t.Fatalf("the all-signed event: %d %q\nlog: %s", code, body, logged.String())
	}
	signed := mustQuote(t, b, "contoso")
	if signed.Status != ledger.QuoteSigned || signed.SignedVia != "dropbox_sign" || !signed.SignedAt.Equal(signedAt) || !strings.Contains(signed.SignedBy, "ap@contoso.example") {
		t.Errorf("after the callback: %s by %q at %s via %q", signed.Status, signed.SignedBy, signed.SignedAt, signed.SignedVia)
	}
	if pdf, err := b.SignedQuotePDF("contoso", 0); err != nil || !bytes.Equal(pdf, e.fake.PDF) {
		t.Errorf("the signed PDF kept is not Dropbox Sign's: %d bytes, %v", len(pdf), err)
	}
	downloads := len(e.fake.Requests())
	for _, again := range [][]byte{allSigned, esigntest.Event(esigntest.VendorTestKey, string(esign.EventDownloadable), signedAt.Unix()+9, e.fake.SignatureRequest(requestID))} {
		if code, body := post(again); code != http.StatusOK || body != esign.CallbackAnswer {
			t.Errorf("a repeated event: %d %q", code, body)
		}
	}
	if again := mustQuote(t, b, "contoso"); !reflect.DeepEqual(again, signed) {
		t.Errorf("a repeated event changed the quote:\n%+v\n%+v", again, signed)
	}
	if n := len(e.fake.Requests()); n != downloads {
		t.Errorf("a repeated event made %d more calls to Dropbox Sign", n-downloads)
	}
	srv.Close()
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	wantIn(t, e.do(exitOK, "quotes", "show", "contoso"), "signed by Contoso Aktiengesellschaft <ap@contoso.example>", "(dropbox_sign)")
	wantIn(t, e.do(exitOK, "quotes", "execute", "contoso"), "customer contoso-ag created", "schedule contoso v1 (draft)")
	wantIn(t, e.do(exitOK, "check"), "is sound")
}

// TestQuoteSignedByPolling: where callbacks cannot arrive, poll reports a
// request awaiting signature, then records the signature with the signed
// PDF, then changes nothing; a declined request declines its quote.
func TestQuoteSignedByPolling(t *testing.T) {
	e := newESignBook(t)
	for _, id := range []string{"sign-me", "decline-me"} {
		e.do(exitOK, "quotes", "import", "testdata/quote.yaml", "--id", id)
		e.do(exitOK, "quotes", "send-for-signature", id, "--settings", e.settings, "--signer-name", "Dana Meier", "--signer-email", "dana@contoso.example")
	}
	wantIn(t, e.do(exitOK, "quotes", "poll", "--settings", e.settings), "quote sign-me v1 awaiting signature", "quote decline-me v1 awaiting signature")

	signedAt := time.Now().UTC().Truncate(time.Second)
	e.fake.Sign(e.quote("sign-me").SignatureRequestID, signedAt)
	e.fake.Decline(e.quote("decline-me").SignatureRequestID, "budget moved to next year")
	wantIn(t, e.do(exitOK, "quotes", "poll", "--settings", e.settings),
		"quote sign-me v1 signed by Dana Meier <dana@contoso.example>", "next: monthend quotes execute sign-me",
		"quote decline-me v1 declined: declined in Dropbox Sign by Dana Meier: budget moved to next year")
	if q := e.quote("sign-me"); q.Status != ledger.QuoteSigned || q.SignedVia != "dropbox_sign" || q.SignedPDFBytes != len(e.fake.PDF) {
		t.Errorf("sign-me after poll: %s via %q, %d PDF bytes", q.Status, q.SignedVia, q.SignedPDFBytes)
	}
	if q := e.quote("decline-me"); q.Status != ledger.QuoteDeclined {
		t.Errorf("decline-me after poll: %s", q.Status)
	}
	wantIn(t, e.do(exitOK, "quotes", "poll", "--settings", e.settings), "no quote is out for signature")
	wantIn(t, e.do(exitOK, "quotes", "poll", "sign-me", "--settings", e.settings), "quote sign-me v1 unchanged: already signed")
	wantIn(t, e.do(exitOK, "quotes", "execute", "sign-me"), "schedule sign-me v1 (draft)")
}

// TestESignWithoutSettings: without a dropbox_sign: block the commands
// say where to look, and serve runs the usage API alone.
func TestESignWithoutSettings(t *testing.T) {
	db := filepath.Join(t.TempDir(), "book.db")
	run(t, "", "--db", db, "products", "import", "testdata/catalog.yaml")
	run(t, "", "--db", db, "quotes", "import", "testdata/quote.yaml", "--id", "contoso")
	for _, args := range [][]string{
		{"quotes", "send-for-signature", "contoso", "--settings", "testdata/settings.yaml"},
		{"quotes", "poll", "--settings", "testdata/settings.yaml"},
	} {
		code, _, errOut := run(t, "", append([]string{"--db", db}, args...)...)
		if code != exitError || !strings.Contains(errOut, "docs/esign.md") {
			t.Errorf("monthend %s: exit %d, %s", strings.Join(args, " "), code, errOut)
		}
	}
	b, err := ledger.Open(db, ledger.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	h, signing, err := serveHandler(b, "testdata/settings.yaml", 0, nil)
	if err != nil || signing {
		t.Fatalf("serveHandler without dropbox_sign: signing %v, %v", signing, err)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, esignCallbackPath, strings.NewReader("")))
	if w.Code != http.StatusNotFound {
		t.Errorf("the callback route without settings: %d, want the usage API's 404", w.Code)
	}
}
