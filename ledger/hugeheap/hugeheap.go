// Package hugeheap asks Linux to back the Go heap with transparent huge
// pages. On the project's VM (a Firecracker guest) a fresh 4 KiB page of
// memory costs a page fault of ~13–18 µs, and the 1M-event import touched
// ~100,000 of them: a quarter of its CPU time. Where the kernel's THP
// setting is "madvise" (as on the project's machine) the Go runtime never
// asks for huge pages, so this package does, for memory the heap is about
// to use: it takes a block of heap, advises it MADV_HUGEPAGE, releases its
// pages, and hands it back with one collection of the heap. The heap's
// next allocations reuse those addresses, and each 2 MiB of them then
// costs one fault. Best effort everywhere: when madvise fails, THP is off
// or the system is not 64-bit Linux, only speed changes.
//
// MONTHEND_THP=0 in the environment turns it off (for comparison).
package hugeheap

import (
	"os"
	"runtime"
	"sync"
	"unsafe"
)

// ImportPeak is the heap monthend advises at start (main, and the ledger's
// tests and benchmarks): about the heap's peak in an import, which works
// in transactions of 250,000 events whatever the file's size (VmHWM
// 440–490 MB for BenchmarkImport1M).
const ImportPeak = 512 << 20

// hugeSize is the size of a transparent huge page on amd64 and arm64 (4 KiB
// base pages).
const hugeSize = 2 << 20

var (
	mu      sync.Mutex
	advised int // the largest block advised so far in this process
)

// Advise advises the next size bytes of heap for huge pages, unless an
// earlier call advised at least as much (the advice stays on the addresses
// for the process's life). It costs one collection (a few ms on a small
// heap) and no memory: huge pages are made only where the heap later
// writes.
//
// Call it first thing in a process, before the heap has freed memory. The
// block must come from memory the heap never used: the runtime zeroes a
// block that begins in used memory, which touches every page of it in
// 4 KiB pages — the cost this saves, paid in advance. Released at once,
// those pages still make way for huge ones later.
func Advise(size int) { adviseOnce(size) }

// adviseOnce is Advise; it returns the addresses it advised, none if it
// advised nothing.
func adviseOnce(size int) (start, end uintptr) {
	if !supported || os.Getenv("MONTHEND_THP") == "0" {
		return 0, 0
	}
	mu.Lock()
	defer mu.Unlock()
	if size <= advised {
		return 0, 0
	}
	advised = size
	b := make([]byte, size)
	base := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	if from, to := aligned(base, len(b)); from < to {
		adviseBlock(b[from:to])
		start, end = base+uintptr(from), base+uintptr(to)
	}
	runtime.KeepAlive(b)
	// b is garbage from here. Collecting it now, rather than at the next
	// cycle, keeps it out of the collector's goal: a cycle that counted
	// it as live would let the heap grow by its size before the next one.
	runtime.GC()
	return start, end
}

// aligned returns the whole huge pages of n bytes at base, as offsets.
func aligned(base uintptr, n int) (from, to int) {
	h := uintptr(hugeSize)
	start, end := (base+h-1)&^(h-1), (base+uintptr(n))&^(h-1)
	if start >= end {
		return 0, 0
	}
	return int(start - base), int(end - base)
}
