package esign_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/monthend/monthend/integrations/esign"
)

// The vendor's callback fixture, signed with the vendor's test key.
func ExampleVerifyEventHash() {
	key := esign.NewAPIKey("324e3b0840f065eb51f3fd63231d0d33daa35d4ed10d27718839e81737065782")
	hash := "c574f5d3090c2936360b4e36cf6835cf3e2206b84fdc6347e6b28ca721ae1371"
	fmt.Println(esign.VerifyEventHash(key, "1348177752", "unknown_error", hash))
	fmt.Println(esign.VerifyEventHash(key, "1348177752", "signature_request_all_signed", hash))
	// Output:
	// true
	// false
}

// Mounting the callback handler in a server, as monthend serve does.
func ExampleNewCallbackHandler() {
	settings, err := esign.LoadSettings("settings.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	key, err := esign.LoadAPIKey(settings, os.Getenv)
	if err != nil {
		fmt.Println(err)
		return
	}
	store := func(ctx context.Context, ev esign.Event) error {
		if ev.SignatureRequest == nil {
			return nil // account and template events: nothing to do
		}
		ref, ok := ev.SignatureRequest.Quote()
		if !ok {
			return nil // not sent by monthend
		}
		switch ev.Type {
		case esign.EventAllSigned:
			// Mark the quote version signed in the book, idempotently; an
			// error here makes Dropbox Sign deliver the event again.
			slog.Info("quote signed", "quote", ref.ID, "version", ref.Version, "event", ev.Key())
		case esign.EventDeclined:
			slog.Info("quote declined", "quote", ref.ID, "version", ref.Version, "reason", ev.Message)
		}
		return nil
	}
	mux := http.NewServeMux()
	mux.Handle("POST /v1/esign/callback", esign.NewCallbackHandler(key, store, slog.Default()))
}

// Sending a quote and acting on the error classes.
func ExampleClient_SendForSignature() {
	key, err := esign.LoadAPIKey(esign.Settings{}, os.Getenv)
	if err != nil {
		fmt.Println(err)
		return
	}
	c, err := esign.New(esign.Settings{TestMode: true}, key)
	if err != nil {
		fmt.Println(err)
		return
	}
	pdf, _ := os.ReadFile("Q-2026-0042-v3.pdf")
	sr, err := c.SendForSignature(context.Background(), esign.SendRequest{
		Title:   "Quote Q-2026-0042",
		Signers: []esign.Signer{{Name: "Ada Lovelace", Email: "ada@northwind.example"}},
		PDF:     pdf, QuoteID: "Q-2026-0042", QuoteVersion: 3,
	})
	var e *esign.Error
	switch {
	case err == nil:
		fmt.Println("sent", sr.ID, sr.Status())
	case esign.IsTemporary(err) && errors.As(err, &e):
		fmt.Println("retry after", max(e.RetryAfter, time.Minute), "—", err)
	default:
		fmt.Println(err) // says what to fix
	}
}
