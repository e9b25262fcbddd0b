package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/monthend/monthend/ledger"
)

// job is a bulk action running in the background: a recalculation, an
// issue or a send. The worker goroutine counts progress in atomics; the
// root model redraws from them on a 10-per-second tick (View runs after
// every message, so progress is throttled rather than sent per invoice).
// Cancelling stops it between invoices (or recalc batches): every invoice
// is written in its own transaction, so nothing is left half-done.
type job struct {
	id     int
	title  string // "recalc 2026-10", "issue 3 invoices"
	cancel context.CancelFunc
	done   atomic.Int64
	total  atomic.Int64
	result chan jobResult
	// live: the grid reloads about once a second while the job runs, so
	// results show as they are committed (recalc); ticks and shownDone
	// belong to the root model's goroutine.
	live      bool
	ticks     int
	shownDone int64
}

// reloadDue reports, on a tick, whether a live job committed more since
// the grid last reloaded (at most once a second).
func (j *job) reloadDue() bool {
	j.ticks++
	if !j.live || j.ticks%10 != 0 {
		return false
	}
	done := j.done.Load()
	if done == j.shownDone {
		return false
	}
	j.shownDone = done
	return true
}

// jobResult is what a finished job reports: a one-line summary for the
// status bar and, for bulk actions, one line per invoice.
type jobResult struct {
	summary   string
	tone      Tone
	details   []string
	cancelled bool
}

type jobTickMsg struct{ id int }
type jobDoneMsg struct {
	id  int
	res jobResult
}

// progressEvery is how often a running job's progress is redrawn.
const progressEvery = 100 * time.Millisecond

// startJob runs work in a goroutine and returns the job and the commands
// that report on it.
func startJob(id int, title string, total int, work func(ctx context.Context, j *job) jobResult) (*job, tea.Cmd) {
	ctx, cancel := context.WithCancel(context.Background())
	j := &job{id: id, title: title, cancel: cancel, result: make(chan jobResult, 1)}
	j.total.Store(int64(total))
	go func() {
		defer cancel()
		j.result <- work(ctx, j)
	}()
	return j, tea.Batch(j.wait(), j.tick())
}

func (j *job) wait() tea.Cmd {
	return func() tea.Msg { return jobDoneMsg{id: j.id, res: <-j.result} }
}

func (j *job) tick() tea.Cmd {
	return tea.Tick(progressEvery, func(time.Time) tea.Msg { return jobTickMsg{id: j.id} })
}

// recalcWork recalculates period label: every active schedule (ids nil) or
// only the given schedules.
func recalcWork(book *ledger.Book, label string, scheduleIDs []string) func(context.Context, *job) jobResult {
	return func(ctx context.Context, j *job) jobResult {
		progress := func(done, total int) {
			j.total.Store(int64(total))
			j.done.Store(int64(done))
		}
		var results []ledger.RecalcResult
		var err error
		if scheduleIDs == nil {
			results, err = book.Recalc(ctx, label, progress)
		} else {
			results, err = book.RecalcSchedules(ctx, label, scheduleIDs, progress)
		}
		counts := map[ledger.RecalcOutcome]int{}
		var details []string
		for _, r := range results {
			counts[r.Outcome]++
			switch r.Outcome {
			case ledger.RecalcUpdated:
				details = append(details, fmt.Sprintf("%s  %s → %s %s", r.ID, r.Before.StringFixed(2), r.After.StringFixed(2), r.Currency))
			case ledger.RecalcCreated:
				details = append(details, fmt.Sprintf("%s  new draft %s %s", r.ID, r.After.StringFixed(2), r.Currency))
			case ledger.RecalcFailed:
				details = append(details, fmt.Sprintf("%s  failed: %s", r.ID, r.Reason))
			}
		}
		sum := fmt.Sprintf("recalc %s: %d created, %d updated, %d unchanged, %d issued (untouched), %d failed", label,
			counts[ledger.RecalcCreated], counts[ledger.RecalcUpdated], counts[ledger.RecalcUnchanged],
			counts[ledger.RecalcSkipped], counts[ledger.RecalcFailed])
		res := jobResult{summary: sum, tone: TonePositive, details: details}
		if counts[ledger.RecalcFailed] > 0 {
			res.tone = ToneWarn
		}
		switch {
		case errors.Is(err, context.Canceled):
			res.cancelled = true
			res.summary = fmt.Sprintf("recalc %s cancelled after %d of %d invoices; what was written is whole", label, j.done.Load(), j.total.Load())
			res.tone = ToneWarn
		case err != nil:
			res.summary, res.tone = fmt.Sprintf("recalc %s: %v", label, err), ToneNegative
		}
		return res
	}
}

// bulkChunk is how many invoices a bulk issue or send hands the book at a
// time: enough for the book to commit them together (a commit per invoice
// cost ~20 ms on a big book), few enough that progress moves and a cancel
// stops within a fraction of a second.
const bulkChunk = 32

// bulkEach hands ids to do a chunk at a time. do returns how many of the
// ids it was given it handled before an error; the id that failed goes to
// failed and the rest of its chunk goes on. It stops between chunks once
// ctx is cancelled, and reports whether it did.
func bulkEach(ctx context.Context, j *job, ids []string, do func(ids []string) (int, error), failed func(id string, err error)) (cancelled bool) {
	for len(ids) > 0 {
		if ctx.Err() != nil {
			return true
		}
		chunk := ids[:min(len(ids), bulkChunk)]
		ids = ids[len(chunk):]
		for rest := chunk; len(rest) > 0; {
			n, err := do(rest)
			rest = rest[min(n, len(rest)):]
			if err == nil || len(rest) == 0 {
				break
			}
			failed(rest[0], err)
			rest = rest[1:]
		}
		j.done.Add(int64(len(chunk)))
	}
	return false
}

// issueWork issues drafts a chunk at a time, so a cancel stops between
// chunks and every result is reported.
func issueWork(book *ledger.Book, ids []string) func(context.Context, *job) jobResult {
	return func(ctx context.Context, j *job) jobResult {
		var issued, refused int
		var details []string
		issue := func(ids []string) (int, error) {
			res, err := book.Issue(ids)
			for _, r := range res {
				if r.Issued {
					issued++
					details = append(details, fmt.Sprintf("%s  issued %s", r.ID, r.Number))
				} else {
					refused++
					details = append(details, fmt.Sprintf("%s  not issued: %s", r.ID, r.Reason))
				}
			}
			return len(res), err
		}
		failed := func(id string, err error) {
			refused++
			details = append(details, fmt.Sprintf("%s  failed: %v", id, err))
		}
		if bulkEach(ctx, j, ids, issue, failed) {
			return jobResult{summary: fmt.Sprintf("issue cancelled after %d of %d: %d issued, %d refused", j.done.Load(), len(ids), issued, refused),
				tone: ToneWarn, details: details, cancelled: true}
		}
		tone := TonePositive
		if refused > 0 {
			tone = ToneWarn
		}
		return jobResult{summary: fmt.Sprintf("issued %d of %d invoices; %d refused", issued, len(ids), refused), tone: tone, details: details}
	}
}

// sendWork queues issued invoices in the outbox, then delivers what is due
// when mail settings exist.
func sendWork(book *ledger.Book, ids []string, deliver func(context.Context) (ledger.DeliverSummary, error)) func(context.Context, *job) jobResult {
	return func(ctx context.Context, j *job) jobResult {
		var queued, refused int
		var details []string
		queue := func(ids []string) (int, error) {
			res, err := book.QueueSend(ids)
			for i, r := range res {
				if r.Queued {
					queued++
					details = append(details, fmt.Sprintf("%s  queued", ids[i]))
				} else {
					refused++
					details = append(details, fmt.Sprintf("%s  not queued: %s", ids[i], r.Reason))
				}
			}
			return len(res), err
		}
		failed := func(id string, err error) {
			refused++
			details = append(details, fmt.Sprintf("%s  failed: %v", id, err))
		}
		if bulkEach(ctx, j, ids, queue, failed) {
			return jobResult{summary: fmt.Sprintf("send cancelled after %d of %d: %d queued", j.done.Load(), len(ids), queued),
				tone: ToneWarn, details: details, cancelled: true}
		}
		sum := fmt.Sprintf("queued %d of %d invoices in the outbox", queued, len(ids))
		tone := TonePositive
		if refused > 0 {
			sum += fmt.Sprintf("; %d not queued", refused)
			tone = ToneWarn
		}
		if deliver == nil {
			sum += " (no mail settings: delivery waits — see docs/delivery.md)"
			return jobResult{summary: sum, tone: tone, details: details}
		}
		ds, err := deliver(ctx)
		if err != nil {
			return jobResult{summary: sum + "; delivery stopped: " + err.Error(), tone: ToneNegative, details: details}
		}
		sum += fmt.Sprintf("; delivered %d, %d retrying, %d failed", ds.Sent, ds.Retrying, ds.Failed)
		if ds.Retrying+ds.Failed > 0 {
			tone = ToneWarn
		}
		return jobResult{summary: sum, tone: tone, details: details}
	}
}

// progressLine draws a running job: title, a bar, the count, how to cancel.
func progressLine(th *Theme, j *job, width int) string {
	done, total := j.done.Load(), j.total.Load()
	label := fmt.Sprintf(" %s  %d/%d  esc cancel", j.title, done, total)
	barW := max(min(width-len([]rune(label))-2, 40), 10)
	filled := 0
	if total > 0 {
		filled = int(done * int64(barW) / total)
	}
	bar := th.Tone(TonePositive).Render(strings.Repeat("█", filled)) + th.Tone(ToneMuted).Render(strings.Repeat("░", barW-filled))
	return truncateLine(bar+label, width)
}
