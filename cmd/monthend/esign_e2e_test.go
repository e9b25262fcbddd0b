package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/monthend/monthend/integrations/esign"
	"github.com/monthend/monthend/integrations/esign/esigntest"
)

// TestESignUnderTmux sends a quote for e-signature from the workstation's
// quotes tab — the real binary's wiring, settings from $MONTHEND_SETTINGS —
// to a fake Dropbox Sign that validates each request against the vendor's
// description; once the fake says it is signed, P records the signature.
func TestESignUnderTmux(t *testing.T) {
	dir, bin := buildForTmux(t)
	db := filepath.Join(dir, "esign.db")
	run := monthendOn(t, bin, db)
	run("products", "import", "cli/testdata/catalog.yaml")
	run("quotes", "import", "cli/testdata/quote.yaml", "--id", "contoso")
	fake := esigntest.New(t, esigntest.VendorTestKey)
	seller, err := os.ReadFile("cli/testdata/settings.yaml")
	if err != nil {
		t.Fatal(err)
	}
	settings := filepath.Join(dir, "settings.yaml")
	if err := os.WriteFile(settings, append(seller, "dropbox_sign:\n  base_url: "+fake.URL()+"\n  test_mode: true\n"...), 0o600); err != nil {
		t.Fatal(err)
	}

	keys, waitFor, quit := tmuxSession(t, bin, db, "esign", "MONTHEND_SETTINGS="+settings, esign.APIKeyEnv+"="+esigntest.VendorTestKey)
	waitFor(" rows")
	keys("4")
	waitFor("Quotes: 1 draft")
	keys("E")
	waitFor("Send quote contoso v1 for e-signature?")
	if s := waitFor("Signer: Contoso Aktiengesellschaft <ap@contoso.example>"); !strings.Contains(s, "Test mode: not legally binding") {
		t.Fatalf("the confirmation does not say test mode:\n%s", s)
	}
	keys("y")
	waitFor("quote contoso v1 sent for signature to Contoso Aktiengesellschaft <ap@contoso.example> (test mode")
	waitFor("Quotes: 1 sent")
	reqs := fake.Requests()
	if len(reqs) != 1 || reqs[0].Path != "/signature_request/send" || reqs[0].Form["test_mode"] != "1" {
		t.Fatalf("requests to Dropbox Sign: %+v", reqs)
	}
	// The fake's first request id, as the CLI's tests know it.
	fake.Sign("fa5c8a0b0f492d768749333ad6fcc214c111e967", time.Now().UTC().Truncate(time.Second))
	keys("P")
	waitFor("quote contoso v1 signed by Contoso Aktiengesellschaft <ap@contoso.example>")
	waitFor("Quotes: 1 signed")
	quit()
	if out := string(run("quotes", "show", "contoso")); !strings.Contains(out, "(dropbox_sign)") {
		t.Errorf("the book does not have the signature via Dropbox Sign:\n%s", out)
	}
}
