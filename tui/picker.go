package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/sahilm/fuzzy"

	"github.com/monthend/monthend/ledger"
)

// customerPicker chooses a customer by fuzzy search over id and name
// (github.com/sahilm/fuzzy: the typed letters in order, best match first).
// It owns every key while open: letters go to the query, so it moves with
// the arrows (KeyMap.PickUp/PickDown), enter picks and esc cancels.
type customerPicker struct {
	title   string
	about   string // a line under the title: what is being mapped
	input   textinput.Model
	all     []ledger.Customer
	targets []string // "id name" per customer: what the query matches
	matches []int    // indices into all, best first
	cur     int      // index into matches
	theme   *Theme
	keys    *KeyMap

	width, height int
}

// pickerOutcome is what a key did to the picker.
type pickerOutcome uint8

const (
	pickerOpen     pickerOutcome = iota // still choosing
	pickerPicked                        // enter on a match: see selected
	pickerCanceled                      // esc
)

func newCustomerPicker(title, about string, customers []ledger.Customer, theme *Theme, keys *KeyMap) (*customerPicker, tea.Cmd) {
	in := textinput.New()
	in.Prompt = "> "
	in.Placeholder = "type to search customers by id or name"
	in.PlaceholderStyle = theme.Tone(ToneMuted)
	in.PromptStyle = theme.Header
	// A steady cursor: a blinking one redraws the screen twice a second
	// for nothing (every key redraws the picker anyway).
	in.Cursor.SetMode(cursor.CursorStatic)
	p := &customerPicker{title: title, about: about, input: in, all: customers, theme: theme, keys: keys}
	p.targets = make([]string, len(customers))
	for i, c := range customers {
		p.targets[i] = c.ID + " " + c.Name
	}
	p.refilter()
	return p, p.input.Focus()
}

// refilter matches the query against every customer; an empty query lists
// them all in the book's order.
func (p *customerPicker) refilter() {
	p.matches = p.matches[:0]
	q := strings.TrimSpace(p.input.Value())
	if q == "" {
		for i := range p.all {
			p.matches = append(p.matches, i)
		}
	} else {
		for _, m := range fuzzy.Find(q, p.targets) {
			p.matches = append(p.matches, m.Index)
		}
	}
	p.cur = 0
}

// selected is the customer under the cursor.
func (p *customerPicker) selected() (ledger.Customer, bool) {
	if p.cur < 0 || p.cur >= len(p.matches) {
		return ledger.Customer{}, false
	}
	return p.all[p.matches[p.cur]], true
}

func (p *customerPicker) update(k tea.KeyMsg) (pickerOutcome, tea.Cmd) {
	switch {
	case key.Matches(k, p.keys.Back):
		return pickerCanceled, nil
	case key.Matches(k, p.keys.Enter):
		if _, ok := p.selected(); ok {
			return pickerPicked, nil
		}
		return pickerOpen, nil
	case key.Matches(k, p.keys.PickUp):
		p.cur = max(p.cur-1, 0)
		return pickerOpen, nil
	case key.Matches(k, p.keys.PickDown):
		p.cur = max(min(p.cur+1, len(p.matches)-1), 0)
		return pickerOpen, nil
	}
	before := p.input.Value()
	var cmd tea.Cmd
	p.input, cmd = p.input.Update(k)
	if p.input.Value() != before {
		p.refilter()
	}
	return pickerOpen, cmd
}

func (p *customerPicker) setSize(w, h int) {
	p.width, p.height = w, h
	p.input.Width = max(w-len(p.input.Prompt)-1, 1)
}

// help lists the picker's keys: it owns them all while open.
func (p *customerPicker) help() bindings {
	pick := p.keys.Enter
	pick.SetHelp("enter", "map to this customer")
	cancel := p.keys.Back
	cancel.SetHelp("esc", "cancel")
	short := []key.Binding{p.keys.PickUp, p.keys.PickDown, pick, cancel}
	return bindings{short: short, full: [][]key.Binding{short}}
}

// View draws the title, the query, the matches that fit and a count.
func (p *customerPicker) View() string {
	w, h := p.width, p.height
	var b strings.Builder
	b.WriteString(sectionTitle(p.theme, p.title, w, true))
	b.WriteString("\n" + p.theme.Tone(ToneMuted).Render(p.about) + "\n")
	b.WriteString(p.input.View())
	rows := max(h-4, 1) // title, about, query, count
	top := 0
	if p.cur >= rows {
		top = p.cur - rows + 1
	}
	idW, nameW := 12, max(w-12-1-3-1-2, 8)
	for i := top; i < min(top+rows, len(p.matches)); i++ {
		c := p.all[p.matches[i]]
		line := "  " + fit(c.ID, idW, AlignLeft) + " " + fit(c.Name, nameW, AlignLeft) + " " + c.Currency.String()
		b.WriteByte('\n')
		if i == p.cur {
			b.WriteString(p.theme.Cursor.Render(fit(line, w, AlignLeft)))
		} else {
			b.WriteString(line)
		}
	}
	b.WriteByte('\n')
	var count string
	switch {
	case len(p.all) == 0:
		count = "no customers: add one first (monthend customers add --help)"
	case len(p.matches) == 0:
		count = fmt.Sprintf("no customer matches %q", p.input.Value())
	default:
		count = fmt.Sprintf("%d of %d customers", len(p.matches), len(p.all))
	}
	b.WriteString(p.theme.Tone(ToneMuted).Render(count))
	return fitLines(b.String(), w, h)
}
