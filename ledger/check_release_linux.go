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
func (b *Book) releaseMappedEvery(d time.Duration) (stop func()) {
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
				_ = b.view(func(tx *bolt.Tx) error {
					releaseMapped(tx)
					return nil
				})
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}

// releaseMapped gives back the pages of tx's memory map that have been
// read (see releaseMappedEvery).
func releaseMapped(tx *bolt.Tx) {
	info := tx.DB().Info()
	n := tx.Size()
	if info == nil || info.Data == 0 || n <= 0 {
		return
	}
	data := unsafe.Slice(*(**byte)(unsafe.Pointer(&info.Data)), n)
	_ = syscall.Madvise(data, syscall.MADV_DONTNEED) // advice: nothing to do if refused
}
