package documents

import (
	"fmt"
	"strings"
	"time"

	"github.com/johnfercher/maroto/v2/pkg/components/col"
	"github.com/johnfercher/maroto/v2/pkg/components/line"
	"github.com/johnfercher/maroto/v2/pkg/components/row"
	"github.com/johnfercher/maroto/v2/pkg/components/text"
	"github.com/johnfercher/maroto/v2/pkg/consts/align"
	"github.com/johnfercher/maroto/v2/pkg/core"
	"github.com/johnfercher/maroto/v2/pkg/props"
)

// RenderQuotePDF renders the quote as an A4 PDF to send for signature.
//
// Like RenderPDF it is deterministic: the same embedded font, sorted PDF
// objects, and the quote's Date (midnight UTC) as creation and
// modification date, never the clock. The same Quote gives the same
// bytes, so the document sent for signature can be rendered again and
// compared.
func RenderQuotePDF(q Quote) ([]byte, error) {
	if err := q.Check(); err != nil {
		return nil, err
	}
	created := q.Date.Start(time.UTC)
	m, err := newPDF(q.Seller, q.Title(), "Quote", fmt.Sprintf("%s v%d", q.ID, q.Version), created)
	if err != nil {
		return nil, fmt.Errorf("quote %s: %w", q.ID, err)
	}
	m.AddRows(quoteParties(q)...)
	m.AddRows(quoteFactRows(q)...)
	m.AddRows(quotePhaseRows(q)...)
	m.AddRows(quoteLineRows(q)...)
	m.AddRows(quoteTotalRows(q)...)
	m.AddRows(quoteClosing(q)...)
	doc, err := m.Generate()
	if err != nil {
		return nil, fmt.Errorf("quote %s: render pdf: %w", q.ID, err)
	}
	return fixModDate(doc.GetBytes(), created), nil
}

func quoteParties(q Quote) []core.Row {
	block := func(label string, lines []string) core.Col {
		c := col.New(6)
		c.Add(text.New(label, small))
		top := 4.0
		for i, l := range lines {
			p := props.Text{Top: top}
			if i == 0 {
				p.Size = 10
			}
			c.Add(text.New(l, p))
			top += 4.4
		}
		return c
	}
	s, cu := q.Seller, q.Customer
	seller := append([]string{s.LegalName}, s.Address...)
	if s.TaxID != "" {
		seller = append(seller, "Tax ID: "+s.TaxID)
	}
	if s.Email != "" {
		seller = append(seller, s.Email)
	}
	customer := []string{cu.DisplayLegalName()}
	if cu.Name != "" && cu.Name != cu.DisplayLegalName() {
		customer = append(customer, cu.Name)
	}
	customer = append(customer, cu.Address...)
	if cu.TaxID != "" {
		customer = append(customer, "Tax ID: "+cu.TaxID)
	}
	customer = append(customer, cu.Emails...)
	return []core.Row{
		row.New().Add(block("From", seller), block(q.PartyLabel(), customer)),
		row.New(6),
	}
}

// quoteFactRows is the grid of terms: two rows of label and value.
func quoteFactRows(q Quote) []core.Row {
	facts := quoteFacts(q)
	var rows []core.Row
	for i := 0; i < len(facts); i += 4 {
		var l, v []core.Col
		for _, f := range facts[i:min(i+4, len(facts))] {
			l = append(l, text.NewCol(3, f[0], small))
			v = append(v, text.NewCol(3, f[1], props.Text{Size: 9.5}))
		}
		rows = append(rows, row.New(4).Add(l...), row.New().Add(v...), row.New(3))
	}
	return append(rows, row.New(3))
}

func section(name string) core.Row {
	return text.NewAutoRow(name, props.Text{Size: 11, Top: 2, Bottom: 1})
}

func quotePhaseRows(q Quote) []core.Row {
	headStyle := &props.Cell{BackgroundColor: headFill}
	hb := props.Text{Top: 1}
	hr := props.Text{Top: 1, Align: align.Right}
	rows := []core.Row{section("Phases"), row.New(6).Add(
		text.NewCol(3, "Phase", hb),
		text.NewCol(2, "From", hb),
		text.NewCol(2, "To", hb),
		text.NewCol(2, "Per "+q.Per(), hr),
		text.NewCol(3, "Per year "+q.Currency.Code(), hr),
	).WithStyle(headStyle)}
	top := props.Text{Top: 1.5}
	topRight := props.Text{Top: 1.5, Align: align.Right}
	for _, p := range q.Phases {
		c := phaseCells(q, p)
		rows = append(rows, row.New().Add(
			text.NewCol(3, c[0], top),
			text.NewCol(2, c[1], top),
			text.NewCol(2, c[2], top),
			text.NewCol(2, c[3], topRight),
			text.NewCol(3, c[4], topRight),
		))
	}
	return append(rows, row.New(4))
}

func quoteLineRows(q Quote) []core.Row {
	headStyle := &props.Cell{BackgroundColor: headFill}
	hb := props.Text{Top: 1}
	hr := props.Text{Top: 1, Align: align.Right}
	top := props.Text{Top: 1.5}
	topRight := props.Text{Top: 1.5, Align: align.Right}
	rows := []core.Row{section("Lines")}
	for _, p := range q.Phases {
		rows = append(rows, row.New(6).Add(
			text.NewCol(4, p.Name, hb),
			text.NewCol(6, "Price", hb),
			text.NewCol(2, "Seats", hr),
		).WithStyle(headStyle))
		for _, l := range p.Lines {
			rows = append(rows, row.New().Add(
				text.NewCol(4, lineName(l), top),
				text.NewCol(6, l.Price, top),
				text.NewCol(2, l.Seats, topRight),
			))
		}
		for _, d := range p.Discounts {
			rows = append(rows, row.New().Add(text.NewCol(12, "Discount "+d, detail)))
		}
		if p.Minimum != "" {
			rows = append(rows, row.New().Add(text.NewCol(12, capitalise(p.Minimum), detail)))
		}
		rows = append(rows, row.New(3))
	}
	for _, d := range q.Discounts {
		rows = append(rows, textRow("Discount "+d+" on every invoice"))
	}
	if !q.InvoiceMinimum.IsZero() {
		rows = append(rows, textRow("Invoice minimum "+q.Money(q.InvoiceMinimum)+" "+q.Currency.Code()))
	}
	return rows
}

func quoteTotalRows(q Quote) []core.Row {
	pair := func(label, amount string, p props.Text) core.Row {
		return row.New(5).Add(col.New(3), text.NewCol(6, label, p), text.NewCol(3, amount, p))
	}
	rows := []core.Row{section("Totals")}
	for _, y := range q.Years {
		rows = append(rows, pair(fmt.Sprintf("Contract year %d (%s – %s)", y.Year, y.Start, y.End.AddDays(-1)), q.Money(y.Amount), right))
	}
	cur := " " + q.Currency.Code()
	rows = append(rows, line.NewRow(4, props.Line{Color: lightGrey, SizePercent: 100}),
		pair("Total contract value (net)", q.Money(q.TCV)+cur, total),
		pair("List value", q.Money(q.ListTCV)+cur, right),
		pair("Effective discount ("+q.EffectiveDiscount.StringFixed(2)+"%)", q.Money(q.Discount)+cur, right))
	if !q.TaxRate.IsZero() {
		rows = append(rows, row.New(3), textRow("Amounts are net. Tax at "+q.TaxRate.String()+"% is added to every invoice."))
	}
	if len(q.Usage) > 0 {
		rows = append(rows, textRow("Usage priced at "+strings.Join(q.Usage, "; ")+"."))
	}
	return rows
}

// quoteClosing is the notes and the signature block; the block starts on
// the same page as its heading (maroto moves a row that does not fit).
func quoteClosing(q Quote) []core.Row {
	var rows []core.Row
	if len(q.Notes) > 0 {
		rows = append(rows, row.New(4), section("Notes"))
		for _, n := range q.Notes {
			rows = append(rows, textRow(n))
		}
	}
	rows = append(rows, row.New(6), section("Acceptance"), textRow(acceptanceText(q)), row.New(6))
	block := func(party string) core.Col {
		c := col.New(6).Add(text.New("For "+party, props.Text{Size: 9.5}))
		top := 8.0
		for _, f := range signatureFields {
			c.Add(text.New(f+": ______________________________", props.Text{Top: top}))
			top += 9
		}
		return c
	}
	rows = append(rows, row.New(46).Add(block(q.Customer.DisplayLegalName()), block(q.Seller.LegalName)))
	return rows
}
