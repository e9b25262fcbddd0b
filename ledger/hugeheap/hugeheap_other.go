//go:build !linux

package hugeheap

const supported = false

// adviseBlock is Linux only (hugeheap_linux.go).
func adviseBlock([]byte) {}
