package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/rathaus-egov/rathaus/internal/apperr"
)

// Draft is a stored form draft: the engine's draft data (JSON) pinned to one version of one
// form, for one municipality, owned by an account or by the holder of a resume secret.
type Draft struct {
	ID          string
	TenantAGS   string
	Leistung    string
	FormID      string
	FormVersion int
	UserID      string // owner account, or "" for an anonymous draft
	ResumeHash  string // SHA-256 (hex) of the anonymous owner's resume secret
	Data        []byte
	Step        string // the step to resume at
	// SubmissionID is set once the draft was submitted; the draft is then read-only.
	SubmissionID string
	CreatedAt    time.Time
	UpdatedAt    time.Time
	ExpiresAt    time.Time
}

// DraftOwner names who asks for a draft: the logged-in account and/or the hash of the resume
// secret the browser holds. A draft matches when either is its owner; an empty owner matches
// nothing.
type DraftOwner struct {
	UserID     string
	ResumeHash string
}

// ownerClause restricts a draft query to the owner. Empty values never match.
func ownerClause(o DraftOwner) (string, []any) {
	return `((user_id <> '' AND user_id = ?) OR (resume_hash <> '' AND resume_hash = ?))`, []any{o.UserID, o.ResumeHash}
}

// Attachment is an uploaded file of a draft, later linked to its submission.
type Attachment struct {
	ID           string
	SubmissionID string
	DraftID      string
	Field        string
	Filename     string
	ContentType  string
	BlobKey      string
	SHA256       string
	Size         int64
	CreatedAt    time.Time
}

const draftCols = `id, tenant_ags, leistung, form_id, form_version, user_id, resume_hash, data, step, submission_id, created_at, updated_at, expires_at`

func scanDraft(sc interface{ Scan(...any) error }) (*Draft, error) {
	var d Draft
	var data, created, updated, expires string
	err := sc.Scan(&d.ID, &d.TenantAGS, &d.Leistung, &d.FormID, &d.FormVersion, &d.UserID, &d.ResumeHash, &data, &d.Step, &d.SubmissionID, &created, &updated, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFound("Entwurf")
	}
	if err != nil {
		return nil, err
	}
	d.Data = []byte(data)
	d.CreatedAt, d.UpdatedAt, d.ExpiresAt = ParseTime(created), ParseTime(updated), ParseTime(expires)
	return &d, nil
}

// CreateDraft stores a new draft. The caller sets every field but the timestamps' text form.
func (db *DB) CreateDraft(ctx context.Context, d *Draft) error {
	_, err := db.Exec(ctx, `INSERT INTO drafts (`+draftCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		d.ID, d.TenantAGS, d.Leistung, d.FormID, d.FormVersion, d.UserID, d.ResumeHash, string(d.Data), d.Step, d.SubmissionID,
		FormatTime(d.CreatedAt), FormatTime(d.UpdatedAt), FormatTime(d.ExpiresAt))
	return err
}

// GetDraft returns the owner's draft id unless it has expired; anything else — another
// owner's draft, an unknown or expired one — is not found.
func (db *DB) GetDraft(ctx context.Context, id string, owner DraftOwner, now time.Time) (*Draft, error) {
	oc, args := ownerClause(owner)
	return scanDraft(db.QueryRow(ctx, `SELECT `+draftCols+` FROM drafts WHERE id = ? AND expires_at > ? AND `+oc,
		append([]any{id, FormatTime(now)}, args...)...))
}

// DraftBySubmission returns the owner's draft that became the submission, if any.
func (db *DB) DraftBySubmission(ctx context.Context, submissionID string, owner DraftOwner) (*Draft, error) {
	if submissionID == "" {
		return nil, apperr.NotFound("Entwurf")
	}
	oc, args := ownerClause(owner)
	return scanDraft(db.QueryRow(ctx, `SELECT `+draftCols+` FROM drafts WHERE submission_id = ? AND `+oc,
		append([]any{submissionID}, args...)...))
}

// SaveDraft stores new data and the step to resume at for an open (not submitted) draft of
// the tenant and moves its expiry. A submitted, foreign or unknown draft is not found.
func (db *DB) SaveDraft(ctx context.Context, ags, id string, owner DraftOwner, data []byte, step string, now, expires time.Time) error {
	oc, args := ownerClause(owner)
	res, err := db.Exec(ctx, `UPDATE drafts SET data = ?, step = ?, updated_at = ?, expires_at = ? WHERE id = ? AND tenant_ags = ? AND submission_id = '' AND `+oc,
		append([]any{string(data), step, FormatTime(now), FormatTime(expires), id, ags}, args...)...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.NotFound("Entwurf")
	}
	return nil
}

// MoveDraft hands the owner's open draft over to the municipality toAGS with everything
// entered and uploaded so far: the business lies there, so its Gewerbeamt is responsible. A
// submitted, foreign or unknown draft is not found.
func (db *DB) MoveDraft(ctx context.Context, fromAGS, id string, owner DraftOwner, toAGS string, now time.Time) error {
	oc, args := ownerClause(owner)
	res, err := db.Exec(ctx, `UPDATE drafts SET tenant_ags = ?, updated_at = ? WHERE id = ? AND tenant_ags = ? AND submission_id = '' AND `+oc,
		append([]any{toAGS, FormatTime(now), id, fromAGS}, args...)...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.NotFound("Entwurf")
	}
	return nil
}

// DeleteDraft removes an open draft of the owner and the records of its uploads.
func (db *DB) DeleteDraft(ctx context.Context, ags, id string, owner DraftOwner) error {
	oc, args := ownerClause(owner)
	return db.InTx(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM drafts WHERE id = ? AND tenant_ags = ? AND submission_id = '' AND `+oc, append([]any{id, ags}, args...)...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.NotFound("Entwurf")
		}
		_, err = tx.Exec(ctx, `DELETE FROM attachments WHERE draft_id = ? AND submission_id = ''`, id)
		return err
	})
}

// DraftsOfUser lists the account's open drafts that have not expired, newest first.
func (db *DB) DraftsOfUser(ctx context.Context, userID string, now time.Time, limit int) ([]*Draft, error) {
	if userID == "" {
		return nil, nil
	}
	rows, err := db.Query(ctx, `SELECT `+draftCols+` FROM drafts WHERE user_id = ? AND submission_id = '' AND expires_at > ? ORDER BY updated_at DESC LIMIT ?`,
		userID, FormatTime(now), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Draft
	for rows.Next() {
		d, err := scanDraft(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// MarkDraftSubmitted records that the owner's draft became submissionID and links the
// draft's uploads named in attachmentIDs to the submission, in one transaction. Marking a
// draft again with the same submission is a no-op (a retried submit).
func (db *DB) MarkDraftSubmitted(ctx context.Context, ags, id string, owner DraftOwner, submissionID string, attachmentIDs []string, now time.Time) error {
	oc, args := ownerClause(owner)
	return db.InTx(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `UPDATE drafts SET submission_id = ?, updated_at = ? WHERE id = ? AND tenant_ags = ? AND (submission_id = '' OR submission_id = ?) AND `+oc,
			append([]any{submissionID, FormatTime(now), id, ags, submissionID}, args...)...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.NotFound("Entwurf")
		}
		if len(attachmentIDs) == 0 {
			return nil
		}
		q := `UPDATE attachments SET submission_id = ? WHERE draft_id = ? AND id IN (?` + strings.Repeat(", ?", len(attachmentIDs)-1) + `)`
		a := []any{submissionID, id}
		for _, x := range attachmentIDs {
			a = append(a, x)
		}
		_, err = tx.Exec(ctx, q, a...)
		return err
	})
}

// CreateAttachment records an upload of a draft (the bytes are in the blob store already).
func (db *DB) CreateAttachment(ctx context.Context, a *Attachment) error {
	_, err := db.Exec(ctx, `INSERT INTO attachments (id, submission_id, draft_id, field, filename, content_type, blob_key, sha256, size, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.ID, a.SubmissionID, a.DraftID, a.Field, a.Filename, a.ContentType, a.BlobKey, a.SHA256, a.Size, FormatTime(a.CreatedAt))
	return err
}

// AttachmentsOfSubmission lists the uploads linked to a submission, oldest first.
func (db *DB) AttachmentsOfSubmission(ctx context.Context, submissionID string) ([]Attachment, error) {
	rows, err := db.Query(ctx, `SELECT id, submission_id, draft_id, field, filename, content_type, blob_key, sha256, size, created_at FROM attachments WHERE submission_id = ? ORDER BY created_at, id`, submissionID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Attachment
	for rows.Next() {
		var a Attachment
		var created string
		if err := rows.Scan(&a.ID, &a.SubmissionID, &a.DraftID, &a.Field, &a.Filename, &a.ContentType, &a.BlobKey, &a.SHA256, &a.Size, &created); err != nil {
			return nil, err
		}
		a.CreatedAt = ParseTime(created)
		out = append(out, a)
	}
	return out, rows.Err()
}
