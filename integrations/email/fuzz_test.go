package email

import "testing"

// FuzzParseSettings: the settings file is outside input. Parsing never
// panics, and what it accepts is valid.
func FuzzParseSettings(f *testing.F) {
	f.Add([]byte("smtp:\n  host: h\n  from: a@b.example\n"))
	f.Add([]byte("smtp:\n  host: h\n  port: 25\n  tls: none\n  timeout: 1m\n  from: \"A <a@b.example>\"\n  bcc: c@d.example\n"))
	f.Add([]byte("smtp: 3\n"))
	f.Add([]byte("smtp:\n  port: -1\n"))
	f.Fuzz(func(t *testing.T, doc []byte) {
		s, err := ParseSettings(doc)
		if err == nil {
			if verr := s.Validate(); verr != nil {
				t.Fatalf("accepted invalid settings %+v: %v", s, verr)
			}
		}
	})
}
