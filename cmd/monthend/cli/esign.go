package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/monthend/monthend/integrations/documents"
	"github.com/monthend/monthend/integrations/esign"
	"github.com/monthend/monthend/ledger"
	"github.com/monthend/monthend/pricing"
)

// signedVia is how a quote signed through Dropbox Sign is recorded.
const signedVia = "dropbox_sign"

// esignSetup reads the dropbox_sign: block of the settings file and the
// API key. The error says where to look: docs/esign.md.
func esignSetup(settingsFlag string) (esign.Settings, esign.APIKey, error) {
	path, err := settingsPath(settingsFlag)
	if err != nil {
		return esign.Settings{}, esign.APIKey{}, err
	}
	s, err := esign.LoadSettings(path)
	if err != nil {
		return s, esign.APIKey{}, fmt.Errorf("%w (e-signature needs a dropbox_sign: block in the settings file and an API key; see docs/esign.md)", err)
	}
	key, err := esign.LoadAPIKey(s, os.Getenv)
	if err != nil {
		return s, key, fmt.Errorf("%w (see docs/esign.md)", err)
	}
	return s, key, nil
}

func esignClient(settingsFlag string) (*esign.Client, error) {
	s, key, err := esignSetup(settingsFlag)
	if err != nil {
		return nil, err
	}
	return esign.New(s, key)
}

// signatureOptions are what a quote is sent for signature with: the
// document's settings, the signer (empty: the party's legal name and first
// billing email), test mode (also forced by test_mode in the settings),
// and whether a quote that has a request may get another.
type signatureOptions struct {
	doc                     quoteDocOptions
	signerName, signerEmail string
	testMode, again         bool
}

// signatureSend is a quote version checked and ready to go to Dropbox
// Sign. prepareSignature makes it, so the CLI and the workstation check
// the same things and can show what will be sent before sending it.
type signatureSend struct {
	quote    ledger.Quote
	doc      documents.Quote
	signer   esign.Signer
	testMode bool // asked for, or forced by the settings
	client   *esign.Client
}

// prepareSignature reads the settings (the error points to docs/esign.md)
// and the newest version of quote id, and checks that it may be sent for
// signature: a draft or sent quote, not expired, without a request unless
// o.again, with a signer. It sends nothing.
func (a *app) prepareSignature(book *ledger.Book, id string, o signatureOptions) (signatureSend, error) {
	settings, key, err := esignSetup(o.doc.settings)
	if err != nil {
		return signatureSend{}, err
	}
	client, err := esign.New(settings, key)
	if err != nil {
		return signatureSend{}, err
	}
	q, doc, err := a.quoteDocument(book, id, o.doc)
	if err != nil {
		return signatureSend{}, err
	}
	switch {
	case q.Status != ledger.QuoteDraft && q.Status != ledger.QuoteSent:
		return signatureSend{}, fmt.Errorf("quote %s v%d is %s (%w): only a draft or sent quote can be sent for signature", q.ID, q.Version, q.Status, ledger.ErrQuoteStatus)
	case q.SignatureRequestID != "" && !o.again:
		return signatureSend{}, fmt.Errorf("quote %s v%d already has signature request %s: check it (monthend quotes poll %s) or send another with --again", q.ID, q.Version, q.SignatureRequestID, q.ID)
	}
	if loc, err := time.LoadLocation(q.Schedule.TimeZone); err == nil && pricing.DateOf(time.Now(), loc).After(q.Expires) {
		return signatureSend{}, fmt.Errorf("quote %s expired on %s (%w): set a later expires and import it again", q.ID, q.Expires, ledger.ErrQuoteExpired)
	}
	signer, err := defaultSigner(doc, o.signerName, o.signerEmail)
	if err != nil {
		return signatureSend{}, err
	}
	return signatureSend{quote: q, doc: doc, signer: signer, testMode: o.testMode || settings.TestMode, client: client}, nil
}

// send renders the quote's PDF and asks Dropbox Sign for the signature.
// The caller records the request it returns (Book.MarkQuoteSent): until
// then nothing in the book says it was made.
func (s signatureSend) send(ctx context.Context) (esign.SignatureRequest, error) {
	q, doc := s.quote, s.doc
	pdf, err := documents.RenderQuotePDF(doc)
	if err != nil {
		return esign.SignatureRequest{}, fmt.Errorf("render quote %s v%d: %w", q.ID, q.Version, err)
	}
	sr, err := s.client.SendForSignature(ctx, esign.SendRequest{
		Title:    doc.Title(),
		Subject:  fmt.Sprintf("Please sign: quote %s from %s", q.ID, doc.Seller.LegalName),
		Message:  fmt.Sprintf("%s sends you quote %s (version %d) for signature. It is valid until %s.", doc.Seller.LegalName, q.ID, q.Version, q.Expires),
		Signers:  []esign.Signer{s.signer},
		PDF:      pdf,
		FileName: doc.FileName(),
		QuoteID:  q.ID, QuoteVersion: q.Version,
		TestMode: s.testMode,
	})
	if err != nil {
		return esign.SignatureRequest{}, fmt.Errorf("quote %s: %w", q.ID, err)
	}
	return sr, nil
}

// notRecorded is the error when Dropbox Sign has a request the book
// refused to record: it names the request and the command that records it.
func notRecorded(id, requestID string, err error) error {
	return fmt.Errorf("quote %s was sent for signature as request %s but not recorded: %w; record it with monthend quotes send %s --signature-request %s",
		id, requestID, err, id, requestID)
}

func (a *app) quotesSendForSignatureCommand() *cobra.Command {
	var o signatureOptions
	cmd := &cobra.Command{
		Use:   "send-for-signature ID [--test] [--signer-name NAME --signer-email EMAIL]",
		Short: "Send the newest version of a quote for e-signature through Dropbox Sign",
		Long: `send-for-signature renders the newest version of a draft (or sent) quote as
PDF (monthend quotes pdf --help), sends it to Dropbox Sign for signature and
records the signature request's id with the quote, which becomes sent. The
signer is --signer-name and --signer-email, by default the prospect's or
customer's name and first billing email.

When the signer has signed, monthend serve marks the quote signed from
Dropbox Sign's callback and keeps the signed PDF, or run monthend quotes
poll. --test sends a request that is not legally binding (Dropbox Sign's
test mode), for trying the flow.

Settings: the dropbox_sign: block of the settings file (the same file as
the seller and SMTP settings) and the API key in
$MONTHEND_DROPBOX_SIGN_API_KEY or a 0600 key file; see docs/esign.md.

A quote that already has a signature request is not sent again unless
--again is given: Dropbox Sign has no idempotency key, so check the
Dropbox Sign dashboard first.`,
		Example: `  monthend quotes send-for-signature contoso-2026 --test
  monthend quotes send-for-signature contoso-2026 --signer-name "Dana Meier" --signer-email dana@contoso.example
  monthend quotes poll contoso-2026`,
		Args: exactArgs(1, "send-for-signature takes one quote ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			// The settings first: without them the book is not opened.
			if _, _, err := esignSetup(o.doc.settings); err != nil {
				return err
			}
			book, err := a.openBook(true)
			if err != nil {
				return err
			}
			defer book.Close()
			s, err := a.prepareSignature(book, args[0], o)
			if err != nil {
				return err
			}
			sr, err := s.send(cmd.Context())
			if err != nil {
				return err
			}
			q, err := book.MarkQuoteSent(s.quote.ID, sr.ID)
			if err != nil {
				return notRecorded(args[0], sr.ID, err)
			}
			mode := ""
			if sr.TestMode {
				mode = " (test mode: not legally binding)"
			}
			fmt.Fprintf(a.stdout, "quote %s v%d sent for signature to %s <%s>%s: signature request %s\n", q.ID, q.Version, s.signer.Name, s.signer.Email, mode, sr.ID)
			fmt.Fprintf(a.stdout, "next: monthend serve marks it signed when Dropbox Sign calls back, or run monthend quotes poll %s\n", q.ID)
			return nil
		},
	}
	o.doc.register(cmd, false)
	cmd.Flags().BoolVar(&o.testMode, "test", false, "Dropbox Sign test mode: the signature is not legally binding")
	cmd.Flags().StringVar(&o.signerName, "signer-name", "", "who signs (default: the prospect's or customer's name)")
	cmd.Flags().StringVar(&o.signerEmail, "signer-email", "", "the signer's email (default: the first billing email)")
	cmd.Flags().BoolVar(&o.again, "again", false, "send a new signature request even though one was sent")
	return cmd
}

func defaultSigner(doc documents.Quote, name, email string) (esign.Signer, error) {
	if name == "" {
		name = doc.Customer.DisplayLegalName()
	}
	if email == "" {
		if len(doc.Customer.Emails) == 0 {
			return esign.Signer{}, usagef("%s has no billing email: give --signer-email (and --signer-name)", doc.Customer.DisplayLegalName())
		}
		email = doc.Customer.Emails[0]
	}
	return esign.Signer{Name: name, Email: email}, nil
}

func (a *app) quotesPollCommand() *cobra.Command {
	var settings string
	cmd := &cobra.Command{
		Use:   "poll [ID ...]",
		Short: "Ask Dropbox Sign about quotes out for signature and record what changed",
		Long: `poll asks Dropbox Sign for the state of each quote that was sent for
signature (monthend quotes send-for-signature) and is still sent; with IDs,
only those. A completed request marks the quote signed (via dropbox_sign, by
the signers, at the last signature) and stores the signed PDF; a declined
one marks it declined with the signer's reason. It prints what changed and
what is still awaiting signature. Use it where Dropbox Sign's callbacks
cannot reach monthend serve; running it again changes nothing.

Settings as for send-for-signature: see docs/esign.md.`,
		Example: `  monthend quotes poll
  monthend quotes poll contoso-2026`,
		RunE: func(cmd *cobra.Command, args []string) error {
			client, err := esignClient(settings)
			if err != nil {
				return err
			}
			book, err := a.openBook(true)
			if err != nil {
				return err
			}
			defer book.Close()
			todo, err := quotesOutForSignature(book, args)
			if err != nil {
				return err
			}
			if len(todo) == 0 {
				fmt.Fprintln(a.stdout, "no quote is out for signature")
				return nil
			}
			failed, err := pollSignatures(cmd.Context(), book, client, todo, func(q ledger.Quote, line string, err error) {
				if err != nil {
					fmt.Fprintf(a.stderr, "monthend: quote %s: %v\n", q.ID, err)
					return
				}
				fmt.Fprintln(a.stdout, line)
			})
			if err != nil {
				return err
			}
			if len(failed) > 0 {
				return fmt.Errorf("%d quote(s) not updated (%s); run monthend quotes poll again later", len(failed), strings.Join(failed, ", "))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&settings, "settings", "", "the settings file with the dropbox_sign: block")
	return cmd
}

// quotesOutForSignature is what poll asks about: with no ids, every sent
// quote with a signature request; else the newest version of each id,
// which must have one.
func quotesOutForSignature(book *ledger.Book, ids []string) ([]ledger.Quote, error) {
	var todo []ledger.Quote
	if len(ids) == 0 {
		all, err := book.Quotes()
		if err != nil {
			return nil, err
		}
		for _, q := range all {
			if q.Status == ledger.QuoteSent && q.SignatureRequestID != "" {
				todo = append(todo, q)
			}
		}
		return todo, nil
	}
	for _, id := range ids {
		q, err := book.Quote(id, 0)
		if err != nil {
			return nil, err
		}
		if q.SignatureRequestID == "" {
			return nil, fmt.Errorf("quote %s v%d was not sent for signature: monthend quotes send-for-signature %s", q.ID, q.Version, q.ID)
		}
		todo = append(todo, q)
	}
	return todo, nil
}

// pollSignatures asks Dropbox Sign about each quote in todo and records
// what changed (applySignatureRequest), calling report with each quote's
// sentence or its error. One quote failing does not stop the others; a
// settings error does (every call would fail alike) and is returned.
// failed names the quotes not updated.
func pollSignatures(ctx context.Context, book *ledger.Book, client *esign.Client, todo []ledger.Quote, report func(q ledger.Quote, line string, err error)) (failed []string, err error) {
	for _, q := range todo {
		sr, err := client.Get(ctx, q.SignatureRequestID)
		if err != nil {
			if errors.Is(err, esign.ErrSettings) {
				return failed, err
			}
			report(q, "", err)
			failed = append(failed, q.ID)
			continue
		}
		msg, err := applySignatureRequest(ctx, book, client, q, sr)
		if err != nil {
			report(q, "", err)
			failed = append(failed, q.ID)
			continue
		}
		report(q, msg, nil)
	}
	return failed, nil
}

// applySignatureRequest brings quote version q in line with its signature
// request as Dropbox Sign reports it: complete → signed with the signed
// PDF; declined → declined; otherwise nothing. It is idempotent: a quote
// already signed (or executed, or declined) is left as it is, without
// downloading anything. It returns a sentence saying what happened.
func applySignatureRequest(ctx context.Context, book *ledger.Book, client *esign.Client, q ledger.Quote, sr esign.SignatureRequest) (string, error) {
	switch sr.Status() {
	case esign.StatusSigned:
		if q.Status == ledger.QuoteSigned || q.Status == ledger.QuoteExecuted {
			return fmt.Sprintf("quote %s v%d unchanged: already %s", q.ID, q.Version, q.Status), nil
		}
		pdf, err := client.DownloadSigned(ctx, sr.ID)
		if err != nil {
			return "", err
		}
		by, at := signers(sr)
		q, changed, err := book.MarkQuoteSigned(q.ID, q.Version, ledger.Signature{By: by, At: at, Via: signedVia, PDF: pdf})
		if err != nil {
			return "", err
		}
		if !changed {
			return fmt.Sprintf("quote %s v%d unchanged: already %s", q.ID, q.Version, q.Status), nil
		}
		return fmt.Sprintf("quote %s v%d signed by %s on %s via Dropbox Sign (signed PDF kept, %d bytes); next: monthend quotes execute %s",
			q.ID, q.Version, q.SignedBy, q.SignedAt.Format(time.DateOnly), len(pdf), q.ID), nil
	case esign.StatusDeclined:
		if q.Status == ledger.QuoteDeclined {
			return fmt.Sprintf("quote %s v%d unchanged: already declined", q.ID, q.Version), nil
		}
		q, err := book.DeclineQuote(q.ID, declineReason(sr))
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("quote %s v%d declined: %s", q.ID, q.Version, q.DeclineReason), nil
	case esign.StatusError:
		return fmt.Sprintf("quote %s v%d: Dropbox Sign reports an error on request %s; see %s", q.ID, q.Version, sr.ID, sr.DetailsURL), nil
	}
	return fmt.Sprintf("quote %s v%d awaiting signature (request %s)", q.ID, q.Version, sr.ID), nil
}

// signers names who signed and when the last of them did (the zero time,
// which the book reads as now, if Dropbox Sign gives no time).
func signers(sr esign.SignatureRequest) (string, time.Time) {
	var names []string
	var last time.Time
	for _, s := range sr.Signatures {
		if s.StatusCode != "signed" {
			continue
		}
		name := s.Name
		if name == "" {
			name = s.Email
		} else if s.Email != "" {
			name += " <" + s.Email + ">"
		}
		names = append(names, name)
		if s.SignedAt.After(last) {
			last = s.SignedAt
		}
	}
	if len(names) == 0 {
		return "Dropbox Sign request " + sr.ID, last
	}
	return strings.Join(names, ", "), last
}

func declineReason(sr esign.SignatureRequest) string {
	for _, s := range sr.Signatures {
		if s.StatusCode == "declined" {
			who := s.Name
			if who == "" {
				who = s.Email
			}
			if s.DeclineReason != "" {
				return fmt.Sprintf("declined in Dropbox Sign by %s: %s", who, s.DeclineReason)
			}
			return "declined in Dropbox Sign by " + who
		}
	}
	return "declined in Dropbox Sign"
}

// esignEvents applies Dropbox Sign's callback events to the book: the
// CallbackFunc that monthend serve gives esign.NewCallbackHandler.
type esignEvents struct {
	book   *ledger.Book
	client *esign.Client
	log    *slog.Logger
}

// apply handles one verified event. "All signed" and "downloadable" mark
// the quote signed with the signed PDF; "declined" declines it; every
// other event is logged and ignored. Repeats change nothing. It returns
// an error (Dropbox Sign retries) only for what may succeed later: the
// signed PDF not ready, the book failing. An event about a request no
// quote has, or one the quote's status no longer allows (a newer version,
// an expired quote), is logged and answered, since retrying cannot help.
func (e esignEvents) apply(ctx context.Context, ev esign.Event) error {
	acts := []esign.EventType{esign.EventAllSigned, esign.EventDownloadable, esign.EventDeclined}
	if ev.SignatureRequest == nil || !slices.Contains(acts, ev.Type) {
		e.log.Info("dropbox sign event ignored", "type", ev.Type)
		return nil
	}
	sr := *ev.SignatureRequest
	q, err := e.book.QuoteBySignatureRequest(sr.ID)
	if errors.Is(err, ledger.ErrNotFound) {
		e.log.Warn("dropbox sign event for a request no quote has; ignored", "type", ev.Type, "signature_request", sr.ID)
		return nil
	}
	if err != nil {
		return err
	}
	if ref, ok := sr.Quote(); ok && (ref.ID != q.ID || ref.Version != q.Version) {
		e.log.Warn("dropbox sign event metadata names another quote; the recorded request id wins",
			"signature_request", sr.ID, "metadata_quote", ref.ID, "metadata_version", ref.Version, "quote", q.ID, "version", q.Version)
	}
	if ev.Type == esign.EventDeclined {
		sr.Declined = true
	} else {
		sr.Complete, sr.Declined = true, false
	}
	msg, err := applySignatureRequest(ctx, e.book, e.client, q, sr)
	switch {
	case errors.Is(err, ledger.ErrQuoteStatus), errors.Is(err, ledger.ErrQuoteSuperseded), errors.Is(err, ledger.ErrQuoteExpired):
		e.log.Warn("dropbox sign event not applied", "type", ev.Type, "quote", q.ID, "version", q.Version, "err", err)
		return nil
	case err != nil:
		return fmt.Errorf("quote %s v%d: %w", q.ID, q.Version, err)
	}
	e.log.Info(msg, "type", ev.Type, "signature_request", sr.ID)
	return nil
}
