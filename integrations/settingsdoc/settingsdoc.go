// Package settingsdoc reads one named block of monthend's settings file
// (docs/delivery.md): a YAML document whose top-level keys — `smtp:`,
// `dropbox_sign:`, `seller:` … — each belong to one integration. Every
// block is decoded strictly, so a misspelt key is an error, not a setting
// silently ignored.
package settingsdoc

import (
	"bytes"
	"fmt"

	"go.yaml.in/yaml/v3"
)

// Decode decodes block name of settings document doc into dst, strictly
// (unknown keys are errors). found is false, with no error, when the
// document has no such block.
func Decode(doc []byte, name string, dst any) (found bool, err error) {
	var top map[string]yaml.Node
	if err := yaml.Unmarshal(doc, &top); err != nil {
		return false, err
	}
	node, ok := top[name]
	if !ok {
		return false, nil
	}
	block, err := yaml.Marshal(&node)
	if err != nil {
		return true, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(block))
	dec.KnownFields(true)
	if err := dec.Decode(dst); err != nil {
		return true, fmt.Errorf("%s: %w", name, err)
	}
	return true, nil
}
