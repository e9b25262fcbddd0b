package pricing

import (
	"github.com/shopspring/decimal"
)

// Reading is one answer the pricing core got from a Usage: the total of a
// metric over the days [From, To).
type Reading struct {
	Metric string          `json:"metric"`
	From   Date            `json:"from"`
	To     Date            `json:"to"`
	Value  decimal.Decimal `json:"value"`
}

// RecordingUsage passes questions to Usage and records each distinct
// answer, in the order first asked. What an invoice was priced from is
// then known exactly: the billing engine stores the readings with the
// invoice, and asks the same questions again later to tell whether the
// invoice is stale and which usage moved — without pricing it again.
type RecordingUsage struct {
	Usage    Usage
	Readings []Reading
}

// Total implements Usage.
func (r *RecordingUsage) Total(metric string, from, to Date) (decimal.Decimal, error) {
	v, err := r.Usage.Total(metric, from, to)
	if err != nil {
		return v, err
	}
	for _, old := range r.Readings {
		if old.Metric == metric && old.From.Equal(from) && old.To.Equal(to) {
			return v, nil
		}
	}
	r.Readings = append(r.Readings, Reading{Metric: metric, From: from, To: to, Value: v})
	return v, nil
}
