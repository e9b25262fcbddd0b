package tui

import (
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"
)

// Helpers the customers and outbox panes share to lay out their areas:
// every area is exactly as wide and as tall as it was given, so the root
// can stack panes without measuring them.

// fitLines cuts or pads s to exactly h lines, each cut to w cells (lines
// may carry styles: ansi cuts around escape codes).
func fitLines(s string, w, h int) string {
	if h <= 0 {
		return ""
	}
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		if ansi.StringWidth(l) > w {
			lines[i] = ansi.Truncate(l, w, "…")
		}
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

// sectionTitle is the title line of an area, bold when the area has the
// keys and muted otherwise, cut to w cells.
func sectionTitle(theme *Theme, text string, w int, focused bool) string {
	if ansi.StringWidth(text) > w {
		text = ansi.Truncate(text, w, "…")
	}
	if focused {
		return theme.Header.Render(text)
	}
	return theme.Tone(ToneMuted).Render(text)
}

// formatCount writes n with thousands separators: 1240 → "1,240".
func formatCount(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// plural writes a count and a noun: "1 event", "1,240 events".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return formatCount(n) + " " + word + "s"
}

// stampLayout is how the panes show a moment: minutes, in UTC (the book
// stores UTC, and the CLI prints it), so every user reads the same time.
const stampLayout = "2006-01-02 15:04"

func formatStamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(stampLayout)
}
