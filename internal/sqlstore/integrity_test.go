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

// TestIdempotencyKeysReadWithBegin: on PostgreSQL a group's BEGIN looks up the idempotency
// keys of its submissions in one query, and submitTx answers from it; a key read so must
// give exactly what is stored (on SQLite keys are read one by one, no lookup is made).
func TestIdempotencyKeysReadWithBegin(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		seedTenants(t, db)
		ts := sqlstore.FormatTime(t0)
		for _, row := range [][]any{{"token:a", "k1", "h1", "s1"}, {"token:b", "k1", "h2", "s2"}} {
			if _, err := db.Exec(ctx, `INSERT INTO submissions (id, tenant_ags, office_ags, office_id, leistung, form_id, form_version, art, reference, status, data, digest, warnings, display_name, user_id, token_id, organisation_id, gewerbebetrieb_id, office_snapshot, created_at, updated_at)
				VALUES (?, '14713000', '14713000', 'o', 'l', 'f', 1, '', ?, 'eingegangen', '{}', '', '[]', '', '', '', '', '', '{}', ?, ?)`, row[3], "R-"+row[3].(string), ts, ts); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec(ctx, `INSERT INTO idempotency_keys (principal, key, request_hash, submission_id, created_at) VALUES (?, ?, ?, ?, ?)`, append(row, ts)...); err != nil {
				t.Fatal(err)
			}
		}
		keys := [][2]string{{"token:a", "k1"}, {"token:b", "k1"}, {"token:a", "k2"}, {"token:a", "k1"}}
		got, err := db.IdemHinted(ctx, keys)
		if err != nil {
			t.Fatal(err)
		}
		want := map[[2]string]string{{"token:a", "k1"}: "h1/s1", {"token:b", "k1"}: "h2/s2", {"token:a", "k2"}: "-"}
		if db.Dialect == sqlstore.SQLite {
			want = map[[2]string]string{{"token:a", "k1"}: "", {"token:b", "k1"}: "", {"token:a", "k2"}: ""}
		}
		if len(got) != len(want) {
			t.Fatalf("got %v, want %v", got, want)
		}
		for k, w := range want {
			if got[k] != w {
				t.Errorf("%v: %q, want %q", k, got[k], w)
			}
		}
	})
}
