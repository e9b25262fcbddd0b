package tui

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/monthend/monthend/ledger"
	"github.com/monthend/monthend/ledger/demo"
)

// today is the clock of every workstation test: "last month" is October.
var today = time.Date(2026, 11, 15, 9, 0, 0, 0, time.UTC)

var (
	demoOnce sync.Once
	demoPath string
	demoErr  error
)

// demoBook copies a small demo book (built once per test run, fixed seed)
// into the test's folder and opens it; its invariants are checked when the
// test ends.
func demoBook(t *testing.T, readOnly bool) *ledger.Book {
	t.Helper()
	demoOnce.Do(func() {
		dir, err := os.MkdirTemp("", "monthend-tui-demo")
		if err != nil {
			demoErr = err
			return
		}
		demoPath = filepath.Join(dir, "demo.db")
		demoErr = demo.Build(context.Background(), demoPath, demo.Options{Customers: 12, Months: 3, Seed: 7, Now: today})
	})
	if demoErr != nil {
		t.Fatal(demoErr)
	}
	path := filepath.Join(t.TempDir(), "book.db")
	copyFile(t, demoPath, path)
	b, err := ledger.Open(path, ledger.Options{ReadOnly: readOnly, Actor: "test", NoSync: true, Now: func() time.Time { return today }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if !readOnly {
			checkBook(t, b)
		}
		b.Close()
	})
	return b
}

// checkBook runs the book's invariant check and reports every breach.
func checkBook(t *testing.T, b *ledger.Book) {
	t.Helper()
	breaches, err := b.Check(context.Background(), nil)
	if err != nil {
		t.Errorf("check: %v", err)
	}
	for _, br := range breaches {
		t.Errorf("check: %s", br)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// drive runs cmd and feeds what it returns back into m, as the Bubble Tea
// runtime would, until nothing is left. Ticks (progress redraws, cursor
// blinks) are dropped so the loop ends; a job's completion is awaited.
func drive(t *testing.T, m *Model, cmd tea.Cmd) {
	t.Helper()
	queue := []tea.Cmd{cmd}
	for steps := 0; len(queue) > 0; steps++ {
		if steps > 1000 {
			t.Fatal("commands never settle")
		}
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		msg := execCmd(c)
		if strings.Contains(strings.ToLower(fmt.Sprintf("%T", msg)), "blink") {
			continue // cursor blinks go on for ever
		}
		switch msg := msg.(type) {
		case nil, jobTickMsg:
			continue
		case tea.BatchMsg:
			queue = append(queue, msg...)
			continue
		case tea.QuitMsg:
			continue
		}
		_, next := m.Update(msg)
		queue = append(queue, next)
	}
}

// runCmd runs a command, giving up on ones that wait on a timer (cursor
// blinks), which tests do not need.
func execCmd(c tea.Cmd) tea.Msg {
	done := make(chan tea.Msg, 1)
	go func() { done <- c() }()
	select {
	case msg := <-done:
		return msg
	case <-time.After(5 * time.Second):
		return nil
	}
}

// press sends keys ("j", "enter", "space", "ctrl+a", "tab", …) one by one.
func press(t *testing.T, m *Model, keys ...string) {
	t.Helper()
	for _, k := range keys {
		_, cmd := m.Update(keyMsg(k))
		drive(t, m, cmd)
	}
}

func keyMsg(k string) tea.KeyMsg {
	switch k {
	case "enter":
		return tea.KeyMsg{Type: tea.KeyEnter}
	case "esc":
		return tea.KeyMsg{Type: tea.KeyEsc}
	case "space":
		return tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}}
	case "tab":
		return tea.KeyMsg{Type: tea.KeyTab}
	case "shift+tab":
		return tea.KeyMsg{Type: tea.KeyShiftTab}
	case "ctrl+a":
		return tea.KeyMsg{Type: tea.KeyCtrlA}
	case "right":
		return tea.KeyMsg{Type: tea.KeyRight}
	case "left":
		return tea.KeyMsg{Type: tea.KeyLeft}
	case "backspace":
		return tea.KeyMsg{Type: tea.KeyBackspace}
	case "up":
		return tea.KeyMsg{Type: tea.KeyUp}
	case "down":
		return tea.KeyMsg{Type: tea.KeyDown}
	case "alt+up":
		return tea.KeyMsg{Type: tea.KeyUp, Alt: true}
	case "alt+down":
		return tea.KeyMsg{Type: tea.KeyDown, Alt: true}
	}
	if t, ok := ctrlKeys[k]; ok {
		return tea.KeyMsg{Type: t}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
}

var ctrlKeys = map[string]tea.KeyType{
	"ctrl+s": tea.KeyCtrlS, "ctrl+x": tea.KeyCtrlX, "ctrl+y": tea.KeyCtrlY, "ctrl+t": tea.KeyCtrlT,
	"ctrl+n": tea.KeyCtrlN, "ctrl+p": tea.KeyCtrlP, "ctrl+u": tea.KeyCtrlU, "ctrl+e": tea.KeyCtrlE,
}

func typeText(t *testing.T, m *Model, s string) {
	t.Helper()
	for _, r := range s {
		_, cmd := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
		drive(t, m, cmd)
	}
}

// open builds the workstation on book at w×h and loads it.
func open(t *testing.T, book *ledger.Book, w, h int) *Model {
	t.Helper()
	m := New(Options{Book: book, ReadOnlyWhy: "held by another process (test)"})
	m.ctx.Now = func() time.Time { return today }
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	drive(t, m, m.reload())
	if !m.loaded || m.loadErr != nil {
		t.Fatalf("not loaded: %v", m.loadErr)
	}
	return m
}
