//go:build !linux

package main

// hugeHeap is Linux only (hugeheap_linux.go).
func hugeHeap() {}
