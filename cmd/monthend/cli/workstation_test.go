package cli

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/monthend/monthend/ledger"
	"github.com/monthend/monthend/tui"
)

// TestWorkstationSignatures drives the e-signature functions the
// workstation is given against the fake Dropbox Sign (which validates each
// request against the vendor's OpenAPI description): the plan the
// confirmation shows, a send that sends exactly what was planned and
// records nothing itself, a plan gone stale, test_mode from the settings,
// and polling, which records the signature.
func TestWorkstationSignatures(t *testing.T) {
	e := newESignBook(t)
	e.do(exitOK, "quotes", "import", "testdata/quote.yaml", "--id", "contoso")
	e.do(exitOK, "quotes", "import", "testdata/quote.yaml", "--id", "trial")
	testSettings := filepath.Join(t.TempDir(), "settings.yaml")
	if err := os.WriteFile(testSettings, []byte(readTestFile(t, "testdata/settings.yaml")+"dropbox_sign:\n  base_url: "+e.fake.URL()+"\n  test_mode: true\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	b, err := ledger.Open(e.db, ledger.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	a := &app{stdout: io.Discard, stderr: io.Discard}
	sig := a.signatures(b, e.settings)
	ctx := context.Background()

	plan, err := sig.Prepare(ctx, "contoso")
	want := tui.SignaturePlan{QuoteID: "contoso", Version: 1, SignerName: "Contoso Aktiengesellschaft", SignerEmail: "ap@contoso.example"}
	if err != nil || plan != want {
		t.Fatalf("Prepare: %+v, %v; want %+v", plan, err, want)
	}
	// The quote saved again after the confirmation: what would go out is
	// not what was confirmed.
	stale := plan
	stale.Version = 2
	if _, err := sig.Send(ctx, stale); err == nil || !strings.Contains(err.Error(), "changed since you confirmed") {
		t.Errorf("Send of a plan that no longer holds: %v", err)
	}
	if n := len(e.fake.Requests()); n != 0 {
		t.Fatalf("a stale plan reached Dropbox Sign (%d requests)", n)
	}

	id, err := sig.Send(ctx, plan)
	if err != nil || id == "" {
		t.Fatalf("Send: %q, %v", id, err)
	}
	reqs := e.fake.Requests()
	if len(reqs) != 1 || reqs[0].Path != "/signature_request/send" {
		t.Fatalf("requests: %+v", reqs)
	}
	form := reqs[0].Form
	signers, _ := form["signers"].([]any)
	if len(signers) != 1 || signers[0].(map[string]any)["email_address"] != "ap@contoso.example" || form["test_mode"] != "0" {
		t.Errorf("sent signers %v, test_mode %v", form["signers"], form["test_mode"])
	}
	if q := mustQuote(t, b, "contoso"); q.Status != ledger.QuoteDraft || q.SignatureRequestID != "" {
		t.Errorf("Send recorded the request itself: %s %q (the workstation records it)", q.Status, q.SignatureRequestID)
	}

	// test_mode: true in the settings: the plan says so and the request is
	// sent in test mode.
	testSig := a.signatures(b, testSettings)
	tplan, err := testSig.Prepare(ctx, "trial")
	if err != nil || !tplan.TestMode {
		t.Fatalf("Prepare with test_mode: %+v, %v", tplan, err)
	}
	if _, err := testSig.Send(ctx, tplan); err != nil {
		t.Fatal(err)
	}
	if reqs := e.fake.Requests(); len(reqs) != 2 || reqs[1].Form["test_mode"] != "1" {
		t.Errorf("the test-mode request: %+v", reqs[len(reqs)-1].Form["test_mode"])
	}

	// Nothing recorded yet: nothing is out for signature.
	if lines, err := sig.Poll(ctx); err != nil || len(lines) != 0 {
		t.Errorf("Poll with nothing out for signature: %q, %v", lines, err)
	}
	if _, err := b.MarkQuoteSent("contoso", id); err != nil {
		t.Fatal(err)
	}
	lines, err := sig.Poll(ctx)
	if err != nil || strings.Join(lines, "\n") != "quote contoso v1 awaiting signature (request "+id+")" {
		t.Errorf("Poll while awaiting: %q, %v", lines, err)
	}
	e.fake.Sign(id, time.Now().UTC().Truncate(time.Second))
	lines, err = sig.Poll(ctx)
	if err != nil || len(lines) != 1 || !strings.HasPrefix(lines[0], "quote contoso v1 signed by Contoso Aktiengesellschaft <ap@contoso.example>") {
		t.Errorf("Poll once signed: %q, %v", lines, err)
	}
	if q := mustQuote(t, b, "contoso"); q.Status != ledger.QuoteSigned || q.SignedVia != signedVia {
		t.Errorf("after the poll: %s via %q", q.Status, q.SignedVia)
	}
}

// TestWorkstationSignaturesWithoutSettings: without a dropbox_sign: block
// the workstation's keys say where to look, and nothing is sent.
func TestWorkstationSignaturesWithoutSettings(t *testing.T) {
	db := filepath.Join(t.TempDir(), "book.db")
	run(t, "", "--db", db, "products", "import", "testdata/catalog.yaml")
	run(t, "", "--db", db, "quotes", "import", "testdata/quote.yaml", "--id", "contoso")
	b, err := ledger.Open(db, ledger.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	sig := (&app{}).signatures(b, "testdata/settings.yaml")
	if _, err := sig.Prepare(context.Background(), "contoso"); err == nil || !strings.Contains(err.Error(), "docs/esign.md") {
		t.Errorf("Prepare: %v", err)
	}
	if _, err := sig.Poll(context.Background()); err == nil || !strings.Contains(err.Error(), "docs/esign.md") {
		t.Errorf("Poll: %v", err)
	}
}
