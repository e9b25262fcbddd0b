package hugeheap

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"unsafe"
)

// advisedRanges lists the process's mappings that are advised for huge
// pages: "hg" in their VmFlags in /proc/self/smaps.
func advisedRanges(t *testing.T) [][2]uintptr {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out [][2]uintptr
	var cur [2]uintptr
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		fields := strings.Fields(line)
		if len(fields) > 0 && strings.Contains(fields[0], "-") && !strings.HasSuffix(fields[0], ":") {
			lo, hi, _ := strings.Cut(fields[0], "-")
			a, err1 := strconv.ParseUint(lo, 16, 64)
			b, err2 := strconv.ParseUint(hi, 16, 64)
			if err1 != nil || err2 != nil {
				t.Fatalf("smaps line %q: not a mapping", line)
			}
			cur = [2]uintptr{uintptr(a), uintptr(b)}
		}
		if strings.HasPrefix(line, "VmFlags:") && strings.Contains(line+" ", " hg ") {
			out = append(out, cur)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// covered reports whether the advised mappings cover [start, end) whole.
func covered(ranges [][2]uintptr, start, end uintptr) error {
	for p := start; p < end; {
		next := p
		for _, r := range ranges {
			if r[0] <= p && p < r[1] {
				next = r[1]
			}
		}
		if next == p {
			return fmt.Errorf("%#x is in no mapping advised for huge pages", p)
		}
		p = next
	}
	return nil
}

func needTHP(t *testing.T) {
	if _, err := os.Stat("/sys/kernel/mm/transparent_hugepage/enabled"); err != nil {
		t.Skip("this kernel has no transparent huge pages")
	}
}

// forget makes the process look as if nothing had been advised yet.
func forget(t *testing.T) {
	mu.Lock()
	advised = 0
	mu.Unlock()
	t.Cleanup(func() { mu.Lock(); advised = 0; mu.Unlock() })
}

// Advise leaves its block's whole huge pages (all but at most one huge
// page of it) advised, a call no larger than an earlier one advises
// nothing, a larger one advises its own block, and the heap keeps working.
func TestAdviseAdvisesTheHeapOnce(t *testing.T) {
	needTHP(t)
	t.Setenv("MONTHEND_THP", "")
	forget(t)
	for _, c := range []struct{ size, want int }{
		{64 << 20, 64<<20 - hugeSize}, {32 << 20, 0}, {64 << 20, 0}, {128 << 20, 128<<20 - hugeSize},
	} {
		start, end := adviseOnce(c.size)
		if got := int(end - start); got < c.want || (c.want == 0 && got != 0) {
			t.Fatalf("Advise(%d MiB) advised %d bytes, want %d", c.size>>20, got, c.want)
		}
		if err := covered(advisedRanges(t), start, end); err != nil {
			t.Fatalf("Advise(%d MiB) advised [%#x, %#x): %v", c.size>>20, start, end, err)
		}
	}
	var keep [][]byte
	for i := range 8000 { // 128 MiB, on the addresses just advised
		keep = append(keep, make([]byte, 16<<10))
		keep[i][len(keep[i])-1] = byte(i)
	}
	for i, b := range keep {
		if b[len(b)-1] != byte(i) || b[0] != 0 {
			t.Fatalf("allocation %d reads %d, %d", i, b[0], b[len(b)-1])
		}
	}
}

// resident counts the pages of [start, end) in memory (mincore).
func resident(t *testing.T, start, end uintptr) int {
	t.Helper()
	vec := make([]byte, (end-start)/4096)
	if _, _, errno := syscall.Syscall(syscall.SYS_MINCORE, start, end-start, uintptr(unsafe.Pointer(unsafe.SliceData(vec)))); errno != 0 {
		t.Fatalf("mincore: %v", errno)
	}
	n := 0
	for _, v := range vec {
		n += int(v & 1)
	}
	return n
}

func minorFaults(t *testing.T) int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return ru.Minflt
}

// Where the heap had used and freed memory, the runtime zeroes the block
// in 4 KiB pages. Advise still leaves none of it resident, and, where the
// kernel frees the page tables the release empties, the heap's next 64
// MiB, written there, cost a fault per huge page, not one per 4 KiB page
// (16,384). Under -race the faults are not counted: the race detector's
// shadow of each heap page is memory of its own, faulted in 4 KiB pages
// whatever the advice.
func TestAdviseAfterTheHeapWasUsed(t *testing.T) {
	needTHP(t)
	if mode, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled"); err != nil || strings.Contains(string(mode), "[never]") {
		t.Skipf("transparent huge pages are off (%s)", mode)
	}
	t.Setenv("MONTHEND_THP", "")
	forget(t)
	used := make([][]byte, 64)
	for i := range used {
		used[i] = make([]byte, 4<<20)
		used[i][0] = 1
	}
	runtime.KeepAlive(used)
	used = nil
	runtime.GC()
	start, end := adviseOnce(256 << 20)
	if end-start < 256<<20-uintptr(hugeSize) {
		t.Fatalf("advised [%#x, %#x), less than the block", start, end)
	}
	if n := resident(t, start, end); n > 64 {
		t.Errorf("%d pages of the advised block are resident after Advise, want (about) none", n)
	}
	if raceOn || !freesPageTables(t) {
		return
	}
	f0 := minorFaults(t)
	var keep [][]byte
	for i := range 4096 {
		keep = append(keep, make([]byte, 16<<10))
		keep[i][100] = byte(i)
	}
	faults := minorFaults(t) - f0
	runtime.KeepAlive(keep)
	if faults > 2000 {
		t.Errorf("64 MiB of heap written after Advise took %d page faults, want a few per 2 MiB", faults)
	}
}

// freesPageTables reports whether this kernel frees the page tables that
// MADV_DONTNEED empties (Linux 6.18 here does; older kernels keep them,
// and a fault under a kept table gets 4 KiB, advice or not): it writes 4
// MiB of fresh memory in 4 KiB pages, advises and releases it, and counts
// the faults of writing it again.
func freesPageTables(t *testing.T) bool {
	t.Helper()
	const size = 8 << 20
	m, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Munmap(m)
	from, to := aligned(uintptr(unsafe.Pointer(unsafe.SliceData(m))), size)
	b := m[from:to]
	for i := 0; i < len(b); i += 4096 {
		b[i] = 1
	}
	// Not adviseBlock: this probes the kernel, not the code under test.
	if err := syscall.Madvise(b, syscall.MADV_HUGEPAGE); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Madvise(b, syscall.MADV_DONTNEED); err != nil {
		t.Fatal(err)
	}
	f0 := minorFaults(t)
	for i := 0; i < len(b); i += 4096 {
		b[i] = 1
	}
	if faults := minorFaults(t) - f0; faults > int64(len(b)/hugeSize)*8 {
		t.Logf("this kernel keeps the page tables MADV_DONTNEED empties (%d faults for %d MiB written again): the faults are not checked", faults, len(b)>>20)
		return false
	}
	return true
}

// MONTHEND_THP=0 turns the advice off.
func TestAdviseOff(t *testing.T) {
	needTHP(t)
	t.Setenv("MONTHEND_THP", "0")
	forget(t)
	if start, end := adviseOnce(1 << 30); start != end {
		t.Fatalf("with MONTHEND_THP=0 Advise advised [%#x, %#x)", start, end)
	}
}
