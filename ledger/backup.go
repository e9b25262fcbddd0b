package ledger

import (
	"fmt"
	"os"
	"path/filepath"

	bolt "go.etcd.io/bbolt"
)

// Backup writes a consistent copy of the book to path (mode 0600) while the
// book stays in use: the copy is taken inside one read transaction with
// bbolt's Tx.WriteTo, so writers carry on and the copy is the book as of
// that transaction. The copy is written to a temporary file beside path and
// renamed into place, so path never holds half a backup.
func (b *Book) Backup(path string) (int64, error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".monthend-backup-*")
	if err != nil {
		return 0, fmt.Errorf("backup to %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	var n int64
	err = b.view(func(tx *bolt.Tx) error {
		n, err = tx.WriteTo(tmp)
		return err
	})
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return 0, fmt.Errorf("backup to %s: %w", path, err)
	}
	return n, nil
}
