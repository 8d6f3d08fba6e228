package sqlstore

import (
	"context"
	"time"
)

// Purged counts what PurgeExpired removed.
type Purged struct {
	Sessions, Drafts, Attachments, EmailTokens, LoginAttempts, Jobs int64
}

// Total is the number of rows removed.
func (p Purged) Total() int64 {
	return p.Sessions + p.Drafts + p.Attachments + p.EmailTokens + p.LoginAttempts + p.Jobs
}

// PurgeExpired deletes what has outlived its purpose (data minimisation): expired sessions,
// drafts that were never submitted and have expired together with their uploads' rows,
// expired one-time e-mail links, login failures older than a day, and finished jobs older than
// keepJobs (dead letters stay until someone replays or ends them). Submitted data is never
// touched here: its retention follows the procedure's law and the archive.
func (db *DB) PurgeExpired(ctx context.Context, now time.Time, keepJobs time.Duration) (Purged, error) {
	var p Purged
	ts := FormatTime(now)
	err := db.InTx(ctx, func(tx *Tx) error {
		p = Purged{}
		steps := []struct {
			n *int64
			q string
			a []any
		}{
			{&p.Sessions, `DELETE FROM sessions WHERE expires_at <= ?`, []any{ts}},
			{&p.Attachments, `DELETE FROM attachments WHERE submission_id = '' AND draft_id IN (SELECT id FROM drafts WHERE submission_id = '' AND expires_at <= ?)`, []any{ts}},
			{&p.Drafts, `DELETE FROM drafts WHERE submission_id = '' AND expires_at <= ?`, []any{ts}},
			{&p.EmailTokens, `DELETE FROM email_tokens WHERE expires_at <= ?`, []any{ts}},
			{&p.LoginAttempts, `DELETE FROM login_attempts WHERE at < ?`, []any{FormatTime(now.Add(-24 * time.Hour))}},
			{&p.Jobs, `DELETE FROM jobs WHERE state = 'done' AND updated_at < ?`, []any{FormatTime(now.Add(-keepJobs))}},
		}
		for _, st := range steps {
			res, err := tx.Exec(ctx, st.q, st.a...)
			if err != nil {
				return err
			}
			*st.n, _ = res.RowsAffected()
		}
		return nil
	})
	return p, err
}
