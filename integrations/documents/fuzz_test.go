package documents

import "testing"

// FuzzParseSeller: the settings file is outside input. Parsing never
// panics, and what it accepts is valid.
func FuzzParseSeller(f *testing.F) {
	f.Add([]byte("seller:\n  legal_name: N\n  address: [x]\n"))
	f.Add([]byte("seller:\n  legal_name: N\n  address: x\n  logo: l.png\nsmtp: {host: h}\n"))
	f.Add([]byte("seller: [1, 2]\n"))
	f.Add([]byte("- a\n- b\n"))
	f.Fuzz(func(t *testing.T, doc []byte) {
		s, err := ParseSeller(doc)
		if err == nil {
			if verr := s.Validate(); verr != nil {
				t.Fatalf("accepted an invalid seller %+v: %v", s, verr)
			}
		}
	})
}
