// Package ledger owns the book of record: one bbolt file holding customers,
// their aliases, metrics, usage events and their daily rollups, API keys and
// the audit trail.
//
// Invariants (verified by Check, and by every store test when it ends):
//   - every state change is one bbolt transaction that also writes its audit
//     record;
//   - an event id is stored once; a repeat with the same content changes
//     nothing, a repeat with new content replaces the old event and moves the
//     rollups from the old values to the new in the same transaction;
//   - the daily rollups equal a recount of the raw events;
//   - nothing is dropped: an event whose alias maps to no customer is kept as
//     unattributed until the alias is mapped.
package ledger

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Errors callers act on.
var (
	// ErrBookLocked: another process holds the book for writing.
	ErrBookLocked = errors.New("book is open in another monthend process")
	// ErrReadOnly: a write was attempted on a book opened with ReadOnly.
	ErrReadOnly = errors.New("book is open read-only")
	// ErrNotFound: the named customer, metric, alias or key does not exist.
	ErrNotFound = errors.New("not found")
	// ErrExists: the record being added already exists.
	ErrExists = errors.New("already exists")
	// ErrInvalid: a record failed validation.
	ErrInvalid = errors.New("invalid")
	// ErrNewerSchema: the file was written by a newer monthend.
	ErrNewerSchema = errors.New("book was written by a newer monthend")
	// ErrOlderSchema: a read-only open of a book that needs migrating
	// (migrations need a writable open).
	ErrOlderSchema = errors.New("book needs migrating")
)

// Options tune Open. The zero value opens for writing as actor "monthend".
type Options struct {
	// ReadOnly opens the book for reading only. If another process holds the
	// book for writing, the book is read from a consistent snapshot that the
	// writer streams (see snapshot.go), so a read-only open never waits.
	ReadOnly bool
	// Actor names who makes the changes, for the audit trail ("cli:alice").
	Actor string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// LockTimeout bounds the wait for the file lock (default and maximum 1s).
	LockTimeout time.Duration
	// NoSync skips fsync on commit; Close syncs once. Only for benchmarks
	// and books built in one go (the demo), where a crash means starting over.
	NoSync bool
	// NoFreelistSync keeps bbolt's list of free pages in memory only, and
	// Close writes it once. By default every commit sorts and writes the
	// whole list: on the 3.9 GB demo book (80,000 free pages) that is ~10 ms
	// of CPU per commit, 88% of issuing and sending a month one invoice per
	// transaction (docs/performance.md, "Demo at scale"). The price: a write
	// transaction that fails, and an open after a crash, rebuild the list by
	// walking the whole file. Only with NoSync, for books built in one go.
	NoFreelistSync bool
}

// Book is an open book of record. It is safe for concurrent use; bbolt
// serialises writers and lets readers run beside them.
type Book struct {
	db       *bolt.DB
	path     string
	readOnly bool
	actor    string
	now      func() time.Time
	snapshot string          // temporary copy read in a read-only open beside a writer
	server   *snapshotServer // serves snapshots to read-only opens while we write
	// What ingestion keeps across transactions: each customer's custInfo
	// (custCache) and what each mapped alias resolves to (aliasCache,
	// whose custInfo pointers come from custCache; unmapped aliases are
	// not kept: senders may make up any number of them). Only write
	// transactions read and fill them, and whatever changes a customer or
	// an alias clears both (forgetCustomers) inside its own transaction:
	// bbolt's writer lock orders every access, so plain maps do (a
	// sync.Map's Load was ~0.4 µs, cold, per alias of an HTTP batch).
	custCache  map[string]*custInfo
	aliasCache map[string]aliasTarget
	group      groupCommit // IngestShared's group commit
}

// forgetCustomers clears what ingestion caches of customers and aliases.
// Whatever changes a customer or an alias calls it inside its write
// transaction, while it holds bbolt's writer lock.
func (b *Book) forgetCustomers() {
	clear(b.custCache)
	clear(b.aliasCache)
}

// Open opens (creating if needed, mode 0600) the book at path and runs any
// pending schema migrations. Opening a book that another process holds for
// writing fails within LockTimeout with ErrBookLocked, unless
// opts.ReadOnly is set.
func Open(path string, opts Options) (*Book, error) {
	b := &Book{path: path, readOnly: opts.ReadOnly, actor: opts.Actor, now: opts.Now}
	if b.actor == "" {
		b.actor = "monthend"
	}
	if b.now == nil {
		b.now = time.Now
	}
	timeout := opts.LockTimeout
	if timeout <= 0 || timeout > time.Second {
		timeout = time.Second
	}
	if opts.ReadOnly {
		if err := b.openReadOnly(timeout); err != nil {
			if b.db != nil { // opened, but unreadable (schema): release the lock
				b.db.Close()
				if b.snapshot != "" {
					os.Remove(b.snapshot)
				}
			}
			return nil, err
		}
		return b, nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create the book's folder: %w", err)
	}
	bopts := &bolt.Options{Timeout: timeout, NoSync: opts.NoSync, NoFreelistSync: opts.NoFreelistSync, FreelistType: bolt.FreelistMapType,
		PageSize: newBookPageSize}
	if runtime.GOOS != "windows" {
		// Map 1 GiB of address space from the start (the file still grows
		// only as pages are written; on Windows it would not). Each time
		// bbolt outgrows its mapping inside a write transaction it remaps
		// and copies every node the transaction has touched off the old
		// mapping: ~1 s of the 1M-event import (docs/performance.md).
		bopts.InitialMmapSize = 1 << 30
	}
	db, err := bolt.Open(path, 0o600, bopts)
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, lockedError(path)
	}
	if err != nil {
		return nil, fmt.Errorf("open book %s: %w", path, err)
	}
	b.db = db
	if err := b.migrate(); err != nil {
		db.Close()
		return nil, err
	}
	b.server = startSnapshotServer(db, path)
	return b, nil
}

// newBookPageSize is the page size of a new book; a book keeps the one it was
// created with (bbolt reads it from the file). 16 KiB, not the OS's 4 KiB:
// the writer then has a quarter of the nodes to read, split and write
// back at commit, for the same bytes written (161 MB for the 1M-event
// import either way). BenchmarkIngestCPU: 3.42 → 2.69 CPU-s per 1M events
// (medians of four); Import1M: 284,000 → 304,000 events/s (medians of ten
// alternating pairs). The price: a small change writes its pages whole,
// ~0.2 ms more with fsync (BenchmarkSmallWrite). 64 KiB cut the CPU
// further but wrote 197 MB instead of 161: small records spread over
// large pages (docs/performance.md, "Pages of 16 KiB").
// A variable only so that tests can make a book of 4 KiB pages, as books
// made before 2026-11-25 are.
var newBookPageSize = 16 << 10

// openReadOnly opens beside a writer through its snapshot socket, else
// directly with a shared lock.
func (b *Book) openReadOnly(timeout time.Duration) error {
	if _, err := os.Stat(b.path); err != nil {
		return fmt.Errorf("open book %s: %w", b.path, err)
	}
	for attempt := 0; attempt < 2; attempt++ {
		if snap, err := fetchSnapshot(b.path); err == nil {
			db, err := bolt.Open(snap, 0o600, &bolt.Options{ReadOnly: true, Timeout: timeout})
			if err != nil {
				os.Remove(snap)
				return fmt.Errorf("open snapshot of %s: %w", b.path, err)
			}
			b.db, b.snapshot = db, snap
			return b.checkSchema()
		}
		db, err := bolt.Open(b.path, 0o600, &bolt.Options{ReadOnly: true, Timeout: timeout})
		if err == nil {
			b.db = db
			return b.checkSchema()
		}
		if !errors.Is(err, berrors.ErrTimeout) {
			return fmt.Errorf("open book %s: %w", b.path, err)
		}
		// A writer holds the lock but did not answer on its socket (it may
		// be starting up): ask once more.
	}
	return lockedError(b.path)
}

func lockedError(path string) error {
	pid := "unknown"
	if p, err := writerPID(path); err == nil {
		pid = fmt.Sprint(p)
	}
	return lockedErr(fmt.Sprintf("book %s is open in another monthend process (pid %s); close it or use --read-only", path, pid))
}

// lockedErr is ErrBookLocked with the book and the holder's pid.
type lockedErr string

func (e lockedErr) Error() string        { return string(e) }
func (e lockedErr) Is(target error) bool { return target == ErrBookLocked }

// Path is the file the book lives in.
func (b *Book) Path() string { return b.path }

// ReadOnly reports whether the book was opened read-only.
func (b *Book) ReadOnly() bool { return b.readOnly }

// Close stops serving snapshots and closes the file. A book opened with
// NoFreelistSync gets its freelist written first, so the next open reads it
// instead of walking the whole file.
func (b *Book) Close() error {
	if b.server != nil {
		b.server.close()
	}
	var err error
	if b.db.NoFreelistSync && !b.readOnly {
		err = b.db.Update(func(*bolt.Tx) error {
			// Read by Commit under the writer lock we hold here.
			b.db.NoFreelistSync = false
			return nil
		})
		if err != nil {
			err = fmt.Errorf("write the freelist of %s: %w", b.path, err)
		}
	}
	if b.db.NoSync && !b.readOnly {
		err = errors.Join(err, b.db.Sync())
	}
	err = errors.Join(err, b.db.Close())
	if b.snapshot != "" {
		os.Remove(b.snapshot)
	}
	return err
}

// update runs fn in a write transaction, refusing on a read-only book.
func (b *Book) update(fn func(tx *bolt.Tx) error) error {
	if b.readOnly {
		return ErrReadOnly
	}
	return b.db.Update(fn)
}

// view runs fn in a read transaction.
func (b *Book) view(fn func(tx *bolt.Tx) error) error { return b.db.View(fn) }
