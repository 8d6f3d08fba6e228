package sqlstore_test

import (
	"context"
	"strings"
	"testing"

	"github.com/rathaus-egov/rathaus/internal/sqlstore"
)

// TestCheckReferences: the references of delivery rows are enforced by foreign keys on SQLite
// and, without them on PostgreSQL (ADR 0007), found by CheckReferences (audit verify).
func TestCheckReferences(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		if d, err := db.CheckReferences(ctx); err != nil || len(d) != 0 {
			t.Fatalf("fresh database: %+v %v", d, err)
		}
		ts := sqlstore.FormatTime(t0)
		_, err := db.Exec(ctx, `INSERT INTO deliveries (id, submission_id, tenant_ags, office_ags, recipient_id, kind, connector, status, idempotency_key, message_uuid, window_start, created_at, updated_at)
			VALUES ('d-orphan', 'no-such-submission', '14713000', '14713000', 'no-such-recipient', 'ihk', 'http', 'queued', 'k', 'u', ?, ?, ?)`, ts, ts, ts)
		if db.Dialect == sqlstore.SQLite {
			if err == nil || !strings.Contains(strings.ToLower(err.Error()), "foreign key") {
				t.Fatalf("SQLite accepted a delivery of no submission: %v", err)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(ctx, `INSERT INTO delivery_attempts (id, delivery_id, n, at, connector, outcome) VALUES ('a-orphan', 'no-such-delivery', 1, ?, 'http', 'delivered')`, ts); err != nil {
			t.Fatal(err)
		}
		d, err := db.CheckReferences(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []sqlstore.Dangling{
			{Reference: "deliveries.submission_id → submissions", Rows: 1, Example: "d-orphan"},
			{Reference: "deliveries.recipient_id → recipients", Rows: 1, Example: "d-orphan"},
			{Reference: "delivery_attempts.delivery_id → deliveries", Rows: 1, Example: "a-orphan"},
		}
		if len(d) != len(want) {
			t.Fatalf("dangling: %+v", d)
		}
		for i := range want {
			if d[i] != want[i] {
				t.Errorf("dangling %d: %+v, want %+v", i, d[i], want[i])
			}
		}
	})
}
