package ledger

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/monthend/monthend/pricing"
)

// ScheduleStatus is where a billing schedule is in its life.
type ScheduleStatus string

const (
	ScheduleDraft  ScheduleStatus = "draft"  // being prepared: no invoices
	ScheduleActive ScheduleStatus = "active" // billing
	ScheduleEnded  ScheduleStatus = "ended"  // no new invoices
)

// LatePolicy says what happens to usage that arrives for a period whose
// invoice is already issued.
type LatePolicy string

const (
	// LateAdjust bills it on the customer's next draft as a labelled
	// adjustment line, priced as the original period would have priced it.
	LateAdjust LatePolicy = "adjust"
	// LateReport only reports it (flagged on the issued invoice's period).
	LateReport LatePolicy = "report"
)

// ScheduleRecord is one version of a customer's billing schedule. Every
// import or edit of a schedule id writes a new version; invoices record the
// version they were priced from.
type ScheduleRecord struct {
	ID         string            `json:"id"`
	CustomerID string            `json:"customer_id"`
	Version    int               `json:"version"`
	Status     ScheduleStatus    `json:"status"`
	LatePolicy LatePolicy        `json:"late_usage"`
	Schedule   *pricing.Schedule `json:"schedule"`
	CreatedAt  time.Time         `json:"created_at"`
}

func scheduleKey(id string, version int) []byte {
	k := make([]byte, 0, len(id)+5)
	k = append(k, id...)
	k = append(k, 0)
	return binary.BigEndian.AppendUint32(k, uint32(version))
}

// SaveSchedule stores s as the next version of schedule id for customer.
// The schedule must be valid; the customer must exist and, once a schedule
// id exists, it stays with its customer.
func (b *Book) SaveSchedule(id, customerID string, status ScheduleStatus, late LatePolicy, s *pricing.Schedule) (ScheduleRecord, error) {
	if err := validKey("schedule id", id); err != nil {
		return ScheduleRecord{}, err
	}
	if err := s.Validate(); err != nil {
		return ScheduleRecord{}, fmt.Errorf("%w: schedule %s: %v", ErrInvalid, id, err)
	}
	switch status {
	case ScheduleDraft, ScheduleActive, ScheduleEnded:
	default:
		return ScheduleRecord{}, fmt.Errorf("%w: schedule status %q: use draft, active or ended", ErrInvalid, status)
	}
	if late == "" {
		late = LateAdjust
	}
	if late != LateAdjust && late != LateReport {
		return ScheduleRecord{}, fmt.Errorf("%w: late usage policy %q: use adjust or report", ErrInvalid, late)
	}
	var rec ScheduleRecord
	err := b.update(func(tx *bolt.Tx) error {
		var err error
		rec, err = b.saveSchedule(tx, id, customerID, status, late, s)
		return err
	})
	return rec, err
}

// saveSchedule is SaveSchedule inside tx, after its argument checks.
func (b *Book) saveSchedule(tx *bolt.Tx, id, customerID string, status ScheduleStatus, late LatePolicy, s *pricing.Schedule) (ScheduleRecord, error) {
	c, err := getCustomer(tx, customerID)
	if err != nil {
		return ScheduleRecord{}, err
	}
	if s.Currency != c.Currency {
		return ScheduleRecord{}, fmt.Errorf("%w: schedule %s bills in %s but customer %s is billed in %s", ErrInvalid, id, s.Currency, c.ID, c.Currency)
	}
	prev, found, err := latestSchedule(tx, id)
	if err != nil {
		return ScheduleRecord{}, err
	}
	before := ""
	if found {
		if prev.CustomerID != customerID {
			return ScheduleRecord{}, fmt.Errorf("%w: schedule %s belongs to customer %s, not %s", ErrInvalid, id, prev.CustomerID, customerID)
		}
		before = fmt.Sprintf("v%d %s", prev.Version, prev.Status)
	}
	rec := ScheduleRecord{ID: id, CustomerID: customerID, Version: prev.Version + 1, Status: status,
		LatePolicy: late, Schedule: s, CreatedAt: b.now().UTC()}
	v, err := json.Marshal(rec)
	if err != nil {
		return ScheduleRecord{}, err
	}
	if err := tx.Bucket(bucketSchedules).Put(scheduleKey(id, rec.Version), v); err != nil {
		return ScheduleRecord{}, err
	}
	// The customer's drafts of this schedule are priced from an older
	// version now (changes.go).
	if err := markChanged(tx, customerID, 0); err != nil {
		return ScheduleRecord{}, err
	}
	return rec, b.audit(tx, "schedule.save", "schedule "+id, before, fmt.Sprintf("v%d %s", rec.Version, rec.Status))
}

// latestSchedule reads the newest version of schedule id.
func latestSchedule(tx *bolt.Tx, id string) (ScheduleRecord, bool, error) {
	var rec ScheduleRecord
	prefix := append([]byte(id), 0)
	c := tx.Bucket(bucketSchedules).Cursor()
	k, v := c.Seek(scheduleKey(id, 1<<32-1))
	if k == nil || !bytes.HasPrefix(k, prefix) || len(k) != len(prefix)+4 {
		k, v = c.Prev()
	}
	if k == nil || !bytes.HasPrefix(k, prefix) || len(k) != len(prefix)+4 {
		return rec, false, nil
	}
	err := json.Unmarshal(v, &rec)
	return rec, err == nil, err
}

// Schedule returns version of schedule id (0: the newest).
func (b *Book) Schedule(id string, version int) (ScheduleRecord, error) {
	var rec ScheduleRecord
	err := b.view(func(tx *bolt.Tx) error {
		if version == 0 {
			r, found, err := latestSchedule(tx, id)
			if err != nil {
				return err
			}
			if !found {
				return fmt.Errorf("schedule %q %w (monthend schedules list shows them)", id, ErrNotFound)
			}
			rec = r
			return nil
		}
		v := tx.Bucket(bucketSchedules).Get(scheduleKey(id, version))
		if v == nil {
			return fmt.Errorf("schedule %q version %d %w", id, version, ErrNotFound)
		}
		return json.Unmarshal(v, &rec)
	})
	return rec, err
}

// Schedules returns the newest version of every schedule, by id.
func (b *Book) Schedules() ([]ScheduleRecord, error) {
	var out []ScheduleRecord
	err := b.view(func(tx *bolt.Tx) error {
		var err error
		out, err = latestSchedules(tx)
		return err
	})
	return out, err
}

func latestSchedules(tx *bolt.Tx) ([]ScheduleRecord, error) {
	var out []ScheduleRecord
	err := forLatestSchedules(tx, func(id string, version int, v []byte) error {
		var rec ScheduleRecord
		if err := json.Unmarshal(v, &rec); err != nil {
			return fmt.Errorf("schedule %s v%d: %w", id, version, err)
		}
		out = append(out, rec)
		return nil
	})
	return out, err
}

// forLatestSchedules calls fn with each schedule's id, newest version and
// that version's stored record (valid only inside tx), in id order.
func forLatestSchedules(tx *bolt.Tx, fn func(id string, version int, v []byte) error) error {
	var last, lastVal []byte
	var lastVersion int
	err := tx.Bucket(bucketSchedules).ForEach(func(k, v []byte) error {
		id := k[:len(k)-5]
		if last != nil && !bytes.Equal(id, last) {
			if err := fn(string(last), lastVersion, lastVal); err != nil {
				return err
			}
		}
		last, lastVal = append(last[:0], id...), v
		lastVersion = int(binary.BigEndian.Uint32(k[len(k)-4:]))
		return nil
	})
	if err != nil || last == nil {
		return err
	}
	return fn(string(last), lastVersion, lastVal)
}

// SetScheduleStatus stores the next version of schedule id with a new
// status (draft → active starts billing; active → ended stops it), the
// prices unchanged. Setting the status it has already changes nothing.
func (b *Book) SetScheduleStatus(id string, status ScheduleStatus) (ScheduleRecord, error) {
	switch status {
	case ScheduleDraft, ScheduleActive, ScheduleEnded:
	default:
		return ScheduleRecord{}, fmt.Errorf("%w: schedule status %q: use draft, active or ended", ErrInvalid, status)
	}
	var rec ScheduleRecord
	err := b.update(func(tx *bolt.Tx) error {
		cur, found, err := latestSchedule(tx, id)
		if err != nil {
			return err
		}
		if !found {
			return fmt.Errorf("schedule %q %w (monthend schedules list shows them)", id, ErrNotFound)
		}
		if cur.Status == status {
			rec = cur
			return nil
		}
		rec, err = b.saveSchedule(tx, id, cur.CustomerID, status, cur.LatePolicy, cur.Schedule)
		return err
	})
	return rec, err
}
