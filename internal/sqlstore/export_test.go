package sqlstore

import "context"

// MigrateTo applies the migrations up to version (tests of upgrades).
func (db *DB) MigrateTo(ctx context.Context, version int) ([]int, error) {
	return db.migrateTo(ctx, version)
}
