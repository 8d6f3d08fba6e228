package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rathaus-egov/rathaus/internal/apperr"
	"github.com/rathaus-egov/rathaus/internal/audit"
	"github.com/rathaus-egov/rathaus/internal/delivery"
	"github.com/rathaus-egov/rathaus/internal/identity"
	"github.com/rathaus-egov/rathaus/internal/jobs"
	"github.com/rathaus-egov/rathaus/internal/refdata"
	"github.com/rathaus-egov/rathaus/internal/routing"
	"github.com/rathaus-egov/rathaus/internal/sqlstore"
	"github.com/rathaus-egov/rathaus/internal/tenant"
	"github.com/rathaus-egov/rathaus/internal/testenv"
)

var t0 = time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)

// forEachDB runs the test on a fresh SQLite file and, when RATHAUS_TEST_POSTGRES_URL is set
// (always in CI, where a missing server fails), on a fresh PostgreSQL database.
func forEachDB(t *testing.T, fn func(t *testing.T, db *sqlstore.DB)) {
	t.Run("sqlite", func(t *testing.T) {
		fn(t, open(t, filepath.Join(t.TempDir(), "test.db")))
	})
	t.Run("postgres", func(t *testing.T) {
		fn(t, open(t, testenv.FreshPostgres(t)))
	})
}

func open(t *testing.T, dsn string) *sqlstore.DB {
	t.Helper()
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.EnsureKeys(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}

func seedTenants(t *testing.T, db *sqlstore.DB) {
	t.Helper()
	gs, err := refdata.Gemeinden()
	if err != nil {
		t.Fatal(err)
	}
	added, updated, err := db.ImportTenants(context.Background(), gs, t0)
	if err != nil || added != 418 || updated != 0 {
		t.Fatalf("import: added %d updated %d err %v", added, updated, err)
	}
}

func TestMigrateIsIdempotent(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		applied, err := db.Migrate(ctx)
		if err != nil || len(applied) != 0 {
			t.Fatalf("second migrate applied %v, %v", applied, err)
		}
		cur, latest, err := db.SchemaStatus(ctx)
		if err != nil || cur != latest || cur == 0 {
			t.Fatalf("schema %d of %d: %v", cur, latest, err)
		}
	})
}

func TestTenants(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		seedTenants(t, db)
		ts, err := db.ListTenants(ctx)
		if err != nil || len(ts) != 418 {
			t.Fatalf("list: %d %v", len(ts), err)
		}
		le, err := db.GetTenant(ctx, "14713000")
		if err != nil || le.Name != "Leipzig, Stadt" || len(le.PLZ) == 0 {
			t.Fatalf("Leipzig: %+v %v", le, err)
		}
		if _, err := db.GetTenant(ctx, "99999999"); apperr.KindOf(err) != apperr.KindNotFound {
			t.Fatalf("unknown AGS: %v", err)
		}
		byPLZ, err := db.TenantsByPLZ(ctx, "04109")
		if err != nil || len(byPLZ) != 1 || byPLZ[0].AGS != "14713000" {
			t.Fatalf("04109: %+v %v", byPLZ, err)
		}
		// Re-import updates and keeps offices.
		gs, _ := refdata.Gemeinden()
		added, updated, err := db.ImportTenants(ctx, gs, t0)
		if err != nil || added != 0 || updated != 418 {
			t.Fatalf("re-import: %d %d %v", added, updated, err)
		}
		offices, err := db.ListOffices(ctx, "14713000")
		if err != nil || len(offices) != 2 {
			t.Fatalf("offices: %+v %v", offices, err)
		}
		o := offices[0]
		o.Telefon, o.Oeffnungszeiten = "0341 123-0", "Mo–Fr 9–12 Uhr"
		if err := db.SaveOffice(ctx, &o, t0); err != nil {
			t.Fatal(err)
		}
		got, err := db.GetOffice(ctx, "14713000", o.ID)
		if err != nil || got.Telefon != "0341 123-0" {
			t.Fatalf("office: %+v %v", got, err)
		}
		// Isolation: the office is not found through another tenant.
		if _, err := db.GetOffice(ctx, "14612000", o.ID); apperr.KindOf(err) != apperr.KindNotFound {
			t.Fatalf("office visible through another tenant: %v", err)
		}
		o.TenantAGS = "14612000"
		if err := db.SaveOffice(ctx, &o, t0); apperr.KindOf(err) != apperr.KindNotFound {
			t.Fatalf("office updated through another tenant: %v", err)
		}
		// Delegation.
		if err := db.SetDelegation(ctx, "14729245", tenant.OfficeGewerbeamt, "14713000", t0); err != nil {
			t.Fatal(err)
		}
		resp, err := db.ResponsibleOffice(ctx, "14729245", tenant.OfficeGewerbeamt)
		if err != nil || resp.TenantAGS != "14713000" {
			t.Fatalf("delegated office: %+v %v", resp, err)
		}
		// ServiceAt answers as Availability and ResponsibleOffice do, in one query.
		const gew = "99050012104000"
		if err := db.SetAvailability(ctx, "14729245", gew, "not_offered", t0); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			ags, status, officeAGS string
		}{{"14729245", "not_offered", "14713000"}, {"14713000", "", "14713000"}} {
			status, off, err := db.ServiceAt(ctx, c.ags, gew, tenant.OfficeGewerbeamt)
			want, _ := db.ResponsibleOffice(ctx, c.ags, tenant.OfficeGewerbeamt)
			if err != nil || status != c.status || off != want || off.TenantAGS != c.officeAGS {
				t.Fatalf("ServiceAt(%s): %q %+v %v; want %q %+v", c.ags, status, off, err, c.status, want)
			}
		}
		if _, _, err := db.ServiceAt(ctx, "14729245", gew, tenant.OfficeKind("no-such-kind")); apperr.KindOf(err) != apperr.KindNotFound {
			t.Fatalf("ServiceAt without an office: %v", err)
		}
		if err := db.SetDelegation(ctx, "14729245", tenant.OfficeGewerbeamt, "", t0); err != nil {
			t.Fatal(err)
		}
		if _, off, err := db.ServiceAt(ctx, "14729245", gew, tenant.OfficeGewerbeamt); err != nil || off.TenantAGS != "14729245" {
			t.Fatalf("ServiceAt after the delegation ended: %+v %v", off, err)
		}
		if d, _ := db.Delegate(ctx, "14729245", tenant.OfficeGewerbeamt); d != "14729245" {
			t.Fatalf("delegation not removed: %s", d)
		}
	})
}

func TestUsersSessionsTokens(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		seedTenants(t, db)
		u := &identity.User{Email: "Erika@Example.org", Name: "Erika", Kind: identity.KindStaff, PasswordHash: identity.HashPassword("0123456789"),
			Roles: []identity.StaffRole{{TenantAGS: "14713000", Role: "sachbearbeitung"}}}
		if err := db.InTx(ctx, func(tx *sqlstore.Tx) error { return sqlstore.CreateUser(ctx, tx, u, t0) }); err != nil {
			t.Fatal(err)
		}
		dup := &identity.User{Email: "erika@example.org", Name: "X", Kind: identity.KindCitizen}
		err := db.InTx(ctx, func(tx *sqlstore.Tx) error { return sqlstore.CreateUser(ctx, tx, dup, t0) })
		if apperr.KindOf(err) != apperr.KindConflict {
			t.Fatalf("duplicate e-mail: %v", err)
		}
		got, err := db.UserByEmail(ctx, " ERIKA@example.org")
		if err != nil || got.ID != u.ID || !got.IsStaffOf("14713000") || got.IsStaffOf("14612000") {
			t.Fatalf("user: %+v %v", got, err)
		}
		// Sessions expire.
		s := sqlstore.Session{IDHash: "h1", UserID: u.ID, CSRF: "c", CreatedAt: t0, LastSeenAt: t0, ExpiresAt: t0.Add(time.Minute)}
		if err := db.CreateSession(ctx, s); err != nil {
			t.Fatal(err)
		}
		if _, err := db.GetSession(ctx, "h1", t0.Add(30*time.Second)); err != nil {
			t.Fatal(err)
		}
		if _, err := db.GetSession(ctx, "h1", t0.Add(2*time.Minute)); apperr.KindOf(err) != apperr.KindNotFound {
			t.Fatalf("expired session still valid: %v", err)
		}
		// A password change ends every session.
		if err := db.InTx(ctx, func(tx *sqlstore.Tx) error { return sqlstore.SetPassword(ctx, tx, u.ID, "x", t0) }); err != nil {
			t.Fatal(err)
		}
		if _, err := db.GetSession(ctx, "h1", t0); apperr.KindOf(err) != apperr.KindNotFound {
			t.Fatalf("session survived password change: %v", err)
		}
		// One-time e-mail tokens.
		err = db.InTx(ctx, func(tx *sqlstore.Tx) error {
			return sqlstore.CreateEmailToken(ctx, tx, "eh", u.ID, "verify", t0, t0.Add(time.Hour))
		})
		if err != nil {
			t.Fatal(err)
		}
		for i, want := range []apperr.Kind{apperr.KindInternal, apperr.KindNotFound} {
			var uid string
			err := db.InTx(ctx, func(tx *sqlstore.Tx) error {
				var err error
				uid, err = sqlstore.UseEmailToken(ctx, tx, "eh", "verify", t0)
				return err
			})
			if (i == 0 && (err != nil || uid != u.ID)) || (i == 1 && apperr.KindOf(err) != want) {
				t.Fatalf("use %d: %q %v", i, uid, err)
			}
		}
		// API tokens.
		tok := &identity.Token{Name: "svc", TenantAGS: "14713000", Scopes: []identity.Scope{identity.ScopeSubmit, identity.ScopeRead}}
		if err := db.InTx(ctx, func(tx *sqlstore.Tx) error { return sqlstore.CreateToken(ctx, tx, tok, "th", t0) }); err != nil {
			t.Fatal(err)
		}
		gt, err := db.TokenByHash(ctx, "th")
		if err != nil || !gt.Has(identity.ScopeSubmit) || gt.Has(identity.ScopeCases) || gt.TenantAGS != "14713000" {
			t.Fatalf("token: %+v %v", gt, err)
		}
		other := &identity.Token{Name: "platform", Scopes: []identity.Scope{identity.ScopeAdmin}}
		if err := db.InTx(ctx, func(tx *sqlstore.Tx) error { return sqlstore.CreateToken(ctx, tx, other, "th2", t0.Add(time.Second)) }); err != nil {
			t.Fatal(err)
		}
		if ts, err := db.ListTokens(ctx, "", false); err != nil || len(ts) != 2 || ts[0].ID != other.ID || ts[1].ID != tok.ID || !ts[1].Has(identity.ScopeRead) {
			t.Fatalf("list: %+v %v", ts, err)
		}
		if ts, err := db.ListTokens(ctx, "14713000", false); err != nil || len(ts) != 1 || ts[0].ID != tok.ID {
			t.Fatalf("list of a municipality: %+v %v", ts, err)
		}
		revoke := func(id string) error {
			return db.InTx(ctx, func(tx *sqlstore.Tx) error {
				_, err := sqlstore.RevokeToken(ctx, tx, id, t0.Add(time.Hour))
				return err
			})
		}
		if err := revoke(tok.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.TokenByHash(ctx, "th"); apperr.KindOf(err) != apperr.KindNotFound {
			t.Fatalf("revoked token still accepted: %v", err)
		}
		if _, err := db.TokenByHash(ctx, "th2"); err != nil {
			t.Fatalf("the other token: %v", err)
		}
		if err := revoke(tok.ID); apperr.KindOf(err) != apperr.KindConflict {
			t.Fatalf("second revocation: %v", err)
		}
		if err := revoke("none"); apperr.KindOf(err) != apperr.KindNotFound {
			t.Fatalf("unknown token: %v", err)
		}
		if ts, _ := db.ListTokens(ctx, "", false); len(ts) != 1 || ts[0].ID != other.ID {
			t.Fatalf("list without revoked: %+v", ts)
		}
		if ts, _ := db.ListTokens(ctx, "", true); len(ts) != 2 || !ts[1].RevokedAt.Equal(t0.Add(time.Hour)) {
			t.Fatalf("list with revoked: %+v", ts)
		}
		// Login failures.
		if err := db.RecordLoginFailure(ctx, []string{"email:a", "ip:1"}, t0); err != nil {
			t.Fatal(err)
		}
		if n, _ := db.LoginFailures(ctx, "email:a", t0.Add(-time.Minute)); n != 1 {
			t.Fatalf("failures: %d", n)
		}
	})
}

func TestAuditChain(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		var wg sync.WaitGroup
		for i := 0; i < 20; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := db.Audit(ctx, t0, audit.Record{Actor: "system", Action: "test"}); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		n, err := db.VerifyAudit(ctx)
		if err != nil || n != 20 {
			t.Fatalf("verify: %d %v", n, err)
		}
		if _, err := db.Exec(ctx, `UPDATE audit_log SET actor = 'evil' WHERE seq = 7`); err != nil {
			t.Fatal(err)
		}
		if _, err := db.VerifyAudit(ctx); err == nil {
			t.Fatal("altered log verified")
		}
	})
}

func TestJobs(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		// A rollback removes the job with the data.
		_ = db.InTx(ctx, func(tx *sqlstore.Tx) error {
			if err := sqlstore.EnqueueJob(ctx, tx, &jobs.Job{Kind: "k", Payload: []byte(`{}`)}, t0); err != nil {
				t.Fatal(err)
			}
			return apperr.Conflict("x", "roll back")
		})
		if d, _ := db.QueueDepth(ctx); d["queued"] != 0 {
			t.Fatalf("rolled-back job exists: %v", d)
		}
		// Unique keys make enqueueing idempotent.
		for i := 0; i < 2; i++ {
			err := db.InTx(ctx, func(tx *sqlstore.Tx) error {
				return sqlstore.EnqueueJob(ctx, tx, &jobs.Job{Kind: "k", Payload: []byte(`{}`), UniqueKey: "u1", MaxAttempts: 2}, t0)
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		if d, _ := db.QueueDepth(ctx); d["queued"] != 1 {
			t.Fatalf("unique job enqueued twice: %v", d)
		}
		// Two competing workers never get the same job.
		got1, err := db.ClaimJobs(ctx, "w1", []string{"k"}, t0, t0.Add(time.Minute), 5)
		if err != nil || len(got1) != 1 {
			t.Fatalf("claim: %v %v", got1, err)
		}
		got2, _ := db.ClaimJobs(ctx, "w2", []string{"k"}, t0, t0.Add(time.Minute), 5)
		if len(got2) != 0 {
			t.Fatal("a leased job was claimed twice")
		}
		// An expired lease (crashed worker) makes it claimable again.
		got3, _ := db.ClaimJobs(ctx, "w2", []string{"k"}, t0.Add(2*time.Minute), t0.Add(3*time.Minute), 5)
		if len(got3) != 1 {
			t.Fatal("job of a crashed worker not reclaimed")
		}
		id := got3[0].ID
		if err := db.RetryJob(ctx, id, t0, t0.Add(time.Hour), "boom", false); err != nil {
			t.Fatal(err)
		}
		if again, _ := db.ClaimJobs(ctx, "w1", []string{"k"}, t0.Add(30*time.Minute), t0.Add(31*time.Minute), 5); len(again) != 0 {
			t.Fatal("job ran before its back-off")
		}
		// Queued for later is not due: the backlog counts it only from its time on.
		for _, c := range []struct {
			at   time.Time
			want int
		}{{t0.Add(30 * time.Minute), 0}, {t0.Add(time.Hour), 1}} {
			if n, err := db.DueJobs(ctx, c.at); err != nil || n != c.want {
				t.Fatalf("DueJobs(%v) = %d, %v; want %d", c.at, n, err, c.want)
			}
		}
		if err := db.RetryJob(ctx, id, t0, t0, "boom", true); err != nil {
			t.Fatal(err)
		}
		j, err := db.GetJob(ctx, id)
		if err != nil || j.State != jobs.StateDead || j.LastError != "boom" || j.Attempts != 2 {
			t.Fatalf("dead job: %+v %v", j, err)
		}
	})
}

// ClaimJobs takes expired leases and due queued jobs with separate indexed statements; the
// limit covers both together, other kinds and future jobs are left alone, and a handler that
// completes its job in its own transaction is not completed a second time by the runner.
func TestClaimJobsExpiredAndDue(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		enqueue := func(kind string, runAt time.Time) string {
			j := jobs.Job{Kind: kind, Payload: []byte(`{}`), RunAt: runAt}
			if err := db.InTx(ctx, func(tx *sqlstore.Tx) error { return sqlstore.EnqueueJob(ctx, tx, &j, t0) }); err != nil {
				t.Fatal(err)
			}
			return j.ID
		}
		first := enqueue("k", t0)
		if got, err := db.ClaimJobs(ctx, "w1", []string{"k"}, t0, t0.Add(time.Minute), 1); err != nil || len(got) != 1 || got[0].ID != first {
			t.Fatalf("claim first: %v %v", got, err)
		}
		due1, due2 := enqueue("k", t0.Add(time.Second)), enqueue("k", t0.Add(2*time.Second))
		enqueue("other", t0)
		enqueue("k", t0.Add(time.Hour))
		now := t0.Add(2 * time.Minute)
		got, err := db.ClaimJobs(ctx, "w2", []string{"k"}, now, now.Add(time.Minute), 2)
		if err != nil || len(got) != 2 {
			t.Fatalf("claim 2: %v %v", got, err)
		}
		ids := map[string]bool{got[0].ID: true, got[1].ID: true}
		if !ids[first] || !ids[due1] {
			t.Fatalf("claimed %v, want the expired lease %s and the earliest due job %s", ids, first, due1)
		}
		got, _ = db.ClaimJobs(ctx, "w2", []string{"k"}, now, now.Add(time.Minute), 10)
		if len(got) != 1 || got[0].ID != due2 {
			t.Fatalf("claim rest: %v, want only %s", got, due2)
		}
		// Completion inside the handler's own transaction, signalled to the runner.
		id := enqueue("self", t0)
		r := &jobs.Runner{Store: db, Worker: "t", Now: func() time.Time { return now }, Log: testLogger(t)}
		r.Register("self", func(ctx context.Context, j jobs.Job) error {
			if err := db.InTx(ctx, func(tx *sqlstore.Tx) error { return sqlstore.CompleteJobTx(ctx, tx, j.ID, now) }); err != nil {
				return err
			}
			jobs.MarkCompleted(ctx)
			return nil
		})
		if n, err := r.RunDue(ctx); err != nil || n != 1 {
			t.Fatalf("run due: %d %v", n, err)
		}
		if j, err := db.GetJob(ctx, id); err != nil || j.State != jobs.StateDone || j.Attempts != 1 {
			t.Fatalf("self-completed job: %+v %v", j, err)
		}
	})
}

func TestRunnerDrainsJobs(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqlstore.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		const n, bad = 50, 10 // every fifth job fails permanently
		done := make(chan string, n)
		r := &jobs.Runner{Store: db, Worker: "t", Now: time.Now, Log: testLogger(t), Workers: 4, Poll: 20 * time.Millisecond}
		r.Register("work", func(ctx context.Context, j jobs.Job) error {
			if string(j.Payload) == `{"fail":true}` {
				return jobs.Permanent(apperr.Conflict("x", "permanent"))
			}
			done <- j.ID
			return nil
		})
		now := time.Now()
		err := db.InTx(ctx, func(tx *sqlstore.Tx) error {
			for i := 0; i < n; i++ {
				p := `{}`
				if i%5 == 0 {
					p = `{"fail":true}`
				}
				if err := sqlstore.EnqueueJob(ctx, tx, &jobs.Job{Kind: "work", Payload: []byte(p)}, now); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		go r.Run(ctx)
		seen := map[string]bool{}
		deadline := time.After(20 * time.Second)
		for len(seen) < n-bad {
			select {
			case id := <-done:
				if seen[id] {
					t.Fatalf("job %s ran twice", id)
				}
				seen[id] = true
			case <-deadline:
				d, _ := db.QueueDepth(context.Background())
				t.Fatalf("only %d of %d jobs ran; depth %v", len(seen), n-bad, d)
			}
		}
		for {
			d, err := db.QueueDepth(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if d["dead"] == bad && d["queued"] == 0 && d["running"] == 0 {
				break
			}
			select {
			case <-deadline:
				t.Fatalf("depth %v, want %d dead", d, bad)
			case <-time.After(10 * time.Millisecond):
			}
		}
	})
}

func TestPurgeExpired(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		seedTenants(t, db)
		u := &identity.User{Email: "p@example.org", Name: "P", Kind: identity.KindCitizen}
		if err := db.InTx(ctx, func(tx *sqlstore.Tx) error { return sqlstore.CreateUser(ctx, tx, u, t0) }); err != nil {
			t.Fatal(err)
		}
		for i, exp := range []time.Time{t0.Add(-time.Minute), t0.Add(time.Hour)} {
			s := sqlstore.Session{IDHash: fmt.Sprintf("s%d", i), UserID: u.ID, CSRF: "c", CreatedAt: t0, LastSeenAt: t0, ExpiresAt: exp}
			if err := db.CreateSession(ctx, s); err != nil {
				t.Fatal(err)
			}
		}
		ts := sqlstore.FormatTime
		for i, exp := range []time.Time{t0.Add(-time.Hour), t0.Add(time.Hour)} {
			id := fmt.Sprintf("d%d", i)
			if _, err := db.Exec(ctx, `INSERT INTO drafts (id, tenant_ags, leistung, form_id, form_version, user_id, data, created_at, updated_at, expires_at) VALUES (?, '14612000', 'l', 'f', 1, ?, '{}', ?, ?, ?)`,
				id, u.ID, ts(t0), ts(t0), ts(exp)); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec(ctx, `INSERT INTO attachments (id, draft_id, filename, content_type, blob_key, sha256, size, created_at) VALUES (?, ?, 'a.pdf', 'application/pdf', 'k', 'k', 1, ?)`,
				"a"+id, id, ts(t0)); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.InTx(ctx, func(tx *sqlstore.Tx) error {
			return sqlstore.EnqueueJob(ctx, tx, &jobs.Job{Kind: "k", Payload: []byte(`{}`)}, t0.Add(-10*24*time.Hour))
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(ctx, `UPDATE jobs SET state = 'done', updated_at = ?`, ts(t0.Add(-10*24*time.Hour))); err != nil {
			t.Fatal(err)
		}
		p, err := db.PurgeExpired(ctx, t0, 7*24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if p.Sessions != 1 || p.Drafts != 1 || p.Attachments != 1 || p.Jobs != 1 {
			t.Fatalf("purged %+v", p)
		}
		if _, err := db.GetSession(ctx, "s1", t0); err != nil {
			t.Fatal("a live session was purged")
		}
		var n int
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM drafts`).Scan(&n); err != nil || n != 1 {
			t.Fatalf("drafts left: %d", n)
		}
		if again, _ := db.PurgeExpired(ctx, t0, 7*24*time.Hour); again.Total() != 0 {
			t.Fatalf("second purge removed %+v", again)
		}
	})
}

// TestSessionUserMemberships: the one-query session lookup returns every staff role and
// business account once, in the order loadMemberships gives them, with two roles and two
// business accounts (four joined rows), with none, and not for an expired session.
func TestSessionUserMemberships(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		seedTenants(t, db)
		staff := &identity.User{Email: "sb@leipzig.example", Name: "Sachbearbeiterin", Kind: identity.KindStaff, PasswordHash: "x",
			Roles: []identity.StaffRole{{TenantAGS: "14713000", Role: "sachbearbeitung"}, {TenantAGS: "14612000", OfficeID: "o2", Role: "leitung"}}}
		citizen := &identity.User{Email: "b@example.org", Name: "Bürger", Kind: identity.KindCitizen, PasswordHash: "x"}
		var orgB, orgA string
		err := db.InTx(ctx, func(tx *sqlstore.Tx) error {
			for _, u := range []*identity.User{staff, citizen} {
				if err := sqlstore.CreateUser(ctx, tx, u, t0); err != nil {
					return err
				}
			}
			var err error
			if orgB, err = sqlstore.CreateOrganisation(ctx, tx, "Bäckerei Beispiel GmbH", staff.ID, t0); err != nil {
				return err
			}
			if orgA, err = sqlstore.CreateOrganisation(ctx, tx, "Aal & Co. KG", citizen.ID, t0); err != nil {
				return err
			}
			return sqlstore.AddOrganisationMember(ctx, tx, orgA, staff.ID, "member", t0)
		})
		if err != nil {
			t.Fatal(err)
		}
		sessions := map[string]string{}
		for _, u := range []*identity.User{staff, citizen} {
			sid, h := identity.NewSecret("")
			if err := db.CreateSession(ctx, sqlstore.Session{IDHash: h, UserID: u.ID, CSRF: "c", Lang: "de", CreatedAt: t0, LastSeenAt: t0, ExpiresAt: t0.Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
			sessions[u.ID] = sid
		}
		_, u, err := db.SessionUser(ctx, identity.HashSecret(sessions[staff.ID]), t0.Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		wantRoles := []identity.StaffRole{{TenantAGS: "14612000", OfficeID: "o2", Role: "leitung"}, {TenantAGS: "14713000", Role: "sachbearbeitung"}}
		wantOrgs := []identity.Organisation{{ID: orgA, Name: "Aal & Co. KG", Role: "member"}, {ID: orgB, Name: "Bäckerei Beispiel GmbH", Role: "owner"}}
		if fmt.Sprint(u.Roles) != fmt.Sprint(wantRoles) || fmt.Sprint(u.Organisations) != fmt.Sprint(wantOrgs) || u.Email != "sb@leipzig.example" {
			t.Fatalf("staff: roles %v orgs %v; want %v and %v", u.Roles, u.Organisations, wantRoles, wantOrgs)
		}
		s, c, err := db.SessionUser(ctx, identity.HashSecret(sessions[citizen.ID]), t0.Add(time.Minute))
		if err != nil || len(c.Roles) != 0 || len(c.Organisations) != 1 || c.Organisations[0].ID != orgA || s.UserID != citizen.ID || s.Lang != "de" {
			t.Fatalf("citizen: %+v %+v %v", s, c, err)
		}
		if _, _, err := db.SessionUser(ctx, identity.HashSecret(sessions[citizen.ID]), t0.Add(2*time.Hour)); apperr.KindOf(err) != apperr.KindNotFound {
			t.Fatalf("expired session: %v", err)
		}
	})
}

// TestRegisterUpsertTwiceInOneTransaction: two notices of one business written in one
// transaction (as in one group commit) leave the second as the register entry; on PostgreSQL,
// where the rows wait for the commit, the second replaces the first instead of making the
// statement update one row twice.
func TestRegisterUpsertTwiceInOneTransaction(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		seedTenants(t, db)
		ts := sqlstore.FormatTime(t0)
		err := db.InTx(ctx, func(tx *sqlstore.Tx) error {
			for i, id := range []string{"s1", "s2"} {
				if _, err := tx.Exec(ctx, `INSERT INTO submissions (id, tenant_ags, office_ags, office_id, leistung, form_id, form_version, reference, status, data, digest, created_at, updated_at)
					VALUES (?, '14612000', '14612000', 'o1', 'L', 'f', 1, ?, 'eingegangen', '{}', 'd', ?, ?)`, id, fmt.Sprintf("GEW-14612000-2026-%06d", i+1), ts, ts); err != nil {
					return err
				}
			}
			if err := sqlstore.UpsertRegister(ctx, tx, sqlstore.RegisterEntry{TenantAGS: "14612000", GewerbebetriebID: "b1", SubmissionID: "s1", Art: "anmeldung", Active: true, UpdatedAt: t0}); err != nil {
				return err
			}
			if err := sqlstore.UpsertRegister(ctx, tx, sqlstore.RegisterEntry{TenantAGS: "14612000", GewerbebetriebID: "b2", SubmissionID: "s1", Art: "anmeldung", Active: true, UpdatedAt: t0}); err != nil {
				return err
			}
			return sqlstore.UpsertRegister(ctx, tx, sqlstore.RegisterEntry{TenantAGS: "14612000", GewerbebetriebID: "b1", SubmissionID: "s2", Art: "abmeldung", Active: false, UpdatedAt: t0.Add(time.Second)})
		})
		if err != nil {
			t.Fatal(err)
		}
		e, err := db.RegisterByID(ctx, "14612000", "b1")
		if err != nil || e.SubmissionID != "s2" || e.Art != "abmeldung" || e.Active {
			t.Fatalf("b1: %+v %v", e, err)
		}
		if e, err := db.RegisterByID(ctx, "14612000", "b2"); err != nil || e.SubmissionID != "s1" || !e.Active {
			t.Fatalf("b2: %+v %v", e, err)
		}
	})
}

// TestReferenceNumbersInOneTransaction: several submissions of two municipalities in one
// transaction (a group commit) get consecutive numbers per municipality, the counters hold the
// last number after the commit, and a rolled-back transaction gives its numbers back.
func TestReferenceNumbersInOneTransaction(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		seedTenants(t, db)
		next := func(tx *sqlstore.Tx, ags string) int64 {
			t.Helper()
			n, err := sqlstore.NextReference(ctx, tx, ags, "GEW", 2026)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		var got []int64
		if err := db.InTx(ctx, func(tx *sqlstore.Tx) error {
			for _, ags := range []string{"14612000", "14713000", "14612000", "14612000", "14713000"} {
				got = append(got, next(tx, ags))
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != "[1 1 2 3 2]" {
			t.Fatalf("numbers in one transaction: %v", got)
		}
		rollback := errors.New("rolled back")
		if err := db.InTx(ctx, func(tx *sqlstore.Tx) error {
			next(tx, "14612000")
			next(tx, "14612000")
			return rollback
		}); !errors.Is(err, rollback) {
			t.Fatal(err)
		}
		got = nil
		if err := db.InTx(ctx, func(tx *sqlstore.Tx) error {
			got = append(got, next(tx, "14612000"), next(tx, "14713000"), next(tx, "14612000"))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != "[4 3 5]" {
			t.Fatalf("after a rollback: %v, want [4 3 5]", got)
		}
		lastOf := func(ags string) int64 {
			t.Helper()
			var last int64
			if err := db.QueryRow(ctx, `SELECT last FROM reference_counters WHERE tenant_ags = ? AND prefix = 'GEW' AND year = 2026`, ags).Scan(&last); err != nil {
				t.Fatal(err)
			}
			return last
		}
		if last := lastOf("14612000"); last != 5 {
			t.Fatalf("counter row: %d", last)
		}
		// A group's BEGIN locks and reads its counters (PostgreSQL); the numbers go on
		// without gaps, a counter without a row yet (Chemnitz) starts at 1, a rollback gives
		// the numbers back.
		counting := []string{"14612000", "14713000", "14511000"}
		if err := db.InTxCounting(ctx, "GEW", 2026, counting, func(tx *sqlstore.Tx) error {
			next(tx, "14612000")
			next(tx, "14511000")
			return rollback
		}); !errors.Is(err, rollback) {
			t.Fatal(err)
		}
		got = nil
		if err := db.InTxCounting(ctx, "GEW", 2026, counting, func(tx *sqlstore.Tx) error {
			got = append(got, next(tx, "14612000"), next(tx, "14713000"), next(tx, "14612000"), next(tx, "14511000"), next(tx, "14511000"))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != "[6 4 7 1 2]" {
			t.Fatalf("with the counters read at BEGIN: %v, want [6 4 7 1 2]", got)
		}
		for ags, want := range map[string]int64{"14612000": 7, "14713000": 4, "14511000": 2} {
			if last := lastOf(ags); last != want {
				t.Errorf("counter of %s: %d, want %d", ags, last, want)
			}
		}
	})
}

// TestTransactionsEndCleanly: however a transaction ends without committing — its function
// fails, panics, or a statement fails (which aborts it on PostgreSQL) — nothing of it stays,
// and its connection is not handed out inside it: the next transaction commits only its own
// rows, and no session is left idle in a transaction.
func TestTransactionsEndCleanly(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		seedTenants(t, db)
		insert := func(tx *sqlstore.Tx, prefix string) error {
			_, err := tx.Exec(ctx, `INSERT INTO reference_counters (tenant_ags, prefix, year, last) VALUES ('14612000', ?, 2026, 1)`, prefix)
			return err
		}
		const rounds = 12
		for i := range rounds {
			bad := fmt.Sprintf("bad%d", i)
			switch i % 3 {
			case 0:
				if err := db.InTx(ctx, func(tx *sqlstore.Tx) error {
					if err := insert(tx, bad); err != nil {
						return err
					}
					return errors.New("refused")
				}); err == nil {
					t.Fatal("a failing function committed")
				}
			case 1:
				func() {
					defer func() {
						if recover() == nil {
							t.Fatal("the panic was swallowed")
						}
					}()
					_ = db.InTx(ctx, func(tx *sqlstore.Tx) error {
						_ = insert(tx, bad)
						panic("boom")
					})
				}()
			case 2:
				if err := db.InTx(ctx, func(tx *sqlstore.Tx) error {
					if err := insert(tx, bad); err != nil {
						return err
					}
					return insert(tx, bad) // a duplicate key
				}); err == nil {
					t.Fatal("a failing statement committed")
				}
			}
			if err := db.InTx(ctx, func(tx *sqlstore.Tx) error { return insert(tx, fmt.Sprintf("good%d", i)) }); err != nil {
				t.Fatal(err)
			}
		}
		var bad, good int
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM reference_counters WHERE prefix LIKE 'bad%'`).Scan(&bad); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM reference_counters WHERE prefix LIKE 'good%'`).Scan(&good); err != nil {
			t.Fatal(err)
		}
		if bad != 0 || good != rounds {
			t.Fatalf("%d rows of failed transactions, %d of committed ones (want 0, %d)", bad, good, rounds)
		}
		if db.Dialect == sqlstore.Postgres {
			var open int
			if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'`).Scan(&open); err != nil {
				t.Fatal(err)
			}
			if open != 0 {
				t.Fatalf("%d sessions left idle in a transaction", open)
			}
		}
	})
}

// TestAttemptsInOneTransaction: attempts that share a transaction (a write group) are
// written together — on PostgreSQL held to the commit and sent as one UPDATE per round — and
// leave what one transaction per attempt would: numbered attempts, a second attempt of the
// same delivery counted after the first, a delivered message never moved back by a late
// failure, an offered one in the inbox. A missing delivery fails the whole transaction and
// changes nothing.
func TestAttemptsInOneTransaction(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		seedTenants(t, db)
		ts := sqlstore.FormatTime(t0)
		exec := execer(t, db)
		insertBareSubmission(t, db, "s1")
		for _, id := range []string{"d1", "d2", "d3"} {
			rid := "r-" + id
			exec(`INSERT INTO recipients (id, kind, name, connector, created_at, updated_at) VALUES (?, 'ihk', 'IHK', 'http', ?, ?)`, rid, ts, ts)
			exec(`INSERT INTO deliveries (id, submission_id, tenant_ags, office_ags, recipient_id, kind, connector, status, job_id, idempotency_key, message_uuid, window_start, created_at, updated_at)
				VALUES (?, 's1', '14612000', '14612000', ?, 'ihk', 'http', 'queued', '', ?, ?, ?, ?, ?)`, id, rid, "k"+id, "m"+id, ts, ts, ts)
		}
		att := func(outcome string, status delivery.Status, body string) sqlstore.AttemptResult {
			r := sqlstore.AttemptResult{Status: status, Attempt: delivery.Attempt{At: t0, Connector: "http", Endpoint: "https://x", Outcome: outcome, BodySHA256: "sha-" + body}}
			if body != "" {
				r.Body, r.ContentType = []byte(body), "application/xml"
			}
			if outcome == delivery.OutcomeFailed {
				r.Attempt.Error, r.Attempt.HTTPStatus = "HTTP 503", 503
			}
			return r
		}
		err := db.InTx(ctx, func(tx *sqlstore.Tx) error {
			for _, a := range []struct {
				id  string
				res sqlstore.AttemptResult
			}{
				{"d1", att(delivery.OutcomeFailed, delivery.StatusRetrying, "<a/>")},
				{"d2", att(delivery.OutcomeDelivered, delivery.StatusDelivered, "<b/>")},
				{"d3", att(delivery.OutcomeOffered, delivery.StatusOffered, "<c/>")},
				{"d1", att(delivery.OutcomeDelivered, delivery.StatusDelivered, "<a2/>")},
				{"d2", att(delivery.OutcomeFailed, delivery.StatusRetrying, "")}, // late duplicate
			} {
				if err := sqlstore.RecordAttemptTx(ctx, tx, a.id, a.res, t0); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]struct {
			status   delivery.Status
			attempts int
			body     string
		}{"d1": {delivery.StatusDelivered, 2, "<a2/>"}, "d2": {delivery.StatusDelivered, 2, "<b/>"}, "d3": {delivery.StatusOffered, 1, "<c/>"}}
		for id, w := range want {
			d, err := db.GetDelivery(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if d.Status != w.status || d.Attempts != w.attempts || string(d.Body) != w.body {
				t.Errorf("%s: %s, %d attempts, body %q; want %+v", id, d.Status, d.Attempts, d.Body, w)
			}
			if w.status == delivery.StatusDelivered && d.DeliveredAt.IsZero() {
				t.Errorf("%s: no delivered_at", id)
			}
			as, err := db.Attempts(ctx, id)
			if err != nil || len(as) != w.attempts {
				t.Fatalf("%s attempts: %+v %v", id, as, err)
			}
			for i, a := range as {
				if a.N != i+1 {
					t.Errorf("%s attempt %d numbered %d", id, i+1, a.N)
				}
			}
		}
		if as, _ := db.Attempts(ctx, "d1"); as[0].Error != "HTTP 503" || as[0].HTTPStatus != 503 || as[1].Outcome != delivery.OutcomeDelivered {
			t.Errorf("d1 attempts: %+v", as)
		}
		var inbox int
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM inbox WHERE delivery_id = 'd3'`).Scan(&inbox); err != nil || inbox != 1 {
			t.Errorf("inbox rows of d3: %d %v", inbox, err)
		}

		// A missing delivery fails the transaction: the other attempt is not written either.
		err = db.InTx(ctx, func(tx *sqlstore.Tx) error {
			if err := sqlstore.RecordAttemptTx(ctx, tx, "d3", att(delivery.OutcomeOffered, delivery.StatusOffered, "<c2/>"), t0); err != nil {
				return err
			}
			return sqlstore.RecordAttemptTx(ctx, tx, "nope", att(delivery.OutcomeFailed, delivery.StatusRetrying, ""), t0)
		})
		if apperr.KindOf(err) != apperr.KindNotFound {
			t.Fatalf("missing delivery: %v", err)
		}
		if d, _ := db.GetDelivery(ctx, "d3"); d.Attempts != 1 || string(d.Body) != "<c/>" {
			t.Errorf("d3 changed by a failed transaction: %d attempts, %q", d.Attempts, d.Body)
		}
	})
}

// TestHeldRowsFailAtCommit: rows held for the commit (on PostgreSQL sent as one pipelined
// batch with the audit entries and counters) that violate a constraint fail the
// transaction, and nothing of it stays — not the rows before the failing one in the batch,
// not its audit entry; a transaction without the conflict then commits all of it.
func TestHeldRowsFailAtCommit(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		seedTenants(t, db)
		insertBareSubmission(t, db, "s1")
		insertBareSubmission(t, db, "s2")
		dec := []sqlstore.Routing{{Decision: routing.Decision{Kind: routing.KindIHK, Selected: true, Rule: "r", Reason: "x"}, Version: "v1"}}
		write := func(ids ...string) error {
			return db.InTx(ctx, func(tx *sqlstore.Tx) error {
				for _, id := range ids {
					if err := sqlstore.SaveRouting(ctx, tx, id, "14612000", dec, t0); err != nil {
						return err
					}
					if err := sqlstore.AppendAudit(ctx, tx, t0, audit.Record{Actor: "test", TenantAGS: "14612000", Action: "routing.save", Object: "submission:" + id}); err != nil {
						return err
					}
				}
				return nil
			})
		}
		count := func() (routed, audited int) {
			t.Helper()
			if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM submission_routing`).Scan(&routed); err != nil {
				t.Fatal(err)
			}
			if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'routing.save'`).Scan(&audited); err != nil {
				t.Fatal(err)
			}
			return
		}
		if err := write("s1", "s2", "s1"); err == nil || !strings.Contains(strings.ToLower(err.Error()), "unique") && !strings.Contains(err.Error(), "23505") {
			t.Fatalf("a second routing row for s1: %v", err)
		}
		if r, a := count(); r != 0 || a != 0 {
			t.Fatalf("after the failed transaction: %d routing rows, %d audit entries", r, a)
		}
		if err := write("s1", "s2"); err != nil {
			t.Fatal(err)
		}
		if r, a := count(); r != 2 || a != 2 {
			t.Fatalf("after the good transaction: %d routing rows, %d audit entries", r, a)
		}
		if n, err := db.VerifyAudit(ctx); err != nil || n < 2 {
			t.Fatalf("audit chain: %d %v", n, err)
		}
	})
}

// A queued delivery's next attempt is its job's run_at while the job is queued (a retry
// moves it), the delivery's own next_attempt_at otherwise; a delivery without a job has no
// job to ask.
func TestDeliveryNextAttemptFromItsJob(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		seedTenants(t, db)
		ts := sqlstore.FormatTime(t0)
		own := t0.Add(time.Minute)
		exec := execer(t, db)
		insertBareSubmission(t, db, "s1")
		for _, d := range []struct{ id, job string }{{"d1", "j1"}, {"d2", "j2"}, {"d3", ""}} {
			exec(`INSERT INTO recipients (id, kind, name, connector, created_at, updated_at) VALUES (?, 'ihk', 'IHK', 'http', ?, ?)`, "r-"+d.id, ts, ts)
			exec(`INSERT INTO deliveries (id, submission_id, tenant_ags, office_ags, recipient_id, kind, connector, status, job_id, next_attempt_at, idempotency_key, message_uuid, window_start, created_at, updated_at)
				VALUES (?, 's1', '14612000', '14612000', ?, 'ihk', 'http', 'retrying', ?, ?, ?, ?, ?, ?, ?)`, d.id, "r-"+d.id, d.job, sqlstore.FormatTime(own), "k"+d.id, "m"+d.id, ts, ts, ts)
		}
		for _, j := range []struct{ id, state string }{{"j1", "queued"}, {"j2", "running"}} {
			exec(`INSERT INTO jobs (id, kind, tenant_ags, payload, state, run_at, attempts, max_attempts, created_at, updated_at) VALUES (?, 'delivery.send', '', '{}', ?, ?, 1, 5, ?, ?)`,
				j.id, j.state, sqlstore.FormatTime(t0.Add(time.Hour)), ts, ts)
		}
		want := map[string]time.Time{"d1": t0.Add(time.Hour), "d2": own, "d3": own}
		for id, w := range want {
			d, err := db.GetDelivery(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if !d.NextAttemptAt.Equal(w) {
				t.Errorf("%s: next attempt %v, want %v", id, d.NextAttemptAt, w)
			}
		}
		got, err := db.DeliveriesToSend(ctx, []string{"d1", "d3", "missing"}, "")
		if err != nil || len(got) != 2 || !got["d1"].Delivery.NextAttemptAt.Equal(want["d1"]) || got["d3"].Recipient.ID != "r-d3" {
			t.Fatalf("DeliveriesToSend: %+v, %v", got, err)
		}
	})
}
