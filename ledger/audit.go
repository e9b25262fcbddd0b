package ledger

import (
	"encoding/binary"
	"encoding/json"
	"time"

	bolt "go.etcd.io/bbolt"
)

// AuditRecord is one entry of the audit trail: who changed what, when, and a
// summary of the state before and after. Every state change writes one in
// the same transaction as the change itself.
type AuditRecord struct {
	Seq     uint64    `json:"seq"`
	At      time.Time `json:"at"`
	Actor   string    `json:"actor"`
	Action  string    `json:"action"`  // e.g. "customer.add", "usage.ingest", "usage.supersede"
	Subject string    `json:"subject"` // the record changed: "customer acme", "event e-17"
	Before  string    `json:"before,omitempty"`
	After   string    `json:"after,omitempty"`
}

func writeAudit(tx *bolt.Tx, at time.Time, actor, action, subject, before, after string) error {
	bk := tx.Bucket(bucketAudit)
	seq, err := bk.NextSequence()
	if err != nil {
		return err
	}
	rec := AuditRecord{Seq: seq, At: at.UTC(), Actor: actor, Action: action, Subject: subject, Before: before, After: after}
	v, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], seq)
	return bk.Put(k[:], v)
}

func (b *Book) audit(tx *bolt.Tx, action, subject, before, after string) error {
	return writeAudit(tx, b.now(), b.actor, action, subject, before, after)
}

// Audit returns the audit trail, oldest first, optionally only the last n
// records (n ≤ 0: all).
func (b *Book) Audit(n int) ([]AuditRecord, error) {
	var out []AuditRecord
	err := b.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketAudit).Cursor()
		for k, v := c.Last(); k != nil && (n <= 0 || len(out) < n); k, v = c.Prev() {
			var r AuditRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return err
			}
			out = append(out, r)
		}
		return nil
	})
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, err
}
