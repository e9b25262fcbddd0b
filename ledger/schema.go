package ledger

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// The buckets, one per kind of record. Keys are chosen for the scans we do;
// "|" below means a 0x00 separator byte, DAY is the civil day in the
// customer's time zone as a 4-byte big-endian YYYYMMDD number.
var (
	bucketMeta      = []byte("meta")      // "schema" → uint32 version
	bucketCustomers = []byte("customers") // customer id → Customer (JSON)
	bucketAliases   = []byte("aliases")   // alias → customer id
	bucketMetrics   = []byte("metrics")   // metric code → Metric (JSON)
	bucketEvents    = []byte("events")    // SEQ → a block of events from SEQ on, or one event (binary, eventstore.go), in arrival order
	bucketIDs       = []byte("ids")       // HASH → SEQ… : the idempotency index up to schema 8, dropped by the migration to 9
	bucketUsage     = []byte("usage")     // customer|metric|DAY|SEQ → nothing: the events of a day, for max and latest metrics
	bucketRollups   = []byte("rollups")   // customer|metric|DAY → rollup (binary, encoding.go): up to schema 10
	bucketUniques   = []byte("uniques")   // customer|metric|DAY|value → reference count (uvarint), for exact unique_count: up to schema 10
	bucketUnattrib  = []byte("unattributed")
	bucketAudit     = []byte("audit")   // 8-byte big-endian sequence → AuditRecord (JSON)
	bucketAPIKeys   = []byte("apikeys") // key id → APIKey (JSON, secret hashed)

	// The idempotency index as sorted runs (schema 9).
	bucketIDRuns = []byte("idruns") // RUN|kind|PART → a run's header, bloom filter or entries (idruns.go)

	// Rollups by month (schema 11, monthrecord.go).
	bucketRollupMonths = []byte("rollup_months")   // MONTH|customer|metric → the month's daily rollups and, mostly, their distinct values
	bucketDistinct     = []byte("distinct_values") // customer|metric|DAY|value → reference count (uvarint), for the month records that keep them apart

	// Billing (schema 2).
	bucketSchedules      = []byte("schedules")       // schedule id|4-byte version → ScheduleRecord (JSON)
	bucketInvoices       = []byte("invoices")        // invoice id (schedule id ":" period label) → Invoice (JSON)
	bucketInvoicePeriods = []byte("invoice_periods") // period label|invoice id → invoiceSummary (binary, summary.go; schema 5, nothing before): invoices by period
	bucketInvoiceNumbers = []byte("invoice_numbers") // invoice number → invoice id

	// Saved views (schema 3).
	bucketViews = []byte("views") // view name → View (JSON)

	// The outbox (schema 4).
	bucketOutbox          = []byte("outbox")            // 8-byte sequence → OutboxItem (JSON)
	bucketOutboxByInvoice = []byte("outbox_by_invoice") // invoice id → sequence of its latest item

	// Credit notes (schema 5).
	bucketCreditNotes = []byte("credit_notes") // credit note number → CreditNote (JSON)

	// Products and quotes (schema 6).
	bucketProducts  = []byte("products")   // product id → Product (JSON)
	bucketQuotes    = []byte("quotes")     // quote id|4-byte version → Quote (JSON)
	bucketQuoteDocs = []byte("quote_docs") // quote id|4-byte version → the signed PDF's bytes

	// Telling current drafts from stale ones without pricing them (schema 7).
	bucketChanges = []byte("changes") // customer id → change record: the counter, and per month of usage the counter at its last change (binary, changes.go)
)

// unattributed: alias|SEQ → nothing.
//
// SEQ is the event's 8-byte big-endian sequence number from the events
// bucket, so new events append to the tree instead of landing at random
// places (random inserts are what makes bbolt slow: each commit rewrites
// every leaf page touched); since schema 8 the writer stores its new events
// in blocks of up to 256 under the first one's SEQ (eventstore.go). HASH is
// the first 8 bytes of SHA-256 of the event id. Since schema 10 the
// idempotency index holds a (HASH, SEQ) entry per event in sorted runs, a run
// added per write transaction and merged as they grow (idruns.go), so a new
// event costs no random insert into a bbolt tree; up to schema 9 it was the
// ids bucket, HASH → SEQ… A lookup reads every SEQ filed under the hash
// (almost always one) and compares the stored id. A correction overwrites
// its event in place, keeping its SEQ.
//
// The usage index (events by customer, metric and day) is kept only for max
// and latest metrics, the aggregations that cannot undo a correction
// arithmetically and must rescan the day; count and sum subtract, and
// unique_count keeps reference counts.

// schemaVersion is the version this code writes. Each migration moves a book
// from version i to i+1 and runs in its own transaction at Open.
const schemaVersion = 11

var migrations = []func(tx *bolt.Tx) error{
	// 0 → 1: the first layout.
	func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketCustomers, bucketAliases, bucketMetrics, bucketEvents, bucketIDs,
			bucketUsage, bucketRollups, bucketUniques, bucketUnattrib, bucketAudit, bucketAPIKeys} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		return nil
	},
	// 1 → 2: billing schedules and invoices.
	func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketSchedules, bucketInvoices, bucketInvoicePeriods, bucketInvoiceNumbers} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		return nil
	},
	// 2 → 3: saved views, with the defaults.
	func(tx *bolt.Tx) error {
		bk, err := tx.CreateBucketIfNotExists(bucketViews)
		if err != nil {
			return err
		}
		for _, v := range DefaultViews() {
			data, err := json.Marshal(v)
			if err != nil {
				return err
			}
			if err := bk.Put([]byte(v.Name), data); err != nil {
				return err
			}
		}
		return nil
	},
	// 3 → 4: the outbox.
	func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketOutbox, bucketOutboxByInvoice} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		return nil
	},
	// 4 → 5: credit notes. Self-contained and idempotent, so it can be
	// renumbered when branches merge.
	func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucketCreditNotes)
		return err
	},
	// 5 → 6: the product catalog and quotes. Self-contained and idempotent,
	// so it can be renumbered when branches merge.
	func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketProducts, bucketQuotes, bucketQuoteDocs} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		return nil
	},
	// 6 → 7: a summary of every invoice in the period index, and the
	// customers' change marks. No draft is known current yet (Checked 0):
	// listings check each the slow way until the next recalc marks it.
	func(tx *bolt.Tx) error {
		if _, err := tx.CreateBucketIfNotExists(bucketChanges); err != nil {
			return err
		}
		return tx.Bucket(bucketInvoices).ForEach(func(k, v []byte) error {
			var inv Invoice
			if err := json.Unmarshal(v, &inv); err != nil {
				return fmt.Errorf("invoice %s: %w", k, err)
			}
			s := summaryOf(&inv, freshness{})
			return putSummary(tx, &s)
		})
	},
	// 7 → 8: events in blocks (eventstore.go). Nothing is rewritten: a
	// value of one event, all a schema-7 book holds, is a valid entry of
	// the new layout (format 1), read and corrected in place as before;
	// new events go into blocks. Rewriting the events of a 20M-event book
	// in one transaction would take minutes and gigabytes for no gain. The
	// version still moves so that an older monthend, which would misread a
	// block, refuses the book (ErrNewerSchema).
	func(tx *bolt.Tx) error { return nil },
	// 8 → 9: the period index rewritten with full pages, in key order
	// (compactPeriodIndex).
	compactPeriodIndex,
	// 9 → 10: the idempotency index as sorted runs (idruns.go). The ids
	// bucket is already in hash order, so one scan writes it as one run.
	migrateIDsToRuns,
	// 10 → 11: rollups and distinct values as month records
	// (monthrecord.go).
	foldRollupsIntoMonths,
}

// periodIndexFill is how full the period index's pages are kept when they
// split. Its keys mostly arrive in order (a new period's drafts sort after
// every older period's), and bbolt's default of one half left a month's
// summaries on twice the pages a listing must read; 0.9 leaves room for a
// draft's summary to grow when it is issued.
const periodIndexFill = 0.9

// compactPeriodIndex rewrites the period index in key order on full pages.
// A listing of a period reads its summaries in one scan, and on a big book
// each page is a page fault of its own (~15 µs on the project's VM): on the
// 20M-event demo book the rewrite halved the pages (4,286 → 2,107) and took
// a listing of 3,536 invoices from ~108 to ~78 ms (docs/performance.md). It
// holds the index in memory for the rewrite: ~10 MB for 55,000 invoices.
func compactPeriodIndex(tx *bolt.Tx) error {
	var keys, values [][]byte
	err := tx.Bucket(bucketInvoicePeriods).ForEach(func(k, v []byte) error {
		keys, values = append(keys, bytes.Clone(k)), append(values, bytes.Clone(v))
		return nil
	})
	if err != nil {
		return err
	}
	if err := tx.DeleteBucket(bucketInvoicePeriods); err != nil {
		return err
	}
	bk, err := tx.CreateBucket(bucketInvoicePeriods)
	if err != nil {
		return err
	}
	bk.FillPercent = periodIndexFill
	for i := range keys {
		if err := bk.Put(keys[i], values[i]); err != nil {
			return err
		}
	}
	return nil
}

func readVersion(tx *bolt.Tx) uint32 {
	m := tx.Bucket(bucketMeta)
	if m == nil {
		return 0
	}
	v := m.Get([]byte("schema"))
	if len(v) != 4 {
		return 0
	}
	return binary.BigEndian.Uint32(v)
}

// migrate brings the book to schemaVersion.
func (b *Book) migrate() error {
	for {
		var done bool
		err := b.db.Update(func(tx *bolt.Tx) error {
			v := readVersion(tx)
			if v > schemaVersion {
				return fmt.Errorf("%w (schema %d, this monthend knows %d): upgrade monthend", ErrNewerSchema, v, schemaVersion)
			}
			if v == schemaVersion {
				done = true
				return nil
			}
			if err := migrations[v](tx); err != nil {
				return fmt.Errorf("migrate book from schema %d: %w", v, err)
			}
			m, err := tx.CreateBucketIfNotExists(bucketMeta)
			if err != nil {
				return err
			}
			var buf [4]byte
			binary.BigEndian.PutUint32(buf[:], v+1)
			if err := m.Put([]byte("schema"), buf[:]); err != nil {
				return err
			}
			return writeAudit(tx, b.now(), b.actor, "migrate", "book", fmt.Sprintf("schema %d", v), fmt.Sprintf("schema %d", v+1))
		})
		if err != nil || done {
			return err
		}
	}
}

// checkSchema refuses a read-only open of a book this code cannot read.
func (b *Book) checkSchema() error {
	return b.db.View(func(tx *bolt.Tx) error {
		v := readVersion(tx)
		switch {
		case v > schemaVersion:
			return fmt.Errorf("%w (schema %d, this monthend knows %d): upgrade monthend", ErrNewerSchema, v, schemaVersion)
		case v < schemaVersion:
			return fmt.Errorf("%w: book %s has schema %d; open it once without --read-only to migrate it to %d", ErrOlderSchema, b.path, v, schemaVersion)
		}
		return nil
	})
}
