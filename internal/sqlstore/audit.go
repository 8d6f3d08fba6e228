package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/rathaus-egov/rathaus/internal/audit"
)

// AppendAudit appends one entry to the hash chain as part of tx. The entries of a
// transaction are written when it commits (Tx.flushAudit), in the order they were appended:
// the head row is taken with one UPDATE right before the commit, which serialises appenders
// on PostgreSQL (SQLite has a single writer anyway), so the chain has no forks and no gaps,
// and the head is held only from there to the commit instead of from the first append.
func AppendAudit(ctx context.Context, tx *Tx, now time.Time, r audit.Record) error {
	if r.Detail == "" {
		r.Detail = "{}"
	}
	tx.audit = append(tx.audit, pendingAudit{at: now, r: r})
	return nil
}

type pendingAudit struct {
	at time.Time
	r  audit.Record
}

// auditChunk bounds the rows of one multi-row INSERT (9 parameters each).
const auditChunk = 200

const auditHeadAdvance = `UPDATE audit_head SET seq = seq + ? WHERE id = 1 RETURNING seq, hash`

// flushAudit writes the transaction's pending audit entries: one UPDATE of the head for all
// of them, the chained entries in multi-row INSERTs, the new head hash (SQLite; PostgreSQL
// does the same in its commit batches, flushPostgres).
func (tx *Tx) flushAudit(ctx context.Context) error {
	n := len(tx.audit)
	if n == 0 {
		return nil
	}
	var last int64
	var prev string
	if err := tx.QueryRow(ctx, auditHeadAdvance, n).Scan(&last, &prev); err != nil {
		return fmt.Errorf("audit head: %w", err)
	}
	if err := tx.execAll(ctx, tx.auditStmts(nil, last, prev)); err != nil {
		return fmt.Errorf("audit append: %w", err)
	}
	return nil
}

// auditStmts appends to stmts the INSERTs of the pending audit entries, chained from prev and
// numbered up to last (the head after auditHeadAdvance), and the update of the head's hash;
// the entries are no longer pending afterwards.
func (tx *Tx) auditStmts(stmts []batchStmt, last int64, prev string) []batchStmt {
	n := len(tx.audit)
	entries := make([]audit.Entry, n)
	for i, p := range tx.audit {
		e := audit.Entry{Seq: last - int64(n) + 1 + int64(i), At: p.at.UTC().Truncate(time.Microsecond), Actor: p.r.Actor, TenantAGS: p.r.TenantAGS,
			Action: p.r.Action, Object: p.r.Object, Detail: p.r.Detail, PrevHash: prev}
		e.Hash = audit.ComputeHash(e)
		entries[i], prev = e, e.Hash
	}
	for len(entries) > 0 {
		chunk := entries[:min(len(entries), auditChunk)]
		entries = entries[len(chunk):]
		args := make([]any, 0, len(chunk)*9)
		for _, e := range chunk {
			args = append(args, e.Seq, FormatTime(e.At), e.Actor, e.TenantAGS, e.Action, e.Object, e.Detail, e.PrevHash, e.Hash)
		}
		stmts = append(stmts, batchStmt{multiRowInsert(`INSERT INTO audit_log (seq, at, actor, tenant_ags, action, object, detail, prev_hash, hash) VALUES `, "(?, ?, ?, ?, ?, ?, ?, ?, ?)", "", len(chunk)), args})
	}
	tx.audit = tx.audit[:0]
	return append(stmts, batchStmt{`UPDATE audit_head SET hash = ? WHERE id = 1`, []any{prev}})
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
