package usageapi

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/monthend/monthend/ledger"
)

// FuzzReadNative: for every body, readNative (the batch parser first) and
// the encoding/json path alone, item by item, give the same events, the
// same rejections with the same reasons, and the same failure — also when
// the pooled parsers already hold the body's strings (the second read).
func FuzzReadNative(f *testing.F) {
	ev := `{"id":"1","customer":"acme","metric":"gb","timestamp":"2026-03-01T10:00:00Z","value":2.5}`
	for _, s := range []string{
		ev, `[` + ev + `]`, `{"events":[` + ev + `,` + ev + `]}`, ` { "events" : [ ] } `, `[]`, `[` + ev + `,]`,
		`{"events":[` + ev + `],"x":1}`, `{"Events":[` + ev + `]}`, `{"events":null}`, `[null]`, `[{}]`, `[1,"x"]`,
		`{"events":[` + ev + `]}}`, `[` + ev + `] x`, `{"events":[{"id":"é"}]}`, `42`, `{"id":"1",`, ``, `null`,
		`[{"id":"a","customer":"c","metric":"m","timestamp":"2024-02-29T23:59:59Z","value":"-0.50","properties":{"u":"u1","n":123456789012345678}}]`,
		`[{"id":"a","customer":"c","metric":"m","timestamp":"2023-02-29T00:00:00Z"},{"id":"b","customer":"c","metric":"m","timestamp":"2023-02-28T00:00:00Z"}]`,
		`[{"id":"a","customer":"c","metric":"m","timestamp":"2026-03-01T10:00:00.5+02:00","value":-12345678901234567.8}]`,
		`[{"id":"a","customer":"c","metric":"m","timestamp":"2026-03-01T10:00:00Z","properties":{"n":1e99999999999}}]`,
		`{"events":[{"id":"a","customer":"c","metric":"m","timestamp":"2026-03-01T10:00:00Z","value":"","properties":{}}]}`,
		`{"events":[{"id":"a\u00e9","customer":"c","metric":"m","timestamp":"2026-03-01T10:00:00Z","value":true}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		wantEvents, wantErrs, wantFail := readNativeJSON(body, false)
		for range 2 {
			events, errs, fail := readNative(body)
			if !reflect.DeepEqual(fail, wantFail) {
				t.Fatalf("%q: failure %+v, encoding/json's path %+v", body, fail, wantFail)
			}
			if len(events) != len(wantEvents) || len(events) > 0 && !reflect.DeepEqual(events, wantEvents) {
				t.Fatalf("%q: events %#v, encoding/json's path %#v", body, events, wantEvents)
			}
			if got, want := reasons(errs, len(events)), reasons(wantErrs, len(wantEvents)); !reflect.DeepEqual(got, want) {
				t.Fatalf("%q: rejections %q, encoding/json's path %q", body, got, want)
			}
		}
	})
}

// reasons lists each event's rejection ("" if none); errs == nil means none.
func reasons(errs []error, n int) []string {
	r := make([]string, n)
	for i, err := range errs {
		if err != nil {
			r[i] = err.Error()
		}
	}
	return r
}

// FuzzAppendResponse: appendResponse writes the bytes json.Encoder writes
// for the same response, whatever the ids and reasons hold (escapes, HTML
// characters, invalid UTF-8).
func FuzzAppendResponse(f *testing.F) {
	f.Add("evt-1", "", uint8(0), 3)
	f.Add("a\"b\\c<d>&e\u2028\x00\x7f", "event x: \"customer\" is required", uint8(4<<2|3), 2)
	f.Add("\xff\xfe", "r\ttab", uint8(2<<2|1), 1)
	f.Add("", "", uint8(0), 0)
	f.Fuzz(func(t *testing.T, id, reason string, flags uint8, n int) {
		out := Response{Summary: summaryJSON{int(flags), n, -n, 1 << 40, 0}}
		if n >= 0 {
			out.Results = make([]ledger.Result, n%8)
		}
		for i := range out.Results {
			out.Results[i] = ledger.Result{ID: id + strings.Repeat("x", i), Outcome: ledger.Outcome((int(flags>>2) + i) % 5),
				Unattributed: flags&1 != 0, Late: flags&2 != 0}
			if i%2 == 1 {
				out.Results[i].Reason = reason
			}
		}
		var want bytes.Buffer
		if err := json.NewEncoder(&want).Encode(out); err != nil {
			t.Fatal(err)
		}
		if got := appendResponse(nil, &out); !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("appendResponse:\n%s\njson.Encoder:\n%s", got, want.Bytes())
		}
	})
}
