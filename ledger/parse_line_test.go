package ledger

import (
	"strconv"
	"testing"
)

// TestSharingDropsTablesThatMiss: a sharing table whose texts repeat is
// emptied when full and kept; one whose texts do not (fewer hits than
// entries) is dropped; sharedText gives the text either way.
func TestSharingDropsTablesThatMiss(t *testing.T) {
	repeating, unique := newSharing[string](), newSharing[string]()
	filled := 0
	for i := range 8 * maxShared {
		r := strconv.Itoa(i % (maxShared / 2))
		if s := sharedText(&repeating, []byte(r)); s != r {
			t.Fatalf("sharedText(%q) = %q", r, s)
		}
		if i%10 == 0 {
			// a new text now and then, so the table fills
			sharedText(&repeating, []byte("new"+strconv.Itoa(i)))
		}
		if len(repeating.m) == maxShared {
			filled++
		}
		u := "id-" + strconv.Itoa(i)
		if s := sharedText(&unique, []byte(u)); s != u {
			t.Fatalf("sharedText(%q) = %q", u, s)
		}
	}
	if unique.m != nil {
		t.Errorf("a table of %d texts that never repeat is still kept", 8*maxShared)
	}
	if repeating.m == nil || filled == 0 {
		t.Errorf("a table of repeating texts was dropped, or never full (%d)", filled)
	}
}
