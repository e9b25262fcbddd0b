package ledger

// Reading beside a writer.
//
// bbolt flocks the file exclusively for a writer and shared for a read-only
// open, so a plain read-only open cannot sit beside a running writer, and
// copying the file behind the writer's back is unsafe: bbolt reuses freed
// pages, so a raw copy can mix two versions of the tree.
//
// Instead the writing process serves consistent snapshots. While a book is
// open for writing, the process listens on a private Unix socket (in a 0700
// folder of the user's own, named after a hash of the book's absolute path).
// A read-only open connects, asks for a snapshot, and the writer streams one
// with bbolt's Tx.WriteTo inside a read transaction — the same consistent
// copy `monthend backup` makes. The reader stores it in a 0600 temporary file,
// opens that read-only and deletes it on Close. The same socket answers "pid"
// so that a refused writer can say which process holds the book.

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"
)

// socketPath is where the writer of the book at path listens.
func socketPath(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	if r, err := filepath.EvalSymlinks(abs); err == nil {
		abs = r
	}
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("monthend-%d", os.Getuid()))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return "", err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !fi.IsDir() || fi.Mode().Perm() != 0o700 || !ok || int(st.Uid) != os.Getuid() {
		return "", fmt.Errorf("%s is not a private folder of this user", dir)
	}
	sum := sha256.Sum256([]byte(abs))
	return filepath.Join(dir, hex.EncodeToString(sum[:12])+".sock"), nil
}

type snapshotServer struct {
	ln   net.Listener
	path string
	wg   sync.WaitGroup
}

// startSnapshotServer listens for read-only opens. It is best effort: if the
// socket cannot be created, read-only opens beside this writer report the
// book as locked instead.
func startSnapshotServer(db *bolt.DB, bookPath string) *snapshotServer {
	sock, err := socketPath(bookPath)
	if err != nil {
		return nil
	}
	// We hold the book's exclusive lock, so a socket left here belongs to a
	// writer that died.
	os.Remove(sock)
	ln, err := net.Listen("unix", sock)
	if err != nil {
		return nil
	}
	os.Chmod(sock, 0o600)
	s := &snapshotServer{ln: ln, path: sock}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				defer c.Close()
				serveSnapshot(c, db)
			}()
		}
	}()
	return s
}

func serveSnapshot(c net.Conn, db *bolt.DB) {
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	req, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return
	}
	switch strings.TrimSpace(req) {
	case "pid":
		fmt.Fprintf(c, "pid %d\n", os.Getpid())
	case "snapshot":
		db.View(func(tx *bolt.Tx) error {
			if _, err := fmt.Fprintf(c, "snapshot %d %d\n", os.Getpid(), tx.Size()); err != nil {
				return err
			}
			_, err := tx.WriteTo(c)
			return err
		})
	}
}

func (s *snapshotServer) close() {
	s.ln.Close()
	os.Remove(s.path)
	s.wg.Wait()
}

func dialWriter(path string) (net.Conn, error) {
	sock, err := socketPath(path)
	if err != nil {
		return nil, err
	}
	return net.DialTimeout("unix", sock, 500*time.Millisecond)
}

// writerPID asks the writer of the book which process it is.
func writerPID(path string) (int, error) {
	c, err := dialWriter(path)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Second))
	if _, err := io.WriteString(c, "pid\n"); err != nil {
		return 0, err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return 0, err
	}
	f := strings.Fields(line)
	if len(f) != 2 || f[0] != "pid" {
		return 0, errors.New("bad answer")
	}
	return strconv.Atoi(f[1])
}

// fetchSnapshot copies a consistent snapshot from the book's writer into a
// private temporary file and returns its path.
func fetchSnapshot(path string) (string, error) {
	c, err := dialWriter(path)
	if err != nil {
		return "", err
	}
	defer c.Close()
	if _, err := io.WriteString(c, "snapshot\n"); err != nil {
		return "", err
	}
	r := bufio.NewReader(c)
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	f := strings.Fields(line)
	if len(f) != 3 || f[0] != "snapshot" {
		return "", errors.New("bad answer from the writer")
	}
	size, err := strconv.ParseInt(f[2], 10, 64)
	if err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp("", "monthend-snapshot-*.db") // CreateTemp makes 0600 files
	if err != nil {
		return "", err
	}
	n, err := io.Copy(tmp, r)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil && n != size {
		err = fmt.Errorf("snapshot cut short: %d of %d bytes", n, size)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return "", err
	}
	return tmp.Name(), nil
}
