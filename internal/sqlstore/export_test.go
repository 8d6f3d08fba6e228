package sqlstore

import (
	"context"
	"time"
)

// MigrateTo applies the migrations up to version (tests of upgrades).
func (db *DB) MigrateTo(ctx context.Context, version int) ([]int, error) {
	return db.migrateTo(ctx, version)
}

// NextReference hands out the next reference number inside tx (tests).
func NextReference(ctx context.Context, tx *Tx, ags, prefix string, year int) (int64, error) {
	return nextReference(ctx, tx, ags, prefix, year)
}

// RecordAttemptTx records an attempt inside tx as RecordAttempt does in its group (tests of
// several attempts in one transaction).
func RecordAttemptTx(ctx context.Context, tx *Tx, deliveryID string, res AttemptResult, now time.Time) error {
	return recordAttemptTx(ctx, tx, deliveryID, res, now)
}

// InTxCounting runs fn in a transaction whose BEGIN locks and reads the counters of ags (for
// prefix and year) and the directory version, as a group of submissions does (tests).
func (db *DB) InTxCounting(ctx context.Context, prefix string, year int, ags []string, fn func(tx *Tx) error) error {
	h := &txHints{directory: true}
	for _, a := range ags {
		h.counters = append(h.counters, counterKey{a, prefix, year})
	}
	return db.inTxRetried(ctx, h, fn)
}
