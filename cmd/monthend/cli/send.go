package cli

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/monthend/monthend/integrations/documents"
	"github.com/monthend/monthend/integrations/email"
	"github.com/monthend/monthend/ledger"
)

func (a *app) sendCommand() *cobra.Command {
	var period, viewName, settings string
	var deliver, asJSON bool
	cmd := &cobra.Command{
		Use:   "send [INVOICE...] [--period YYYY-MM | --view NAME] [--deliver]",
		Short: "Queue issued invoices in the outbox; --deliver also emails them",
		Long: `send puts issued invoices in the outbox, one item each, addressed to the
customer's billing emails. An invoice already queued, sending, sent or in
doubt is not queued again.

--deliver then sends every due item: the invoice PDF attached to an email
from the templates, through the SMTP server of the settings file
(docs/delivery.md: --settings, else $MONTHEND_SETTINGS, else
$XDG_CONFIG_HOME/monthend/settings.yaml). A temporary failure (server down,
4xx) stays queued and is retried later with backoff; a refused address is
marked failed. An item found "sending" after a stop may have gone out: it is
shown as unknown and never resent until you say so (monthend outbox resolve).
The invoice moves to sent when its mail is accepted.`,
		Example: `  monthend send --view "Ready to send"
  monthend send INV-2026-000123 --deliver
  monthend send --deliver            # deliver what is queued, queue nothing new`,
		RunE: func(cmd *cobra.Command, args []string) error {
			book, err := a.openBook(true)
			if err != nil {
				return err
			}
			defer book.Close()
			ids, err := a.selectInvoices(book, args, period, viewName, ledger.InvoiceIssued)
			if err != nil {
				return err
			}
			if len(ids) == 0 && !deliver {
				return usagef("name issued invoices, or give --period or --view (or --deliver to send what is queued)")
			}
			if len(ids) > 0 {
				res, err := book.QueueSend(ids)
				if asJSON {
					if werr := writeJSON(a.stdout, res); werr != nil {
						return werr
					}
				} else {
					for _, r := range res {
						if r.Queued {
							fmt.Fprintf(a.stdout, "%s  queued\n", r.InvoiceID)
						} else {
							fmt.Fprintf(a.stdout, "%s  not queued: %s\n", r.InvoiceID, r.Reason)
						}
					}
				}
				if err != nil {
					return err
				}
			}
			if !deliver {
				return nil
			}
			return a.deliver(book, settings)
		},
	}
	cmd.Flags().StringVar(&period, "period", "", "queue every issued invoice of this period, YYYY-MM")
	cmd.Flags().StringVar(&viewName, "view", "", "queue the issued invoices a saved view shows")
	cmd.Flags().BoolVar(&deliver, "deliver", false, "send the due outbox items now")
	cmd.Flags().StringVar(&settings, "settings", "", "the settings file (seller and SMTP)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print each invoice's queue result as JSON")
	return cmd
}

// selectInvoices resolves invoice arguments, a period or a view to the ids
// of the invoices in the given status.
func (a *app) selectInvoices(book *ledger.Book, args []string, period, viewName string, status ledger.InvoiceStatus) ([]string, error) {
	given := 0
	for _, g := range []bool{period != "", viewName != "", len(args) > 0} {
		if g {
			given++
		}
	}
	if given > 1 {
		return nil, usagef("name invoices, or give --period or --view (one of them)")
	}
	if len(args) > 0 {
		return args, nil
	}
	var rows []ledger.InvoiceRow
	switch {
	case viewName != "":
		v, err := book.GetView(viewName)
		if err != nil {
			return nil, err
		}
		if rows, _, err = book.ViewSummaryRows(v, ledger.DefaultThresholds); err != nil {
			return nil, err
		}
	case period != "":
		if _, _, err := ledger.Month(period); err != nil {
			return nil, usageError{err}
		}
		invs, err := book.InvoicesFor(period)
		if err != nil {
			return nil, err
		}
		for _, inv := range invs {
			rows = append(rows, ledger.InvoiceRow{Invoice: inv})
		}
	}
	var ids []string
	for _, r := range rows {
		if r.ID != "" && r.Status == status {
			ids = append(ids, r.ID)
		}
	}
	return ids, nil
}

// deliver sends the due outbox items through the settings' SMTP server.
func (a *app) deliver(book *ledger.Book, settingsFlag string) error {
	send, err := newSendFunc(book, settingsFlag)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	sum, err := book.Deliver(ctx, send, email.IsTemporary)
	fmt.Fprintf(a.stdout, "delivered: %d sent, %d to retry later, %d failed, %d in doubt (monthend outbox list)\n",
		sum.Sent, sum.Retrying, sum.Failed, sum.InDoubt)
	return err
}

// newSendFunc reads the settings file once and returns the function that
// delivers one outbox item: the invoice's PDF attached to a templated
// email, through the settings' SMTP server.
func newSendFunc(book *ledger.Book, settingsFlag string) (ledger.SendFunc, error) {
	path, err := settingsPath(settingsFlag)
	if err != nil {
		return nil, err
	}
	seller, err := documents.LoadSeller(path)
	if err != nil {
		return nil, err
	}
	smtp, err := email.LoadSettings(path)
	if err != nil {
		return nil, err
	}
	password, err := email.LoadPassword(smtp, os.Getenv)
	if err != nil {
		return nil, err
	}
	templates, err := email.LoadTemplates(smtp)
	if err != nil {
		return nil, err
	}
	sender, err := email.NewSender(smtp, password)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, item ledger.OutboxItem) error {
		inv, err := book.Invoice(item.InvoiceID)
		if err != nil {
			return err
		}
		c, err := book.Customer(inv.CustomerID)
		if err != nil {
			return err
		}
		doc := documentOf(inv, c, seller)
		doc.Customer.Emails = item.To
		pdf, err := documents.RenderPDF(doc)
		if err != nil {
			return err
		}
		msg, err := email.InvoiceMessage(doc, pdf, templates)
		if err != nil {
			return err
		}
		// One Message-ID per outbox item, so a resend is recognisably the same mail.
		msg.ID = "<outbox-" + strconv.FormatUint(item.Seq, 10) + "." + inv.Number + "@monthend>"
		sendCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		defer cancel()
		return sender.Send(sendCtx, msg)
	}, nil
}

func (a *app) outboxCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "outbox",
		Short: "What is queued, sent, failed or in doubt; settle items in doubt",
		Example: `  monthend outbox list
  monthend outbox resolve 17 --sent      # I checked: it went out
  monthend outbox resolve 17 --resend    # send it again`,
	}
	cmd.AddCommand(listCommand(a, listing[ledger.OutboxItem]{
		use: "list [--json]", short: "List outbox items",
		example: "  monthend outbox list\n  monthend outbox list --json",
		empty:   "the outbox is empty: monthend send --help",
		read:    (*ledger.Book).Outbox,
		header:  "ITEM\tINVOICE\tTO\tSTATUS\tATTEMPTS\tLAST ERROR",
		row: func(o ledger.OutboxItem) string {
			return fmt.Sprintf("%d\t%s\t%v\t%s\t%d\t%s", o.Seq, o.Number, o.To, o.Status, o.Attempts, o.LastError)
		},
	}), a.outboxResolveCommand())
	return cmd
}

func (a *app) outboxResolveCommand() *cobra.Command {
	var sent, resend bool
	cmd := &cobra.Command{
		Use:   "resolve ITEM --sent | --resend",
		Short: "Settle an item in doubt (found sending after a stop)",
		Long: `resolve settles an outbox item whose state is unknown: --sent when you have
checked that the mail went out (the invoice becomes sent), --resend to
queue it again for the next delivery.`,
		Example: "  monthend outbox resolve 17 --sent\n  monthend outbox resolve 17 --resend",
		Args:    exactArgs(1, "resolve takes one outbox ITEM number"),
		RunE: func(cmd *cobra.Command, args []string) error {
			seq, err := strconv.ParseUint(args[0], 10, 64)
			if err != nil {
				return usagef("outbox item %q: a number from monthend outbox list", args[0])
			}
			if sent == resend {
				return usagef("say --sent or --resend")
			}
			book, err := a.openBook(true)
			if err != nil {
				return err
			}
			defer book.Close()
			if err := book.ResolveUnknown(seq, sent); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "outbox item %d settled\n", seq)
			return nil
		},
	}
	cmd.Flags().BoolVar(&sent, "sent", false, "it went out")
	cmd.Flags().BoolVar(&resend, "resend", false, "queue it again")
	return cmd
}
