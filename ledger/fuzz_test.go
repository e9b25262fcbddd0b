package ledger

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// FuzzParseEventJSON: any input either parses into a complete event or is
// rejected with an error; it never panics.
func FuzzParseEventJSON(f *testing.F) {
	for _, s := range []string{
		`{"id":"1","customer":"acme","metric":"gb","timestamp":"2026-03-01T10:00:00Z","value":2.5}`,
		`{"id":"1","customer":"acme","metric":"gb","timestamp":"2026-03-01T10:00:00+01:00","value":"1e3","properties":{"a":"x","b":-1.5}}`,
		`{"id":"1","customer":"acme","metric":"gb","timestamp":"2026-03-01T10:00:00Z","properties":{"a":true}}`,
		`[]`, `{`, `null`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := ParseEventJSON(data)
		if err != nil {
			return
		}
		if e.ID == "" || e.Customer == "" || e.Metric == "" || e.Timestamp.IsZero() {
			t.Fatalf("parsed an incomplete event: %+v", e)
		}
	})
}

// FuzzImportCSV: a CSV stream of any shape yields events and rejections
// whose lines are within the input; parsing never panics.
func FuzzImportCSV(f *testing.F) {
	for _, s := range []string{
		"id,customer,metric,timestamp,value,property.user\n1,acme,gb,2026-03-01T10:00:00Z,2.5,ann\n",
		"id,customer,metric,timestamp\n\"1,acme\n",
		"customer,id,timestamp,metric\nacme,1,2026-03-01T10:00:00Z,gb\nx\n",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		lines := strings.Count(data, "\n") + 1
		out := make(chan parsedBatch, 100)
		br := bufio.NewReader(strings.NewReader(data))
		done := make(chan error, 1)
		go func() {
			defer close(out)
			done <- parseCSVStream(context.Background(), br, "f.csv", 3, &countingReader{}, nil, out)
		}()
		for pb := range out {
			if pb.prep != nil { // the parser's events, once prepared (in their order: arrival maps back)
				for k, e := range pb.prep.events {
					if ln := pb.lines[pb.prep.arrival[k]]; e.ID == "" || ln < 2 || ln > lines {
						t.Fatalf("event %+v at line %d of %d", e, ln, lines)
					}
				}
			}
			for _, r := range pb.rejects {
				if r.Line < 1 || r.Line > lines || r.Reason == "" {
					t.Fatalf("rejection %+v of %d lines", r, lines)
				}
			}
		}
		<-done
	})
}

// FuzzImportJSONL: the same for JSON Lines streams.
func FuzzImportJSONL(f *testing.F) {
	f.Add("{\"id\":\"1\",\"customer\":\"a\",\"metric\":\"m\",\"timestamp\":\"2026-03-01T10:00:00Z\"}\n\nnope\n")
	f.Fuzz(func(t *testing.T, data string) {
		lines := strings.Count(data, "\n") + 1
		out := make(chan parsedBatch, 100)
		go func() {
			defer close(out)
			parseJSONLStream(context.Background(), bufio.NewReader(strings.NewReader(data)), "f.jsonl", 3, &countingReader{}, nil, out)
		}()
		n := 0
		for pb := range out {
			n += len(pb.rejects)
			if pb.prep != nil { // the parser's events, once prepared
				n += len(pb.prep.events)
			}
			for _, r := range pb.rejects {
				if r.Line < 1 || r.Line > lines {
					t.Fatalf("rejection %+v of %d lines", r, lines)
				}
			}
			if pb.lastLn > lines {
				t.Fatalf("%d lines read of %d", pb.lastLn, lines)
			}
		}
		if n > lines {
			t.Fatalf("%d results from %d lines", n, lines)
		}
	})
}

// FuzzFastEventJSON: whatever the fast path accepts, encoding/json reads to
// the same EventJSON, hence the same event or error.
func FuzzFastEventJSON(f *testing.F) {
	for _, s := range []string{
		`{"id":"1","customer":"acme","metric":"gb","timestamp":"2026-03-01T10:00:00Z","value":2.5}`,
		`{"id":"1","customer":"acme","metric":"gb","timestamp":"2026-03-01T10:00:00+01:00","value":"1e3","properties":{"a":"x","b":-1.5}}`,
		` { "id" : "1" , "value" : null , "properties" : { } } `,
		`{"id":"1","id":"2"}`, `{"ID":"1"}`, `{"value":01}`, `{"value":1.}`, `{"value":-0.5e+3}`, `{}`, `{"id":"é"}`,
		`{"properties":{"a":true}}`, `{"properties":{"a":"1","a":"2"}}`, `{"id":"1"} x`, `{"value":1x}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fast, ok := fastEventJSON(data)
		if !ok {
			return
		}
		var slow EventJSON
		if err := json.Unmarshal(data, &slow); err != nil {
			t.Fatalf("fast path read %q, encoding/json refuses it: %v", data, err)
		}
		if !reflect.DeepEqual(fast, slow) {
			t.Fatalf("%q: fast path %#v, encoding/json %#v", data, fast, slow)
		}
	})
}

// FuzzFastEventBatchJSON: whatever the fast batch reader accepts,
// encoding/json reads to the same EventJSONs, the HTTP API's slow path.
func FuzzFastEventBatchJSON(f *testing.F) {
	ev := `{"id":"1","customer":"acme","metric":"gb","timestamp":"2026-03-01T10:00:00Z","value":2.5}`
	for _, s := range []string{
		`[` + ev + `]`, `{"events":[` + ev + `,` + ev + `]}`, ` { "events" : [ ] } `, `[]`, `[` + ev + `,]`,
		`{"events":[` + ev + `],"x":1}`, `{"Events":[` + ev + `]}`, `{"events":null}`, `[null]`, `[{}]`,
		`{"events":[` + ev + `]}}`, `[` + ev + `] x`, `{"events":[{"id":"é"}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fast, ok := FastEventBatchJSON(data)
		if !ok {
			return
		}
		var slow []EventJSON
		var err error
		if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '{' {
			var batch struct {
				Events []EventJSON `json:"events"`
			}
			err = json.Unmarshal(data, &batch)
			slow = batch.Events
		} else {
			err = json.Unmarshal(data, &slow)
		}
		if err != nil {
			t.Fatalf("fast path read %q, encoding/json refuses it: %v", data, err)
		}
		if !reflect.DeepEqual(fast, slow) {
			t.Fatalf("%q: fast path %#v, encoding/json %#v", data, fast, slow)
		}
	})
}

// FuzzEventParser: the import's line reader gives, for every input, the
// event and error that encoding/json and EventJSON.Event give, also when
// its tables of strings and values already hold the line's (the second
// read).
func FuzzEventParser(f *testing.F) {
	for _, s := range []string{
		`{"id":"1","customer":"acme","metric":"gb","timestamp":"2026-03-01T10:00:00Z","value":2.5}`,
		`{"id":"1","customer":"acme","metric":"gb","timestamp":"2026-03-01T10:00:00+01:00","value":"1e3","properties":{"a":"x","b":-1.5}}`,
		`{"id":"a","customer":"c","metric":"m","timestamp":"2024-02-29T23:59:59Z","value":"-0.50","properties":{"u":"u1","n":123456789012345678}}`,
		`{"id":"a","customer":"c","metric":"m","timestamp":"2023-02-29T00:00:00Z"}`,
		`{"id":"a","customer":"c","metric":"m","timestamp":"2026-03-01T24:00:00Z","value":null}`,
		`{"id":"a","customer":"c","metric":"m","timestamp":"2026-03-01T10:00:00.5Z","value":-12345678901234567.8}`,
		`{"id":"a","customer":"c","metric":"m","timestamp":"2026-03-01T10:00:00Z","value":1e99999999999}`,
		`{"id":"a","customer":"c","metric":"m","timestamp":"2026-03-01T10:00:00Z","properties":{"n":1e99999999999}}`,
		`{"id":"a","customer":"c","metric":"m","timestamp":"2026-03-01T10:00:00Z","value":"","properties":{}}`,
		`{"id":"1","customer":"","metric":"gb","timestamp":"x"}`, `{"id":"1","id":"2"}`, `{}`, `[]`, `null`, `{`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		want, wantErr := reference(data)
		ep := newEventParser()
		for range 2 {
			got, err := ep.parse(data)
			if (err == nil) != (wantErr == nil) || err != nil && err.Error() != wantErr.Error() {
				t.Fatalf("%q: error %v, encoding/json's path %v", data, err, wantErr)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%q: %#v, encoding/json's path %#v", data, got, want)
			}
		}
	})
}

// reference reads an event line with encoding/json alone.
func reference(data []byte) (Event, error) {
	var j EventJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return Event{}, jsonError(err)
	}
	return j.Event()
}
