package ledger

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The child process of TestReadOnlyBesideAWriterInAnotherProcess: hold the
// book open for writing until standard input closes.
func init() {
	if os.Getenv("MONTHEND_TEST_HOLD_CHILD") != "1" {
		return
	}
	b, err := Open(os.Getenv("MONTHEND_TEST_BOOK"), Options{})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(3)
	}
	fmt.Println("ready")
	io.Copy(io.Discard, os.Stdin)
	b.Close()
	os.Exit(0)
}

func TestReadOnlyBesideAWriterInAnotherProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "book.db")
	b, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	setup(t, b)
	ingest(t, b, ev("1", "acme", "gb", "2026-03-01T10:00:00Z", "4"))
	b.Close()

	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), "MONTHEND_TEST_HOLD_CHILD=1", "MONTHEND_TEST_BOOK="+path)
	stdin, _ := child.StdinPipe()
	stdout, _ := child.StdoutPipe()
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	defer child.Wait()
	defer stdin.Close()
	if line, _ := bufio.NewReader(stdout).ReadString('\n'); line != "ready\n" {
		t.Fatalf("child: %q", line)
	}

	start := time.Now()
	_, err = Open(path, Options{})
	wantPID := fmt.Sprintf("pid %d", child.Process.Pid)
	if !errors.Is(err, ErrBookLocked) || !strings.Contains(err.Error(), wantPID) || !strings.Contains(err.Error(), "--read-only") {
		t.Errorf("writer beside a writer: %v; want ErrBookLocked naming %s and --read-only", err, wantPID)
	}
	if waited := time.Since(start); waited > 5*time.Second {
		t.Errorf("refusing took %v; the lock timeout is 1s", waited) // a hang, not a speed target
	}
	r, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("read-only beside a writer in another process: %v", err)
	}
	defer r.Close()
	mustCheck(t, r)
	if got := total(t, r, "acme", "gb", "2026-03"); got != "4" {
		t.Errorf("read-only sees %s, want 4", got)
	}
}
