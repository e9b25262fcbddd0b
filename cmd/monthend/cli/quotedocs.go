package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/spf13/cobra"

	"github.com/monthend/monthend/integrations/documents"
	"github.com/monthend/monthend/ledger"
	"github.com/monthend/monthend/pricing"
)

// quoteDocOptions are the flags the document commands share.
type quoteDocOptions struct {
	version  int
	usage    []string
	settings string
}

func (o *quoteDocOptions) register(cmd *cobra.Command, withVersion bool) {
	if withVersion {
		cmd.Flags().IntVar(&o.version, "version", 0, "the version (default: the newest)")
	}
	cmd.Flags().StringArrayVar(&o.usage, "usage", nil, "assumed usage per billing period for the totals, METRIC=QTY; repeat for each metric")
	cmd.Flags().StringVar(&o.settings, "settings", "", "the settings file with the seller's details")
}

// quoteDocument reads the quote version and its party from the book and
// the seller from the settings, prices it and maps it to the document.
func (a *app) quoteDocument(book *ledger.Book, id string, o quoteDocOptions) (ledger.Quote, documents.Quote, error) {
	seller, err := loadSeller(o.settings, "quote")
	if err != nil {
		return ledger.Quote{}, documents.Quote{}, err
	}
	perPeriod, err := parseUsageFlags(o.usage)
	if err != nil {
		return ledger.Quote{}, documents.Quote{}, err
	}
	q, err := book.Quote(id, o.version)
	if err != nil {
		return ledger.Quote{}, documents.Quote{}, err
	}
	var party ledger.Customer
	if q.CustomerID != "" {
		if party, err = book.Customer(q.CustomerID); err != nil {
			return q, documents.Quote{}, fmt.Errorf("quote %s: %w", q.ID, err)
		}
	}
	f, err := q.Figures(perPeriod)
	if err != nil {
		return q, documents.Quote{}, fmt.Errorf("quote %s v%d: %w", q.ID, q.Version, err)
	}
	return q, quoteDocumentOf(q, party, seller, f, perPeriod), nil
}

// quoteDocumentOf maps a stored quote, its customer (zero for a prospect)
// and its figures to the document model. Its date is the day the version
// was last saved, in the quote's time zone: never the clock.
func quoteDocumentOf(q ledger.Quote, c ledger.Customer, seller documents.Seller, f pricing.Figures, usage map[string]decimal.Decimal) documents.Quote {
	loc, err := time.LoadLocation(q.Schedule.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	h := documents.QuoteHeader{
		Seller: seller, ID: q.ID, Version: q.Version,
		Date: pricing.DateOf(q.SavedAt, loc), Expires: q.Expires,
		TermMonths: q.TermMonths, PaymentTermsDays: q.PaymentTermsDays, Notes: q.Notes,
		Products: map[string]string{}, Usage: usage,
	}
	if p := q.Prospect; p != nil && q.CustomerID == "" {
		h.Prospect = true
		h.Customer = documents.Customer{Name: p.Name, LegalName: p.LegalName, Address: addressLines(p.Address), Emails: p.Emails}
	} else {
		h.Customer = documents.Customer{Name: c.Name, LegalName: c.LegalName, Address: addressLines(c.Address), Emails: c.Emails}
	}
	for _, l := range q.Lines {
		h.Products[l.Phase+"/"+l.Line] = l.Product
	}
	return documents.FromQuote(q.Schedule, f, h)
}

func addressLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func (a *app) quotesPDFCommand() *cobra.Command {
	var (
		o   quoteDocOptions
		out string
	)
	cmd := &cobra.Command{
		Use:   "pdf ID [--version N] [-o FILE] [--usage METRIC=QTY ...]",
		Short: "Write a quote as the PDF the customer signs",
		Long: `pdf renders a quote version as a PDF: seller and customer (or prospect), quote
id and version, contract start, term and billing, a table of phases with the
price per billing period and per year, every line with its price or tiers
and seats, discounts and minimums, the revenue of each contract year, the
total contract value and effective discount, payment terms, expiry, notes
and a signature block. The amounts are the pricing core's (monthend quotes
figures); usage lines count at --usage, else zero.

The seller's details come from the settings file (docs/delivery.md):
--settings, else $MONTHEND_SETTINGS, else $XDG_CONFIG_HOME/monthend/settings.yaml.
The same version always renders to the same bytes (the PDF is dated by the
quote's last save, not the clock). Without -o the file is named
quote-ID-vN.pdf in the current folder; "-o -" writes to standard output.`,
		Example: `  monthend quotes pdf contoso-2026
  monthend quotes pdf contoso-2026 --version 1 -o contoso-v1.pdf
  monthend quotes pdf contoso-2026 --usage api_calls=6000 -o - | lpr`,
		Args: exactArgs(1, "pdf takes one quote ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			book, err := a.openBook(false)
			if err != nil {
				return err
			}
			defer book.Close()
			_, doc, err := a.quoteDocument(book, args[0], o)
			if err != nil {
				return err
			}
			pdf, err := documents.RenderQuotePDF(doc)
			if err != nil {
				return fmt.Errorf("render quote %s v%d: %w", doc.ID, doc.Version, err)
			}
			return a.writeDocument(out, doc.FileName(), pdf)
		},
	}
	o.register(cmd, true)
	cmd.Flags().StringVarP(&out, "output", "o", "", `file to write ("-" for standard output)`)
	return cmd
}

func (a *app) quotesTextCommand() *cobra.Command {
	var o quoteDocOptions
	cmd := &cobra.Command{
		Use:   "text ID [--version N] [--usage METRIC=QTY ...]",
		Short: "Print a quote as Markdown: the PDF's content, for email or a terminal",
		Long: `text prints what the quote's PDF shows (monthend quotes pdf --help) as
Markdown: readable as plain text, and formatted wherever Markdown is
rendered. The seller's details come from the settings file as for pdf.`,
		Example: `  monthend quotes text contoso-2026
  monthend quotes text contoso-2026 --version 1 --usage api_calls=6000 > contoso.md`,
		Args: exactArgs(1, "text takes one quote ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			book, err := a.openBook(false)
			if err != nil {
				return err
			}
			defer book.Close()
			_, doc, err := a.quoteDocument(book, args[0], o)
			if err != nil {
				return err
			}
			return documents.RenderQuoteText(a.stdout, doc)
		},
	}
	o.register(cmd, true)
	return cmd
}
