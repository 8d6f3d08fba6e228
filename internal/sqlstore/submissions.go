package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/rathaus-egov/rathaus/internal/apperr"
	"github.com/rathaus-egov/rathaus/internal/audit"
	"github.com/rathaus-egov/rathaus/internal/jobs"
	"github.com/rathaus-egov/rathaus/internal/submission"
)

// SubmitHook lets other parts of the platform (routing, case work) add their rows to the
// submit transaction.
type SubmitHook func(ctx context.Context, tx *Tx, s *submission.Submission) error

// Submit stores a prepared submission in one transaction: idempotency key, gap-free reference
// number per tenant, prefix and year, the submission row, the audit entry, the jobs, and the
// hooks' rows. When the principal already used the idempotency key with the same request, the
// first submission is returned with existing = true and nothing is written; with a different
// request it is a conflict.
//
// Concurrent calls are committed together (group commit, see groupcommit.go): one transaction
// and one durable commit for every submission waiting at that moment. Submit returns only
// after the commit that holds its submission, so an acknowledgement still means durable.
func (db *DB) Submit(ctx context.Context, p *submission.Prepared, js []jobs.Job, hooks ...SubmitHook) (sub *submission.Submission, existing bool, err error) {
	// The group's BEGIN locks and reads the submission's reference counter and reads the
	// recipient directory's version (the hub's hook needs it), so neither is a round trip of
	// its own.
	hints := &txHints{directory: true, counters: []counterKey{{p.Submission.TenantAGS, p.RefPrefix, p.Year}}}
	if p.IdemKey != "" {
		// Looked up with the BEGIN too, for the whole group in one query: inside the group's
		// transaction each lookup of its own was a round trip of the one leader.
		hints.idem = []idemKey{{p.Principal, p.IdemKey}}
	}
	err = db.group.runHinted(ctx, db, hints, func(ctx context.Context, tx *Tx) error {
		var err error
		sub, existing, err = submitTx(ctx, tx, p, js, hooks)
		return err
	}, func(ctx context.Context) error {
		var err error
		sub, existing, err = db.submitAlone(ctx, p, js, hooks)
		return err
	})
	if err != nil {
		return nil, false, err
	}
	return sub, existing, nil
}

// submitAlone stores one submission in its own transaction.
func (db *DB) submitAlone(ctx context.Context, p *submission.Prepared, js []jobs.Job, hooks []SubmitHook) (sub *submission.Submission, existing bool, err error) {
	err = db.InTx(ctx, func(tx *Tx) error {
		var err error
		sub, existing, err = submitTx(ctx, tx, p, js, hooks)
		return err
	})
	if err != nil && isUniqueViolation(err) && p.IdemKey != "" {
		// A concurrent request with the same key won the race: answer like a retry.
		return db.submitAlone(ctx, p, js, hooks)
	}
	if err != nil {
		return nil, false, err
	}
	return sub, existing, nil
}

// submitTx writes one submission inside tx (see Submit).
func submitTx(ctx context.Context, tx *Tx, p *submission.Prepared, js []jobs.Job, hooks []SubmitHook) (sub *submission.Submission, existing bool, err error) {
	now := p.Submission.CreatedAt
	err = func() error {
		if p.IdemKey != "" {
			var hash, id string
			var err error
			switch hit, hinted := tx.idem[idemKey{p.Principal, p.IdemKey}]; {
			case hinted && hit != nil: // read with the BEGIN (txHints.idem)
				hash, id = hit.requestHash, hit.submissionID
			case hinted:
				err = sql.ErrNoRows
			default:
				err = tx.QueryRow(ctx, `SELECT request_hash, submission_id FROM idempotency_keys WHERE principal = ? AND key = ?`, p.Principal, p.IdemKey).Scan(&hash, &id)
			}
			switch {
			case err == nil:
				if hash != p.RequestHash {
					return apperr.Invalid(apperr.FieldError{Pointer: "", Code: "idempotency_key_reused", Message: "Idempotency-Key: Dieser Schlüssel wurde bereits für eine andere Einreichung verwendet."})
				}
				s, err := getSubmission(ctx, tx.QueryRow, id)
				if err != nil {
					return err
				}
				sub, existing = s, true
				return nil
			case !errors.Is(err, sql.ErrNoRows):
				return err
			}
		}
		s := p.Submission
		ts := FormatTime(now)
		// Rows that take no shared lock go first. The tenant's reference counter and the audit
		// head are rows every concurrent submission must lock until commit (gap-free numbers,
		// an unforked chain), so they are taken last and held for as few statements as
		// possible: on PostgreSQL that hold time bounds the submissions per second.
		if p.IdemKey != "" {
			// On PostgreSQL held for the commit with the group's other keys (insertRows): a
			// second request with the same key in the same group then fails the group at
			// commit, and alone it finds the first.
			if err := tx.insertRows(ctx, `INSERT INTO idempotency_keys (principal, key, request_hash, submission_id, created_at) VALUES `, "(?, ?, ?, ?, ?)", "",
				[]any{p.Principal, p.IdemKey, p.RequestHash, s.ID, ts}); err != nil {
				return err
			}
		}
		for i := range js {
			j := js[i]
			if j.TenantAGS == "" {
				j.TenantAGS = s.TenantAGS
			}
			if err := EnqueueJob(ctx, tx, &j, now); err != nil {
				return err
			}
		}
		n, err := nextReference(ctx, tx, s.TenantAGS, p.RefPrefix, p.Year)
		if err != nil {
			return err
		}
		s.Reference = submission.FormatReference(p.RefPrefix, s.TenantAGS, p.Year, n)
		warnings, _ := json.Marshal(s.Warnings)
		office, _ := json.Marshal(s.Office)
		// On PostgreSQL the row waits for the commit with the group's other submissions
		// (insertRows). Every row that refers to it is held the same way, and held rows are
		// written in the order their statements were first used, so it comes first. An
		// idempotent retry in the same group that looks it up fails the group, which is then
		// written member by member.
		if err := tx.insertRows(ctx, `INSERT INTO submissions (id, tenant_ags, office_ags, office_id, leistung, form_id, form_version, art, reference, status, data, digest, warnings, display_name, user_id, token_id, organisation_id, gewerbebetrieb_id, office_snapshot, created_at, updated_at) VALUES `,
			"(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", "",
			[]any{s.ID, s.TenantAGS, s.OfficeAGS, s.OfficeID, s.Leistung, s.FormID, s.FormVersion, s.Art, s.Reference, s.Status, string(s.Data), s.Digest, string(warnings),
				s.DisplayName, s.UserID, s.TokenID, s.OrganisationID, s.GewerbebetriebID, string(office), ts, ts}); err != nil {
			return err
		}
		for _, h := range hooks {
			if err := h(ctx, tx, &s); err != nil {
				return err
			}
		}
		detail, _ := json.Marshal(map[string]string{"reference": s.Reference, "leistung": s.Leistung, "digest": s.Digest})
		if err := AppendAudit(ctx, tx, now, audit.Record{Actor: p.Principal, TenantAGS: s.TenantAGS, Action: "submission.create", Object: "submission:" + s.ID, Detail: string(detail)}); err != nil {
			return err
		}
		sub = &s
		return nil
	}()
	return sub, existing, err
}

// nextReference increments the tenant's counter for prefix and year inside tx. The counter row
// is locked until commit, so numbers have no gaps: a rolled-back submission rolls back its
// number too.
func nextReference(ctx context.Context, tx *Tx, ags, prefix string, year int) (int64, error) {
	k := counterKey{ags, prefix, year}
	if c := tx.counters[k]; c != nil {
		// The row is locked by this transaction since its first number: count on here and
		// write the last number back at commit (counterUpdates), one statement per counter
		// and group instead of one per submission.
		c.last++
		c.dirty = true
		return c.last, nil
	}
	var last int64
	err := tx.QueryRow(ctx, `UPDATE reference_counters SET last = last + 1 WHERE tenant_ags = ? AND prefix = ? AND year = ? RETURNING last`, ags, prefix, year).Scan(&last)
	if errors.Is(err, sql.ErrNoRows) {
		// The first number of the year: a concurrent first insert is folded in by ON CONFLICT.
		err = tx.QueryRow(ctx, `INSERT INTO reference_counters (tenant_ags, prefix, year, last) VALUES (?, ?, ?, 1) ON CONFLICT (tenant_ags, prefix, year) DO UPDATE SET last = reference_counters.last + 1 RETURNING last`, ags, prefix, year).Scan(&last)
	}
	if err != nil {
		return 0, err
	}
	if tx.counters == nil {
		tx.counters = map[counterKey]*heldCounter{}
	}
	tx.counters[k] = &heldCounter{last: last}
	return last, nil
}

// counterKey names a reference counter row.
type counterKey struct {
	ags, prefix string
	year        int
}

// heldCounter is a reference counter locked by a transaction: the last number handed out,
// and whether that is ahead of the row.
type heldCounter struct {
	last  int64
	dirty bool
}

// counterUpdates returns the statements that write the numbers handed out after a counter's
// first one back to its row (run at commit with the held rows, heldStmts). A rolled-back
// transaction rolls them back with everything else, so the numbers stay without gaps.
func (tx *Tx) counterUpdates() []batchStmt {
	var out []batchStmt
	for k, c := range tx.counters {
		if !c.dirty {
			continue
		}
		out = append(out, batchStmt{`UPDATE reference_counters SET last = ? WHERE tenant_ags = ? AND prefix = ? AND year = ?`, []any{c.last, k.ags, k.prefix, k.year}})
		c.dirty = false
	}
	return out
}

const submissionCols = `id, tenant_ags, office_ags, office_id, leistung, form_id, form_version, art, reference, status, data, digest, warnings, display_name, user_id, token_id, organisation_id, gewerbebetrieb_id, office_snapshot, created_at`

func scanSubmission(sc scanner) (*submission.Submission, error) {
	var s submission.Submission
	var data, warnings, office, created string
	err := sc.Scan(&s.ID, &s.TenantAGS, &s.OfficeAGS, &s.OfficeID, &s.Leistung, &s.FormID, &s.FormVersion, &s.Art, &s.Reference, &s.Status, &data, &s.Digest, &warnings,
		&s.DisplayName, &s.UserID, &s.TokenID, &s.OrganisationID, &s.GewerbebetriebID, &office, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFound("Einreichung")
	}
	if err != nil {
		return nil, err
	}
	s.Data, s.CreatedAt = json.RawMessage(data), ParseTime(created)
	_ = json.Unmarshal([]byte(warnings), &s.Warnings)
	_ = json.Unmarshal([]byte(office), &s.Office)
	return &s, nil
}

func getSubmission(ctx context.Context, qr func(context.Context, string, ...any) *sql.Row, id string) (*submission.Submission, error) {
	return scanSubmission(qr(ctx, `SELECT `+submissionCols+` FROM submissions WHERE id = ?`, id))
}

// GetSubmission returns a submission by id. Callers check who may see it.
func (db *DB) GetSubmission(ctx context.Context, id string) (*submission.Submission, error) {
	return getSubmission(ctx, db.QueryRow, id)
}

// SubmissionsOfUser lists the submissions a user filed or that belong to one of orgs.
func (db *DB) SubmissionsOfUser(ctx context.Context, userID string, orgs []string, limit int) ([]*submission.Submission, error) {
	q := `SELECT ` + submissionCols + ` FROM submissions WHERE user_id = ?`
	args := []any{userID}
	for _, o := range orgs {
		q += ` OR organisation_id = ?`
		args = append(args, o)
	}
	q += ` ORDER BY created_at DESC LIMIT ?`
	args = append(args, limit)
	rows, err := db.Query(ctx, q, args...)
	return collect(rows, err, scanSubmission)
}

// Document is a stored generated document.
type Document struct {
	SubmissionID string
	Name         string
	ContentType  string
	BlobKey      string
	SHA256       string
	Size         int64
}

// SaveDocument records a rendered document (idempotent: a second save of the same name keeps
// the first, which is byte-identical because rendering is deterministic).
func (db *DB) SaveDocument(ctx context.Context, d Document, now time.Time) error {
	_, err := db.Exec(ctx, `INSERT INTO documents (submission_id, name, content_type, blob_key, sha256, size, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (submission_id, name) DO NOTHING`,
		d.SubmissionID, d.Name, d.ContentType, d.BlobKey, d.SHA256, d.Size, FormatTime(now))
	return err
}

// GetDocument returns a stored document's metadata.
func (db *DB) GetDocument(ctx context.Context, submissionID, name string) (*Document, error) {
	var d Document
	err := db.QueryRow(ctx, `SELECT submission_id, name, content_type, blob_key, sha256, size FROM documents WHERE submission_id = ? AND name = ?`, submissionID, name).
		Scan(&d.SubmissionID, &d.Name, &d.ContentType, &d.BlobKey, &d.SHA256, &d.Size)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFound("Dokument")
	}
	return &d, err
}

// SetAvailability records how a municipality offers a service.
func (db *DB) SetAvailability(ctx context.Context, ags, leistung, status string, now time.Time) error {
	_, err := db.Exec(ctx, `INSERT INTO service_availability (tenant_ags, leistung, status, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (tenant_ags, leistung) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at`,
		ags, leistung, status, FormatTime(now))
	return err
}

// Availability returns the per-service overrides of a municipality (leistung → status).
func (db *DB) Availability(ctx context.Context, ags string) (map[string]string, error) {
	rows, err := db.Query(ctx, `SELECT leistung, status FROM service_availability WHERE tenant_ags = ?`, ags)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var l, s string
		if err := rows.Scan(&l, &s); err != nil {
			return nil, err
		}
		out[l] = s
	}
	return out, rows.Err()
}

// AllAvailability returns every municipality's own availability settings (ags → leistung →
// status); services without a setting follow the catalog.
func (db *DB) AllAvailability(ctx context.Context) (map[string]map[string]string, error) {
	rows, err := db.Query(ctx, `SELECT tenant_ags, leistung, status FROM service_availability`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]map[string]string{}
	for rows.Next() {
		var a, l, s string
		if err := rows.Scan(&a, &l, &s); err != nil {
			return nil, err
		}
		if out[a] == nil {
			out[a] = map[string]string{}
		}
		out[a][l] = s
	}
	return out, rows.Err()
}
