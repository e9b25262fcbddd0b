package tui

import (
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
)

// dialog is a modal box over the screen. A confirmation runs onYes only on
// an explicit y; every other key answers no (the default). An information
// dialog (onYes nil) closes on any key. A prompt dialog has a text input
// and runs onSubmit with its value on enter.
type dialog struct {
	title    string
	lines    []string
	onYes    func() tea.Cmd
	input    *textinput.Model
	onSubmit func(value string) tea.Cmd
	err      string // shown under the input (e.g. a name already taken)
	// submitLabel names what enter does in a prompt ("save" if empty);
	// allowEmpty lets enter submit an empty value (optional answers).
	submitLabel string
	allowEmpty  bool
	top         int // first line shown, for long result lists
}

// update handles a key; close reports the dialog is done.
func (d *dialog) update(k tea.KeyMsg, keys *KeyMap) (cmd tea.Cmd, close bool) {
	switch {
	case d.input != nil:
		switch k.Type {
		case tea.KeyEsc:
			return nil, true
		case tea.KeyEnter:
			v := strings.TrimSpace(d.input.Value())
			if v == "" && !d.allowEmpty {
				d.err = "type a name, or esc to cancel"
				return nil, false
			}
			return d.onSubmit(v), true
		}
		in, cmd := d.input.Update(k)
		*d.input = in
		d.err = ""
		return cmd, false
	case d.onYes != nil:
		if key.Matches(k, keys.Yes) {
			return d.onYes(), true
		}
		return setStatus("cancelled: "+d.title, ToneMuted), true
	}
	// Information: j/k scroll a long list; anything else closes.
	switch {
	case key.Matches(k, keys.Grid.Down):
		d.top = min(d.top+1, max(len(d.lines)-1, 0))
		return nil, false
	case key.Matches(k, keys.Grid.Up):
		d.top = max(d.top-1, 0)
		return nil, false
	}
	return nil, true
}

// view draws the dialog in a bordered box at most w×h.
func (d *dialog) view(th *Theme, w, h int) string {
	boxW := min(max(w-8, 20), 90)
	inner := boxW - 4
	var body []string
	body = append(body, th.Header.Render(truncateLine(d.title, inner)), "")
	room := max(h-10, 3)
	lines := d.lines[min(d.top, len(d.lines)):]
	for i, l := range lines {
		if i == room && len(lines) > room+1 {
			body = append(body, th.Tone(ToneMuted).Render(truncateLine("… "+strconv.Itoa(len(lines)-room)+" more (j/k scroll)", inner)))
			break
		}
		body = append(body, truncateLine(l, inner))
	}
	switch {
	case d.input != nil:
		d.input.Width = inner - 2
		body = append(body, "", d.input.View())
		if d.err != "" {
			body = append(body, th.Tone(ToneWarn).Render(truncateLine(d.err, inner)))
		}
		label := d.submitLabel
		if label == "" {
			label = "save"
		}
		body = append(body, "", th.Tone(ToneMuted).Render("enter "+label+" · esc cancel"))
	case d.onYes != nil:
		body = append(body, "", th.Header.Render("y")+" yes   "+th.Header.Render("any other key")+" no (default)")
	default:
		body = append(body, "", th.Tone(ToneMuted).Render("any key closes"))
	}
	return th.Dialog.Width(boxW).Render(strings.Join(body, "\n"))
}

// overlay draws box centred over background (w×h), keeping the
// background's lines above and below the box so the user still sees what
// the dialog is about.
func overlay(box, background string, w, h int) string {
	boxLines := strings.Split(box, "\n")
	bg := strings.Split(background, "\n")
	for len(bg) < h {
		bg = append(bg, "")
	}
	top := max((h-len(boxLines))/2, 0)
	left := max((w-lipgloss.Width(boxLines[0]))/2, 0)
	pad := strings.Repeat(" ", left)
	for i, l := range boxLines {
		if top+i < len(bg) {
			bg[top+i] = pad + l
		}
	}
	return strings.Join(bg[:h], "\n")
}
