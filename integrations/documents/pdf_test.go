package documents

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestRenderPDFGolden pins the PDF's bytes: the rendering is deterministic
// (fixed dates, sorted catalogs), so any change to layout, fonts or the
// library shows up here. Inspect testdata/invoice15.pdf after -update.
func TestRenderPDFGolden(t *testing.T) {
	pdf, err := RenderPDF(sampleInvoice(15))
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "invoice15.pdf", pdf)
}

// TestRenderPDFIsDeterministic renders the same invoice repeatedly: before
// catalog sorting, about half the renders ordered their font objects
// differently.
func TestRenderPDFIsDeterministic(t *testing.T) {
	inv := sampleInvoice(15)
	first, err := RenderPDF(inv)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 20; i++ {
		again, err := RenderPDF(inv)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first, again) {
			t.Fatalf("render %d differs from the first", i+2)
		}
	}
	if !bytes.Contains(first, []byte("/CreationDate (D:20260401000000)")) || !bytes.Contains(first, []byte("/ModDate (D:20260401000000)")) {
		t.Error("creation and modification dates are not the issue date")
	}
}

// TestPDFTextShowsEverything reads the PDF back with pdftotext: the number,
// the parties, every line with its figures and explanation, and the
// totals. The long invoice must run onto several pages, each showing the
// invoice number and "Page n of m".
func TestPDFTextShowsEverything(t *testing.T) {
	for _, tc := range []struct {
		name  string
		lines int
		pages int
	}{
		{"one page", 15, 1},
		{"120 lines", 120, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inv := sampleInvoice(tc.lines)
			pdf, err := RenderPDF(inv)
			if err != nil {
				t.Fatal(err)
			}
			raw := pdfText(t, pdf, false)
			layout := pdfText(t, pdf, true)
			want := []string{
				inv.Number, inv.Seller.LegalName, inv.Customer.LegalName, inv.Seller.TaxID, inv.Customer.TaxID,
				"2026-04-01", "2026-05-01", "2026-04-01 – 2026-04-30", "Hauptstraße 5",
				"Subtotal", inv.Money(inv.Subtotal), inv.Money(inv.Tax), inv.Money(inv.Total) + " EUR",
				"of which discounts", inv.Money(inv.Discounts()), inv.Seller.Payment[1], inv.Notes[0],
			}
			for _, s := range want {
				if !strings.Contains(raw, s) {
					t.Errorf("PDF text lacks %q", s)
				}
			}
			// Each line's row, read in layout mode: description, service,
			// quantity, tax rate and amount on one text line, in order.
			for i, l := range inv.Lines {
				parts := []string{regexp.QuoteMeta(l.Description), regexp.QuoteMeta(l.Service())}
				if l.Quantity.Valid {
					parts = append(parts, regexp.QuoteMeta(quantityText(l.Quantity.Decimal)))
				}
				parts = append(parts, "19%", regexp.QuoteMeta(inv.Money(l.Amount)))
				re := regexp.MustCompile(`(?m)^\s*` + strings.Join(parts, `\s+`) + `\s*$`)
				if !re.MatchString(layout) {
					t.Errorf("line %d: no text row matching %s", i+1, re)
				}
				if !strings.Contains(raw, l.Detail) {
					t.Errorf("line %d: explanation %q missing", i+1, l.Detail)
				}
			}
			pages := strings.Split(strings.TrimRight(raw, "\f\n"), "\f")
			if len(pages) != tc.pages {
				t.Fatalf("%d pages, want %d", len(pages), tc.pages)
			}
			for i, p := range pages {
				if !strings.Contains(p, fmt.Sprintf("Page %d of %d", i+1, tc.pages)) || !strings.Contains(p, inv.Number) {
					t.Errorf("page %d lacks its page number or the invoice number", i+1)
				}
			}
		})
	}
}

func TestRenderPDFWithLogo(t *testing.T) {
	dir := t.TempDir()
	img := image.NewRGBA(image.Rect(0, 0, 40, 20))
	for x := 0; x < 40; x++ {
		img.Set(x, 10, color.RGBA{R: 200, A: 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	logo := filepath.Join(dir, "logo.png")
	if err := os.WriteFile(logo, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	inv := sampleInvoice(3)
	inv.Seller.Logo = logo
	pdf, err := RenderPDF(inv)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(pdf, []byte("/Subtype /Image")) {
		t.Error("the PDF has no image object")
	}
	if !strings.Contains(pdfText(t, pdf, false), inv.Seller.LegalName) {
		t.Error("the seller's name is missing next to the logo")
	}

	notPNG := filepath.Join(dir, "text.png")
	if err := os.WriteFile(notPNG, []byte("not an image"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{filepath.Join(dir, "logo.gif"), filepath.Join(dir, "missing.png"), notPNG} {
		inv.Seller.Logo = bad
		if _, err := RenderPDF(inv); err == nil || !strings.Contains(err.Error(), "logo") {
			t.Errorf("logo %s: err = %v, want a logo error", bad, err)
		}
	}
}

func BenchmarkRenderPDF(b *testing.B) {
	inv := sampleInvoice(15)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := RenderPDF(inv); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRenderText(b *testing.B) {
	inv := sampleInvoice(15)
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := RenderText(&buf, inv); err != nil {
			b.Fatal(err)
		}
	}
}

// TestRenderPDFConcurrently renders from several goroutines at once, as a
// bulk send does; under -race it also checks the renderer shares no state.
func TestRenderPDFConcurrently(t *testing.T) {
	want, err := RenderPDF(sampleInvoice(15))
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			got, err := RenderPDF(sampleInvoice(15))
			if err == nil && !bytes.Equal(got, want) {
				err = fmt.Errorf("a concurrent render differs")
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// TestPDFUnicode: names and explanations outside Windows-1252 (Polish,
// Cyrillic, Greek, the minus sign and arrows) survive into the PDF's text.
func TestPDFUnicode(t *testing.T) {
	inv := sampleInvoice(7)
	inv.Customer.LegalName = "Przedsiębiorstwo Łódź Sp. z o.o."
	inv.Customer.Address = []string{"ул. Тверская 7", "Αθήνα 105 57"}
	inv.Lines[0].Description = "Plattform für Zürich (Jahr 1)"
	pdf, err := RenderPDF(inv)
	if err != nil {
		t.Fatal(err)
	}
	text := pdfText(t, pdf, false)
	for _, want := range []string{inv.Customer.LegalName, "ул. Тверская 7", "Αθήνα 105 57", inv.Lines[0].Description,
		"12,400 − 1,000 free = 11,400 → 12 blocks of 1,000 × 25.00 = 300.00"} {
		if !strings.Contains(text, want) {
			t.Errorf("PDF text lacks %q", want)
		}
	}
}
