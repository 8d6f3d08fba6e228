package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/rathaus-egov/rathaus/internal/audit"
)

// AppendAudit appends one entry to the hash chain inside tx. Taking the head row with an
// UPDATE serialises appenders on PostgreSQL (SQLite has a single writer anyway), so the
// chain has no forks and no gaps.
func AppendAudit(ctx context.Context, tx *Tx, now time.Time, r audit.Record) error {
	var seq int64
	var prev string
	if err := tx.QueryRow(ctx, `UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash`).Scan(&seq, &prev); err != nil {
		return fmt.Errorf("audit head: %w", err)
	}
	detail := r.Detail
	if detail == "" {
		detail = "{}"
	}
	e := audit.Entry{Seq: seq, At: now.UTC().Truncate(time.Microsecond), Actor: r.Actor, TenantAGS: r.TenantAGS, Action: r.Action, Object: r.Object, Detail: detail, PrevHash: prev}
	e.Hash = audit.ComputeHash(e)
	if _, err := tx.Exec(ctx, `INSERT INTO audit_log (seq, at, actor, tenant_ags, action, object, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.Seq, FormatTime(e.At), e.Actor, e.TenantAGS, e.Action, e.Object, e.Detail, e.PrevHash, e.Hash); err != nil {
		return fmt.Errorf("audit append: %w", err)
	}
	if _, err := tx.Exec(ctx, `UPDATE audit_head SET hash = ? WHERE id = 1`, e.Hash); err != nil {
		return fmt.Errorf("audit head: %w", err)
	}
	return nil
}

// Audit appends one entry in its own transaction.
func (db *DB) Audit(ctx context.Context, now time.Time, r audit.Record) error {
	return db.InTx(ctx, func(tx *Tx) error { return AppendAudit(ctx, tx, now, r) })
}

// VerifyAudit walks the whole chain and returns the number of entries checked, or an error
// naming the first broken entry.
func (db *DB) VerifyAudit(ctx context.Context) (int64, error) {
	rows, err := db.Query(ctx, `SELECT seq, at, actor, tenant_ags, action, object, detail, prev_hash, hash FROM audit_log ORDER BY seq`)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	v := audit.NewVerifier()
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return v.Count, err
		}
		if err := v.Check(e); err != nil {
			return v.Count, err
		}
	}
	if err := rows.Err(); err != nil {
		return v.Count, err
	}
	var headSeq int64
	var headHash string
	if err := db.QueryRow(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&headSeq, &headHash); err != nil {
		return v.Count, err
	}
	return v.Count, v.Finish(headSeq, headHash)
}

// ListAudit returns the newest entries, optionally of one tenant (empty: all).
func (db *DB) ListAudit(ctx context.Context, ags string, limit int) ([]audit.Entry, error) {
	q := `SELECT seq, at, actor, tenant_ags, action, object, detail, prev_hash, hash FROM audit_log`
	var args []any
	if ags != "" {
		q += ` WHERE tenant_ags = ?`
		args = append(args, ags)
	}
	q += ` ORDER BY seq DESC LIMIT ?`
	args = append(args, limit)
	rows, err := db.Query(ctx, q, args...)
	return collect(rows, err, scanAudit)
}

func scanAudit(sc scanner) (audit.Entry, error) {
	var e audit.Entry
	var at string
	err := sc.Scan(&e.Seq, &at, &e.Actor, &e.TenantAGS, &e.Action, &e.Object, &e.Detail, &e.PrevHash, &e.Hash)
	e.At = ParseTime(at)
	return e, err
}
