//go:build !linux

package ledger

import (
	"time"

	bolt "go.etcd.io/bbolt"
)

// releaseMapped does nothing here (see check_release_linux.go).
func releaseMapped(*bolt.Tx) {}

// releaseEvery does nothing here (see check_release_linux.go).
func releaseEvery(*bolt.Tx, time.Duration) (stop func()) { return func() {} }
