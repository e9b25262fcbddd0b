package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"time"

	"github.com/monthend/monthend/ledger"
)

// openBook opens the book for reading (write false: always read-only, so it
// works beside a running writer such as monthend serve) or for writing.
func (a *app) openBook(write bool) (*ledger.Book, error) {
	path, err := a.bookPath()
	if err != nil {
		return nil, err
	}
	if write && a.readOnly {
		return nil, usagef("this command changes the book; run it without --read-only")
	}
	if !write {
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("no book at %s yet: add a customer (monthend customers add --help) or choose one with --db", path)
		}
	}
	book, err := ledger.Open(path, ledger.Options{ReadOnly: !write, Actor: actor()})
	if errors.Is(err, ledger.ErrOlderSchema) && !a.readOnly {
		// A read of a book written by an older monthend: migrate it with a
		// short writable open (which fails plainly if another process holds
		// the book), then read.
		w, werr := ledger.Open(path, ledger.Options{Actor: actor()})
		if werr != nil {
			return nil, werr
		}
		if werr := w.Close(); werr != nil {
			return nil, werr
		}
		book, err = ledger.Open(path, ledger.Options{ReadOnly: true, Actor: actor()})
	}
	return book, err
}

// actor names the person at the keyboard in the audit trail.
func actor() string {
	if u, err := user.Current(); err == nil {
		return "cli:" + u.Username
	}
	return "cli"
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// isTerminal reports whether w is a terminal (a character device), so that
// progress can redraw one line instead of printing many.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// progressPrinter prints progress: one redrawn line on a terminal (ten
// times a second at most), else a plain line at most every two seconds.
type progressPrinter struct {
	w        io.Writer
	terminal bool
	last     time.Time
	drawn    bool
}

func newProgress(w io.Writer) *progressPrinter {
	return &progressPrinter{w: w, terminal: isTerminal(w)}
}

func (p *progressPrinter) print(final bool, format string, args ...any) {
	now := time.Now()
	every := 2 * time.Second
	if p.terminal {
		every = 100 * time.Millisecond
	}
	if !final && now.Sub(p.last) < every {
		return
	}
	p.last = now
	line := fmt.Sprintf(format, args...)
	if p.terminal {
		fmt.Fprintf(p.w, "\r\033[K%s", line)
		p.drawn = true
		if final {
			fmt.Fprintln(p.w)
			p.drawn = false
		}
		return
	}
	fmt.Fprintln(p.w, line)
}

// clear ends a redrawn progress line before other output.
func (p *progressPrinter) clear() {
	if p.terminal && p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
		p.drawn = false
	}
}

// bar draws a 30-character progress bar for done of total.
func bar(done, total int64) string {
	const width = 30
	if total <= 0 {
		return ""
	}
	n := min(int(done*width/total), width)
	b := make([]byte, width)
	for i := range b {
		if i < n {
			b[i] = '#'
		} else {
			b[i] = '.'
		}
	}
	return fmt.Sprintf("[%s] %3d%% ", b, done*100/total)
}

// withBook opens the book (for writing if write), runs fn with it and
// closes it: the shape of most commands.
func (a *app) withBook(write bool, fn func(book *ledger.Book) error) error {
	book, err := a.openBook(write)
	if err != nil {
		return err
	}
	defer book.Close()
	return fn(book)
}
