// Package documents renders an invoice as the documents a customer receives:
// a PDF (RenderPDF) and a plain-text version for email bodies and terminals
// (RenderText).
//
// The input is Invoice, a self-contained document that the billing engine
// fills from a priced invoice (FromPricing) and the book's customer and
// seller details. Rendering is pure: no clock, no store, no network. The same
// Invoice always renders to the same bytes, so a re-sent invoice carries the
// same attachment and goldens compare bytes.
//
// A quote renders the same way: Quote (quote.go), filled by FromQuote from
// a schedule and its pricing figures, as a PDF to sign (RenderQuotePDF)
// and as Markdown (RenderQuoteText).
//
// Start reading at invoice.go (the model), then text.go and pdf.go.
package documents
