package documents

import (
	"bytes"
	"time"

	"github.com/phpdave11/gofpdf"
)

// The PDF must be a function of the Invoice alone (see RenderPDF). Two
// things in gofpdf, the engine under maroto, break that by default:
//
//   - fonts and images are written in map order, so two renders differ in
//     object order about half the time: catalog sorting fixes the order.
//     gofpdf only offers it as a process-wide default, read when a document
//     is created; setting it in init happens before any render can run.
//   - /ModDate is stamped with the clock: fixModDate overwrites it.
func init() { gofpdf.SetDefaultCatalogSort(true) }

// fixModDate sets the PDF's /ModDate to t. The stamp has a fixed length
// (D:YYYYMMDDhhmmss), so replacing it in place keeps every xref offset
// valid.
func fixModDate(pdf []byte, t time.Time) []byte {
	key := []byte("/ModDate (D:")
	i := bytes.Index(pdf, key)
	if i < 0 {
		return pdf
	}
	copy(pdf[i+len(key):], t.Format("20060102150405"))
	return pdf
}
