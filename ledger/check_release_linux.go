//go:build linux

package ledger

import (
	"syscall"
	"time"
	"unsafe"

	bolt "go.etcd.io/bbolt"
)

// releaseMappedEvery gives back, every d until the returned stop is
// called, the pages of the book's memory map that have been read: they
// stay in the page cache, so a later read finds them there (a minor fault),
// but they leave the process's resident set. Check reads every page of the
// book (bbolt's page check, every event, every invoice), which otherwise
// kept the whole file resident in it until it ended (2.1 GB of the
// 20M-event book's 2.6 GB); between two calls it reads a few megabytes.
// bbolt maps the file read-only and shared and writes through the file,
// so dropping the map's pages loses nothing, and reads beside it (in this
// process or others) see the same bytes.
//
// tx is the read transaction check runs in; stop must be called before it
// ends. The goroutine begins no transaction of its own: it advises on the
// mapping tx was given, which bbolt cannot move while tx is open (a
// remapping waits for every read transaction). A transaction begun beside
// bbolt's tx.Check raced with Check's loading of the freelist of a book
// opened read-only (the race detector found it).
func releaseMappedEvery(tx *bolt.Tx, d time.Duration) (stop func()) {
	data := mapped(tx)
	if data == nil {
		return func() {}
	}
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
				_ = syscall.Madvise(data, syscall.MADV_DONTNEED) // advice: nothing to do if refused
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}

// mapped is tx's view of the book's memory map, nil if unknown.
func mapped(tx *bolt.Tx) []byte {
	info := tx.DB().Info()
	n := tx.Size()
	if info == nil || info.Data == 0 || n <= 0 {
		return nil
	}
	return unsafe.Slice(*(**byte)(unsafe.Pointer(&info.Data)), n)
}

// releaseMapped gives back the pages of tx's memory map that have been
// read (see releaseMappedEvery).
func releaseMapped(tx *bolt.Tx) {
	if data := mapped(tx); data != nil {
		_ = syscall.Madvise(data, syscall.MADV_DONTNEED)
	}
}
