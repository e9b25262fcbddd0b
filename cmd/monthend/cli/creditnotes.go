package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/monthend/monthend/integrations/documents"
	"github.com/monthend/monthend/ledger"
	"github.com/monthend/monthend/pricing"
)

func (a *app) creditNotesCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "credit-notes",
		Short: "List, show and print the credit notes that voided invoices",
		Long: `A credit note cancels one issued invoice in full; monthend invoices void writes
it. Credit notes have their own gapless sequence (CN-YYYY-NNNNNN), negate
every line of the invoice exactly and never change. Name one by its number,
or by the id or number of the invoice it voided.`,
		Example: `  monthend credit-notes list
  monthend credit-notes show CN-2026-000001
  monthend credit-notes pdf INV-2026-000123 -o credit.pdf`,
	}
	cmd.AddCommand(a.creditNotesListCommand(), a.creditNotesShowCommand(), a.creditNotesPDFCommand())
	return cmd
}

func (a *app) creditNotesListCommand() *cobra.Command {
	return listCommand(a, listing[ledger.CreditNote]{
		use:     "list [--json]",
		short:   "List every credit note, in number order",
		example: "  monthend credit-notes list\n  monthend credit-notes list --json | jq '.[] | select(.customer_id == \"acme\")'",
		empty:   "no credit notes: monthend invoices void writes them",
		read:    (*ledger.Book).CreditNotes,
		header:  "NUMBER\tDATE\tCUSTOMER\tCREDITS\tPERIOD\tTOTAL\tREASON",
		row: func(cn ledger.CreditNote) string {
			return strings.Join([]string{cn.Number, cn.IssueDate.String(), cn.CustomerID, cn.InvoiceNumber, cn.Period.Label,
				pricing.FormatAmount(cn.Total, cn.Currency.MinorUnits()) + " " + cn.Currency.Code(), cn.Reason}, "\t")
		},
	})
}

func (a *app) creditNotesShowCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show NUMBER|INVOICE [--json]",
		Short: "Show a credit note: the invoice it cancels and every negated line",
		Example: `  monthend credit-notes show CN-2026-000001
  monthend credit-notes show INV-2026-000123 --json`,
		Args: exactArgs(1, "show takes one credit note number, or the id or number of a void invoice"),
		RunE: func(cmd *cobra.Command, args []string) error {
			book, err := a.openBook(false)
			if err != nil {
				return err
			}
			defer book.Close()
			cn, err := book.CreditNote(args[0])
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(a.stdout, cn)
			}
			fmt.Fprintf(a.stdout, "Credit note %s — %s, customer %s, cancels invoice %s (%s, billing period %s)\nReason: %s\n\n",
				cn.Number, cn.IssueDate, cn.CustomerID, cn.InvoiceNumber, cn.Invoice, cn.Period.Label, cn.Reason)
			return writeInvoiceLines(a.stdout, cn.Currency, cn.Lines, cn.Subtotal, cn.Tax, cn.Total, true)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func (a *app) creditNotesPDFCommand() *cobra.Command {
	var out, settings string
	cmd := &cobra.Command{
		Use:   "pdf NUMBER|INVOICE [-o FILE]",
		Short: "Write a credit note as PDF",
		Long: `pdf renders a credit note as the PDF its customer receives: titled "Credit
note", naming the invoice it cancels, every line negated, no due date. The
seller's details come from the settings file, as for invoices pdf
(docs/delivery.md). Without -o the file is named after the credit note's
number in the current folder; "-o -" writes to standard output.`,
		Example: `  monthend credit-notes pdf CN-2026-000001
  monthend credit-notes pdf INV-2026-000123 -o credit.pdf --settings ~/billing/settings.yaml`,
		Args: exactArgs(1, "pdf takes one credit note number, or the id or number of a void invoice"),
		RunE: func(cmd *cobra.Command, args []string) error {
			seller, err := loadSeller(settings, "credit note")
			if err != nil {
				return err
			}
			book, err := a.openBook(false)
			if err != nil {
				return err
			}
			defer book.Close()
			cn, err := book.CreditNote(args[0])
			if err != nil {
				return err
			}
			c, err := book.Customer(cn.CustomerID)
			if err != nil {
				return err
			}
			return a.renderDocument(out, creditNoteDocument(cn, c, seller))
		},
	}
	documentFlags(cmd, &out, &settings)
	return cmd
}

// creditNoteDocument maps a credit note to the document model: the voided
// invoice's document with the credit note's number, date and negated
// figures, and the number it credits.
func creditNoteDocument(cn ledger.CreditNote, c ledger.Customer, seller documents.Seller) documents.Invoice {
	inv := ledger.Invoice{Number: cn.Number, IssueDate: cn.IssueDate, Period: cn.Period, Currency: cn.Currency, Figures: cn.Figures}
	doc := documentOf(inv, c, seller)
	doc.Credits = cn.InvoiceNumber
	doc.Notes = append(doc.Notes, "Reason: "+cn.Reason)
	return doc
}
