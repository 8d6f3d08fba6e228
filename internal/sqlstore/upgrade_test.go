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
// and the stored message still reads back byte for byte. On both databases.
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
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := db.Exec(ctx, q, args...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		exec(`INSERT INTO submissions (id, tenant_ags, office_ags, office_id, leistung, form_id, form_version, reference, status, data, digest, created_at, updated_at)
			VALUES ('s1', '14612000', '14612000', 'o1', 'L', 'gewerbe-anmeldung', 1, 'GEW-14612000-2026-000001', 'eingegangen', '{}', 'd', ?, ?)`, ts, ts)
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

		if _, err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
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
	}
	t.Run("sqlite", func(t *testing.T) { run(t, filepath.Join(t.TempDir(), "old.db")) })
	t.Run("postgres", func(t *testing.T) { run(t, testenv.FreshPostgres(t)) })
}
