package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/rathaus-egov/rathaus/internal/identity"
	"github.com/rathaus-egov/rathaus/internal/jobs"
)

// EnqueueJob inserts a job inside tx. A job with a UniqueKey that already exists is not
// inserted again (and no error is returned), so enqueueing is idempotent.
func EnqueueJob(ctx context.Context, tx *Tx, j *jobs.Job, now time.Time) error {
	if j.ID == "" {
		j.ID = identity.NewSortableID()
	}
	if j.MaxAttempts == 0 {
		j.MaxAttempts = 25
	}
	if j.RunAt.IsZero() {
		j.RunAt = now
	}
	var uk any
	tail := ""
	if j.UniqueKey != "" {
		uk, tail = j.UniqueKey, " ON CONFLICT (unique_key) DO NOTHING"
	}
	ts := FormatTime(now)
	// On PostgreSQL the row waits for the commit and joins the group's other jobs in one
	// multi-row INSERT (insertRows); callers do not read it back in the same transaction.
	return tx.insertRows(ctx, jobsInsertHead, jobsInsertRow, tail,
		[]any{j.ID, j.Kind, j.TenantAGS, string(j.Payload), FormatTime(j.RunAt), j.MaxAttempts, uk, ts, ts})
}

// The multi-row INSERT of jobs shared by EnqueueJob and InsertDeliveries.
const (
	jobsInsertHead = `INSERT INTO jobs (id, kind, tenant_ags, payload, state, run_at, attempts, max_attempts, unique_key, created_at, updated_at) VALUES `
	jobsInsertRow  = "(?, ?, ?, ?, 'queued', ?, 0, ?, ?, ?, ?)"
)

// ClaimJobs implements jobs.Store. Jobs whose lease ran out are claimed first, then queued
// jobs in run_at order. The two conditions are separate statements so that each uses its
// own partial index (running jobs by locked_until, queued jobs by run_at; migration 009); one
// WHERE with an OR of both scanned every queued job. On PostgreSQL rows locked by a concurrent claim are skipped.
func (db *DB) ClaimJobs(ctx context.Context, worker string, kinds []string, now, leaseUntil time.Time, limit int) ([]jobs.Job, error) {
	if len(kinds) == 0 || limit <= 0 {
		return nil, nil
	}
	kindIn := `kind IN (` + placeholders(len(kinds)) + `)`
	lock := ""
	if db.Dialect == Postgres {
		lock = ` FOR UPDATE SKIP LOCKED`
	}
	expired := `SELECT id FROM jobs WHERE state = 'running' AND locked_until < ? AND ` + kindIn + ` ORDER BY locked_until LIMIT ?` + lock
	due := `SELECT id FROM jobs WHERE state = 'queued' AND run_at <= ? AND ` + kindIn + ` ORDER BY run_at LIMIT ?` + lock
	n := FormatTime(now)
	var out []jobs.Job
	// The claim shares a commit with concurrent submissions and attempts (txGroup): on
	// SQLite a commit of its own would cost one more fsync of the single writer.
	err := db.group.run(ctx, db, func(ctx context.Context, tx *Tx) error {
		out = out[:0]
		for _, sub := range []string{expired, due} {
			if len(out) >= limit {
				break
			}
			args := []any{worker, FormatTime(leaseUntil), n, n}
			for _, k := range kinds {
				args = append(args, k)
			}
			args = append(args, limit-len(out))
			if err := claimTx(ctx, tx, sub, args, &out); err != nil {
				return err
			}
		}
		return nil
	}, nil)
	return out, err
}

// claimTx leases the jobs selected by sub (whose arguments follow the lease's in args) and
// appends them to out.
func claimTx(ctx context.Context, tx *Tx, sub string, args []any, out *[]jobs.Job) error {
	rows, err := tx.Query(ctx, `UPDATE jobs SET state = 'running', locked_by = ?, locked_until = ?, updated_at = ? WHERE id IN (`+sub+`)
	      RETURNING id, kind, tenant_ags, payload, attempts, max_attempts, run_at, COALESCE(unique_key, ''), last_error, created_at`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var j jobs.Job
		var payload, runAt, created string
		if err := rows.Scan(&j.ID, &j.Kind, &j.TenantAGS, &payload, &j.Attempts, &j.MaxAttempts, &runAt, &j.UniqueKey, &j.LastError, &created); err != nil {
			return err
		}
		j.Payload, j.RunAt, j.CreatedAt, j.State = []byte(payload), ParseTime(runAt), ParseTime(created), jobs.StateRunning
		*out = append(*out, j)
	}
	return rows.Err()
}

// CompleteJobTx marks a job done inside tx, in the transaction that records the handler's
// effect, so that success and completion are one commit (see jobs.MarkCompleted).
func CompleteJobTx(ctx context.Context, tx *Tx, id string, now time.Time) error {
	return tx.execLater(ctx, `UPDATE jobs SET state = 'done', attempts = attempts + 1, locked_by = '', locked_until = '', last_error = '', updated_at = ? WHERE id = ? AND state = 'running'`, FormatTime(now), id)
}

// CompleteJob implements jobs.Store. The update shares a commit with concurrent writes
// (txGroup).
func (db *DB) CompleteJob(ctx context.Context, id string, now time.Time) error {
	return db.group.run(ctx, db, func(ctx context.Context, tx *Tx) error {
		return tx.execLater(ctx, `UPDATE jobs SET state = 'done', attempts = attempts + 1, locked_by = '', locked_until = '', last_error = '', updated_at = ? WHERE id = ?`, FormatTime(now), id)
	}, nil)
}

// RetryJob implements jobs.Store (in a shared commit, like CompleteJob).
func (db *DB) RetryJob(ctx context.Context, id string, now, next time.Time, errText string, dead bool) error {
	state := jobs.StateQueued
	if dead {
		state = jobs.StateDead
	}
	if len(errText) > 2000 {
		errText = errText[:2000]
	}
	return db.group.run(ctx, db, func(ctx context.Context, tx *Tx) error {
		return tx.execLater(ctx, `UPDATE jobs SET state = ?, attempts = attempts + 1, run_at = ?, locked_by = '', locked_until = '', last_error = ?, updated_at = ? WHERE id = ?`,
			state, FormatTime(next), errText, FormatTime(now), id)
	}, nil)
}

// QueueDepth counts jobs per state (for metrics and the admin view).
func (db *DB) QueueDepth(ctx context.Context) (map[string]int, error) {
	// One count per state, each answered from that state's partial index (migration 009).
	out := map[string]int{}
	for _, s := range []string{jobs.StateQueued, jobs.StateRunning, jobs.StateDead} {
		var n int
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM jobs WHERE state = '`+s+`'`).Scan(&n); err != nil {
			return nil, err
		}
		out[s] = n
	}
	return out, nil
}

// DueJobs counts the queued jobs whose time has come (run_at <= now): the backlog. Queued
// jobs for later (a reminder in two weeks, a monthly batch) are not in it.
func (db *DB) DueJobs(ctx context.Context, now time.Time) (int, error) {
	var n int
	err := db.QueryRow(ctx, `SELECT COUNT(*) FROM jobs WHERE state = 'queued' AND run_at <= ?`, FormatTime(now)).Scan(&n)
	return n, err
}

// GetJob returns a job by id (for tests and the admin view).
func (db *DB) GetJob(ctx context.Context, id string) (*jobs.Job, error) {
	var j jobs.Job
	var payload, runAt, created string
	err := db.QueryRow(ctx, `SELECT id, kind, tenant_ags, payload, state, attempts, max_attempts, run_at, COALESCE(unique_key, ''), last_error, created_at FROM jobs WHERE id = ?`, id).
		Scan(&j.ID, &j.Kind, &j.TenantAGS, &payload, &j.State, &j.Attempts, &j.MaxAttempts, &runAt, &j.UniqueKey, &j.LastError, &created)
	if err == sql.ErrNoRows {
		return nil, err
	}
	j.Payload, j.RunAt, j.CreatedAt = []byte(payload), ParseTime(runAt), ParseTime(created)
	return &j, err
}
