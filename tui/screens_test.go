package tui

import (
	"bytes"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"
)

// Golden screens of the workstation on the small fixed demo book, run
// through a real Bubble Tea program (teatest) at a fixed size, colours off
// (TestMain). Regenerate with: go test ./tui -run TestScreen -update
func TestScreens(t *testing.T) {
	cases := []struct {
		name string
		w, h int
		keys []string
		wait string // on screen once the keys took effect
	}{
		{"grid_100x30", 100, 30, nil, ""},
		{"grid_80x24", 80, 24, nil, ""},
		{"grid_250x40", 250, 40, nil, ""},
		{"marked_and_sorted_100x30", 100, 30, []string{"space", "space", "s", "s", "s", "s", "s", "-"}, "Total↓"},
		{"filter_100x30", 100, 30, []string{"/", "s", "t", "a", "t", "u", "s", ":", "d"}, "status:d"},
		{"detail_100x30", 100, 30, []string{"enter"}, "Subtotal"},
		{"issue_confirm_100x30", 100, 30, []string{"space", "space", "space", "i"}, "Issue 3 invoices?"},
		{"help_100x30", 100, 30, []string{"?"}, "any key closes"},
		{"views_pane_100x30", 100, 30, []string{"shift+tab", "j"}, "Ready to send"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := demoBook(t, false)
			m := New(Options{Book: b})
			tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(tc.w, tc.h))
			teatest.WaitFor(t, tm.Output(), func(out []byte) bool {
				return bytes.Contains(out, []byte(" rows"))
			}, teatest.WithDuration(10*time.Second))
			for _, k := range tc.keys {
				tm.Send(keyMsg(k))
			}
			if tc.wait != "" { // the output read so far is consumed: wait for what the keys draw
				teatest.WaitFor(t, tm.Output(), func(out []byte) bool {
					return bytes.Contains(out, []byte(tc.wait))
				}, teatest.WithDuration(10*time.Second))
			}
			if err := tm.Quit(); err != nil {
				t.Fatal(err)
			}
			fm := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*Model)
			golden.RequireEqual(t, []byte(fm.View()))
		})
	}
}
