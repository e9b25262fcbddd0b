//go:build !linux

package ledger

import (
	"time"

	bolt "go.etcd.io/bbolt"
)

// releaseMappedEvery does nothing here (see check_release_linux.go).
func releaseMappedEvery(*bolt.Tx, time.Duration) (stop func()) { return func() {} }

// releaseMapped does nothing here (see check_release_linux.go).
func releaseMapped(*bolt.Tx) {}
