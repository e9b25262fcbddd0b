package documents

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/monthend/monthend/integrations/settingsdoc"
)

// LoadSeller reads the `seller:` block of the settings file at path (see
// docs/delivery.md); other blocks are left to their owners. A relative
// logo path is taken relative to the file. Unknown keys in the block are
// errors, so a typo does not silently drop a line from every invoice.
func LoadSeller(path string) (Seller, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Seller{}, fmt.Errorf("seller settings: %w", err)
	}
	s, err := ParseSeller(b)
	if err != nil {
		return Seller{}, fmt.Errorf("seller settings %s: %w", path, err)
	}
	if s.Logo != "" && !filepath.IsAbs(s.Logo) {
		s.Logo = filepath.Join(filepath.Dir(path), s.Logo)
	}
	return s, nil
}

// ParseSeller parses the `seller:` block of a settings document and
// validates it.
func ParseSeller(doc []byte) (Seller, error) {
	var s Seller
	found, err := settingsdoc.Decode(doc, "seller", &s)
	if err != nil {
		return Seller{}, err
	}
	if !found {
		return Seller{}, errors.New("no seller: block; add one with legal_name and address (see docs/delivery.md)")
	}
	return s, s.Validate()
}

// Validate checks that the seller has what every invoice must show.
func (s Seller) Validate() error {
	switch {
	case s.LegalName == "":
		return errors.New("seller: legal_name is missing")
	case len(s.Address) == 0:
		return errors.New("seller: address is missing (a list of lines)")
	}
	return nil
}
