package ledger

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/shopspring/decimal"
	bolt "go.etcd.io/bbolt"

	"github.com/monthend/monthend/pricing"
)

// Event is one usage event as a sender sends it.
type Event struct {
	// ID is the sender's idempotency key: the same ID with the same content
	// is counted once; with different content it supersedes the earlier event.
	ID        string
	Customer  string // an alias of the customer
	Metric    string // a metric code
	Timestamp time.Time
	Value     decimal.Decimal // 1 if the sender gave none
	// Properties hold strings and numbers; numbers keep their literal text.
	Properties map[string]string
}

// StoredEvent is an event as the book keeps it.
type StoredEvent struct {
	Event
	CustomerID string       // "" while the alias maps to no customer (unattributed)
	Day        pricing.Date // the event's day in the customer's time zone
	Late       bool         // on or before the customer's IssuedThrough day when attributed
	Received   time.Time
	seq        uint64 // key in the events bucket
}

// Outcome is what ingestion did with one event.
type Outcome uint8

// The outcomes.
const (
	Accepted     Outcome = iota // new, counted for its customer
	Duplicate                   // same id and content as a stored event: not counted again
	Superseded                  // same id, new content: replaced the stored event
	Unattributed                // stored, but its alias maps to no customer yet
	Rejected                    // not stored; Reason says why
)

var outcomeNames = [...]string{"accepted", "duplicate", "superseded", "unattributed", "rejected"}

func (o Outcome) String() string { return outcomeNames[o] }

// UnmarshalText reads an outcome's name.
func (o *Outcome) UnmarshalText(b []byte) error {
	for i, n := range outcomeNames {
		if n == string(b) {
			*o = Outcome(i)
			return nil
		}
	}
	return fmt.Errorf("unknown outcome %q", b)
}

// MarshalText writes the outcome's name.
func (o Outcome) MarshalText() ([]byte, error) { return []byte(o.String()), nil }

// Result is the outcome of one event. A superseding event whose alias is
// unknown reports Superseded with Unattributed also set.
type Result struct {
	ID           string  `json:"id"`
	Outcome      Outcome `json:"result"`
	Unattributed bool    `json:"unattributed,omitempty"`
	Late         bool    `json:"late,omitempty"`
	Reason       string  `json:"reason,omitempty"`
}

// Summary counts outcomes.
type Summary struct {
	Accepted, Duplicates, Superseded, Unattributed, Rejected int
}

// Add counts r.
func (s *Summary) Add(r Result) {
	switch r.Outcome {
	case Accepted:
		s.Accepted++
	case Duplicate:
		s.Duplicates++
	case Superseded:
		s.Superseded++
	case Unattributed:
		s.Unattributed++
	case Rejected:
		s.Rejected++
	}
}

// Merge adds o's counts to s.
func (s *Summary) Merge(o Summary) {
	s.Accepted += o.Accepted
	s.Duplicates += o.Duplicates
	s.Superseded += o.Superseded
	s.Unattributed += o.Unattributed
	s.Rejected += o.Rejected
}

func (s Summary) String() string {
	return fmt.Sprintf("accepted %d, duplicates %d, superseded %d, unattributed %d, rejected %d",
		s.Accepted, s.Duplicates, s.Superseded, s.Unattributed, s.Rejected)
}

// Validate checks what every event needs, independent of the book.
func (e *Event) Validate() error {
	switch {
	case e.ID == "":
		return fmt.Errorf("%w: event has no id (the idempotency key is required)", ErrInvalid)
	case e.Customer == "":
		return fmt.Errorf("%w: event %s has no customer alias", ErrInvalid, e.ID)
	case e.Metric == "":
		return fmt.Errorf("%w: event %s has no metric", ErrInvalid, e.ID)
	case e.Timestamp.IsZero():
		return fmt.Errorf("%w: event %s has no timestamp", ErrInvalid, e.ID)
	}
	for _, s := range []string{e.ID, e.Customer, e.Metric} {
		if err := validKey("event field", s); err != nil {
			return err
		}
	}
	if y := e.Timestamp.Year(); y < 1970 || y > 2200 {
		return fmt.Errorf("%w: event %s: timestamp %s is outside the years 1970–2200", ErrInvalid, e.ID, e.Timestamp.Format(time.RFC3339))
	}
	if exp := e.Value.Exponent(); exp < -30 || exp > 30 || e.Value.NumDigits() > 40 {
		return fmt.Errorf("%w: event %s: value %.40s… has more precision or magnitude than usage needs", ErrInvalid, e.ID, e.Value.String())
	}
	if len(e.Properties) > 64 {
		return fmt.Errorf("%w: event %s has %d properties; at most 64", ErrInvalid, e.ID, len(e.Properties))
	}
	for k, v := range e.Properties {
		if len(k) > 200 || len(v) > 1000 {
			return fmt.Errorf("%w: event %s: property %.40q is too long (names up to 200 bytes, values up to 1,000)", ErrInvalid, e.ID, k)
		}
	}
	return nil
}

// Ingest stores a batch of events in one transaction and returns one result
// per event, in order. Each event's idempotency record, the event and its
// rollups are written together: if the transaction fails nothing of the
// batch is stored, and retrying the batch counts every event exactly once.
// Events repeated within the batch are treated as if sent one after another.
func (b *Book) Ingest(ctx context.Context, events []Event) ([]Result, error) {
	return b.ingest(ctx, events, false)
}

// IngestShared is Ingest for many concurrent callers, such as the HTTP
// server: batches that arrive while a commit is running share the next
// transaction and fsync (group commit, see groupCommit). Each caller's batch
// is still stored whole or not at all, and IngestShared returns only after
// the commit.
func (b *Book) IngestShared(ctx context.Context, events []Event) ([]Result, error) {
	return b.ingest(ctx, events, true)
}

func (b *Book) ingest(ctx context.Context, events []Event, shared bool) ([]Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p := prepare(events)
	var res []Result
	var err error
	switch {
	case b.readOnly:
		return nil, ErrReadOnly
	case shared:
		res, err = b.group.ingest(b, p)
	default:
		res, err = b.ingestPrepared(p)
	}
	if err != nil {
		return nil, err
	}
	return p.byArrival(res), nil
}

// ingestPrepared stores a prepared batch in a transaction of its own and
// returns the results in the batch's order.
func (b *Book) ingestPrepared(p *prepared) ([]Result, error) {
	if b.readOnly {
		return nil, ErrReadOnly
	}
	var results []Result
	err := b.db.Update(func(tx *bolt.Tx) error {
		var err error
		results, err = p.apply(b, tx)
		return err
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}

// groupCommit lets concurrent IngestShared callers share transactions
// without waiting for a timer (bbolt's DB.Batch waits up to 10 ms for a
// batch to fill): a caller that finds no commit running becomes the leader
// and stores everything queued in one transaction and one fsync; callers
// arriving meanwhile queue, and the leader hands over to the first of them
// when its round is done, so nobody commits for others for long. Each batch
// is applied whole or not at all: if a shared transaction fails, its batches
// are retried one transaction each, so one bad batch cannot fail the others.
type groupCommit struct {
	mu      sync.Mutex
	queue   []*groupCall
	running bool // a leader is committing or about to
}

type groupCall struct {
	p       *prepared
	results []Result
	err     error
	done    chan struct{} // closed when stored (or failed)
	lead    chan struct{} // the previous leader hands over
}

// maxGroupEvents bounds the events in one shared transaction.
const maxGroupEvents = 50000

func (g *groupCommit) ingest(b *Book, p *prepared) ([]Result, error) {
	c := &groupCall{p: p, done: make(chan struct{}), lead: make(chan struct{}, 1)}
	g.mu.Lock()
	g.queue = append(g.queue, c)
	if !g.running {
		g.running = true
		g.mu.Unlock()
		g.round(b)
	} else {
		g.mu.Unlock()
		select {
		case <-c.done:
		case <-c.lead:
			g.round(b)
		}
	}
	<-c.done
	return c.results, c.err
}

// round commits the queue's head (which holds the leader's own batch), then
// hands over to the next caller in the queue, if any.
func (g *groupCommit) round(b *Book) {
	g.mu.Lock()
	n, events := 0, 0
	for n < len(g.queue) && (n == 0 || events+len(g.queue[n].p.events) <= maxGroupEvents) {
		events += len(g.queue[n].p.events)
		n++
	}
	round := slices.Clone(g.queue[:n])
	g.queue = slices.Delete(g.queue, 0, n)
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		if len(g.queue) > 0 {
			g.queue[0].lead <- struct{}{}
		} else {
			g.running = false
		}
		g.mu.Unlock()
	}()
	g.commit(b, round)
}

// commit stores one round's batches and wakes their callers.
func (g *groupCommit) commit(b *Book, round []*groupCall) {
	defer func() {
		for _, c := range round {
			if c.results == nil && c.err == nil { // fn panicked
				c.err = errors.New("ingest aborted")
			}
			close(c.done)
		}
	}()
	if len(round) > 1 {
		err := b.db.Update(func(tx *bolt.Tx) error {
			// One writer for the round: each rollup touched by several
			// batches is read and written once, at one flush.
			w := newWriter(b, tx)
			for _, c := range round {
				var err error
				if c.results, err = c.p.applyWith(w); err != nil {
					return err
				}
			}
			return w.flush()
		})
		if err == nil {
			return
		}
		// Something in the round failed: nothing of it was stored. Find
		// out whose batch it was by storing each alone.
	}
	for _, c := range round {
		c.results, c.err = b.ingestPrepared(c.p)
	}
}

// lookupEvent finds the stored event with id through the idempotency index.
func lookupEvent(idx *idIndex, events *bolt.Bucket, id string, h [8]byte) (StoredEvent, bool, error) {
	seqs, err := idx.lookup(binary.BigEndian.Uint64(h[:]), nil)
	if err != nil {
		return StoredEvent{}, false, fmt.Errorf("event %q: %w", id, err)
	}
	return findEvent(seqs, func(seq uint64) (StoredEvent, error) { return readEvent(events, seq) }, id)
}

// findEvent finds the stored event with id among seqs, the events whose id
// has its hash; read reads an event by sequence number.
func findEvent(seqs []uint64, read func(seq uint64) (StoredEvent, error), id string) (StoredEvent, bool, error) {
	for _, seq := range seqs {
		se, err := read(seq)
		if err != nil {
			return se, false, err
		}
		if se.ID == id {
			return se, true, nil
		}
	}
	return StoredEvent{}, false, nil
}

// Event returns the stored event with id.
func (b *Book) Event(id string) (StoredEvent, error) {
	var e StoredEvent
	err := b.view(func(tx *bolt.Tx) error {
		var found bool
		var err error
		e, found, err = lookupEvent(newIDIndex(tx.Bucket(bucketIDRuns)), tx.Bucket(bucketEvents), id, idHash(id))
		if err == nil && !found {
			err = fmt.Errorf("event %q %w", id, ErrNotFound)
		}
		return err
	})
	return e, err
}
