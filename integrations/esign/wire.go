package esign

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/textproto"
	"strconv"
	"strings"
	"time"
)

// The API's shapes, as the OpenAPI description names them. Only the
// fields monthend uses are decoded.

// errorResponse is ErrorResponse: {"error": {"error_msg", "error_name",
// "error_path"}}.
type errorResponse struct {
	Error struct {
		Msg  string `json:"error_msg"`
		Name string `json:"error_name"`
		Path string `json:"error_path"`
	} `json:"error"`
}

// signatureRequestGetResponse is SignatureRequestGetResponse, the answer
// of send and get.
type signatureRequestGetResponse struct {
	SignatureRequest signatureRequestResponse `json:"signature_request"`
}

// signatureRequestResponse is SignatureRequestResponse.
type signatureRequestResponse struct {
	ID         string         `json:"signature_request_id"`
	Title      string         `json:"title"`
	TestMode   bool           `json:"test_mode"`
	Metadata   map[string]any `json:"metadata"`
	CreatedAt  int64          `json:"created_at"`
	IsComplete bool           `json:"is_complete"`
	IsDeclined bool           `json:"is_declined"`
	HasError   bool           `json:"has_error"`
	DetailsURL string         `json:"details_url"`
	Signatures []struct {
		ID            string  `json:"signature_id"`
		Email         string  `json:"signer_email_address"`
		Name          *string `json:"signer_name"`
		StatusCode    string  `json:"status_code"`
		SignedAt      *int64  `json:"signed_at"`
		DeclineReason *string `json:"decline_reason"`
	} `json:"signatures"`
}

// SignatureRequest is a signature request as Dropbox Sign reports it.
type SignatureRequest struct {
	ID       string
	Title    string
	TestMode bool
	// Complete: every signer signed; the signed PDF can be downloaded.
	Complete bool
	// Declined: a signer declined; the request is over.
	Declined bool
	// HasError: creating the request or a signing failed.
	HasError bool
	// Metadata as sent (MetadataQuoteID, MetadataQuoteVersion) and
	// returned by the API; values are strings or JSON numbers.
	Metadata   map[string]any
	CreatedAt  time.Time
	DetailsURL string
	Signatures []Signature
}

// Signature is one signer's part of a request.
type Signature struct {
	ID    string
	Name  string
	Email string
	// StatusCode is the API's status_code: awaiting_signature, signed,
	// declined, on_hold, error, …
	StatusCode    string
	SignedAt      time.Time // zero until signed
	DeclineReason string
}

// Status summarises a request for a quote.
type Status string

const (
	StatusAwaiting Status = "awaiting_signature" // still out for signature
	StatusSigned   Status = "signed"             // every signer signed
	StatusDeclined Status = "declined"           // a signer declined
	StatusError    Status = "error"              // Dropbox Sign reported an error
)

// Status says where the request stands: signed only when complete.
func (r SignatureRequest) Status() Status {
	switch {
	case r.Declined:
		return StatusDeclined
	case r.HasError:
		return StatusError
	case r.Complete:
		return StatusSigned
	}
	return StatusAwaiting
}

// QuoteRef names the quote version a request was sent for.
type QuoteRef struct {
	ID      string
	Version int
}

// Quote reads the quote id and version from the metadata; ok is false when
// the request was not sent by monthend (no quote id).
func (r SignatureRequest) Quote() (ref QuoteRef, ok bool) {
	id, _ := r.Metadata[MetadataQuoteID].(string)
	if id == "" {
		return QuoteRef{}, false
	}
	ref.ID = id
	switch v := r.Metadata[MetadataQuoteVersion].(type) {
	case string:
		ref.Version, _ = strconv.Atoi(v)
	case float64:
		ref.Version = int(v)
	case json.Number:
		n, _ := v.Int64()
		ref.Version = int(n)
	}
	return ref, true
}

func (w signatureRequestResponse) toRequest() SignatureRequest {
	r := SignatureRequest{
		ID: w.ID, Title: w.Title, TestMode: w.TestMode, Metadata: w.Metadata,
		Complete: w.IsComplete, Declined: w.IsDeclined, HasError: w.HasError, DetailsURL: w.DetailsURL,
	}
	if w.CreatedAt != 0 {
		r.CreatedAt = time.Unix(w.CreatedAt, 0).UTC()
	}
	for _, s := range w.Signatures {
		sig := Signature{ID: s.ID, Email: s.Email, StatusCode: s.StatusCode}
		if s.Name != nil {
			sig.Name = *s.Name
		}
		if s.SignedAt != nil {
			sig.SignedAt = time.Unix(*s.SignedAt, 0).UTC()
		}
		if s.DeclineReason != nil {
			sig.DeclineReason = *s.DeclineReason
		}
		r.Signatures = append(r.Signatures, sig)
	}
	return r
}

// encode writes the request as multipart/form-data in the API's form
// convention (the vendor's own curl example): files[0] is the PDF,
// signers[i][name] and signers[i][email_address] each signer,
// metadata[key] each metadata value, test_mode 1 or 0.
func (r SendRequest) encode(testMode bool) (body []byte, contentType string, err error) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	name := r.FileName
	if name == "" {
		name = "quote.pdf"
	}
	h := make(textproto.MIMEHeader)
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="files[0]"; filename="%s"`, sanitizeFileName(name)))
	h.Set("Content-Type", "application/pdf")
	part, err := w.CreatePart(h)
	if err != nil {
		return nil, "", err
	}
	if _, err := part.Write(r.PDF); err != nil {
		return nil, "", err
	}
	fields := [][2]string{}
	for _, f := range [][2]string{{"title", r.Title}, {"subject", r.Subject}, {"message", r.Message}} {
		if f[1] != "" {
			fields = append(fields, f)
		}
	}
	for i, s := range r.Signers {
		fields = append(fields,
			[2]string{fmt.Sprintf("signers[%d][name]", i), s.Name},
			[2]string{fmt.Sprintf("signers[%d][email_address]", i), s.Email})
	}
	fields = append(fields,
		[2]string{"metadata[" + MetadataQuoteID + "]", r.QuoteID},
		[2]string{"metadata[" + MetadataQuoteVersion + "]", strconv.Itoa(r.QuoteVersion)})
	tm := "0"
	if testMode {
		tm = "1"
	}
	fields = append(fields, [2]string{"test_mode", tm})
	for _, f := range fields {
		if err := w.WriteField(f[0], f[1]); err != nil {
			return nil, "", err
		}
	}
	if err := w.Close(); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), w.FormDataContentType(), nil
}

// sanitizeFileName keeps a file name to one line of printable text without
// quotes or path separators.
func sanitizeFileName(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' || r == '\\' || r == '/' {
			return '_'
		}
		return r
	}, s)
	return s
}
