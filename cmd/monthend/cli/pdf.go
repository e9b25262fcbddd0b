package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/monthend/monthend/integrations/documents"
	"github.com/monthend/monthend/ledger"
	"github.com/monthend/monthend/pricing"
)

// settingsPath is the delivery settings file (seller details, SMTP):
// --settings, else $MONTHEND_SETTINGS, else $XDG_CONFIG_HOME/monthend/settings.yaml.
func settingsPath(flag string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	if p := os.Getenv("MONTHEND_SETTINGS"); p != "" {
		return p, nil
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("no --settings given and no config directory: %w", err)
	}
	return filepath.Join(dir, "monthend", "settings.yaml"), nil
}

func (a *app) invoicesPDFCommand() *cobra.Command {
	var out, settings string
	cmd := &cobra.Command{
		Use:   "pdf ID [-o FILE]",
		Short: "Write an issued invoice as PDF",
		Long: `pdf renders an issued invoice (id or number) as the PDF its customer receives:
seller and customer details, number, dates, period, every line with its
explanation, discounts, tax and totals. The seller's details come from the
settings file (docs/delivery.md): --settings, else $MONTHEND_SETTINGS, else
$XDG_CONFIG_HOME/monthend/settings.yaml. Without -o the file is named after
the invoice number in the current folder; "-o -" writes to standard output.`,
		Example: `  monthend invoices pdf INV-2026-000123
  monthend invoices pdf acme-2026:2026-03 -o acme-march.pdf --settings ~/billing/settings.yaml`,
		Args: exactArgs(1, "pdf takes one invoice ID or number"),
		RunE: func(cmd *cobra.Command, args []string) error {
			seller, err := loadSeller(settings, "invoice")
			if err != nil {
				return err
			}
			book, err := a.openBook(false)
			if err != nil {
				return err
			}
			defer book.Close()
			inv, err := book.Invoice(args[0])
			if err != nil {
				return err
			}
			if inv.Status == ledger.InvoiceDraft {
				return fmt.Errorf("invoice %s is a draft: issue it first (monthend issue %s)", inv.ID, inv.ID)
			}
			c, err := book.Customer(inv.CustomerID)
			if err != nil {
				return err
			}
			return a.renderDocument(out, documentOf(inv, c, seller))
		},
	}
	documentFlags(cmd, &out, &settings)
	return cmd
}

// documentFlags are the flags of a command that renders a document.
func documentFlags(cmd *cobra.Command, out, settings *string) {
	cmd.Flags().StringVarP(out, "output", "o", "", `file to write ("-" for standard output)`)
	cmd.Flags().StringVar(settings, "settings", "", "the settings file with the seller's details")
}

// renderDocument renders doc as a PDF and writes it to out (writeDocument).
func (a *app) renderDocument(out string, doc documents.Invoice) error {
	pdf, err := documents.RenderPDF(doc)
	if err != nil {
		return fmt.Errorf("render %s: %w", doc.Number, err)
	}
	return a.writeDocument(out, doc.FileName(), pdf)
}

// writeDocument writes a rendered document to out: "-" is standard
// output, "" the document's own file name in the current folder (0600).
func (a *app) writeDocument(out, fileName string, data []byte) error {
	if out == "-" {
		_, err := a.stdout.Write(data)
		return err
	}
	if out == "" {
		out = fileName
	}
	if err := os.WriteFile(out, data, 0o600); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	fmt.Fprintf(a.stdout, "wrote %s (%d bytes)\n", out, len(data))
	return nil
}

// documentOf maps a stored invoice and its customer to the document model.
func documentOf(inv ledger.Invoice, c ledger.Customer, seller documents.Seller) documents.Invoice {
	priced := pricing.Invoice{
		Currency: inv.Currency,
		Period:   pricing.Period{Start: inv.Period.Start, End: inv.Period.End, Index: inv.Period.Index},
		Lines:    inv.Lines, Subtotal: inv.Subtotal, Tax: inv.Tax, Total: inv.Total,
	}
	var address []string
	for _, l := range strings.Split(c.Address, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			address = append(address, l)
		}
	}
	return documents.FromPricing(priced, documents.Header{
		Seller:   seller,
		Customer: documents.Customer{Name: c.Name, LegalName: c.LegalName, Address: address, Emails: c.Emails},
		Number:   inv.Number, IssueDate: inv.IssueDate, DueDate: inv.DueDate,
	})
}

// loadSeller reads the seller's details from the settings file
// (settingsFlag, else the default); what ("invoice", "credit note",
// "quote") names the document they are printed on, for the message when
// they are missing.
func loadSeller(settingsFlag, what string) (documents.Seller, error) {
	path, err := settingsPath(settingsFlag)
	if err != nil {
		return documents.Seller{}, err
	}
	seller, err := documents.LoadSeller(path)
	if err != nil {
		return documents.Seller{}, fmt.Errorf("%w (the seller's details are printed on every %s; see docs/delivery.md)", err, what)
	}
	return seller, nil
}
