package main

import (
	"os"
	"strings"
	"testing"
)

// hugeHeap leaves a mapping of the heap advised for huge pages ("hg" in
// its VmFlags) — what makes the heap's next pages cost one fault per
// 2 MiB — and the heap keeps working.
func TestHugeHeapAdvisesTheHeap(t *testing.T) {
	if _, err := os.Stat("/sys/kernel/mm/transparent_hugepage/enabled"); err != nil {
		t.Skip("this kernel has no transparent huge pages")
	}
	hugeHeap()
	smaps, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		t.Fatal(err)
	}
	advised := false
	for _, line := range strings.Split(string(smaps), "\n") {
		if strings.HasPrefix(line, "VmFlags:") && strings.Contains(line+" ", " hg ") {
			advised = true
		}
	}
	if !advised {
		t.Error("no mapping of the process is advised for huge pages after hugeHeap")
	}
	var keep [][]byte
	for i := range 1000 {
		keep = append(keep, make([]byte, 16<<10))
		keep[i][0] = byte(i)
	}
	for i, b := range keep {
		if b[0] != byte(i) {
			t.Fatalf("allocation %d reads %d", i, b[0])
		}
	}
}
