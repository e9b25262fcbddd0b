package esigntest_test

import (
	"context"
	"testing"
	"time"

	"github.com/monthend/monthend/integrations/esign"
	"github.com/monthend/monthend/integrations/esign/esigntest"
)

// TestEventsVerify: the events the double makes carry the hash the real
// handler checks, and only for the key they were made with.
func TestEventsVerify(t *testing.T) {
	payload := esigntest.Event(esigntest.VendorTestKey, string(esign.EventAllSigned), 1764000000, nil)
	if _, err := esign.ParseEvent(payload, esign.NewAPIKey(esigntest.VendorTestKey)); err != nil {
		t.Errorf("an esigntest event does not verify: %v", err)
	}
	if _, err := esign.ParseEvent(payload, esign.NewAPIKey("another key")); err == nil {
		t.Error("an esigntest event verifies with another key")
	}
}

// TestServerKeepsWhatWasSent: Get answers the request as sent, and Sign
// and Decline move it on.
func TestServerKeepsWhatWasSent(t *testing.T) {
	f := esigntest.New(t, esigntest.VendorTestKey)
	c, err := esign.New(esign.Settings{BaseURL: f.URL()}, esign.NewAPIKey(esigntest.VendorTestKey))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var ids []string
	for range 2 {
		sr, err := c.SendForSignature(ctx, esign.SendRequest{PDF: []byte("%PDF-1.4 x"), QuoteID: "q", QuoteVersion: 3,
			Signers: []esign.Signer{{Name: "Dana", Email: "dana@example.com"}}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, sr.ID)
	}
	if ids[0] == ids[1] {
		t.Fatalf("two requests got one id %s", ids[0])
	}
	at := time.Date(2026, 5, 20, 12, 0, 0, 0, time.UTC)
	f.Sign(ids[0], at)
	f.Decline(ids[1], "no budget")
	signed, err := c.Get(ctx, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	if ref, _ := signed.Quote(); signed.Status() != esign.StatusSigned || ref != (esign.QuoteRef{ID: "q", Version: 3}) ||
		len(signed.Signatures) != 1 || signed.Signatures[0].Email != "dana@example.com" || !signed.Signatures[0].SignedAt.Equal(at) {
		t.Errorf("signed request: %+v", signed)
	}
	declined, err := c.Get(ctx, ids[1])
	if err != nil {
		t.Fatal(err)
	}
	if declined.Status() != esign.StatusDeclined || declined.Signatures[0].DeclineReason != "no budget" {
		t.Errorf("declined request: %+v", declined)
	}
}
