package email

import (
	"context"
	"testing"
	"time"

	"github.com/monthend/monthend/integrations/documents"
)

// BenchmarkSend delivers one invoice email (PDF attached, ~35 KB) per
// iteration to aiosmtpd on loopback, one connection per message, as the
// outbox will. Run with -benchtime 1000x to deliver 1,000 invoices; the
// msgs/s metric is the rate.
func BenchmarkSend(b *testing.B) {
	srv := startSMTPD(b, smtpdOptions{})
	snd := mustSender(b, plainSettings(srv.port), Secret{})
	m, _ := invoiceMessage(b, testInvoice())
	ctx := context.Background()
	start := time.Now()
	for b.Loop() {
		if err := snd.Send(ctx, m); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
}

// BenchmarkSendParallel is BenchmarkSend with 4 connections per CPU at
// once.
func BenchmarkSendParallel(b *testing.B) {
	srv := startSMTPD(b, smtpdOptions{})
	snd := mustSender(b, plainSettings(srv.port), Secret{})
	m, _ := invoiceMessage(b, testInvoice())
	ctx := context.Background()
	b.SetParallelism(4)
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := snd.Send(ctx, m); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
}

// BenchmarkRenderAndSend is the whole bulk-send step per invoice: render
// the PDF and the text, fill the templates, deliver.
func BenchmarkRenderAndSend(b *testing.B) {
	srv := startSMTPD(b, smtpdOptions{})
	snd := mustSender(b, plainSettings(srv.port), Secret{})
	tpl := DefaultTemplates()
	inv := testInvoice()
	ctx := context.Background()
	start := time.Now()
	for b.Loop() {
		pdf, err := documents.RenderPDF(inv)
		if err != nil {
			b.Fatal(err)
		}
		m, err := InvoiceMessage(inv, pdf, tpl)
		if err != nil {
			b.Fatal(err)
		}
		if err := snd.Send(ctx, m); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
}
