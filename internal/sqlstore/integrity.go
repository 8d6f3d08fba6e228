package sqlstore

import (
	"context"
	"database/sql"
	"errors"
)

// Dangling is a reference the schema does not enforce on PostgreSQL (ADR 0007) that points
// nowhere: how many rows, and one of them.
type Dangling struct {
	Reference string // e.g. "deliveries.submission_id → submissions"
	Rows      int64
	Example   string // the id of one such row
}

// referenceChecks are the references without a foreign key on PostgreSQL (migration 012):
// rows of from (id: their key) for which dangling holds.
var referenceChecks = []struct{ name, from, id, dangling string }{
	{"deliveries.submission_id → submissions", "deliveries d", "d.id", "NOT EXISTS (SELECT 1 FROM submissions s WHERE s.id = d.submission_id)"},
	{"deliveries.recipient_id → recipients", "deliveries d", "d.id", "NOT EXISTS (SELECT 1 FROM recipients r WHERE r.id = d.recipient_id)"},
	{"delivery_attempts.delivery_id → deliveries", "delivery_attempts a", "a.id", "NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.id = a.delivery_id)"},
}

// CheckReferences returns the references that point nowhere among those PostgreSQL does not
// enforce (on SQLite the foreign keys do, and the result is empty unless they were switched
// off). `rathaus audit verify` fails on any.
func (db *DB) CheckReferences(ctx context.Context) ([]Dangling, error) {
	var out []Dangling
	for _, c := range referenceChecks {
		var n int64
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM `+c.from+` WHERE `+c.dangling).Scan(&n); err != nil {
			return nil, err
		}
		if n == 0 {
			continue
		}
		d := Dangling{Reference: c.name, Rows: n}
		if err := db.QueryRow(ctx, `SELECT `+c.id+` FROM `+c.from+` WHERE `+c.dangling+` ORDER BY `+c.id+` LIMIT 1`).Scan(&d.Example); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}
