package sqlstore

import "context"

// MigrateTo applies the migrations up to version (tests of upgrades).
func (db *DB) MigrateTo(ctx context.Context, version int) ([]int, error) {
	return db.migrateTo(ctx, version)
}

// NextReference hands out the next reference number inside tx (tests).
func NextReference(ctx context.Context, tx *Tx, ags, prefix string, year int) (int64, error) {
	return nextReference(ctx, tx, ags, prefix, year)
}
