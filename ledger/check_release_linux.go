//go:build linux

package ledger

import (
	"syscall"
	"time"
	"unsafe"

	bolt "go.etcd.io/bbolt"
)

// releaseMapped tells the kernel that check is done, for now, with the
// pages of the book's memory map it has read: they stay in the page cache,
// so a later read finds them there (a minor fault), but they leave check's
// resident set. A scan of every event otherwise keeps the whole file
// resident in the process (2.6 GB at 20M events) until it ends. bbolt maps
// the file read-only and shared and writes through the file, so dropping
// the mapping's pages loses nothing.
func releaseMapped(tx *bolt.Tx) {
	info := tx.DB().Info()
	n := tx.Size()
	if info == nil || info.Data == 0 || n <= 0 {
		return
	}
	data := unsafe.Slice(*(**byte)(unsafe.Pointer(&info.Data)), n)
	_ = syscall.Madvise(data, syscall.MADV_DONTNEED) // advice: nothing to do if refused
}

// releaseEvery calls releaseMapped every d until the returned stop is
// called: for bbolt's page check, which reads every page of the book in a
// goroutine of its own.
func releaseEvery(tx *bolt.Tx, d time.Duration) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(d)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				releaseMapped(tx)
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}
