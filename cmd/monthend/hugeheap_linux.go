package main

import (
	"runtime"
	"syscall"
	"unsafe"
)

// hugeHeap asks Linux to back the first 32 MiB of the Go heap with
// transparent huge pages, where THP is "madvise" (Debian's default). Each
// fresh 4 KiB page of heap otherwise costs a page fault, ~13 µs each on the
// project's VM: `invoices list` on a 5,000-invoice month touched ~2,000
// heap pages, a fifth of its time (docs/performance.md, "The list from the
// command line"). The Go runtime does not ask for huge pages itself, so
// this takes 32 MiB from the heap, advises it, and hands it back (one
// collection of a near-empty heap); the heap's next allocations reuse it.
// Best effort: if madvise fails, or THP is off, only speed changes.
// MONTHEND_THP=0 turns it off.
func hugeHeap() {
	const size, huge = 32 << 20, 2 << 20
	b := make([]byte, size)
	p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	if start, end := (p+huge-1)&^(huge-1), (p+size)&^(huge-1); start < end {
		syscall.Syscall(syscall.SYS_MADVISE, start, end-start, 14) // MADV_HUGEPAGE
	}
	runtime.KeepAlive(b) // b is garbage from here: the collection frees it
	runtime.GC()
}
