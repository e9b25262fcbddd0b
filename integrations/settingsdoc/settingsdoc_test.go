package settingsdoc

import (
	"strings"
	"testing"
)

type block struct {
	Host string `yaml:"host"`
	Port int    `yaml:"port"`
}

func TestDecode(t *testing.T) {
	cases := []struct {
		name, doc string
		found     bool
		want      block
		err       string // part of the error; "" for none
	}{
		{"the block, beside others", "smtp:\n  host: mail.example.com\n  port: 587\nseller:\n  legal_name: X\n", true, block{"mail.example.com", 587}, ""},
		{"no such block", "seller:\n  legal_name: X\n", false, block{}, ""},
		{"an empty document", "", false, block{}, ""},
		{"a misspelt key", "smtp:\n  hots: mail.example.com\n", true, block{}, "smtp: yaml: unmarshal errors:\n  line 1: field hots not found"},
		{"a wrong type", "smtp:\n  port: many\n", true, block{}, "smtp: "},
		{"not YAML", "smtp: [\n", false, block{}, "yaml"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got block
			found, err := Decode([]byte(tc.doc), "smtp", &got)
			if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
				t.Fatalf("error %v, want one containing %q", err, tc.err)
			}
			if found != tc.found || err == nil && got != tc.want {
				t.Errorf("found %v, %+v; want %v, %+v", found, got, tc.found, tc.want)
			}
		})
	}
}

// FuzzDecode: a settings file is outside input; decoding never panics,
// and a block is reported found whenever it decoded.
func FuzzDecode(f *testing.F) {
	f.Add([]byte("smtp:\n  host: a\n  port: 25\n"))
	f.Add([]byte("smtp: ~\nother: [1, 2]\n"))
	f.Add([]byte("- a\n- b\n"))
	f.Fuzz(func(t *testing.T, doc []byte) {
		var b block
		found, err := Decode(doc, "smtp", &b)
		if err == nil && !found && b != (block{}) {
			t.Fatalf("no block found, yet %+v decoded", b)
		}
	})
}
