package email

import (
	"bytes"
	"embed"
	"fmt"
	"os"
	"strings"
	"text/template"

	"github.com/monthend/monthend/integrations/documents"
)

//go:embed templates/*.tmpl
var builtin embed.FS

// Templates make an invoice email's subject and body. The built-in ones
// are in templates/; Settings.SubjectTemplate and BodyTemplate name files
// that replace them. Both are text/template templates executed with
// TemplateData.
type Templates struct {
	subject, body *template.Template
}

// TemplateData is what the templates see. Dates and money are formatted
// already; Invoice has everything else.
type TemplateData struct {
	Number    string
	Seller    documents.Seller
	Customer  documents.Customer
	IssueDate string // "2026-04-01"
	DueDate   string
	Period    string // "2026-04-01 – 2026-04-30"
	Total     string // "4,524.97 EUR"
	// Text is the plain-text invoice (documents.RenderText).
	Text    string
	Invoice documents.Invoice
}

// LoadTemplates parses the templates named in s, or the built-in ones
// where s names none.
func LoadTemplates(s Settings) (*Templates, error) {
	subject, err := parseTemplate("subject", s.SubjectTemplate)
	if err != nil {
		return nil, err
	}
	body, err := parseTemplate("body", s.BodyTemplate)
	if err != nil {
		return nil, err
	}
	return &Templates{subject: subject, body: body}, nil
}

// DefaultTemplates are the built-in templates.
func DefaultTemplates() *Templates {
	t, err := LoadTemplates(Settings{})
	if err != nil {
		panic(err) // the embedded templates are tested
	}
	return t
}

func parseTemplate(name, path string) (*template.Template, error) {
	var text []byte
	var err error
	if path == "" {
		text, err = builtin.ReadFile("templates/" + name + ".tmpl")
	} else {
		text, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("%s template: %w", name, err)
	}
	t, err := template.New(name).Option("missingkey=error").Parse(string(text))
	if err != nil {
		return nil, fmt.Errorf("%s template %s: %w", name, path, err)
	}
	return t, nil
}

// Render executes the templates for inv, whose plain-text rendering is
// text. The subject must come out as one line (surrounding space is
// trimmed).
func (t *Templates) Render(inv documents.Invoice, text string) (subject, body string, err error) {
	data := TemplateData{
		Number:    inv.Number,
		Seller:    inv.Seller,
		Customer:  inv.Customer,
		IssueDate: inv.IssueDate.String(),
		DueDate:   inv.DueDate.String(),
		Period:    inv.Period.String(),
		Total:     inv.Money(inv.Total) + " " + inv.Currency.Code(),
		Text:      text,
		Invoice:   inv,
	}
	var b bytes.Buffer
	if err := t.subject.Execute(&b, data); err != nil {
		return "", "", fmt.Errorf("invoice %s: subject template: %w", inv.Number, err)
	}
	subject = strings.TrimSpace(b.String())
	if strings.ContainsAny(subject, "\r\n") {
		return "", "", fmt.Errorf("invoice %s: subject template gives several lines: %q", inv.Number, subject)
	}
	b.Reset()
	if err := t.body.Execute(&b, data); err != nil {
		return "", "", fmt.Errorf("invoice %s: body template: %w", inv.Number, err)
	}
	return subject, b.String(), nil
}
