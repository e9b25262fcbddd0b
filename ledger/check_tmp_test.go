package ledger

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// TestCheckTempDir: with CheckOptions.TempDir, check makes its folder
// there (and nowhere else is asked for), its files are unlinked while it
// runs, the folder is gone when it returns, and the book is sound.
func TestCheckTempDir(t *testing.T) {
	b := recountBook(t)
	tmp := t.TempDir()
	var during []string // the monthend-check-* folders in tmp while the recount's files are open
	var inside []os.DirEntry
	progress := func(int) {
		during, _ = filepath.Glob(filepath.Join(tmp, "monthend-check-*"))
		if len(during) == 1 {
			inside, _ = os.ReadDir(during[0])
		}
	}
	breaches, err := b.CheckWith(context.Background(), CheckOptions{TempDir: tmp}, progress)
	if err != nil || len(breaches) > 0 {
		t.Fatalf("check: %v %q", err, breaches)
	}
	if len(during) != 1 {
		t.Fatalf("monthend-check-* folders in %s during check: %q, want one", tmp, during)
	}
	if runtime.GOOS != "windows" && len(inside) > 0 {
		t.Errorf("%s holds %v during check; each file should be unlinked once created", during[0], inside)
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("%s holds %v after check, want nothing", tmp, left)
	}
}

// TestCheckTempDirUnusable: a temporary folder check cannot make its
// folder in fails check with an error that names it, says what check needs
// and wraps the system's error.
func TestCheckTempDirUnusable(t *testing.T) {
	b := recountBook(t)
	base := t.TempDir()
	file := filepath.Join(base, "a-file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	readOnly := filepath.Join(base, "read-only")
	if err := os.Mkdir(readOnly, 0o500); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		dir  string
		is   error
	}{
		{"missing", filepath.Join(base, "missing"), fs.ErrNotExist},
		{"a file", file, syscall.ENOTDIR},
		{"read-only", readOnly, fs.ErrPermission},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.is == fs.ErrPermission && (runtime.GOOS == "windows" || os.Geteuid() == 0) {
				t.Skip("permissions do not stop root (or Windows) from writing")
			}
			_, err := b.CheckWith(context.Background(), CheckOptions{TempDir: tc.dir}, nil)
			if !errors.Is(err, tc.is) {
				t.Fatalf("error %v, want one wrapping %v", err, tc.is)
			}
			for _, want := range []string{"cannot use the temporary folder " + tc.dir, "bytes for each of the book's", "--tmp"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
		})
	}
}

// TestCheckTempDirFull: a temporary folder that runs out of space (a write
// that fails as on a full disk, or a file the quota refuses) fails check
// with an error that wraps the system's, names the folder, says how much
// check needs for this book and what to do; check stops at the failure.
func TestCheckTempDirFull(t *testing.T) {
	b := recountBook(t)
	var events int
	if err := b.view(func(tx *bolt.Tx) (err error) { events, err = countEvents(tx.Bucket(bucketEvents)); return err }); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		create func(name string) (*os.File, error)
		is     error
	}{
		{"write fails", func(string) (*os.File, error) {
			f, err := os.OpenFile("/dev/full", os.O_RDWR, 0) // every write: ENOSPC
			if err != nil {
				t.Skipf("no /dev/full: %v", err)
			}
			return f, nil
		}, syscall.ENOSPC},
		{"create fails", func(name string) (*os.File, error) {
			return nil, &fs.PathError{Op: "open", Path: name, Err: syscall.EDQUOT}
		}, syscall.EDQUOT},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func(f func(string) (*os.File, error)) { createTemp = f }(createTemp)
			createTemp = tc.create
			tmp := t.TempDir()
			progressed := false
			_, err := b.CheckWith(context.Background(), CheckOptions{TempDir: tmp}, func(int) { progressed = true })
			if !errors.Is(err, tc.is) {
				t.Fatalf("error %v, want one wrapping %v", err, tc.is)
			}
			for _, want := range []string{
				"ran out of temporary space in " + tmp,
				fmt.Sprintf("about %s (15 bytes for each of the book's %d events)", aboutBytes(uint64(events)*15), events),
				"free space in " + tmp + ", or point monthend check --tmp at a folder with room",
			} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
			if tc.name == "create fails" && progressed {
				t.Errorf("check read every event after its first file failed")
			}
			if left, _ := os.ReadDir(tmp); len(left) > 0 {
				t.Errorf("%s holds %v after check, want nothing", tmp, left)
			}
		})
	}
}

func TestAboutBytes(t *testing.T) {
	for _, tc := range []struct {
		n    uint64
		want string
	}{
		{1, "1 KB"},
		{2985, "3 KB"},
		{300_000_000, "300 MB"},
		{300_000_001, "301 MB"},
		{1_500_000_000, "1.5 GB"},
		{30_000_000_000, "30 GB"},
	} {
		if got := aboutBytes(tc.n); got != tc.want {
			t.Errorf("aboutBytes(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}
