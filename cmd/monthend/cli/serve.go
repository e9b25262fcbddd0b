package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/monthend/monthend/integrations/email"
	"github.com/monthend/monthend/integrations/esign"
	"github.com/monthend/monthend/integrations/usageapi"
	"github.com/monthend/monthend/ledger"
)

func (a *app) serveCommand() *cobra.Command {
	var (
		addr         string
		allowRemote  bool
		maxBytes     int64
		deliverEvery time.Duration
		settings     string
	)
	cmd := &cobra.Command{
		Use:   "serve [--addr 127.0.0.1:8080]",
		Short: "Serve the usage HTTP API (and Dropbox Sign callbacks when set up)",
		Long: `serve accepts usage events over HTTP: POST /v1/usage/events (monthend's
shape, one event or a batch of up to 1,000), Sequence's POST
/api/usage-events and Lago's POST /api/v1/events and /api/v1/events/batch,
with a bearer API key (monthend apikey create). GET /healthz answers without
a key. The shapes and error codes are in docs/usage-ingestion.md.

When the settings file has a dropbox_sign: block (docs/esign.md), serve
also accepts Dropbox Sign's callback events at POST /v1/esign/callback:
that route takes no bearer key, because each event carries an HMAC of the
Dropbox Sign API key, which serve verifies (401 when it does not match).
"All signed" marks the quote signed and stores the signed PDF; "declined"
declines it; repeated events change nothing.

It binds to a loopback address unless --allow-remote is given. It holds the
book for writing; other commands read beside it. On SIGINT or SIGTERM it
stops accepting, lets requests in flight finish and closes the book: every
acknowledged event is committed.

--deliver-every also runs the outbox: every interval it sends the due items
(monthend send --help), so queued invoices go out while serve runs.`,
		Example: `  monthend apikey create pipeline
  monthend serve --addr 127.0.0.1:8080
  monthend serve --settings ~/billing/settings.yaml   # with a dropbox_sign: block: also POST /v1/esign/callback
  curl -H "Authorization: Bearer $KEY" -d '{"id":"e1","customer":"acme","metric":"api_calls","timestamp":"2026-03-05T10:00:00Z"}' \
      http://127.0.0.1:8080/v1/usage/events`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			host, _, err := net.SplitHostPort(addr)
			if err != nil {
				return usagef("--addr %q: want HOST:PORT, e.g. 127.0.0.1:8080", addr)
			}
			if ip := net.ParseIP(host); (ip == nil || !ip.IsLoopback()) && host != "localhost" && !allowRemote {
				return usagef("--addr %s is not a loopback address; add --allow-remote to accept usage from other machines", addr)
			}
			b, err := a.openBook(true)
			if err != nil {
				return err
			}
			defer b.Close()
			log := slog.New(slog.NewTextHandler(a.stderr, nil))
			var send ledger.SendFunc
			if deliverEvery > 0 {
				if send, err = newSendFunc(b, settings); err != nil {
					return err
				}
			}
			handler, signing, err := serveHandler(b, settings, maxBytes, log)
			if err != nil {
				return err
			}
			srv := &http.Server{
				Handler:           handler,
				ReadHeaderTimeout: 10 * time.Second,
				ReadTimeout:       60 * time.Second,
				IdleTimeout:       120 * time.Second,
			}
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return fmt.Errorf("serve: %w", err)
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			errc := make(chan error, 1)
			go func() { errc <- srv.Serve(ln) }()
			loopDone := make(chan struct{})
			if send != nil {
				go func() { defer close(loopDone); deliverLoop(ctx, b, send, deliverEvery, log) }()
			} else {
				close(loopDone)
			}
			defer func() { stop(); <-loopDone }() // the book closes after the outbox loop
			fmt.Fprintf(a.stderr, "monthend serve: listening on http://%s (book %s); Ctrl-C stops\n", ln.Addr(), b.Path())
			if signing {
				fmt.Fprintf(a.stderr, "monthend serve: Dropbox Sign callbacks at POST http://%s%s\n", ln.Addr(), esignCallbackPath)
			}
			select {
			case err := <-errc:
				return fmt.Errorf("serve: %w", err)
			case <-ctx.Done():
			}
			fmt.Fprintln(a.stderr, "monthend serve: shutting down; finishing requests in flight")
			sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := srv.Shutdown(sctx); err != nil {
				return fmt.Errorf("serve: shutdown: %w", err)
			}
			if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "address to listen on")
	cmd.Flags().BoolVar(&allowRemote, "allow-remote", false, "allow a non-loopback --addr")
	cmd.Flags().Int64Var(&maxBytes, "max-body", usageapi.DefaultMaxBytes, "largest request body in bytes")
	cmd.Flags().DurationVar(&deliverEvery, "deliver-every", 0, "also deliver the outbox this often, e.g. 1m (0: never)")
	cmd.Flags().StringVar(&settings, "settings", "", "the settings file: seller and SMTP for --deliver-every, dropbox_sign for callbacks")
	return cmd
}

// esignCallbackPath is where Dropbox Sign posts its events.
const esignCallbackPath = "/v1/esign/callback"

// serveHandler is what serve answers: the usage API, unchanged, and, when
// the settings file has a dropbox_sign: block, Dropbox Sign's callback
// route in front of it. signing says whether the route is mounted. A
// dropbox_sign: block without a usable API key is an error: callbacks
// cannot be verified without it.
func serveHandler(b *ledger.Book, settingsFlag string, maxBytes int64, log *slog.Logger) (h http.Handler, signing bool, err error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	usage := usageapi.New(b, usageapi.Options{MaxBytes: maxBytes, Logger: log})
	path, err := settingsPath(settingsFlag)
	if err != nil {
		return nil, false, err
	}
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) && settingsFlag == "" {
		return usage, false, nil
	}
	s, err := esign.LoadSettings(path)
	if errors.Is(err, esign.ErrNoSettings) {
		return usage, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("%w (see docs/esign.md)", err)
	}
	key, err := esign.LoadAPIKey(s, os.Getenv)
	if err != nil {
		return nil, false, fmt.Errorf("dropbox sign callbacks: %w (see docs/esign.md)", err)
	}
	client, err := esign.New(s, key)
	if err != nil {
		return nil, false, err
	}
	events := esignEvents{book: b, client: client, log: log}
	mux := http.NewServeMux()
	mux.Handle("POST "+esignCallbackPath, esign.NewCallbackHandler(key, events.apply, log))
	mux.Handle("/", usage)
	return mux, true, nil
}

// deliverLoop sends the due outbox items every interval until ctx ends.
func deliverLoop(ctx context.Context, b *ledger.Book, send ledger.SendFunc, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		sum, err := b.Deliver(ctx, send, email.IsTemporary)
		if err != nil && ctx.Err() == nil {
			log.Error("outbox delivery", "err", err)
		}
		if sum != (ledger.DeliverSummary{}) {
			log.Info("outbox delivery", "sent", sum.Sent, "retrying", sum.Retrying, "failed", sum.Failed, "in_doubt", sum.InDoubt)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
