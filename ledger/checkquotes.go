package ledger

import (
	"encoding/binary"
	"encoding/json"

	bolt "go.etcd.io/bbolt"
)

// checkQuotes verifies the catalog and the quotes:
//   - every product decodes, is stored under its id and is valid;
//   - every quote version decodes, is stored under its id and version, and
//     its content is valid; each quote's versions run 1…n;
//   - only a quote's newest version is signed or executed;
//   - an executed quote names a schedule that exists and bills the quote's
//     customer, who exists;
//   - a signed PDF is stored exactly for the versions that say they have
//     one, with the size they record.
func checkQuotes(tx *bolt.Tx, breach func(string, ...any)) {
	tx.Bucket(bucketProducts).ForEach(func(k, v []byte) error {
		var p Product
		if err := json.Unmarshal(v, &p); err != nil {
			breach("product %s: %v", k, err)
			return nil
		}
		if p.ID != string(k) {
			breach("product stored under %s has id %s", k, p.ID)
		}
		if err := p.Validate(); err != nil {
			breach("product %s: %v", k, err)
		}
		return nil
	})
	versions := map[string]int{}
	var all []Quote
	tx.Bucket(bucketQuotes).ForEach(func(k, v []byte) error {
		var q Quote
		if err := json.Unmarshal(v, &q); err != nil {
			breach("quote record %q: %v", k, err)
			return nil
		}
		if string(quoteKey(q.ID, q.Version)) != string(k) {
			breach("quote %s v%d is stored under another key (%q)", q.ID, q.Version, k)
		}
		if q.Version != versions[q.ID]+1 {
			breach("quote %s: version %d follows %d", q.ID, q.Version, versions[q.ID])
		}
		versions[q.ID] = q.Version
		if err := q.validate(); err != nil {
			breach("quote %s v%d: %v", q.ID, q.Version, err)
		}
		all = append(all, q)
		return nil
	})
	for _, q := range all {
		newest := versions[q.ID] == q.Version
		if !newest && (q.Status == QuoteSigned || q.Status == QuoteExecuted) {
			breach("quote %s v%d is %s but v%d is newer", q.ID, q.Version, q.Status, versions[q.ID])
		}
		if q.Status == QuoteExecuted {
			rec, found, err := latestSchedule(tx, q.ScheduleID)
			switch {
			case err != nil || !found:
				breach("executed quote %s names schedule %q, which does not exist", q.ID, q.ScheduleID)
			case rec.CustomerID != q.CustomerID:
				breach("executed quote %s is for customer %s but schedule %s bills %s", q.ID, q.CustomerID, q.ScheduleID, rec.CustomerID)
			}
			if tx.Bucket(bucketCustomers).Get([]byte(q.CustomerID)) == nil {
				breach("executed quote %s names customer %q, which does not exist", q.ID, q.CustomerID)
			}
		}
		doc := tx.Bucket(bucketQuoteDocs).Get(quoteKey(q.ID, q.Version))
		if len(doc) != q.SignedPDFBytes {
			breach("quote %s v%d records a signed PDF of %d bytes; %d are stored", q.ID, q.Version, q.SignedPDFBytes, len(doc))
		}
	}
	tx.Bucket(bucketQuoteDocs).ForEach(func(k, _ []byte) error {
		if len(k) < 5 {
			breach("quote document under a short key %q", k)
			return nil
		}
		id, v := string(k[:len(k)-5]), int(binary.BigEndian.Uint32(k[len(k)-4:]))
		if versions[id] < v {
			breach("a signed PDF is stored for quote %s v%d, which does not exist", id, v)
		}
		return nil
	})
}
