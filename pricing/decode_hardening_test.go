package pricing

import (
	"fmt"
	"strings"
	"testing"
)

// TestParseAliasBomb: aliases that expand exponentially ("billion laughs")
// are refused quickly instead of exhausting memory.
func TestParseAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 12; i++ {
		fmt.Fprintf(&b, "l%d: &l%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*l%d, ", i-1), 10), ", "))
	}
	_, err := ParseSchedule("laughs.yaml", []byte(b.String()))
	if err == nil || !strings.Contains(err.Error(), "expands to more than") {
		t.Errorf("error %v", err)
	}
}

// TestParseOneYAMLDocument: a second YAML document is refused, as a second
// JSON value is; a trailing "---" or "..." is not a document.
func TestParseOneYAMLDocument(t *testing.T) {
	if _, err := ParseSchedule("two.yaml", []byte(valid+"---\ncurrency: USD\n")); err == nil || !strings.Contains(err.Error(), "two.yaml: line 25: more than one document") {
		t.Errorf("error %v", err)
	}
	for _, tail := range []string{"---\n", "...\n", "---\n# nothing\n"} {
		if _, err := ParseSchedule("one.yaml", []byte(valid+tail)); err != nil {
			t.Errorf("%q: %v", tail, err)
		}
	}
	if _, err := ParseSchedule("one.yaml", []byte("---\n"+valid)); err != nil {
		t.Errorf("leading ---: %v", err)
	}
}
