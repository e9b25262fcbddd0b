package tui

import (
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/shopspring/decimal"
)

// NumScale is the fixed scale of Cell.Num: numbers are kept as integers of
// 10⁻⁴ so that sorting and filtering 5,000 rows never touches big decimals.
const NumScale = 4

// Align is a column's alignment.
type Align uint8

const (
	AlignLeft Align = iota
	AlignRight
)

// Column describes a grid column.
type Column struct {
	Key      string // name in filters ("status", "delta%")
	Title    string
	Width    int // minimum width in cells
	Flex     int // share of spare width (0: fixed)
	Align    Align
	Numeric  bool // cells carry numbers: sort and compare by Num
	Priority int  // columns with higher numbers are hidden first when narrow
}

// Cell is one formatted value. Text is plain (no escape codes); the grid
// styles it by Tone. Numeric cells also carry Num for sorting and filters.
type Cell struct {
	Text   string
	Tone   Tone
	Num    int64 // value × 10^NumScale
	HasNum bool
}

// NumCell makes a numeric cell from a decimal.
func NumCell(text string, v decimal.Decimal, tone Tone) Cell {
	return Cell{Text: text, Tone: tone, Num: v.Shift(NumScale).IntPart(), HasNum: true}
}

// Row is one grid row. ID is stable across reloads: marks and the cursor
// follow IDs, not positions.
type Row struct {
	ID    string
	Cells []Cell
	Tone  Tone // a row-level marker (ToneWarn draws a "!" for stale rows)
}

// Grid is a windowed, sortable, filterable table with marks. It renders only
// the rows on screen and caches each rendered row until the rows, the width
// or the row's mark change, so a key press costs the same at 50 or 50,000
// rows (bubbles/table renders every row and lacks sorting and marks).
type Grid struct {
	cols  []Column
	rows  []Row
	lower [][]string // lower-cased cell texts, for filters
	view  []int      // indices into rows: filtered and sorted
	cur   int        // cursor, an index into view
	top   int        // first view index on screen

	marks      map[string]bool
	sortCol    int // -1: the rows' own order
	sortDesc   bool
	filter     filter
	filterText string

	width, height int
	widths        []int // per column; 0 = hidden at this width
	cache         map[int]string
	theme         *Theme
	keys          GridKeys
}

// NewGrid returns an empty grid with the given columns.
func NewGrid(cols []Column, theme *Theme, keys GridKeys) *Grid {
	return &Grid{cols: cols, marks: map[string]bool{}, sortCol: -1, theme: theme, keys: keys, cache: map[int]string{}}
}

// SetRows replaces the rows, keeping marks (by ID) and the cursor on the
// same row when it is still there.
func (g *Grid) SetRows(rows []Row) {
	curID := ""
	if r, ok := g.Cursor(); ok {
		curID = r.ID
	}
	g.rows, g.view = rows, nil
	// Marks follow ids; a row that left (issued out of a drafts view, say)
	// takes its mark with it.
	present := make(map[string]bool, len(rows))
	for i := range rows {
		present[rows[i].ID] = true
	}
	for id := range g.marks {
		if !present[id] {
			delete(g.marks, id)
		}
	}
	g.cache = map[int]string{} // cached lines are keyed by row index
	g.lower = make([][]string, len(rows))
	for i := range rows {
		l := make([]string, len(rows[i].Cells))
		for j, c := range rows[i].Cells {
			l[j] = strings.ToLower(c.Text)
		}
		g.lower[i] = l
	}
	g.refreshKeeping(curID)
	g.clampScroll()
}

// UpdateRow replaces the row with the same ID in place (results arriving
// one by one during a recalculation), without re-sorting under the user.
func (g *Grid) UpdateRow(r Row) bool {
	for i := range g.rows {
		if g.rows[i].ID == r.ID {
			g.rows[i] = r
			l := make([]string, len(r.Cells))
			for j, c := range r.Cells {
				l[j] = strings.ToLower(c.Text)
			}
			g.lower[i] = l
			delete(g.cache, i)
			return true
		}
	}
	return false
}

// SetSize sets the grid's width and height (header included).
func (g *Grid) SetSize(w, h int) {
	if w == g.width && h == g.height {
		return
	}
	g.width, g.height = w, h
	g.layout()
	g.cache = map[int]string{}
	g.clampScroll()
}

// SetFilter applies a filter (see filter.go); a bad one is refused and the
// previous filter stays.
func (g *Grid) SetFilter(s string) error {
	f, err := parseFilter(s, g.cols)
	if err != nil {
		return err
	}
	g.filter, g.filterText = f, s
	g.refresh()
	g.clampScroll()
	return nil
}

// Filter is the filter in force, as typed.
func (g *Grid) Filter() string { return g.filterText }

// SortBy sorts by column col (-1: the rows' own order).
func (g *Grid) SortBy(col int, desc bool) {
	g.sortCol, g.sortDesc = col, desc
	g.refresh()
	g.clampScroll()
}

// Sort is the sort column (-1 for none) and direction.
func (g *Grid) Sort() (int, bool) { return g.sortCol, g.sortDesc }

// refresh recomputes the visible rows, keeping the cursor on its row.
func (g *Grid) refresh() {
	curID := ""
	if r, ok := g.Cursor(); ok {
		curID = r.ID
	}
	g.refreshKeeping(curID)
}

// refreshKeeping filters, then stable-sorts, and puts the cursor on the
// row with id curID if it is still shown (else on the first row).
func (g *Grid) refreshKeeping(curID string) {
	g.view = g.view[:0]
	for i := range g.rows {
		if g.filter.match(&g.rows[i], g.lower[i]) {
			g.view = append(g.view, i)
		}
	}
	if c := g.sortCol; c >= 0 && c < len(g.cols) {
		numeric := g.cols[c].Numeric
		slices.SortStableFunc(g.view, func(a, b int) int {
			ca, cb := cellAt(&g.rows[a], c), cellAt(&g.rows[b], c)
			var r int
			switch {
			case numeric && ca.HasNum != cb.HasNum:
				r = boolCmp(ca.HasNum, cb.HasNum) // rows without a number sort first
			case numeric:
				r = int64Cmp(ca.Num, cb.Num)
			default:
				r = strings.Compare(g.lower[a][min(c, len(g.lower[a])-1)], g.lower[b][min(c, len(g.lower[b])-1)])
			}
			if g.sortDesc {
				return -r
			}
			return r
		})
	}
	// Positions changed: cached lines are keyed by row, so they stay valid;
	// only the cursor must follow its row.
	g.cur = 0
	for vi, ri := range g.view {
		if g.rows[ri].ID == curID {
			g.cur = vi
			break
		}
	}
}

func cellAt(r *Row, c int) Cell {
	if c < len(r.Cells) {
		return r.Cells[c]
	}
	return Cell{}
}

func boolCmp(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

func int64Cmp(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Cursor is the row under the cursor.
func (g *Grid) Cursor() (Row, bool) {
	if g.cur < 0 || g.cur >= len(g.view) {
		return Row{}, false
	}
	return g.rows[g.view[g.cur]], true
}

// Len is the number of rows shown (after the filter); Total all rows.
func (g *Grid) Len() int   { return len(g.view) }
func (g *Grid) Total() int { return len(g.rows) }

// Marked returns the IDs of marked rows in display order, and how many
// marked rows the filter hides.
func (g *Grid) Marked() (ids []string, hidden int) {
	for _, ri := range g.view {
		if g.marks[g.rows[ri].ID] {
			ids = append(ids, g.rows[ri].ID)
		}
	}
	return ids, len(g.marks) - len(ids)
}

// Targets is what an action applies to: the marked rows, else the cursor
// row.
func (g *Grid) Targets() []string {
	if ids, _ := g.Marked(); len(ids) > 0 {
		return ids
	}
	if r, ok := g.Cursor(); ok {
		return []string{r.ID}
	}
	return nil
}

// ClearMarks removes every mark.
func (g *Grid) ClearMarks() {
	g.marks = map[string]bool{}
	g.cache = map[int]string{}
}

func (g *Grid) toggleMark(vi int) {
	ri := g.view[vi]
	id := g.rows[ri].ID
	if g.marks[id] {
		delete(g.marks, id)
	} else {
		g.marks[id] = true
	}
	delete(g.cache, ri)
}

// Update handles the grid's keys; other messages are ignored.
func (g *Grid) Update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		return nil
	}
	page := max(g.bodyHeight(), 1)
	switch {
	case key.Matches(k, g.keys.Up):
		g.move(-1)
	case key.Matches(k, g.keys.Down):
		g.move(1)
	case key.Matches(k, g.keys.Top):
		g.move(-len(g.view))
	case key.Matches(k, g.keys.Bottom):
		g.move(len(g.view))
	case key.Matches(k, g.keys.PageUp):
		g.move(-page)
	case key.Matches(k, g.keys.PageDown):
		g.move(page)
	case key.Matches(k, g.keys.HalfUp):
		g.move(-max(page/2, 1))
	case key.Matches(k, g.keys.HalfDown):
		g.move(max(page/2, 1))
	case key.Matches(k, g.keys.Mark):
		if len(g.view) > 0 {
			g.toggleMark(g.cur)
			g.move(1)
		}
	case key.Matches(k, g.keys.MarkAll):
		for vi, ri := range g.view {
			if !g.marks[g.rows[ri].ID] {
				g.toggleMark(vi)
			}
		}
	case key.Matches(k, g.keys.Unmark):
		g.ClearMarks()
	case key.Matches(k, g.keys.SortNext):
		g.SortBy((g.sortCol+2)%(len(g.cols)+1)-1, false)
	case key.Matches(k, g.keys.SortReverse):
		if g.sortCol >= 0 {
			g.SortBy(g.sortCol, !g.sortDesc)
		}
	}
	return nil
}

func (g *Grid) move(n int) {
	g.cur = max(0, min(g.cur+n, len(g.view)-1))
	g.clampScroll()
}

// bodyHeight is the number of row lines (the header takes one).
func (g *Grid) bodyHeight() int { return g.height - 1 }

// clampScroll keeps the cursor on screen.
func (g *Grid) clampScroll() {
	h := g.bodyHeight()
	if g.cur >= len(g.view) {
		g.cur = max(len(g.view)-1, 0)
	}
	if h <= 0 {
		g.top = g.cur
		return
	}
	if g.cur < g.top {
		g.top = g.cur
	}
	if g.cur >= g.top+h {
		g.top = g.cur - h + 1
	}
	g.top = max(0, min(g.top, max(len(g.view)-h, 0)))
}

// markWidth is the mark column ("● " or "  ") and the stale marker.
const markWidth = 3

// layout decides column widths: every column gets its minimum width, the
// least important columns are hidden while they do not fit, and flexible
// columns share what is left.
func (g *Grid) layout() {
	g.widths = make([]int, len(g.cols))
	shown := make([]bool, len(g.cols))
	for i := range shown {
		shown[i] = true
	}
	need := func() int {
		n := markWidth
		for i, c := range g.cols {
			if shown[i] {
				n += c.Width + 1
			}
		}
		return n
	}
	for need() > g.width {
		worst := -1
		for i, c := range g.cols {
			if shown[i] && c.Priority > 0 && (worst < 0 || c.Priority > g.cols[worst].Priority) {
				worst = i
			}
		}
		if worst < 0 {
			break
		}
		shown[worst] = false
	}
	spare := g.width - need()
	flex := 0
	for i, c := range g.cols {
		if shown[i] {
			g.widths[i] = c.Width
			flex += c.Flex
		}
	}
	for i, c := range g.cols {
		if shown[i] && c.Flex > 0 && spare > 0 {
			extra := spare * c.Flex / flex
			g.widths[i] += extra
		}
	}
}

// View renders the header and the visible rows.
func (g *Grid) View() string {
	if g.widths == nil {
		g.layout()
	}
	var b strings.Builder
	b.Grow(max((g.width+1)*g.height, 0))
	b.WriteString(g.header())
	end := min(g.top+g.bodyHeight(), len(g.view))
	for vi := g.top; vi < end; vi++ {
		b.WriteByte('\n')
		ri := g.view[vi]
		if vi == g.cur {
			b.WriteString(g.theme.Cursor.Render(g.plainLine(ri)))
			continue
		}
		line, ok := g.cache[ri]
		if !ok {
			line = g.styledLine(ri)
			g.cache[ri] = line
		}
		b.WriteString(line)
	}
	if len(g.view) == 0 {
		b.WriteString("\n")
		if len(g.rows) == 0 {
			b.WriteString(g.theme.Tone(ToneMuted).Render("  nothing here"))
		} else {
			b.WriteString(g.theme.Tone(ToneMuted).Render("  no row matches the filter " + g.filterText))
		}
	}
	return b.String()
}

func (g *Grid) header() string {
	var b strings.Builder
	b.WriteString(strings.Repeat(" ", markWidth))
	for i, c := range g.cols {
		w := g.widths[i]
		if w == 0 {
			continue
		}
		title := c.Title
		if i == g.sortCol {
			if g.sortDesc {
				title += "↓"
			} else {
				title += "↑"
			}
		}
		b.WriteString(fit(title, w, c.Align))
		b.WriteByte(' ')
	}
	return g.theme.Header.Render(strings.TrimRight(b.String(), " "))
}

// plainLine is a row as plain text (the cursor row is drawn reversed,
// without per-cell colours, so it reads on every theme).
func (g *Grid) plainLine(ri int) string {
	return g.line(ri, false)
}

func (g *Grid) styledLine(ri int) string {
	return g.line(ri, true)
}

func (g *Grid) line(ri int, styled bool) string {
	r := &g.rows[ri]
	var b strings.Builder
	b.Grow(g.width + 32)
	mark := "  "
	if g.marks[r.ID] {
		mark = "● "
		if styled {
			mark = g.theme.Marked.Render("●") + " "
		}
	}
	b.WriteString(mark)
	switch {
	case r.Tone == ToneWarn && styled:
		b.WriteString(g.theme.Tone(ToneWarn).Render("!"))
	case r.Tone == ToneWarn:
		b.WriteByte('!')
	default:
		b.WriteByte(' ')
	}
	for i := range g.cols {
		w := g.widths[i]
		if w == 0 {
			continue
		}
		c := cellAt(r, i)
		text := fit(c.Text, w, g.cols[i].Align)
		if styled && c.Tone != ToneNormal {
			text = g.theme.Tone(c.Tone).Render(text)
		}
		b.WriteString(text)
		b.WriteByte(' ')
	}
	out := b.String()
	return out[:len(out)-1]
}

// fit pads or truncates plain text s to exactly w cells.
func fit(s string, w int, align Align) string {
	sw := ansi.StringWidth(s)
	if sw > w {
		return ansi.Truncate(s, w, "…")
	}
	pad := strings.Repeat(" ", w-sw)
	if align == AlignRight {
		return pad + s
	}
	return s + pad
}
