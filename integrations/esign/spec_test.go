package esign

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"go.yaml.in/yaml/v3"
)

// testKey is the tests' fake API key: the vendor's SDK test key, with
// which the fixtures' event hashes were made.
const testKey = "324e3b0840f065eb51f3fd63231d0d33daa35d4ed10d27718839e81737065782"

const specDir = "testdata/dropbox-sign"

// spec is the vendor's OpenAPI description and a router over it, loaded
// once per test binary.
var spec = sync.OnceValues(func() (*apiSpec, error) {
	b, err := os.ReadFile(filepath.Join(specDir, "openapi.yaml"))
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

// fixture returns the "default" example of a vendor fixture file.
func fixture(t testing.TB, name string) map[string]any {
	t.Helper()
	var all map[string]map[string]any
	b, err := os.ReadFile(filepath.Join(specDir, "fixtures", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &all); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return all["default"]
}

// received is one request as the fake API understood it.
type received struct {
	Method, Path string
	Query        string
	// Form is the request body folded the way the API reads its form
	// convention (signers[0][name] → {"signers": [{"name": …}]}); files
	// are *formFile.
	Form map[string]any
}

type formFile struct {
	Name, ContentType string
	Data              []byte
}

// fakeAPI is a local Dropbox Sign: it checks the Basic auth, validates
// every request against openapi.yaml (a test failure if it does not
// follow it), answers from the vendor's fixtures, and validates its own
// answers against openapi.yaml too.
type fakeAPI struct {
	t    testing.TB
	spec *apiSpec
	srv  *httptest.Server

	mu       sync.Mutex
	requests []received
	// violations are requests or answers that do not follow openapi.yaml.
	violations []string
	// answer, if set, replaces the fixture answer (to make errors).
	answer func(w http.ResponseWriter, r received) bool
	// pdf is what a download answers.
	pdf []byte
}

func newFakeAPI(t testing.TB) *fakeAPI {
	f := &fakeAPI{t: t, spec: loadSpec(t), pdf: samplePDF("signed")}
	f.srv = httptest.NewServer(f)
	t.Cleanup(f.srv.Close)
	t.Cleanup(func() {
		for _, v := range f.Violations() {
			t.Errorf("not per openapi.yaml: %s", v)
		}
	})
	return f
}

// baseURL is where a client should point: the fake plays the spec's
// server https://api.hellosign.com/v3.
func (f *fakeAPI) baseURL() string { return f.srv.URL + "/v3" }

func (f *fakeAPI) client(t testing.TB, key string) *Client {
	t.Helper()
	c, err := New(Settings{BaseURL: f.baseURL()}, NewAPIKey(key))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Violations returns and forgets what did not follow the description.
func (f *fakeAPI) Violations() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	v := f.violations
	f.violations = nil
	return v
}

func (f *fakeAPI) violation(format string, args ...any) {
	f.mu.Lock()
	f.violations = append(f.violations, fmt.Sprintf(format, args...))
	f.mu.Unlock()
}

func (f *fakeAPI) Requests() []received {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]received(nil), f.requests...)
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
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
		writeError(w, http.StatusNotFound, "not_found", "no such operation")
		return
	}
	rec := received{Method: r.Method, Path: strings.TrimPrefix(r.URL.Path, "/v3"), Query: r.URL.RawQuery}

	// The API reads its forms PHP-style; fold them so the description's
	// schema can judge them, and re-encode them as OpenAPI multipart.
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		form, err := foldForm(r.Header.Get("Content-Type"), body)
		if err != nil {
			f.violation("%s %s: form: %v", r.Method, rec.Path, err)
			writeError(w, http.StatusBadRequest, "bad_request", err.Error())
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
	if !ok || user != testKey || pass != "" {
		f.respond(w, specReq, route, func(w http.ResponseWriter) {
			writeError(w, http.StatusUnauthorized, "unauthorized", "Unauthorized api key")
		})
		return
	}
	in := &openapi3filter.RequestValidationInput{
		Request: specReq, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: basicAuthOnly},
	}
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
		f.violation("%s %s: %v", r.Method, rec.Path, err)
		writeError(w, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	f.respond(w, specReq, route, func(w http.ResponseWriter) {
		if f.answer != nil && f.answer(w, rec) {
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
func (f *fakeAPI) respond(w http.ResponseWriter, req *http.Request, route *routers.Route, answer func(http.ResponseWriter)) {
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

// fixtureAnswer answers from SignatureRequestGetResponse.json, with the
// id asked for and, for a send, what was sent.
func (f *fakeAPI) fixtureAnswer(w http.ResponseWriter, rec received, params map[string]string) {
	switch {
	case rec.Path == "/signature_request/send":
		resp := fixture(f.t, "SignatureRequestGetResponse")
		sr := resp["signature_request"].(map[string]any)
		sr["signature_request_id"] = "fa5c8a0b0f492d768749333ad6fcc214c111e967"
		sr["title"] = rec.Form["title"]
		sr["subject"] = rec.Form["subject"]
		sr["message"] = rec.Form["message"]
		sr["metadata"] = rec.Form["metadata"]
		sr["test_mode"] = rec.Form["test_mode"] == "1" || rec.Form["test_mode"] == "true"
		writeJSON(w, http.StatusOK, resp)
	case strings.HasPrefix(rec.Path, "/signature_request/files/"):
		w.Header().Set("Content-Type", "application/pdf")
		_, _ = w.Write(f.pdf)
	default:
		resp := fixture(f.t, "SignatureRequestGetResponse")
		resp["signature_request"].(map[string]any)["signature_request_id"] = params["signature_request_id"]
		writeJSON(w, http.StatusOK, resp)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError answers an ErrorResponse, the shape of ErrorResponse.json.
func writeError(w http.ResponseWriter, status int, name, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{"error_msg": msg, "error_name": name}})
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
			value = &formFile{Name: p.FileName(), ContentType: p.Header.Get("Content-Type"), Data: data}
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
		case *formFile:
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
