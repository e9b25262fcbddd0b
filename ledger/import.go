package ledger

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync/atomic"

	bolt "go.etcd.io/bbolt"
)

// Format is a file format for usage import.
type Format string

// The import formats.
const (
	FormatAuto  Format = ""      // by the file name, else by the first byte ('{' means JSONL)
	FormatJSONL Format = "jsonl" // one EventJSON per line; blank lines are skipped
	FormatCSV   Format = "csv"   // header row, then one event per row (see parse_csv.go)
)

// Source is one file to import.
type Source struct {
	Name   string    // for messages: the path, or "-" for standard input
	R      io.Reader //
	Size   int64     // bytes, if known (0 otherwise), for progress
	Format Format
}

// ImportOptions tune Import.
type ImportOptions struct {
	// BatchSize is the most events per transaction (default 250,000; see
	// docs/performance.md for how it was chosen). The parser hands the
	// writer smaller batches (parseBatch), which a transaction takes as they
	// come, so that writing starts early. Larger transactions ingest
	// faster; a crash loses at most the transaction in flight, which a rerun
	// then counts exactly once.
	BatchSize int
	// Progress, if set, is called after each committed transaction.
	Progress func(ImportProgress)
	// Reject, if set, is called for each rejected line.
	Reject func(Rejection)
}

// ImportProgress reports how far an import is.
type ImportProgress struct {
	File    string
	Lines   int   // lines (rows) read from this file so far
	Bytes   int64 // bytes read from this file so far
	Size    int64 // the file's size, 0 if unknown
	Summary       // over the whole import so far
}

// Rejection is a line that was not stored, and why.
type Rejection struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	ID     string `json:"id,omitempty"`
	Reason string `json:"reason"`
}

func (r Rejection) String() string { return fmt.Sprintf("%s:%d: %s", r.File, r.Line, r.Reason) }

type parsedBatch struct {
	events  []Event   // while parsing; nil once prepared
	prep    *prepared // events made ready for the writer, on the parsing goroutine; nil if none
	lines   []int
	rejects []Rejection
	bytes   int64
	lastLn  int
}

// Import streams the sources into the book in batched transactions and
// returns what happened to every event. Bad lines are rejected with their
// file, line and reason; the good lines around them are kept. If ctx is
// cancelled, Import stops after the batch in flight and returns ctx's error
// with the summary so far.
func (b *Book) Import(ctx context.Context, sources []Source, opts ImportOptions) (Summary, error) {
	if opts.BatchSize <= 0 {
		opts.BatchSize = 250000
	}
	var sum Summary
	for _, src := range sources {
		if err := b.importOne(ctx, src, opts, &sum); err != nil {
			return sum, err
		}
	}
	return sum, nil
}

func (b *Book) importOne(ctx context.Context, src Source, opts ImportOptions, sum *Summary) error {
	if b.readOnly {
		return fmt.Errorf("import %s: %w", src.Name, ErrReadOnly)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cr := &countingReader{r: src.R}
	br := bufio.NewReaderSize(cr, 1<<20)
	format := src.Format
	if format == FormatAuto {
		format = detectFormat(src.Name, br)
	}
	// A short queue: the parser, faster than the writer, keeps a few
	// batches ready and no more; fresh memory is dear (a page fault cost
	// ~14 µs on the project machine; docs/performance.md, "Memory is time").
	batches := make(chan parsedBatch, queuedBatches)
	parseErr := make(chan error, 1)
	learn := make(chan learned, 4) // the writer to the parser: see ahead.go
	// Parse on one goroutine while the other writes: two cores, two stages.
	go func() {
		defer close(batches)
		var err error
		switch format {
		case FormatCSV:
			err = parseCSVStream(ctx, br, src.Name, min(opts.BatchSize, parseBatch), cr, learn, batches)
		default:
			err = parseJSONLStream(ctx, br, src.Name, min(opts.BatchSize, parseBatch), cr, learn, batches)
		}
		parseErr <- err
	}()
	// The writer: a transaction takes batches as they come until it holds
	// opts.BatchSize events, then commits. The parser's batches stay small
	// (parseBatch, ramping up from firstBatch): the writer starts early,
	// what a batch needs only while it is applied is garbage once it is,
	// and the heap stays small (docs/performance.md, "Pass 1 ahead, small
	// batches in large transactions").
	for pb := range batches {
		err := ctx.Err()
		t := txImport{last: pb}
		if err == nil {
			t, err = b.importTx(ctx, pb, batches, src.Name, opts.BatchSize, opts.Reject != nil)
		}
		if err != nil {
			cancel()
			for range batches {
			}
			return fmt.Errorf("import %s (lines up to %d): %w", src.Name, t.last.lastLn, err)
		}
		sum.Merge(t.sum)
		for _, r := range t.rejected {
			opts.Reject(r)
		}
		if opts.Progress != nil {
			opts.Progress(ImportProgress{File: src.Name, Lines: t.last.lastLn, Bytes: t.last.bytes, Size: src.Size, Summary: *sum})
		}
	}
	if err := <-parseErr; err != nil {
		return fmt.Errorf("import %s: %w", src.Name, err)
	}
	return ctx.Err()
}

// txImport is what one transaction of an import did.
type txImport struct {
	sum      Summary
	rejected []Rejection // in line order, if asked for
	last     parsedBatch // the last batch it took
}

// importTx stores first and the batches after it in one transaction, until
// it holds limit events, the parser has no more or ctx ends. rejections
// says whether to collect the rejected lines.
func (b *Book) importTx(ctx context.Context, first parsedBatch, batches <-chan parsedBatch, file string, limit int, rejections bool) (txImport, error) {
	t := txImport{last: first}
	err := b.db.Update(func(tx *bolt.Tx) error {
		t = txImport{last: first}
		w := newWriter(b, tx)
		n := 0
		for pb, ok := first, true; ; {
			t.last = pb
			t.sum.Rejected += len(pb.rejects)
			var res []Result
			if pb.prep != nil {
				var err error
				if res, err = pb.prep.applyWith(w); err != nil {
					return err
				}
				for _, r := range res {
					t.sum.Add(r)
				}
				n += len(res)
			}
			if rejections {
				t.rejected = pb.appendRejections(t.rejected, file, res)
			}
			if n >= limit || ctx.Err() != nil {
				break
			}
			if pb, ok = <-batches; !ok {
				break // the parser has no more; the caller's loop ends too
			}
		}
		return w.flush()
	})
	return t, err
}

// appendRejections appends the batch's rejected lines to rej in line
// order: the parser's (pb.rejects) merged with the writer's, whose results
// res are in the batch's order.
func (pb *parsedBatch) appendRejections(rej []Rejection, file string, res []Result) []Rejection {
	var byWriter []Rejection
	if slices.ContainsFunc(res, func(r Result) bool { return r.Outcome == Rejected }) {
		for i, r := range pb.prep.byArrival(res) { // arrival order is line order
			if r.Outcome == Rejected {
				byWriter = append(byWriter, Rejection{File: file, Line: pb.lines[i], ID: r.ID, Reason: r.Reason})
			}
		}
	}
	parsed := pb.rejects
	for len(parsed) > 0 && len(byWriter) > 0 {
		if parsed[0].Line < byWriter[0].Line {
			rej, parsed = append(rej, parsed[0]), parsed[1:]
		} else {
			rej, byWriter = append(rej, byWriter[0]), byWriter[1:]
		}
	}
	return append(append(rej, parsed...), byWriter...)
}

func detectFormat(name string, br *bufio.Reader) Format {
	lower := strings.ToLower(name)
	switch {
	case strings.HasSuffix(lower, ".csv"):
		return FormatCSV
	case strings.HasSuffix(lower, ".jsonl"), strings.HasSuffix(lower, ".ndjson"), strings.HasSuffix(lower, ".json"):
		return FormatJSONL
	}
	p, _ := br.Peek(4096)
	if t := bytes.TrimSpace(p); len(t) > 0 && t[0] != '{' {
		return FormatCSV
	}
	return FormatJSONL
}

type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// maxLine bounds one JSON line; longer lines are rejected and skipped.
const maxLine = 1 << 20

// firstBatch is the size of an import's first batch; each next one is
// twice the last, up to ImportOptions.BatchSize. The writer waits for the
// first batch: at 250,000 events that was ~0.8 s of parsing with nothing
// to write.
const firstBatch = 16384

// parseBatch is the most events the parser hands the writer at a time; a
// transaction takes several (ImportOptions.BatchSize). Small enough that
// the batches in flight hold little memory (~40 MB each), large enough
// that a batch still groups a customer's events for the writer (prepared).
const parseBatch = 65536

// queuedBatches is how many parsed batches may wait for the writer: the
// parser goes on while the writer commits (~0.3 s a transaction).
const queuedBatches = 2

// batcher gathers parsed lines into batches for the writer.
type batcher struct {
	ctx         context.Context
	br          *bufio.Reader
	cr          *countingReader
	out         chan<- parsedBatch
	size, limit int // the largest batch, and the current one's
	pb          parsedBatch
	known       *knownAttribution // what the writer learned (ahead.go)
}

func newBatcher(ctx context.Context, br *bufio.Reader, cr *countingReader, size int, learn chan learned, out chan<- parsedBatch) *batcher {
	b := &batcher{ctx: ctx, br: br, cr: cr, out: out, size: size, limit: min(size, firstBatch),
		known: newKnownAttribution(learn)}
	b.pb = parsedBatch{events: make([]Event, 0, b.limit), lines: make([]int, 0, b.limit)}
	return b
}

// full reports whether the batch should go.
func (b *batcher) full() bool { return len(b.pb.events) >= b.limit || len(b.pb.rejects) >= b.limit }

// send prepares the batch and hands it to the writer; false if ctx ended.
func (b *batcher) send() bool {
	pb := &b.pb
	pb.bytes = b.cr.n.Load() - int64(b.br.Buffered())
	if len(pb.events) > 0 {
		pb.prep = prepare(pb.events)
		pb.events = nil // prepare made its own copy, in its order
		pb.prep.learn = b.known.ch
		// Pass 1 ahead while the writer has batches queued, a group at a
		// time: the batch goes as soon as the queue runs dry, so that the
		// writer never waits for work this goroutine could hand it
		// (ahead.go).
		if aw := pb.prep.startAhead(b.known); aw != nil {
			for len(b.out) > 0 && aw.step() {
			}
		}
	}
	select {
	case b.out <- *pb:
	case <-b.ctx.Done():
		return false
	}
	return b.sent(pb)
}

// sent starts the next batch after pb went to the writer.
func (b *batcher) sent(pb *parsedBatch) bool {
	b.limit = min(2*b.limit, b.size)
	b.pb = parsedBatch{events: make([]Event, 0, b.limit), lines: make([]int, 0, b.limit), lastLn: pb.lastLn}
	return true
}

func parseJSONLStream(ctx context.Context, br *bufio.Reader, name string, batchSize int, cr *countingReader, learn chan learned, out chan<- parsedBatch) error {
	bt := newBatcher(ctx, br, cr, batchSize, learn, out)
	pb := &bt.pb
	ep := newEventParser()
	var long []byte
	for n := 1; ; n++ {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// Longer than the buffer: gather it, up to maxLine.
			long = append(long[:0], line...)
			for errors.Is(err, bufio.ErrBufferFull) {
				line, err = br.ReadSlice('\n')
				if len(long) < maxLine+1 {
					long = append(long, line...)
				}
			}
			line = long
		}
		if err != nil && err != io.EOF {
			return err
		}
		if err == io.EOF && len(line) == 0 {
			break // the file ended with its last line's newline
		}
		pb.lastLn = n
		if t := bytes.TrimSpace(line); len(t) > 0 {
			if len(t) > maxLine {
				pb.rejects = append(pb.rejects, Rejection{File: name, Line: n, Reason: fmt.Sprintf("line longer than %d bytes", maxLine)})
			} else if e, perr := ep.parse(t); perr != nil {
				pb.rejects = append(pb.rejects, Rejection{File: name, Line: n, ID: e.ID, Reason: perr.Error()})
			} else {
				pb.events = append(pb.events, e)
				pb.lines = append(pb.lines, n)
			}
		}
		if err == io.EOF {
			break
		}
		if bt.full() {
			if !bt.send() {
				return ctx.Err()
			}
			pb = &bt.pb
		}
	}
	if len(pb.events) > 0 || len(pb.rejects) > 0 || pb.lastLn > 0 {
		bt.send()
	}
	return nil
}

func parseCSVStream(ctx context.Context, br *bufio.Reader, name string, batchSize int, cr *countingReader, learn chan learned, out chan<- parsedBatch) error {
	r := csv.NewReader(br)
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	header, err := r.Read()
	if err == io.EOF {
		return nil
	}
	if err != nil {
		return fmt.Errorf("header: %w", err)
	}
	h, err := ParseCSVHeader(header)
	if err != nil {
		return fmt.Errorf("line 1: %w", err)
	}
	bt := newBatcher(ctx, br, cr, batchSize, learn, out)
	pb := &bt.pb
	for {
		row, err := r.Read()
		if err == io.EOF {
			break
		}
		var pe *csv.ParseError
		switch {
		case errors.As(err, &pe):
			pb.rejects = append(pb.rejects, Rejection{File: name, Line: pe.StartLine, Reason: pe.Err.Error()})
			pb.lastLn = pe.Line
		case err != nil:
			return err
		default:
			line, _ := r.FieldPos(0)
			pb.lastLn = line
			if e, perr := h.Event(row); perr != nil {
				pb.rejects = append(pb.rejects, Rejection{File: name, Line: line, ID: e.ID, Reason: perr.Error()})
			} else {
				pb.events = append(pb.events, e)
				pb.lines = append(pb.lines, line)
			}
		}
		if bt.full() {
			if !bt.send() {
				return ctx.Err()
			}
			pb = &bt.pb
		}
	}
	bt.send()
	return nil
}
