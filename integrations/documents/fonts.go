package documents

import (
	"bytes"

	"github.com/johnfercher/maroto/v2/pkg/consts/fontstyle"
	"github.com/johnfercher/maroto/v2/pkg/core/entity"
	"golang.org/x/image/font/gofont/goregular"
)

// fontFamily is the family name the PDF uses for the embedded font.
const fontFamily = "go"

// fonts returns the TrueType fonts to embed (subset) in one PDF: Go
// Regular (golang.org/x/image, BSD licence) covers WGL4 — Latin, Greek,
// Cyrillic and the symbols explanations use — where the PDF core fonts
// cover only Windows-1252 and would drop "−" or "→" (and, through maroto,
// cost 50 ms a document in per-string code page translation).
//
// Each document gets its own copy of the font file: gofpdf writes into the
// bytes it is given while subsetting (it pads tables by appending to
// sub-slices), so a shared slice would be a data race between concurrent
// renders (TestRenderPDFConcurrently under -race) and would alter
// goregular.TTF for everyone in the process. The copy costs ~130 KB and
// microseconds.
//
// Only one face: gofpdf parses and subsets each face per document, ~2 ms
// each, so a bold face would put a 15-line invoice at ~5.7 ms, over the
// 5 ms budget (docs/performance.md).
func fonts() []*entity.CustomFont {
	return []*entity.CustomFont{
		{Family: fontFamily, Style: fontstyle.Normal, Bytes: bytes.Clone(goregular.TTF)},
	}
}
