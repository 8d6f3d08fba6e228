package sqlstore_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/rathaus-egov/rathaus/internal/delivery"
	"github.com/rathaus-egov/rathaus/internal/jobs"
	"github.com/rathaus-egov/rathaus/internal/sqlstore"
	"github.com/rathaus-egov/rathaus/internal/testenv"
)

// TestUpgradeFromRelease7 builds a database as migration 7 left it — routing decisions one
// row each, one delivery job per delivery, message bytes in the delivery row — then applies
// the later migrations: the decisions become one JSON array per submission in their order
// (008), the job indexes are rebuilt per state and the old jobs can still be claimed (009),
// and the stored message still reads back byte for byte; the deliveries table loses the
// unique index on idempotency_key (010; rebuilt on SQLite) and keeps every delivery, attempt
// and inbox row, with no foreign key left dangling; PostgreSQL compresses new message
// bodies with lz4 (011). On both databases.
func TestUpgradeFromRelease7(t *testing.T) {
	run := func(t *testing.T, dsn string) {
		ctx := context.Background()
		db, err := sqlstore.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.MigrateTo(ctx, 7); err != nil {
			t.Fatal(err)
		}
		seedTenants(t, db)
		ts := sqlstore.FormatTime(t0)
		body := "<?xml version=\"1.0\"?>\n<nachricht>Gewerbeanzeige für die IHK – Umlaute äöü</nachricht>\n"
		exec := execer(t, db)
		insertBareSubmission(t, db, "s1")
		for i, k := range []struct{ kind, rule string }{{"ihk", "r-ihk"}, {"finanzamt", "r-fa"}, {"zoll", "r-zoll"}} {
			sel := 1
			if k.kind == "zoll" {
				sel = 0
			}
			exec(`INSERT INTO routing_decisions (submission_id, tenant_ags, kind, selected, rule, reason, rule_version, recipient_id, position, created_at)
				VALUES ('s1', '14612000', ?, ?, ?, 'Grund', 'v1', '', ?, ?)`, k.kind, sel, k.rule, 2-i, ts)
		}
		var rid string
		if err := db.QueryRow(ctx, `SELECT id FROM recipients ORDER BY id LIMIT 1`).Scan(&rid); err != nil {
			exec(`INSERT INTO recipients (id, kind, name, connector, created_at, updated_at) VALUES ('r1', 'ihk', 'IHK', 'inbox', ?, ?)`, ts, ts)
			rid = "r1"
		}
		exec(`INSERT INTO jobs (id, kind, tenant_ags, payload, state, run_at, attempts, max_attempts, unique_key, created_at, updated_at)
			VALUES ('j1', ?, '14612000', '{"delivery":"d1"}', 'queued', ?, 0, 1000, 'deliver:d1', ?, ?)`, sqlstore.JobDeliver, ts, ts, ts)
		exec(`INSERT INTO deliveries (id, submission_id, tenant_ags, office_ags, recipient_id, kind, connector, status, job_id, idempotency_key, message_uuid, window_start, content_type, body, body_sha256, created_at, updated_at)
			VALUES ('d1', 's1', '14612000', '14612000', ?, 'ihk', 'inbox', 'retrying', 'j1', 'k1', 'm1', ?, 'application/xml', ?, 'sha', ?, ?)`, rid, ts, body, ts, ts)

		exec(`INSERT INTO delivery_attempts (id, delivery_id, n, at, connector, outcome, error) VALUES ('a1', 'd1', 1, ?, 'inbox', 'failed', 'HTTP 503')`, ts)
		exec(`INSERT INTO deliveries (id, submission_id, tenant_ags, office_ags, recipient_id, kind, connector, status, job_id, idempotency_key, message_uuid, window_start, created_at, updated_at)
			VALUES ('d2', 's1', '14612000', '14612000', ?, 'finanzamt', 'inbox', 'offered', '', 'k2', 'm2', ?, ?, ?)`, otherRecipient(t, db, rid, ts), ts, ts, ts)
		exec(`INSERT INTO inbox (delivery_id, recipient_id, offered_at, fetches) VALUES ('d2', ?, ?, 3)`, rid, ts)

		if _, err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		var inboxFetches int
		if err := db.QueryRow(ctx, `SELECT fetches FROM inbox WHERE delivery_id = 'd2'`).Scan(&inboxFetches); err != nil || inboxFetches != 3 {
			t.Fatalf("inbox row after 010: %d %v", inboxFetches, err)
		}
		if as, err := db.Attempts(ctx, "d1"); err != nil || len(as) != 1 || as[0].Error != "HTTP 503" {
			t.Fatalf("attempts after 010: %+v %v", as, err)
		}
		if db.Dialect == sqlstore.SQLite {
			rows, err := db.Query(ctx, `PRAGMA foreign_key_check`)
			if err != nil {
				t.Fatal(err)
			}
			if rows.Next() {
				t.Error("a foreign key dangles after 010")
			}
			rows.Close()
		}
		// A delivery job reads its deliveries with their recipients in one query.
		todo, err := db.DeliveriesToSend(ctx, []string{"d1", "d2", "missing"}, "")
		if err != nil || len(todo) != 2 || todo["d1"].Recipient.ID != rid || todo["d1"].Delivery.Status != delivery.StatusRetrying ||
			todo["d2"].Recipient.ID == rid || todo["d2"].Recipient.Connector == "" || todo["d2"].Delivery.Kind != "finanzamt" {
			t.Fatalf("deliveries to send: %+v %v", todo, err)
		}
		if db.Dialect == sqlstore.Postgres {
			// 011: new message bodies are compressed with lz4 (Debian's server has it).
			var c string
			if err := db.QueryRow(ctx, `SELECT attcompression::text FROM pg_attribute WHERE attrelid = 'deliveries'::regclass AND attname = 'body'`).Scan(&c); err != nil || c != "l" {
				t.Errorf("deliveries.body compression %q %v, want l (lz4)", c, err)
			}
		}
		// The idempotency key is no longer an index of its own (the pair is unique).
		exec(`UPDATE deliveries SET idempotency_key = 'k1' WHERE id = 'd2'`)
		rs, err := db.RoutingOf(ctx, "s1")
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) != 3 || rs[0].Kind != "zoll" || rs[0].Selected || rs[1].Kind != "finanzamt" || !rs[2].Selected || rs[2].Rule != "r-ihk" || rs[2].Version != "v1" {
			t.Fatalf("routing after 008: %+v", rs)
		}
		d, err := db.GetDelivery(ctx, "d1")
		if err != nil {
			t.Fatal(err)
		}
		if string(d.Body) != body || d.ContentType != "application/xml" || d.Status != delivery.StatusRetrying {
			t.Fatalf("delivery after the upgrade: %q %s %s", d.Body, d.ContentType, d.Status)
		}
		q, err := db.QueueDepth(ctx)
		if err != nil || q[jobs.StateQueued] != 1 {
			t.Fatalf("queue after 009: %v %v", q, err)
		}
		claimed, err := db.ClaimJobs(ctx, "w", []string{sqlstore.JobDeliver}, t0.Add(1), t0.Add(60e9), 10)
		if err != nil || len(claimed) != 1 || claimed[0].ID != "j1" {
			t.Fatalf("claim after 009: %v %v", claimed, err)
		}
		var p sqlstore.DeliverPayload
		if err := json.Unmarshal(claimed[0].Payload, &p); err != nil || len(p.IDs()) != 1 || p.IDs()[0] != "d1" {
			t.Fatalf("old payload %s: %v", claimed[0].Payload, err)
		}
		// A new attempt on the upgraded schema records the message and counts from the old one.
		if err := db.RecordAttempt(ctx, "d1", sqlstore.AttemptResult{Status: delivery.StatusDelivered, ContentType: "application/xml", Body: []byte(body + "2"),
			Attempt: delivery.Attempt{At: t0, Connector: "http", Outcome: delivery.OutcomeDelivered, BodySHA256: "sha2"}}, t0); err != nil {
			t.Fatal(err)
		}
		if d, err := db.GetDelivery(ctx, "d1"); err != nil || string(d.Body) != body+"2" || d.Attempts != 1 || d.Status != delivery.StatusDelivered {
			t.Fatalf("after an attempt: %+v %v", d, err)
		}
		if as, err := db.Attempts(ctx, "d1"); err != nil || len(as) != 2 {
			t.Fatalf("attempts after a new one: %+v %v", as, err)
		}
	}
	t.Run("sqlite", func(t *testing.T) { run(t, filepath.Join(t.TempDir(), "old.db")) })
	t.Run("postgres", func(t *testing.T) { run(t, testenv.FreshPostgres(t)) })
}

// otherRecipient returns a recipient other than rid, creating one when needed (a delivery
// is unique per submission and recipient).
func otherRecipient(t *testing.T, db *sqlstore.DB, rid, ts string) string {
	t.Helper()
	var id string
	if err := db.QueryRow(context.Background(), `SELECT id FROM recipients WHERE id <> ? ORDER BY id LIMIT 1`, rid).Scan(&id); err == nil {
		return id
	}
	if _, err := db.Exec(context.Background(), `INSERT INTO recipients (id, kind, name, connector, created_at, updated_at) VALUES ('r2', 'finanzamt', 'Finanzamt', 'inbox', ?, ?)`, ts, ts); err != nil {
		t.Fatal(err)
	}
	return "r2"
}
