package esign

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
)

// TestFakeAPIRejectsOffSpecRequests shows that the fake's validation can
// fail: requests that stray from openapi.yaml are reported, so the clean
// runs of the client tests mean something.
func TestFakeAPIRejectsOffSpecRequests(t *testing.T) {
	good := [][2]string{
		{"title", "Quote"}, {"signers[0][name]", "Ada"}, {"signers[0][email_address]", "ada@northwind.example"},
		{"metadata[monthend_quote_id]", "Q-1"}, {"test_mode", "1"},
	}
	for _, tc := range []struct {
		name   string
		file   string // the PDF's part name
		fields [][2]string
		want   string // in the violation; "" for none
	}{
		{name: "as the client sends it", file: "files[0]", fields: good},
		{name: "file[0] is not a field of the description", file: "file[0]", fields: good, want: "file"},
		{name: "signer without email_address", file: "files[0]", fields: replace(good, "signers[0][email_address]", "signers[0][email]"), want: "email_address"},
		{name: "title over 255", file: "files[0]", fields: append(replace(good, "title", "x"), [2]string{"title", strings.Repeat("t", 256)}), want: "title"},
		{name: "test_mode not a boolean", file: "files[0]", fields: append(replace(good, "test_mode", "x"), [2]string{"test_mode", "yes"}), want: "test_mode"},
		{name: "signer order not an integer", file: "files[0]", fields: append(good, [2]string{"signers[0][order]", "first"}), want: "order"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeAPI(t)
			var body bytes.Buffer
			w := multipart.NewWriter(&body)
			fw, _ := w.CreateFormFile(tc.file, "q.pdf")
			_, _ = fw.Write(samplePDF("q"))
			for _, kv := range tc.fields {
				if kv[0] != "x" {
					_ = w.WriteField(kv[0], kv[1])
				}
			}
			_ = w.Close()
			req, _ := http.NewRequest(http.MethodPost, f.baseURL()+"/signature_request/send", &body)
			req.Header.Set("Content-Type", w.FormDataContentType())
			req.SetBasicAuth(testKey, "")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			v := strings.Join(f.Violations(), "\n")
			t.Logf("violations: %s", v)
			switch {
			case tc.want == "" && (v != "" || resp.StatusCode != 200):
				t.Errorf("status %d, violations: %s", resp.StatusCode, v)
			case tc.want != "" && (!strings.Contains(v, tc.want) || resp.StatusCode != 400):
				t.Errorf("status %d, violations %q, want one naming %q", resp.StatusCode, v, tc.want)
			}
		})
	}
}

func TestFakeAPIRejectsOffSpecQuery(t *testing.T) {
	f := newFakeAPI(t)
	req, _ := http.NewRequest(http.MethodGet, f.baseURL()+"/signature_request/files/abc?file_type=docx", nil)
	req.SetBasicAuth(testKey, "")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if v := strings.Join(f.Violations(), "\n"); !strings.Contains(v, "file_type") {
		t.Errorf("violations %q, want one about file_type", v)
	}
}

// replace renames (or, with "x", drops) the field named old.
func replace(fields [][2]string, old, name string) [][2]string {
	out := make([][2]string, len(fields))
	for i, kv := range fields {
		if kv[0] == old {
			kv[0] = name
		}
		out[i] = kv
	}
	return out
}

// TestFakeAPIChecksItsAnswers: the fake's answers are validated too, so
// an error body the description does not allow is caught.
func TestFakeAPIChecksItsAnswers(t *testing.T) {
	f := newFakeAPI(t)
	f.Answer = func(w http.ResponseWriter, _ received) bool {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]any{"error_msg": "no name"}})
		return true
	}
	_ = call(f.client(t, testKey), "get")
	if v := strings.Join(f.Violations(), "\n"); !strings.Contains(v, "error_name") {
		t.Errorf("violations %q, want one about error_name", v)
	}
}
