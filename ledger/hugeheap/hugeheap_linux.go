package hugeheap

import (
	"syscall"
	"unsafe"
)

// supported is on 64-bit Linux only: a block of hundreds of MiB may not
// fit in a 32-bit address space, and the runtime does not survive failing
// to allocate it.
const supported = unsafe.Sizeof(uintptr(0)) == 8

// adviseBlock advises b, whole huge pages, MADV_HUGEPAGE, and releases
// its pages. A block that was zeroed (Advise) holds 4 KiB pages, and the
// page tables that map them: while those exist, a fault there gets a
// 4 KiB page again. Releasing the whole huge pages drops the pages, and
// the kernel here (Linux 6.18) frees the page tables left empty; older
// kernels keep those. On a block never touched it costs nothing. b is all
// zeros and stays so.
func adviseBlock(b []byte) {
	// Best effort (package comment): an error only leaves speed as it was.
	_ = syscall.Madvise(b, syscall.MADV_HUGEPAGE)
	_ = syscall.Madvise(b, syscall.MADV_DONTNEED)
}
