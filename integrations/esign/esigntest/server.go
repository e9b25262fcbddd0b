// Package esigntest is a test double of Dropbox Sign's API for tests of
// code that uses package esign: a local HTTP server that validates every
// request it receives, and every answer it gives, against the vendor's
// published OpenAPI description (dropbox-sign/openapi.yaml, embedded), and
// answers from the vendor's fixtures. A request that does not follow the
// description is a test failure.
//
// The server keeps the signature requests sent to it, so Get answers what
// was sent, and a test moves one on with Sign or Decline; Event makes a
// callback event for it, with the event_hash Dropbox Sign would compute.
//
// It is not for production code: it imports testing. It does not import
// package esign, so esign's own tests use it too.
package esigntest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"go.yaml.in/yaml/v3"
)

// VendorTestKey is the vendor's SDK test key, with which the fixtures'
// event hashes were made; a fine fake API key.
const VendorTestKey = "324e3b0840f065eb51f3fd63231d0d33daa35d4ed10d27718839e81737065782"

// Files holds openapi.yaml and the vendor fixtures (fixtures/NAME.json).
//
//go:embed dropbox-sign/openapi.yaml dropbox-sign/fixtures/*.json
var files embed.FS

const specDir = "dropbox-sign"

// spec is the vendor's OpenAPI description and a router over it, loaded
// once per test binary.
var spec = sync.OnceValues(func() (*apiSpec, error) {
	b, err := files.ReadFile(specDir + "/openapi.yaml")
	if err != nil {
		return nil, err
	}
	var root yaml.Node
	if err := yaml.Unmarshal(b, &root); err != nil {
		return nil, err
	}
	inlineExternalRefs(&root)
	b, err = yaml.Marshal(&root)
	if err != nil {
		return nil, err
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(b)
	if err != nil {
		return nil, fmt.Errorf("loading openapi.yaml: %w", err)
	}
	// Examples are file names now (see inlineExternalRefs); the shapes are
	// validated in full.
	router, err := legacy.NewRouter(doc, openapi3.DisableExamplesValidation())
	if err != nil {
		return nil, err
	}
	return &apiSpec{doc: doc, router: router}, nil
})

type apiSpec struct {
	doc    *openapi3.T
	router routers.Router
}

func loadSpec(t testing.TB) *apiSpec {
	t.Helper()
	s, err := spec()
	if err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	return s
}

// Spec returns the vendor's OpenAPI description, loaded once (external
// references to documentation files replaced by their names).
func Spec() (*openapi3.T, error) {
	s, err := spec()
	if err != nil {
		return nil, err
	}
	return s.doc, nil
}

// inlineExternalRefs replaces every $ref to a file (markdown descriptions,
// code samples, example bodies the vendor keeps beside the description and
// that were not copied) with a string naming the file. References inside
// the document (#/components/…) are kept.
func inlineExternalRefs(n *yaml.Node) {
	if n.Kind == yaml.MappingNode && len(n.Content) == 2 && n.Content[0].Value == "$ref" && !strings.HasPrefix(n.Content[1].Value, "#") {
		*n = yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "(not copied: " + n.Content[1].Value + ")"}
		return
	}
	for _, c := range n.Content {
		inlineExternalRefs(c)
	}
}

// FixtureFile returns a vendor fixture file (fixtures/NAME.json) as it is.
func FixtureFile(name string) ([]byte, error) {
	return files.ReadFile(specDir + "/fixtures/" + name + ".json")
}

// Fixture returns the "default" example of a vendor fixture file, fresh
// on each call.
func Fixture(t testing.TB, name string) map[string]any {
	t.Helper()
	var all map[string]map[string]any
	b, err := FixtureFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &all); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return all["default"]
}

// Request is one request as the fake API understood it.
type Request struct {
	Method, Path string
	Query        string
	// Form is the request body folded the way the API reads its form
	// convention (signers[0][name] → {"signers": [{"name": …}]}); files
	// are *File.
	Form map[string]any
}

// File is an uploaded file of a form.
type File struct {
	Name, ContentType string
	Data              []byte
}

// Server is a local Dropbox Sign: it checks the Basic auth (the key as
// user name), validates every request against openapi.yaml (a test
// failure if it does not follow it), answers from the vendor's fixtures,
// and validates its own answers against openapi.yaml too.
type Server struct {
	t    testing.TB
	key  string
	spec *apiSpec
	srv  *httptest.Server

	// Answer, if set, is asked first; returning true means it answered
	// (to make errors or odd answers). Its answers are validated too. Set
	// it before the first request.
	Answer func(w http.ResponseWriter, r Request) bool
	// PDF is what a download of the signed files answers; by default a
	// small PDF.
	PDF []byte

	mu       sync.Mutex
	requests []Request
	// violations are requests or answers that do not follow openapi.yaml.
	violations []string
	// sent are the signature requests made, by id, as Get answers them.
	sent map[string]map[string]any
	seq  int
}

// New starts a fake Dropbox Sign that accepts key, closed when the test
// ends; a request or answer that does not follow openapi.yaml is reported
// with t.Errorf then.
func New(t testing.TB, key string) *Server {
	f := &Server{t: t, key: key, spec: loadSpec(t), PDF: []byte("%PDF-1.4\n% signed by esigntest\n%%EOF\n"), sent: map[string]map[string]any{}}
	f.srv = httptest.NewServer(f)
	t.Cleanup(f.srv.Close)
	t.Cleanup(func() {
		for _, v := range f.Violations() {
			t.Errorf("not per openapi.yaml: %s", v)
		}
	})
	return f
}

// URL is the base URL a client should use (esign.Settings.BaseURL): the
// fake plays the spec's server https://api.hellosign.com/v3.
func (f *Server) URL() string { return f.srv.URL + "/v3" }

// Violations returns and forgets what did not follow the description.
func (f *Server) Violations() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	v := f.violations
	f.violations = nil
	return v
}

func (f *Server) violation(format string, args ...any) {
	f.mu.Lock()
	f.violations = append(f.violations, fmt.Sprintf(format, args...))
	f.mu.Unlock()
}

// Requests returns every request received, in order.
func (f *Server) Requests() []Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Request(nil), f.requests...)
}

func (f *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		f.violation("reading the body: %v", err)
		return
	}
	// Route as if this were the spec's server.
	specReq := r.Clone(context.Background())
	specReq.URL.Scheme, specReq.URL.Host = "https", "api.hellosign.com"
	specReq.Host = "api.hellosign.com"
	specReq.Body = io.NopCloser(bytes.NewReader(body))
	route, params, err := f.spec.router.FindRoute(specReq)
	if err != nil {
		f.violation("%s %s: %v", r.Method, r.URL.Path, err)
		WriteError(w, http.StatusNotFound, "not_found", "no such operation")
		return
	}
	rec := Request{Method: r.Method, Path: strings.TrimPrefix(r.URL.Path, "/v3"), Query: r.URL.RawQuery}

	// The API reads its forms PHP-style; fold them so the description's
	// schema can judge them, and re-encode them as OpenAPI multipart.
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		form, err := foldForm(r.Header.Get("Content-Type"), body)
		if err != nil {
			f.violation("%s %s: form: %v", r.Method, rec.Path, err)
			WriteError(w, http.StatusBadRequest, "bad_request", err.Error())
			return
		}
		rec.Form = form
		schema := route.Operation.RequestBody.Value.Content.Get("multipart/form-data")
		if schema == nil {
			f.violation("%s %s: the operation takes no multipart/form-data", r.Method, rec.Path)
		} else {
			b, ct, err := encodeForOpenAPI(form, schema.Schema)
			if err != nil {
				f.violation("%s %s: %v", r.Method, rec.Path, err)
			}
			specReq.Body = io.NopCloser(bytes.NewReader(b))
			specReq.ContentLength = int64(len(b))
			specReq.Header.Set("Content-Type", ct)
		}
	}

	f.mu.Lock()
	f.requests = append(f.requests, rec)
	f.mu.Unlock()

	user, pass, ok := r.BasicAuth()
	if !ok || user != f.key || pass != "" {
		f.respond(w, specReq, route, func(w http.ResponseWriter) {
			WriteError(w, http.StatusUnauthorized, "unauthorized", "Unauthorized api key")
		})
		return
	}
	in := &openapi3filter.RequestValidationInput{
		Request: specReq, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: basicAuthOnly},
	}
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
		f.violation("%s %s: %v", r.Method, rec.Path, err)
		WriteError(w, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	f.respond(w, specReq, route, func(w http.ResponseWriter) {
		if f.Answer != nil && f.Answer(w, rec) {
			return
		}
		f.fixtureAnswer(w, rec, params)
	})
}

// basicAuthOnly accepts the api_key scheme (HTTP Basic, the key as user
// name) and refuses OAuth, which monthend does not use.
func basicAuthOnly(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	if in.SecuritySchemeName != "api_key" {
		return fmt.Errorf("scheme %s not used by monthend", in.SecuritySchemeName)
	}
	if user, pass, ok := in.RequestValidationInput.Request.BasicAuth(); !ok || user == "" || pass != "" {
		return errors.New("no Basic auth with the API key as user name and an empty password")
	}
	return nil
}

// respond records the answer, validates it against the description and
// sends it.
func (f *Server) respond(w http.ResponseWriter, req *http.Request, route *routers.Route, answer func(http.ResponseWriter)) {
	rec := httptest.NewRecorder()
	answer(rec)
	res := rec.Result()
	body := rec.Body.Bytes()
	if res.StatusCode < 500 { // the description documents 200 and 4XX
		in := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, Route: route},
			Status:                 res.StatusCode,
			Header:                 res.Header,
			Body:                   io.NopCloser(bytes.NewReader(body)),
			Options:                &openapi3filter.Options{IncludeResponseStatus: true},
		}
		if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
			f.violation("answer %d to %s %s: %v", res.StatusCode, req.Method, req.URL.Path, err)
		}
	}
	for k, v := range res.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(res.StatusCode)
	_, _ = w.Write(body)
}

// fixtureAnswer answers from SignatureRequestGetResponse.json: a send
// stores a new request made of what was sent (title, metadata, test mode,
// one signature per signer, awaiting signature); a get answers the stored
// request, or the fixture for an id it did not make; a download answers
// PDF.
func (f *Server) fixtureAnswer(w http.ResponseWriter, rec Request, params map[string]string) {
	switch {
	case rec.Path == "/signature_request/send":
		resp := Fixture(f.t, "SignatureRequestGetResponse")
		sr := resp["signature_request"].(map[string]any)
		f.mu.Lock()
		f.seq++
		// The fixture's id first, then ids of the same shape.
		id := "fa5c8a0b0f492d768749333ad6fcc214c111e967"
		if f.seq > 1 {
			id = fmt.Sprintf("fa5c8a0b0f492d768749333ad6fcc214c111%04x", f.seq)
		}
		f.mu.Unlock()
		sr["signature_request_id"] = id
		for _, k := range []string{"title", "subject", "message"} {
			v, _ := rec.Form[k].(string) // absent: empty, as strings in the answer
			sr[k] = v
		}
		sr["metadata"] = rec.Form["metadata"]
		sr["test_mode"] = rec.Form["test_mode"] == "1" || rec.Form["test_mode"] == "true"
		if signers, ok := rec.Form["signers"].([]any); ok {
			template := sr["signatures"].([]any)[0].(map[string]any)
			var sigs []any
			for i, s := range signers {
				m, _ := s.(map[string]any)
				sig := map[string]any{}
				for k, v := range template {
					sig[k] = v
				}
				sig["signature_id"] = fmt.Sprintf("%032x", i+1)
				sig["signer_email_address"] = m["email_address"]
				sig["signer_name"] = m["name"]
				sig["order"] = i
				sigs = append(sigs, sig)
			}
			sr["signatures"] = sigs
		}
		f.mu.Lock()
		f.sent[id] = sr
		f.mu.Unlock()
		WriteJSON(w, http.StatusOK, resp)
	case strings.HasPrefix(rec.Path, "/signature_request/files/"):
		w.Header().Set("Content-Type", "application/pdf")
		_, _ = w.Write(f.PDF)
	default:
		resp := Fixture(f.t, "SignatureRequestGetResponse")
		id := params["signature_request_id"]
		if sr := f.SignatureRequest(id); sr != nil {
			resp["signature_request"] = sr
		} else {
			resp["signature_request"].(map[string]any)["signature_request_id"] = id
		}
		WriteJSON(w, http.StatusOK, resp)
	}
}

// SignatureRequest returns a copy of a request the server made, in the
// API's shape (SignatureRequestResponse), or nil.
func (f *Server) SignatureRequest(id string) map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	sr, ok := f.sent[id]
	if !ok {
		return nil
	}
	b, _ := json.Marshal(sr)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return out
}

// Sign marks every signer of request id as having signed at, and the
// request complete.
func (f *Server) Sign(id string, at time.Time) {
	f.update(id, func(sr map[string]any) {
		sr["is_complete"] = true
		for _, s := range sr["signatures"].([]any) {
			sig := s.(map[string]any)
			sig["status_code"] = "signed"
			sig["signed_at"] = at.Unix()
		}
	})
}

// Decline marks the first signer of request id as having declined with
// reason, and the request declined.
func (f *Server) Decline(id, reason string) {
	f.update(id, func(sr map[string]any) {
		sr["is_declined"] = true
		sig := sr["signatures"].([]any)[0].(map[string]any)
		sig["status_code"] = "declined"
		sig["decline_reason"] = reason
	})
}

func (f *Server) update(id string, change func(map[string]any)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	sr, ok := f.sent[id]
	if !ok {
		f.t.Fatalf("esigntest: no signature request %s was sent", id)
	}
	change(sr)
}

// Event is a callback event as Dropbox Sign posts it (the `json` form
// field, EventCallbackRequest): eventType at eventTime (Unix seconds) about
// request sr (nil for none), with event_hash = hex HMAC-SHA256 of
// eventTime + eventType keyed with key.
func Event(key, eventType string, eventTime int64, sr map[string]any) []byte {
	ts := fmt.Sprint(eventTime)
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(ts + eventType))
	ev := map[string]any{"event": map[string]any{
		"event_time": ts, "event_type": eventType, "event_hash": hex.EncodeToString(m.Sum(nil)),
		"event_metadata": map[string]any{"reported_for_account_id": "63522885f9261e2b04eea043933ee7313eb674fd"},
	}}
	if sr != nil {
		ev["signature_request"] = sr
	}
	b, _ := json.Marshal(ev)
	return b
}

// CallbackForm wraps an event's payload as Dropbox Sign posts it: a
// multipart/form-data body with the field `json`.
func CallbackForm(payload []byte) (body []byte, contentType string) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	_ = w.WriteField("json", string(payload))
	_ = w.Close()
	return buf.Bytes(), w.FormDataContentType()
}

// WriteJSON answers v as JSON with status, for Answer functions.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// WriteError answers an ErrorResponse, the shape of ErrorResponse.json,
// for Answer functions.
func WriteError(w http.ResponseWriter, status int, name, msg string) {
	WriteJSON(w, status, map[string]any{"error": map[string]any{"error_msg": msg, "error_name": name}})
}

var bracketKey = regexp.MustCompile(`^([^\[\]]+)((?:\[[^\[\]]*\])*)$`)

// foldForm reads a multipart form the way the API does (PHP's rules):
// name[a][b]=v sets form[name][a][b]; name[]=v appends; maps whose keys are
// 0…n-1 are lists. Two values for one plain name are an error (PHP would
// silently keep the last).
func foldForm(contentType string, body []byte) (map[string]any, error) {
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return nil, err
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	root := map[string]any{}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		data, err := io.ReadAll(p)
		if err != nil {
			return nil, err
		}
		var value any = string(data)
		if p.FileName() != "" {
			value = &File{Name: p.FileName(), ContentType: p.Header.Get("Content-Type"), Data: data}
		}
		m := bracketKey.FindStringSubmatch(p.FormName())
		if m == nil {
			return nil, fmt.Errorf("part name %q is not name or name[key]…", p.FormName())
		}
		keys := []string{m[1]}
		if m[2] != "" {
			keys = append(keys, strings.Split(strings.TrimSuffix(strings.TrimPrefix(m[2], "["), "]"), "][")...)
		}
		node := root
		for i, k := range keys {
			if k == "" {
				k = strconv.Itoa(len(node))
			}
			if i == len(keys)-1 {
				if _, dup := node[k]; dup {
					return nil, fmt.Errorf("part %q given twice", p.FormName())
				}
				node[k] = value
				break
			}
			child, ok := node[k].(map[string]any)
			if !ok {
				if node[k] != nil {
					return nil, fmt.Errorf("part %q: %s is both a value and a map", p.FormName(), k)
				}
				child = map[string]any{}
				node[k] = child
			}
			node = child
		}
	}
	return listify(root).(map[string]any), nil
}

func listify(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	for k, c := range m {
		m[k] = listify(c)
	}
	for i := range len(m) {
		if _, ok := m[strconv.Itoa(i)]; !ok {
			return m
		}
	}
	if len(m) == 0 {
		return m
	}
	list := make([]any, len(m))
	for i := range list {
		list[i] = m[strconv.Itoa(i)]
	}
	return list
}

// encodeForOpenAPI writes a folded form as OpenAPI 3.0 multipart: one part
// per property (a part per item for arrays), objects as application/json
// parts with the form's strings converted to the schema's types (as the
// API converts them), files as binary parts.
func encodeForOpenAPI(form map[string]any, schema *openapi3.SchemaRef) ([]byte, string, error) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	names := make([]string, 0, len(form))
	for k := range form {
		names = append(names, k)
	}
	sort.Strings(names)
	var firstErr error
	write := func(name string, v any, s *openapi3.SchemaRef) {
		h := textproto.MIMEHeader{}
		var data []byte
		switch v := v.(type) {
		case *File:
			h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, name, v.Name))
			h.Set("Content-Type", v.ContentType)
			data = v.Data
		case string:
			h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q`, name))
			data = []byte(v)
		default:
			h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q`, name))
			h.Set("Content-Type", "application/json")
			b, err := json.Marshal(coerce(v, s))
			if err != nil && firstErr == nil {
				firstErr = err
			}
			data = b
		}
		p, err := w.CreatePart(h)
		if err == nil {
			_, err = p.Write(data)
		}
		if err != nil && firstErr == nil {
			firstErr = err
		}
	}
	for _, name := range names {
		prop := schema.Value.Properties[name]
		if list, ok := form[name].([]any); ok && prop != nil && prop.Value.Type.Is("array") {
			for _, item := range list {
				write(name, item, prop.Value.Items)
			}
			continue
		}
		write(name, form[name], prop)
	}
	if err := w.Close(); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), w.FormDataContentType(), firstErr
}

// coerce converts the form's strings to the schema's scalar types.
func coerce(v any, s *openapi3.SchemaRef) any {
	if s == nil || s.Value == nil {
		return v
	}
	switch v := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, c := range v {
			var cs *openapi3.SchemaRef
			if p, ok := s.Value.Properties[k]; ok {
				cs = p
			} else if s.Value.AdditionalProperties.Schema != nil {
				cs = s.Value.AdditionalProperties.Schema
			}
			out[k] = coerce(c, cs)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, c := range v {
			out[i] = coerce(c, s.Value.Items)
		}
		return out
	case string:
		switch {
		case s.Value.Type.Is("integer"):
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				return n
			}
		case s.Value.Type.Is("number"):
			if n, err := strconv.ParseFloat(v, 64); err == nil {
				return n
			}
		case s.Value.Type.Is("boolean"):
			if b, err := strconv.ParseBool(v); err == nil {
				return b
			}
		}
	}
	return v
}
