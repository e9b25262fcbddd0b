package ledger

import (
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Aggregation is how a metric turns a period's events into one quantity.
type Aggregation string

// The aggregations. "The value" of an event is its Property if the metric
// names one, else the event's Value.
const (
	AggCount       Aggregation = "count"        // number of events
	AggSum         Aggregation = "sum"          // sum of the values
	AggMax         Aggregation = "max"          // largest value
	AggUniqueCount Aggregation = "unique_count" // number of distinct values of Property (exact over the period)
	AggLatest      Aggregation = "latest"       // value of the latest event by timestamp (ties: larger id)
)

// Aggregations lists the valid aggregations.
var Aggregations = []Aggregation{AggCount, AggSum, AggMax, AggUniqueCount, AggLatest}

// Metric is something we meter.
type Metric struct {
	Code        string      `json:"code"`
	DisplayName string      `json:"display_name"`
	Unit        string      `json:"unit,omitempty"`
	Aggregation Aggregation `json:"aggregation"`
	// Property is the event property aggregated (required for
	// unique_count; optional for sum, max and latest, which otherwise use
	// the event's value).
	Property string `json:"property,omitempty"`
}

// Validate checks the metric.
func (m Metric) Validate() error {
	if err := validKey("metric code", m.Code); err != nil {
		return err
	}
	switch m.Aggregation {
	case AggCount, AggSum, AggMax, AggLatest:
	case AggUniqueCount:
		if m.Property == "" {
			return fmt.Errorf("%w: metric %s: unique_count needs the property whose distinct values are counted", ErrInvalid, m.Code)
		}
	default:
		return fmt.Errorf("%w: metric %s: aggregation %q is not one of %v", ErrInvalid, m.Code, m.Aggregation, Aggregations)
	}
	return nil
}

// AddMetric stores a new metric.
func (b *Book) AddMetric(m Metric) error {
	if m.DisplayName == "" {
		m.DisplayName = m.Code
	}
	if err := m.Validate(); err != nil {
		return err
	}
	return b.update(func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucketMetrics)
		if bk.Get([]byte(m.Code)) != nil {
			return fmt.Errorf("metric %s %w", m.Code, ErrExists)
		}
		if err := putJSON(bk, m.Code, m); err != nil {
			return err
		}
		v, _ := json.Marshal(m)
		return b.audit(tx, "metric.add", "metric "+m.Code, "", string(v))
	})
}

// Metrics lists every metric by code.
func (b *Book) Metrics() ([]Metric, error) {
	var out []Metric
	err := b.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMetrics).ForEach(func(_, v []byte) error {
			var m Metric
			if err := json.Unmarshal(v, &m); err != nil {
				return err
			}
			out = append(out, m)
			return nil
		})
	})
	return out, err
}

func getMetric(tx *bolt.Tx, code string) (Metric, bool) {
	var m Metric
	v := tx.Bucket(bucketMetrics).Get([]byte(code))
	if v == nil {
		return m, false
	}
	return m, json.Unmarshal(v, &m) == nil
}
