package esign

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Limits on what the client reads back.
const (
	maxJSONResponse = 16 << 20  // a signature request with many fields
	maxErrorBody    = 64 << 10  // an ErrorResponse
	maxSignedPDF    = 256 << 20 // the merged signed PDF
)

// Client talks to the Dropbox Sign API with one API key. It is safe for
// concurrent use. It never logs: errors carry what went wrong, never the
// key.
type Client struct {
	base     *url.URL
	key      APIKey
	testMode bool
	http     *http.Client
	now      func() time.Time
}

// New makes a client from the settings and the key (LoadAPIKey). With
// Settings.TestMode every request is sent in test mode, whatever
// SendRequest.TestMode says.
func New(s Settings, key APIKey) (*Client, error) {
	if key.IsZero() {
		return nil, &Error{Op: "setup", Class: ErrSettings, Err: ErrNoAPIKey,
			Hint: "set " + APIKeyEnv + " or dropbox_sign.api_key_file in settings"}
	}
	if s.BaseURL == "" {
		s.BaseURL = DefaultBaseURL
	}
	if s.Timeout == 0 {
		s.Timeout = DefaultTimeout
	}
	if err := s.Validate(); err != nil {
		return nil, &Error{Op: "setup", Class: ErrSettings, Err: err}
	}
	base, err := url.Parse(strings.TrimRight(s.BaseURL, "/"))
	if err != nil {
		return nil, &Error{Op: "setup", Class: ErrSettings, Err: err}
	}
	return &Client{base: base, key: key, testMode: s.TestMode, http: &http.Client{Timeout: s.Timeout}, now: time.Now}, nil
}

// SetHTTPClient replaces the HTTP client (its Timeout bounds each call);
// for a proxy or a custom transport.
func (c *Client) SetHTTPClient(h *http.Client) { c.http = h }

// Signer is one person asked to sign.
type Signer struct {
	Name  string
	Email string
}

// SendRequest is a document to send for signature.
type SendRequest struct {
	// Title names the request in Dropbox Sign; Subject and Message are the
	// email the signers receive.
	Title, Subject, Message string
	Signers                 []Signer
	// PDF is the document; FileName is what signers see (default
	// "quote.pdf").
	PDF      []byte
	FileName string
	// QuoteID and QuoteVersion travel as metadata (MetadataQuoteID,
	// MetadataQuoteVersion) and come back in every response and event, so
	// an event finds its quote without a lookup table.
	QuoteID      string
	QuoteVersion int
	// TestMode sends a request that is not legally binding.
	TestMode bool
}

// Metadata keys the client attaches to every signature request.
const (
	MetadataQuoteID      = "monthend_quote_id"
	MetadataQuoteVersion = "monthend_quote_version"
)

// The API's documented limits (SignatureRequestSendRequest).
const (
	maxTitle   = 255
	maxSubject = 255
	maxMessage = 5000
)

func (r SendRequest) validate() error {
	var problems []string
	if len(r.PDF) == 0 {
		problems = append(problems, "no PDF")
	} else if !bytes.HasPrefix(r.PDF, []byte("%PDF-")) {
		problems = append(problems, "the document is not a PDF")
	}
	if len(r.Signers) == 0 {
		problems = append(problems, "no signer")
	}
	for i, s := range r.Signers {
		if strings.TrimSpace(s.Name) == "" {
			problems = append(problems, fmt.Sprintf("signer %d has no name", i+1))
		}
		if !strings.Contains(s.Email, "@") {
			problems = append(problems, fmt.Sprintf("signer %d: %q is not an email address", i+1, s.Email))
		}
	}
	for _, f := range []struct {
		name  string
		value string
		max   int
	}{{"title", r.Title, maxTitle}, {"subject", r.Subject, maxSubject}, {"message", r.Message, maxMessage}} {
		if n := len([]rune(f.value)); n > f.max {
			problems = append(problems, fmt.Sprintf("%s is %d characters, at most %d", f.name, n, f.max))
		}
	}
	if r.QuoteID == "" {
		problems = append(problems, "no quote id (the metadata that ties events to the quote)")
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// SendForSignature creates and sends a signature request for the PDF
// (POST /signature_request/send). It returns the new request, whose ID the
// caller records with the quote.
//
// The API has no idempotency key: a temporary error may come after
// Dropbox Sign created the request (a timeout, a dropped connection, a
// 5xx). Before sending again, look for it (the Dropbox Sign dashboard, or
// the quote's metadata in a later event) rather than risk two requests.
func (c *Client) SendForSignature(ctx context.Context, req SendRequest) (SignatureRequest, error) {
	const op = "send"
	if err := req.validate(); err != nil {
		return SignatureRequest{}, &Error{Op: op, Class: ErrRejected, Err: err, Hint: "fix the quote or its signers"}
	}
	body, contentType, err := req.encode(req.TestMode || c.testMode)
	if err != nil {
		return SignatureRequest{}, &Error{Op: op, Class: ErrRejected, Err: err}
	}
	var out signatureRequestGetResponse
	if err := c.doJSON(ctx, op, http.MethodPost, "/signature_request/send", nil, bytes.NewReader(body), contentType, &out); err != nil {
		return SignatureRequest{}, err
	}
	return out.SignatureRequest.toRequest(), nil
}

// Get returns the signature request's current state
// (GET /signature_request/{id}); poll it where callbacks cannot arrive.
func (c *Client) Get(ctx context.Context, id string) (SignatureRequest, error) {
	const op = "get"
	if err := checkID(id); err != nil {
		return SignatureRequest{}, &Error{Op: op, Class: ErrRejected, Err: err}
	}
	var out signatureRequestGetResponse
	if err := c.doJSON(ctx, op, http.MethodGet, "/signature_request/"+url.PathEscape(id), nil, nil, "", &out); err != nil {
		return SignatureRequest{}, err
	}
	return out.SignatureRequest.toRequest(), nil
}

// DownloadSigned returns the request's documents merged into one PDF
// (GET /signature_request/files/{id}?file_type=pdf). Once the request is
// complete this is the signed copy. While Dropbox Sign is still preparing
// the files it answers 409, a temporary error.
func (c *Client) DownloadSigned(ctx context.Context, id string) ([]byte, error) {
	const op = "download"
	if err := checkID(id); err != nil {
		return nil, &Error{Op: op, Class: ErrRejected, Err: err}
	}
	resp, err := c.do(ctx, op, http.MethodGet, "/signature_request/files/"+url.PathEscape(id),
		url.Values{"file_type": {"pdf"}}, nil, "", "application/pdf, application/json")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxSignedPDF+1))
	if err != nil {
		return nil, transportError(ctx, op, fmt.Errorf("reading the PDF: %w", err))
	}
	if len(b) > maxSignedPDF {
		return nil, &Error{Op: op, Class: ErrRejected, Status: resp.StatusCode, Err: fmt.Errorf("the PDF is larger than %d MiB", maxSignedPDF>>20)}
	}
	if !bytes.HasPrefix(b, []byte("%PDF-")) {
		return nil, &Error{Op: op, Class: ErrTemporary, Status: resp.StatusCode,
			Err:  fmt.Errorf("the answer is not a PDF (Content-Type %q, %d bytes)", resp.Header.Get("Content-Type"), len(b)),
			Hint: "retry later; if it persists, download it from the Dropbox Sign dashboard"}
	}
	return b, nil
}

func checkID(id string) error {
	if strings.TrimSpace(id) == "" {
		return errors.New("no signature request id")
	}
	return nil
}

// doJSON makes a call and decodes a 2xx JSON answer into out.
func (c *Client) doJSON(ctx context.Context, op, method, path string, query url.Values, body io.Reader, contentType string, out any) error {
	resp, err := c.do(ctx, op, method, path, query, body, contentType, "application/json")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxJSONResponse))
	if err != nil {
		return transportError(ctx, op, fmt.Errorf("reading the answer: %w", err))
	}
	if err := json.Unmarshal(b, out); err != nil {
		return &Error{Op: op, Class: ErrTemporary, Status: resp.StatusCode, Err: fmt.Errorf("decoding the answer: %w", err),
			Hint: "Dropbox Sign answered something unexpected; retry later"}
	}
	return nil
}

// do sends one request with Basic auth and returns a 2xx response, whose
// body the caller closes; any other outcome is an *Error.
func (c *Client) do(ctx context.Context, op, method, path string, query url.Values, body io.Reader, contentType, accept string) (*http.Response, error) {
	// path is already escaped (url.PathEscape on the id).
	target := strings.TrimRight(c.base.String(), "/") + path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return nil, &Error{Op: op, Class: ErrRejected, Err: err}
	}
	req.SetBasicAuth(c.key.Reveal(), "")
	req.Header.Set("Accept", accept)
	req.Header.Set("User-Agent", "monthend")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, transportError(ctx, op, stripURLError(err))
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp, nil
	}
	defer resp.Body.Close()
	e := &Error{Op: op, Status: resp.StatusCode, RetryAfter: retryAfter(resp.Header, c.now())}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	var er errorResponse
	if json.Unmarshal(b, &er) == nil && er.Error.Name != "" {
		e.Name, e.Message, e.Path = er.Error.Name, er.Error.Msg, er.Error.Path
	}
	e.classifyStatus()
	return nil, e
}

// stripURLError keeps the cause of a *url.Error: its text repeats the URL,
// which is noise in a message for the user.
func stripURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", strings.ToLower(ue.Op), ue.Err)
	}
	return err
}

// String describes the client without its key: fmt does not call the
// key's String for an unexported field, so the client says it itself.
func (c Client) String() string {
	return fmt.Sprintf("esign.Client{base_url: %s, test_mode: %v, key: [redacted]}", c.base, c.testMode)
}

// GoString is String, for %#v.
func (c Client) GoString() string { return c.String() }

// LogValue is String, for slog.
func (c Client) LogValue() slog.Value { return slog.StringValue(c.String()) }
