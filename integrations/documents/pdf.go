package documents

import (
	"bytes"
	"fmt"
	stdimage "image"
	_ "image/jpeg" // logo formats for stdimage.DecodeConfig
	_ "image/png"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/johnfercher/maroto/v2"
	"github.com/johnfercher/maroto/v2/pkg/components/col"
	"github.com/johnfercher/maroto/v2/pkg/components/image"
	"github.com/johnfercher/maroto/v2/pkg/components/line"
	"github.com/johnfercher/maroto/v2/pkg/components/row"
	"github.com/johnfercher/maroto/v2/pkg/components/text"
	"github.com/johnfercher/maroto/v2/pkg/config"
	"github.com/johnfercher/maroto/v2/pkg/consts/align"
	"github.com/johnfercher/maroto/v2/pkg/consts/extension"
	"github.com/johnfercher/maroto/v2/pkg/consts/fontstyle"
	"github.com/johnfercher/maroto/v2/pkg/consts/pagesize"
	"github.com/johnfercher/maroto/v2/pkg/core"
	"github.com/johnfercher/maroto/v2/pkg/props"
)

// RenderPDF renders the invoice as an A4 PDF.
//
// The output is deterministic: the PDF's creation and modification dates
// are the issue date (midnight UTC), never the clock, so the same Invoice
// gives the same bytes. Long invoices run onto further pages; every page
// repeats the seller, the invoice number and "Page n of m".
//
// Text is set in one embedded font (see fonts.go); emphasis is by size and
// colour, not weight, because each embedded face costs ~2 ms per document.
func RenderPDF(inv Invoice) ([]byte, error) {
	if err := inv.Check(); err != nil {
		return nil, err
	}
	created := inv.IssueDate.Start(time.UTC)
	m, err := newPDF(inv.Seller, inv.Title()+" "+inv.Number, inv.Title(), inv.Number, created)
	if err != nil {
		return nil, fmt.Errorf("invoice %s: %w", inv.Number, err)
	}
	m.AddRows(parties(inv)...)
	m.AddRows(facts(inv)...)
	m.AddRows(lineRows(inv)...)
	m.AddRows(totalRows(inv)...)
	m.AddRows(closing(inv)...)
	doc, err := m.Generate()
	if err != nil {
		return nil, fmt.Errorf("invoice %s: render pdf: %w", inv.Number, err)
	}
	return fixModDate(doc.GetBytes(), created), nil
}

// newPDF starts an A4 document of the seller's with every page's header
// (seller, logo, docTitle and number) and "Page n of m" footer, in the one
// embedded font, dated created (never the clock, so output is
// deterministic). Invoices, credit notes and quotes share it.
func newPDF(seller Seller, pdfTitle, docTitle, number string, created time.Time) (core.Maroto, error) {
	var logo []byte
	var logoExt extension.Type
	if seller.Logo != "" {
		var err error
		if logo, logoExt, err = readLogo(seller.Logo); err != nil {
			return nil, err
		}
	}
	cfg := config.NewBuilder().
		WithPageSize(pagesize.A4).
		WithLeftMargin(15).WithRightMargin(15).WithTopMargin(12).WithBottomMargin(12).
		WithCustomFonts(fonts()).
		WithDefaultFont(&props.Font{Family: fontFamily, Style: fontstyle.Normal, Size: 9, Color: &props.BlackColor}).
		WithPageNumber(props.PageNumber{Pattern: "Page {current} of {total}", Place: props.RightBottom, Size: 8, Color: grey}).
		WithCompression(true).
		WithTitle(pdfTitle, true).
		WithAuthor(seller.LegalName, true).
		WithCreator("monthend", false).
		WithCreationDate(created).
		Build()
	m := maroto.New(cfg)
	if err := m.RegisterHeader(header(seller.LegalName, docTitle, number, logo, logoExt)...); err != nil {
		return nil, fmt.Errorf("pdf header: %w", err)
	}
	return m, nil
}

var (
	grey      = &props.Color{Red: 100, Green: 100, Blue: 100}
	lightGrey = &props.Color{Red: 200, Green: 200, Blue: 200}
	headFill  = &props.Color{Red: 235, Green: 235, Blue: 235}
)

// Text styles. Size is in points; Top is the space above, in mm.
var (
	small  = props.Text{Size: 8, Color: grey}
	strong = props.Text{Size: 10}
	right  = props.Text{Align: align.Right}
	total  = props.Text{Size: 11, Align: align.Right}
	detail = props.Text{Size: 7.5, Color: grey, Left: 4, Top: 0.8, Bottom: 1}
	title  = props.Text{Size: 16, Align: align.Right}
)

// header is every page's top: the seller (and logo), the document's
// title and its number.
func header(seller, docTitle, number string, logo []byte, ext extension.Type) []core.Row {
	name := props.Text{Size: 12, Top: 3}
	var cols []core.Col
	if logo != nil {
		cols = append(cols, image.NewFromBytesCol(3, logo, ext, props.Rect{Percent: 100}), text.NewCol(5, seller, name))
	} else {
		cols = append(cols, text.NewCol(8, seller, name))
	}
	cols = append(cols, col.New(4).Add(
		text.New(strings.ToUpper(docTitle), title),
		text.New(number, props.Text{Top: 8, Size: 10, Align: align.Right}),
	))
	return []core.Row{
		row.New(14).Add(cols...),
		line.NewRow(4, props.Line{Color: lightGrey, SizePercent: 100}),
	}
}

// parties is the seller's and the customer's blocks side by side.
func parties(inv Invoice) []core.Row {
	block := func(label, name string, address []string, taxID, email string) core.Col {
		c := col.New(6)
		c.Add(text.New(label, small))
		lines := append([]string{name}, address...)
		if taxID != "" {
			lines = append(lines, "Tax ID: "+taxID)
		}
		if email != "" {
			lines = append(lines, email)
		}
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
	s, cu := inv.Seller, inv.Customer
	return []core.Row{
		row.New().Add(
			block("From", s.LegalName, s.Address, s.TaxID, s.Email),
			block("Bill to", cu.DisplayLegalName(), cu.Address, cu.TaxID, ""),
		),
		row.New(6),
	}
}

// facts is the grid of number, dates, period and currency.
func facts(inv Invoice) []core.Row {
	labels := []string{"Invoice number", "Issue date", "Due date", "Billing period", "Currency"}
	values := []string{inv.Number, inv.IssueDate.String(), inv.DueDate.String(), inv.Period.String(), inv.Currency.Code()}
	if inv.IsCreditNote() {
		labels[0], labels[2], values[2] = "Credit note number", "Credits invoice", inv.Credits
	}
	sizes := []int{3, 2, 2, 4, 1}
	var l, v []core.Col
	for i := range labels {
		l = append(l, text.NewCol(sizes[i], labels[i], small))
		v = append(v, text.NewCol(sizes[i], values[i], strong))
	}
	return []core.Row{row.New(4).Add(l...), row.New(5).Add(v...), row.New(6)}
}

// Column sizes of the lines table (of 12).
const (
	descCols, svcCols, qtyCols, taxCols, amtCols = 5, 2, 2, 1, 2
)

func lineRows(inv Invoice) []core.Row {
	headStyle := &props.Cell{BackgroundColor: headFill}
	hb := props.Text{Top: 1}
	hr := props.Text{Top: 1, Align: align.Right}
	rows := make([]core.Row, 0, 2*len(inv.Lines)+1)
	rows = append(rows, row.New(6).Add(
		text.NewCol(descCols, "Description", hb),
		text.NewCol(svcCols, "Service", hb),
		text.NewCol(qtyCols, "Quantity", hr),
		text.NewCol(taxCols, "Tax", hr),
		text.NewCol(amtCols, "Amount "+inv.Currency.Code(), hr),
	).WithStyle(headStyle))
	top := props.Text{Top: 1.5}
	topRight := props.Text{Top: 1.5, Align: align.Right}
	for i := range inv.Lines {
		l := &inv.Lines[i]
		qty := ""
		if l.Quantity.Valid {
			qty = quantityText(l.Quantity.Decimal)
		}
		rows = append(rows, row.New().Add(
			text.NewCol(descCols, l.Description, top),
			text.NewCol(svcCols, l.Service(), top),
			text.NewCol(qtyCols, qty, topRight),
			text.NewCol(taxCols, l.TaxRate.String()+"%", topRight),
			text.NewCol(amtCols, inv.Money(l.Amount), topRight),
		))
		if l.Detail != "" {
			rows = append(rows, row.New().Add(text.NewCol(descCols+svcCols+qtyCols, l.Detail, detail)))
		}
	}
	return rows
}

func totalRows(inv Invoice) []core.Row {
	pair := func(label, amount string, p props.Text) core.Row {
		return row.New(5).Add(col.New(4), text.NewCol(5, label, p), text.NewCol(3, amount, p))
	}
	rows := []core.Row{line.NewRow(4, props.Line{Color: lightGrey, SizePercent: 100})}
	rows = append(rows, pair("Subtotal", inv.Money(inv.Subtotal), right))
	if d := inv.Discounts(); !d.IsZero() {
		rows = append(rows, pair("of which discounts", inv.Money(d), right))
	}
	for _, g := range inv.TaxGroups() {
		rows = append(rows, pair("Tax "+g.Rate.String()+"% on "+inv.Money(g.Base), inv.Money(g.Tax), right))
	}
	rows = append(rows, pair("Total "+inv.Currency.Code(), inv.Money(inv.Total)+" "+inv.Currency.Code(), total))
	return rows
}

// closing is the payment instructions and the notes.
func closing(inv Invoice) []core.Row {
	var rows []core.Row
	if inv.IsCreditNote() {
		rows = append(rows, row.New(6), textRow("This credit note cancels invoice "+inv.Credits+" in full: "+
			inv.Money(inv.Total)+" "+inv.Currency.Code()+"."))
	} else if len(inv.Seller.Payment) > 0 {
		rows = append(rows, row.New(6), text.NewAutoRow("Payment", strong))
		text := "Please pay " + inv.Money(inv.Total) + " " + inv.Currency.Code() + " by " + inv.DueDate.String() + ", quoting " + inv.Number + "."
		rows = append(rows, textRow(text))
		for _, p := range inv.Seller.Payment {
			rows = append(rows, textRow(p))
		}
	}
	if len(inv.Notes) > 0 {
		rows = append(rows, row.New(4))
		for _, n := range inv.Notes {
			rows = append(rows, textRow(n))
		}
	}
	return rows
}

func textRow(s string) core.Row { return text.NewAutoRow(s, props.Text{Top: 1}) }

// readLogo reads the seller's logo and checks that it decodes: maroto
// would otherwise print an error message into the PDF instead of failing.
func readLogo(path string) ([]byte, extension.Type, error) {
	var ext extension.Type
	switch strings.ToLower(filepath.Ext(path)) {
	case ".png":
		ext = extension.Png
	case ".jpg", ".jpeg":
		ext = extension.Jpg
	default:
		return nil, "", fmt.Errorf("seller logo %s: use a .png or .jpg file", path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, "", fmt.Errorf("seller logo: %w", err)
	}
	if _, _, err := stdimage.DecodeConfig(bytes.NewReader(b)); err != nil {
		return nil, "", fmt.Errorf("seller logo %s: %w", path, err)
	}
	return b, ext, nil
}
