package esign

import (
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/monthend/monthend/integrations/esign/esigntest"
)

// The fake Dropbox Sign that validates against the vendor's OpenAPI
// description lives in esigntest, so that tests of the code using this
// package (the CLI, monthend serve) validate against it too. These names
// keep this package's tests short.

// testKey is the tests' fake API key: the vendor's SDK test key, with
// which the fixtures' event hashes were made.
const testKey = esigntest.VendorTestKey

// specDir holds openapi.yaml and the fixtures.
const specDir = "esigntest/dropbox-sign"

type (
	received = esigntest.Request
	formFile = esigntest.File
)

// fakeAPI is esigntest's server with a client maker.
type fakeAPI struct{ *esigntest.Server }

func newFakeAPI(t testing.TB) *fakeAPI {
	f := &fakeAPI{esigntest.New(t, testKey)}
	f.PDF = samplePDF("signed")
	return f
}

func (f *fakeAPI) baseURL() string { return f.URL() }

func (f *fakeAPI) client(t testing.TB, key string) *Client {
	t.Helper()
	c, err := New(Settings{BaseURL: f.baseURL()}, NewAPIKey(key))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func fixture(t testing.TB, name string) map[string]any { return esigntest.Fixture(t, name) }

var (
	writeJSON  = esigntest.WriteJSON
	writeError = esigntest.WriteError
)

type apiSpec struct{ doc *openapi3.T }

func loadSpec(t testing.TB) apiSpec {
	t.Helper()
	doc, err := esigntest.Spec()
	if err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	return apiSpec{doc}
}
