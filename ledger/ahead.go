package ledger

// Pass 1 ahead of the writer (import only).
//
// An import has two goroutines: one parses and prepares batches, the other
// writes them, and the writer is the slower (docs/performance.md, "Pass 1
// ahead, small batches in large transactions"). Pass 1 (apply.go's check:
// each event's metric, value, customer, day and late flag) needs the book's
// aliases, customers and metrics, which only the writer reads. So the
// writer tells the parsing goroutine what each batch's aliases and metrics
// resolved to (learned), and that goroutine checks the next batches with
// it, group by group (startAhead, aheadWork.step), writing the results and
// per-event state the writer would have written, while the writer has
// batches queued; when the queue runs dry, the batch goes with the groups
// done so far (batcher.send). So the work balances itself between the two
// cores.
//
// What was learned may be stale by the time the writer applies the batch:
// an alias mapped, a metric added or a period issued in between. The
// writer therefore takes a group checked ahead only when its alias
// resolves, in its own transaction, to the very same target (the customer
// id and the same *custInfo: these are never changed in place, and a change
// to a customer or an alias drops the cached ones, db.go's forgetCustomers)
// and its metric is equal; otherwise it checks the group again itself.
// Correctness never rests on what was learned, only speed.

// learned is what one batch's aliases and metrics resolved to in the
// writer's transaction: targets[i] for aliases[i] where known[i], and
// metricOf[j] for metrics[j] where metricKnown[j]. Sent to the parsing
// goroutine, which then owns it; the *custInfo and *Metric it holds are
// never written again.
type learned struct {
	aliases     []string
	targets     []aliasTarget
	known       []bool
	metrics     []string
	metricOf    []*Metric
	metricKnown []bool
}

// knownAttribution is the parsing goroutine's picture of the book's
// aliases and metrics, from what the writer learned.
type knownAttribution struct {
	ch      chan learned // from the writer (prepared.learn)
	targets map[string]aliasTarget
	metrics map[string]*Metric
}

func newKnownAttribution(ch chan learned) *knownAttribution {
	return &knownAttribution{ch: ch, targets: map[string]aliasTarget{}, metrics: map[string]*Metric{}}
}

// catchUp takes in whatever the writer has learned since the last call.
func (ka *knownAttribution) catchUp() {
	for {
		select {
		case l := <-ka.ch:
			for i, a := range l.aliases {
				if l.known[i] {
					ka.targets[a] = l.targets[i]
				}
			}
			for j, m := range l.metrics {
				if l.metricKnown[j] {
					ka.metrics[m] = l.metricOf[j]
				}
			}
		default:
			return
		}
	}
}

// ahead is pass 1's output for a batch, made on the parsing goroutine: the
// results, state and info that check would write, for
// the groups marked done, with the targets and metrics they used.
type ahead struct {
	done    []bool // by group
	targets []aliasTarget
	metrics []*Metric
	results []Result
	state   []uint8
	info    []eventInfo
}

// startAhead gives p what pass 1 ahead needs, if ka knows anything yet:
// the results, state and info arrays, which the writer then uses for the
// groups it checks itself too, and the targets and metrics ka has for the
// batch's aliases and metrics. step then checks groups.
func (p *prepared) startAhead(ka *knownAttribution) *aheadWork {
	ka.catchUp()
	if len(ka.targets) == 0 {
		return nil
	}
	n := len(p.events)
	a := &ahead{done: make([]bool, len(p.groupEnd)),
		targets: make([]aliasTarget, len(p.aliases)), metrics: make([]*Metric, len(p.metrics)),
		results: make([]Result, n), state: make([]uint8, n), info: make([]eventInfo, n)}
	w := &aheadWork{p: p, a: a, aliasKnown: make([]bool, len(p.aliases)), metricKnown: make([]bool, len(p.metrics))}
	for i, alias := range p.aliases {
		a.targets[i], w.aliasKnown[i] = ka.targets[alias]
	}
	for j, code := range p.metrics {
		a.metrics[j], w.metricKnown[j] = ka.metrics[code]
	}
	p.ahead = a
	return w
}

// aheadWork is pass 1 ahead in progress, a group at a time.
type aheadWork struct {
	p                       *prepared
	a                       *ahead
	aliasKnown, metricKnown []bool
	g                       int // the next group
}

// step checks the next group, if the alias and metric are known, and
// reports whether groups remain. Once the batch is handed to the writer,
// step must not be called again: the writer owns p.ahead from then on.
func (w *aheadWork) step() bool {
	p, a := w.p, w.a
	if w.g >= len(p.groupEnd) {
		return false
	}
	from, end := p.group(w.g)
	ai, mi := p.aliasOf[from], p.metricOf[from]
	if w.aliasKnown[ai] && w.metricKnown[mi] {
		t := a.targets[ai]
		// The target is at hand: checkGroup cannot fail.
		_ = p.checkGroup(from, end, a.metrics[mi], func() (aliasTarget, error) { return t, nil }, a.results, a.state, a.info)
		a.done[w.g] = true
	}
	w.g++
	return w.g < len(p.groupEnd)
}
