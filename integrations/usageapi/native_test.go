package usageapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// TestNativeAnswers: a batch the batch parser reads, the same batch again
// (duplicates), and one it leaves to encoding/json (an escaped id, an
// invalid event) are answered with the bytes json.Encoder writes for their
// results, with their length; bodies of unknown length (chunked) are read
// whole, and cut at the limit.
func TestNativeAnswers(t *testing.T) {
	srv, _, key := newServer(t)
	batch := func(n int, extra ...string) string {
		var evs []string
		for i := range n {
			evs = append(evs, event(fmt.Sprintf("e-%d", i), "acme"))
		}
		return `{"events":[` + strings.Join(append(evs, extra...), ",") + `]}`
	}
	for _, tc := range []struct {
		name    string
		body    string
		chunked bool
		status  int
		results int
	}{
		{"fast path", batch(20), false, 200, 20},
		{"fast path again", batch(20), false, 200, 20},
		{"escaped id and HTML", batch(3, `{"id":"<x>\n&","customer":"acme","metric":"calls","timestamp":"2026-03-05T10:00:00Z"}`), false, 200, 4},
		{"invalid event", batch(2, `{"id":"bad","customer":"acme","metric":"calls","timestamp":"soon"}`), false, 200, 3},
		{"chunked", batch(200), true, 200, 200},
		{"chunked over the limit", batch(1000), true, 413, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var rd io.Reader = strings.NewReader(tc.body)
			if tc.chunked {
				rd = io.MultiReader(rd) // no length known: sent chunked
			}
			req, _ := http.NewRequest("POST", srv.URL+"/v1/usage/events", rd)
			req.Header.Set("Authorization", "Bearer "+key)
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			data, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.status {
				t.Fatalf("%d %s, want %d", resp.StatusCode, data, tc.status)
			}
			if tc.status != 200 {
				return
			}
			var out Response
			if err := json.Unmarshal(data, &out); err != nil || len(out.Results) != tc.results {
				t.Fatalf("%d results (%v), want %d: %s", len(out.Results), err, tc.results, data)
			}
			var want bytes.Buffer
			json.NewEncoder(&want).Encode(out)
			if !bytes.Equal(data, want.Bytes()) {
				t.Errorf("answer\n%s\njson.Encoder writes\n%s", data, want.Bytes())
			}
			if cl := resp.Header.Get("Content-Length"); cl != strconv.Itoa(len(data)) || resp.Header.Get("Content-Type") != "application/json" {
				t.Errorf("Content-Length %q, Content-Type %q for %d bytes", cl, resp.Header.Get("Content-Type"), len(data))
			}
		})
	}
}
