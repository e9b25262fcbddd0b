// Package tui is the month-end workstation: a Bubble Tea program whose root
// model routes messages to panes (views, invoice grid, invoice detail,
// customers and usage, outbox). All I/O runs in tea.Cmds.
package tui

import "github.com/charmbracelet/lipgloss"

// Tone is the meaning of a cell or row, which the theme turns into colour.
// Views carry tones, never colours, so NO_COLOR and light/dark terminals
// are handled in one place.
type Tone uint8

const (
	ToneNormal   Tone = iota
	ToneMuted         // secondary text: previous period, zero amounts
	TonePositive      // an increase
	ToneNegative      // a decrease
	ToneWarn          // stale, flagged
)

// Theme holds every style the workstation draws with.
type Theme struct {
	Header   lipgloss.Style
	Cursor   lipgloss.Style // the cursor row
	Marked   lipgloss.Style // the mark column of a marked row
	tones    [5]lipgloss.Style
	Selected lipgloss.Style
	Dialog   lipgloss.Style // modal boxes
	TabOn    lipgloss.Style // the active tab
	TabOff   lipgloss.Style
	Bar      lipgloss.Style // the status bar
}

// NewTheme returns the default theme, with adaptive colours for light and
// dark terminals (lipgloss drops colours under NO_COLOR or a dumb terminal).
func NewTheme() *Theme {
	t := &Theme{
		Header: lipgloss.NewStyle().Bold(true).
			Foreground(lipgloss.AdaptiveColor{Light: "#1F2937", Dark: "#E5E7EB"}),
		Cursor: lipgloss.NewStyle().Reverse(true),
		Marked: lipgloss.NewStyle().Bold(true).
			Foreground(lipgloss.AdaptiveColor{Light: "#1D4ED8", Dark: "#93C5FD"}),
	}
	accent := lipgloss.AdaptiveColor{Light: "#1D4ED8", Dark: "#93C5FD"}
	t.Dialog = lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(accent).Padding(0, 1)
	t.TabOn = lipgloss.NewStyle().Bold(true).Reverse(true).Padding(0, 1)
	t.TabOff = lipgloss.NewStyle().Padding(0, 1).Foreground(lipgloss.AdaptiveColor{Light: "#6B7280", Dark: "#9CA3AF"})
	t.Bar = lipgloss.NewStyle().Foreground(lipgloss.AdaptiveColor{Light: "#1F2937", Dark: "#E5E7EB"})
	t.tones[ToneNormal] = lipgloss.NewStyle()
	t.tones[ToneMuted] = lipgloss.NewStyle().Foreground(lipgloss.AdaptiveColor{Light: "#6B7280", Dark: "#9CA3AF"})
	t.tones[TonePositive] = lipgloss.NewStyle().Foreground(lipgloss.AdaptiveColor{Light: "#047857", Dark: "#34D399"})
	t.tones[ToneNegative] = lipgloss.NewStyle().Foreground(lipgloss.AdaptiveColor{Light: "#B91C1C", Dark: "#F87171"})
	t.tones[ToneWarn] = lipgloss.NewStyle().Foreground(lipgloss.AdaptiveColor{Light: "#B45309", Dark: "#FBBF24"})
	return t
}

// Tone returns the style of a tone.
func (t *Theme) Tone(tone Tone) lipgloss.Style {
	if int(tone) < len(t.tones) {
		return t.tones[tone]
	}
	return t.tones[ToneNormal]
}
