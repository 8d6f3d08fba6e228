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

// IdemHinted begins a transaction whose BEGIN looks up the idempotency keys (principal, key
// pairs), as a group of keyed submissions does, and reports what the transaction holds for
// each: "" when the lookup was not made (SQLite), "-" when no key is stored, else
// "request hash/submission id" (tests).
func (db *DB) IdemHinted(ctx context.Context, keys [][2]string) (map[[2]string]string, error) {
	h := &txHints{}
	for _, k := range keys {
		h.idem = append(h.idem, idemKey{k[0], k[1]})
	}
	out := map[[2]string]string{}
	err := db.inTxRetried(ctx, h, func(tx *Tx) error {
		for _, k := range keys {
			hit, ok := tx.idem[idemKey{k[0], k[1]}]
			switch {
			case !ok:
				out[k] = ""
			case hit == nil:
				out[k] = "-"
			default:
				out[k] = hit.requestHash + "/" + hit.submissionID
			}
		}
		return nil
	})
	return out, err
}
