package ledger

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// referenceBatch reads a batch body with encoding/json alone: the items of
// an array or of {"events": [...]}, each read by reference.
func referenceBatch(data []byte) ([]Event, error) {
	var items []json.RawMessage
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '{' {
		var batch struct {
			Events []json.RawMessage `json:"events"`
		}
		if err := json.Unmarshal(data, &batch); err != nil {
			return nil, err
		}
		items = batch.Events
	} else if err := json.Unmarshal(data, &items); err != nil {
		return nil, err
	}
	events := []Event{}
	for _, it := range items {
		e, err := reference(it)
		if err != nil {
			return nil, err
		}
		events = append(events, e)
	}
	return events, nil
}

func TestBatchParser(t *testing.T) {
	ev := func(id, extra string) string {
		return `{"id":"` + id + `","customer":"acme","metric":"gb","timestamp":"2026-03-01T10:00:00Z"` + extra + `}`
	}
	for _, tc := range []struct {
		name, body string
		n          int // events read; -1: refused
	}{
		{"array", `[` + ev("1", `,"value":2.5`) + `,` + ev("2", `,"properties":{"u":"ann","n":3}`) + `]`, 2},
		{"wrapped", ` { "events" : [ ` + ev("1", "") + ` , ` + ev("2", `,"value":"7"`) + ` ] } `, 2},
		{"empty array", `[]`, 0},
		{"empty wrapped", `{"events":[]}`, 0},
		{"offset timestamp", `[{"id":"1","customer":"a","metric":"m","timestamp":"2026-03-01T10:00:00+01:00"}]`, 1},
		{"big value", `[` + ev("1", `,"value":123456789012345678901234.5`) + `]`, 1},
		{"invalid event", `[` + ev("1", "") + `,{"id":"2"}]`, -1},
		{"bad timestamp", `[{"id":"1","customer":"a","metric":"m","timestamp":"yesterday"}]`, -1},
		{"other key", `{"events":[` + ev("1", "") + `],"x":1}`, -1},
		{"key case", `{"Events":[` + ev("1", "") + `]}`, -1},
		{"escaped string", `[` + ev(`1\n`, "") + `]`, -1},
		{"unknown field", `[` + ev("1", `,"x":1`) + `]`, -1},
		{"single event", ev("1", ""), -1},
		{"trailing comma", `[` + ev("1", "") + `,]`, -1},
		{"trailing data", `[` + ev("1", "") + `] x`, -1},
		{"null events", `{"events":null}`, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := NewBatchParser().Parse([]byte(tc.body), nil)
			if !ok {
				if tc.n >= 0 {
					t.Fatalf("refused %s", tc.body)
				}
				return
			}
			if tc.n < 0 {
				t.Fatalf("read %s, want it refused", tc.body)
			}
			want, err := referenceBatch([]byte(tc.body))
			if err != nil || len(got) != tc.n || !reflect.DeepEqual(got, want) && !(len(got) == 0 && len(want) == 0) {
				t.Fatalf("got %#v, encoding/json %#v %v", got, want, err)
			}
		})
	}
}

// FuzzBatchParser: whatever BatchParser reads, encoding/json reads to the
// same events, every item valid, also when the parser's tables already
// hold the body's strings (the second read). What it refuses goes to that
// path anyway, so the two agree on every input.
func FuzzBatchParser(f *testing.F) {
	ev := `{"id":"1","customer":"acme","metric":"gb","timestamp":"2026-03-01T10:00:00Z","value":2.5}`
	for _, s := range []string{
		`[` + ev + `]`, `{"events":[` + ev + `,` + ev + `]}`, ` { "events" : [ ] } `, `[]`, `[` + ev + `,]`,
		`{"events":[` + ev + `],"x":1}`, `{"Events":[` + ev + `]}`, `{"events":null}`, `[null]`, `[{}]`,
		`{"events":[` + ev + `]}}`, `[` + ev + `] x`, `{"events":[{"id":"é"}]}`,
		`[{"id":"a","customer":"c","metric":"m","timestamp":"2024-02-29T23:59:59Z","value":"-0.50","properties":{"u":"u1","n":123456789012345678}}]`,
		`[{"id":"a","customer":"c","metric":"m","timestamp":"2023-02-29T00:00:00Z"}]`,
		`[{"id":"a","customer":"c","metric":"m","timestamp":"2026-03-01T10:00:00.5+02:00","value":-12345678901234567.8}]`,
		`[{"id":"a","customer":"c","metric":"m","timestamp":"2026-03-01T10:00:00Z","properties":{"n":1e99999999999}}]`,
		`[{"id":"a","customer":"c","metric":"m","timestamp":"2026-03-01T10:00:00Z","value":"","properties":{}}]`,
		`{"events":[` + strings.Repeat(ev+`,`, 3) + ev + `]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		bp := NewBatchParser()
		for range 2 {
			got, ok := bp.Parse(data, nil)
			if !ok {
				return
			}
			want, err := referenceBatch(data)
			if err != nil {
				t.Fatalf("%q: read %d events, encoding/json's path refuses it: %v", data, len(got), err)
			}
			if len(got) != len(want) || len(got) > 0 && !reflect.DeepEqual(got, want) {
				t.Fatalf("%q: %#v, encoding/json's path %#v", data, got, want)
			}
		}
	})
}
