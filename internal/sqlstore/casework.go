package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/rathaus-egov/rathaus/internal/apperr"
	"github.com/rathaus-egov/rathaus/internal/audit"
	"github.com/rathaus-egov/rathaus/internal/casework"
	"github.com/rathaus-egov/rathaus/internal/jobs"
	"github.com/rathaus-egov/rathaus/internal/submission"
)

// OpenCaseHook returns the submit hook that opens the case of every submission at its
// responsible office, inside the submit transaction: a receipt therefore always means the
// case exists.
func OpenCaseHook(svc *casework.Service) SubmitHook {
	return func(ctx context.Context, tx *Tx, s *submission.Submission) error {
		c := &casework.Case{TenantAGS: s.OfficeAGS, OfficeID: s.OfficeID, SubmissionID: s.ID, FiledAGS: s.TenantAGS, Type: casework.TypeFor(s.Art),
			Leistung: s.Leistung, Reference: s.Reference, DisplayName: s.DisplayName, UserID: s.UserID, OrganisationID: s.OrganisationID}
		ch := svc.NewCase(c, s.CreatedAt)
		ts := FormatTime(s.CreatedAt)
		// Batched at commit on PostgreSQL with the group's other cases (insertRows).
		if err := tx.insertRows(ctx, `INSERT INTO cases (id, tenant_ags, office_id, submission_id, filed_ags, case_type, leistung, reference, display_name, search_name, status, user_id, organisation_id, status_at, created_at, updated_at) VALUES `,
			"(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", "",
			[]any{c.ID, c.TenantAGS, c.OfficeID, c.SubmissionID, c.FiledAGS, c.Type, c.Leistung, c.Reference, c.DisplayName, caseSearchText(s), string(c.Status), c.UserID, c.OrganisationID, ts, ts, ts}); err != nil {
			return err
		}
		return applyRows(ctx, tx, c, ch, "system", s.CreatedAt)
	}
}

// caseSearchText is the case's search column: the folded names of the notice, or the folded
// display name of a submission Prepare gave no search text.
func caseSearchText(s *submission.Submission) string {
	if s.SearchText != "" {
		return s.SearchText
	}
	return submission.SearchFold(s.DisplayName)
}

// ErrCaseChanged is returned by ApplyCaseChange when someone else changed the case since it
// was read.
var ErrCaseChanged = apperr.Conflict("case.changed", "Der Vorgang wurde inzwischen von anderer Seite geändert. Bitte laden Sie die Seite neu und prüfen Sie den aktuellen Stand.")

// ApplyCaseChange writes a change the casework.Service decided, in one transaction: the case
// row (only if it still has the version c was read with; else ErrCaseChanged), history,
// messages, files, participations, decision, permits, customs indication, timers and audit
// entries; then after (if not nil) adds the adapter's rows, e.g. notification mails. On
// success c carries the new version.
func (db *DB) ApplyCaseChange(ctx context.Context, c *casework.Case, ch *casework.Change, actor string, now time.Time, after func(ctx context.Context, tx *Tx) error) error {
	err := db.InTx(ctx, func(tx *Tx) error {
		set := []string{"version = version + 1", "updated_at = ?"}
		args := []any{FormatTime(now)}
		if ch.To != "" {
			set = append(set, "status = ?", "status_at = ?")
			args = append(args, string(ch.To), FormatTime(c.StatusAt))
		}
		if ch.AssigneeID != nil {
			set = append(set, "assignee_id = ?", "assignee_name = ?")
			args = append(args, *ch.AssigneeID, ch.AssigneeName)
		}
		if ch.DueAt != nil {
			set = append(set, "due_at = ?")
			args = append(args, fmtOptTime(*ch.DueAt))
		}
		if ch.Overdue != nil {
			set = append(set, "overdue = ?")
			args = append(args, boolInt(*ch.Overdue))
		}
		args = append(args, c.ID, c.TenantAGS, c.Version)
		res, err := tx.Exec(ctx, `UPDATE cases SET `+strings.Join(set, ", ")+` WHERE id = ? AND tenant_ags = ? AND version = ?`, args...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrCaseChanged
		}
		if err := applyRows(ctx, tx, c, ch, actor, now); err != nil {
			return err
		}
		if after != nil {
			return after(ctx, tx)
		}
		return nil
	})
	if err == nil {
		c.Version++
		if ch.Overdue != nil {
			c.Overdue = *ch.Overdue
		}
	}
	return err
}

func fmtOptTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return FormatTime(t)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// applyRows inserts everything of a change except the case row itself.
func applyRows(ctx context.Context, tx *Tx, c *casework.Case, ch *casework.Change, actor string, now time.Time) error {
	for _, e := range ch.Events {
		if err := tx.insertRows(ctx, `INSERT INTO case_events (id, case_id, tenant_ags, at, kind, actor_id, actor_name, from_status, to_status, text, public) VALUES `,
			"(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", "",
			[]any{e.ID, c.ID, c.TenantAGS, FormatTime(e.At), e.Kind, e.ActorID, e.ActorName, string(e.From), string(e.To), e.Text, boolInt(e.Public)}); err != nil {
			return err
		}
	}
	if ch.AnswerOpen {
		if _, err := tx.Exec(ctx, `UPDATE case_messages SET answered_at = ? WHERE case_id = ? AND tenant_ags = ? AND kind = ? AND answered_at = ''`, FormatTime(now), c.ID, c.TenantAGS, casework.KindRueckfrage); err != nil {
			return err
		}
	}
	for _, m := range ch.Messages {
		if _, err := tx.Exec(ctx, `INSERT INTO case_messages (id, case_id, tenant_ags, direction, kind, body, deadline, author_id, author_name, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			m.ID, c.ID, c.TenantAGS, m.Direction, m.Kind, m.Body, fmtOptTime(m.Deadline), m.AuthorID, m.AuthorName, FormatTime(m.CreatedAt)); err != nil {
			return err
		}
		if err := insertFiles(ctx, tx, c, casework.OwnerMessage, m.ID, m.Files, now); err != nil {
			return err
		}
	}
	for _, p := range ch.Participations {
		if _, err := tx.Exec(ctx, `INSERT INTO participations (id, case_id, lead_ags, lead_office_id, lead_office_name, part_ags, part_office_id, part_office_name, question, deadline, parts, status, created_by_name, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			p.ID, c.ID, p.LeadAGS, p.LeadOfficeID, p.LeadOfficeName, p.AGS, p.OfficeID, p.OfficeName, p.Question, FormatTime(p.Deadline), joinParts(p.Parts), p.Status, p.CreatedByName, FormatTime(p.CreatedAt)); err != nil {
			return err
		}
	}
	if p := ch.PartAnswer; p != nil {
		res, err := tx.Exec(ctx, `UPDATE participations SET status = ?, answer = ?, answered_at = ?, answered_by_name = ? WHERE id = ? AND case_id = ? AND status = ?`,
			casework.PartAnswered, p.Answer, FormatTime(p.AnsweredAt), p.AnsweredByName, p.ID, c.ID, casework.PartOpen)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.Conflict("participation.answered", "Diese Beteiligung ist bereits beantwortet.")
		}
		if err := insertFiles(ctx, tx, c, casework.OwnerParticipation, p.ID, p.Files, now); err != nil {
			return err
		}
	}
	if ch.PartOverdue != "" {
		if _, err := tx.Exec(ctx, `UPDATE participations SET overdue = 1 WHERE id = ? AND case_id = ?`, ch.PartOverdue, c.ID); err != nil {
			return err
		}
	}
	if d := ch.Decision; d != nil {
		if _, err := tx.Exec(ctx, `INSERT INTO decisions (id, case_id, tenant_ags, result, betreff, template, blob_key, size, filename, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			d.ID, c.ID, c.TenantAGS, string(d.Result), d.Betreff, d.Template, d.BlobKey, d.Size, d.Filename, d.CreatedBy, FormatTime(d.CreatedAt)); err != nil {
			return err
		}
	}
	for _, p := range ch.Permits {
		if _, err := tx.Exec(ctx, `INSERT INTO permits (id, case_id, tenant_ags, title, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			p.ID, c.ID, c.TenantAGS, p.Title, FormatTime(p.ExpiresAt), FormatTime(p.CreatedAt)); err != nil {
			return err
		}
	}
	if z := ch.Zoll; z != nil {
		if _, err := tx.Exec(ctx, `INSERT INTO zoll_indications (submission_id, case_id, tenant_ags, reasons, note, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (submission_id) DO UPDATE SET reasons = excluded.reasons, note = excluded.note, recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at`,
			c.SubmissionID, c.ID, c.TenantAGS, strings.Join(z.Reasons, ","), z.Note, z.RecordedBy, FormatTime(z.RecordedAt)); err != nil {
			return err
		}
	}
	for _, t := range ch.Timers {
		j := jobs.Job{Kind: t.Kind, TenantAGS: c.TenantAGS, Payload: t.Payload, RunAt: t.RunAt, UniqueKey: t.Key, MaxAttempts: 10}
		if err := EnqueueJob(ctx, tx, &j, now); err != nil {
			return err
		}
	}
	for _, a := range ch.Audit {
		detail, _ := json.Marshal(map[string]string{"reference": c.Reference, "status": string(c.Status)})
		if err := AppendAudit(ctx, tx, now, audit.Record{Actor: actor, TenantAGS: c.TenantAGS, Action: a, Object: "case:" + c.ID, Detail: string(detail)}); err != nil {
			return err
		}
	}
	return nil
}

func insertFiles(ctx context.Context, tx *Tx, c *casework.Case, owner, ownerID string, fs []casework.File, now time.Time) error {
	for _, f := range fs {
		if _, err := tx.Exec(ctx, `INSERT INTO case_files (id, case_id, tenant_ags, owner_kind, owner_id, filename, content_type, blob_key, size, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			f.ID, c.ID, c.TenantAGS, owner, ownerID, f.Filename, f.ContentType, f.BlobKey, f.Size, FormatTime(now)); err != nil {
			return err
		}
	}
	return nil
}

func joinParts(ps []casework.Part) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = string(p)
	}
	return strings.Join(s, ",")
}

func splitParts(s string) []casework.Part {
	out := []casework.Part{}
	for _, p := range strings.Split(s, ",") {
		if p != "" {
			out = append(out, casework.Part(p))
		}
	}
	return out
}

const caseCols = `id, tenant_ags, office_id, submission_id, filed_ags, case_type, leistung, reference, display_name, status, assignee_id, assignee_name, due_at, overdue, version, user_id, organisation_id, status_at, created_at, updated_at`

func scanCase(sc interface{ Scan(...any) error }) (*casework.Case, error) {
	var c casework.Case
	var status, due, statusAt, created, updated string
	var overdue int
	err := sc.Scan(&c.ID, &c.TenantAGS, &c.OfficeID, &c.SubmissionID, &c.FiledAGS, &c.Type, &c.Leistung, &c.Reference, &c.DisplayName, &status, &c.AssigneeID, &c.AssigneeName,
		&due, &overdue, &c.Version, &c.UserID, &c.OrganisationID, &statusAt, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFound("Vorgang")
	}
	if err != nil {
		return nil, err
	}
	c.Status, c.Overdue = casework.Status(status), overdue != 0
	c.DueAt, c.StatusAt, c.CreatedAt, c.UpdatedAt = ParseTime(due), ParseTime(statusAt), ParseTime(created), ParseTime(updated)
	return &c, nil
}

func (db *DB) queryCases(ctx context.Context, q string, args ...any) ([]*casework.Case, error) {
	rows, err := db.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*casework.Case
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// GetCase returns a case of the municipality ags; a case of another municipality is not
// found.
func (db *DB) GetCase(ctx context.Context, ags, id string) (*casework.Case, error) {
	return scanCase(db.QueryRow(ctx, `SELECT `+caseCols+` FROM cases WHERE tenant_ags = ? AND id = ?`, ags, id))
}

// CaseByID returns a case whatever its municipality. Callers decide who may see it (staff
// of its office, a participating office, the applicant) and answer everybody else with 404.
func (db *DB) CaseByID(ctx context.Context, id string) (*casework.Case, error) {
	return scanCase(db.QueryRow(ctx, `SELECT `+caseCols+` FROM cases WHERE id = ?`, id))
}

// CaseBySubmission returns the case of a submission. Callers check access.
func (db *DB) CaseBySubmission(ctx context.Context, submissionID string) (*casework.Case, error) {
	return scanCase(db.QueryRow(ctx, `SELECT `+caseCols+` FROM cases WHERE submission_id = ?`, submissionID))
}

// CaseFilter selects cases for an office's inbox or the API.
type CaseFilter struct {
	Desks    []casework.Desk // where the caller works; required (no desk: no case)
	Status   string
	Leistung string
	OfficeID string
	Before   time.Time // created before (age filter)
	Assignee string    // a user id, or "-" for unassigned
	Query    string    // part of the reference or the name, case-insensitive
	// After is a page cursor (CaseCursor of the last case of the previous page): only cases
	// after it in the list's order.
	After string
	Limit int // 1–500; otherwise 200
}

// CaseCursor is the page cursor of c: the list continues after it (CaseFilter.After).
func CaseCursor(c *casework.Case) string {
	return FormatTime(c.CreatedAt) + "_" + c.ID
}

// parseCaseCursor splits a cursor into time and id; ok is false for anything CaseCursor
// does not produce.
func parseCaseCursor(cur string) (ts, id string, ok bool) {
	ts, id, found := strings.Cut(cur, "_")
	if !found || id == "" || len(id) > 64 {
		return "", "", false
	}
	if _, err := time.Parse(TimeFormat, ts); err != nil {
		return "", "", false
	}
	return ts, id, true
}

// ValidCaseCursor reports whether cur is a page cursor ListCases understands.
func ValidCaseCursor(cur string) bool {
	_, _, ok := parseCaseCursor(cur)
	return cur == "" || ok
}

// ListCases returns a page of the cases at the filter's desks, oldest first (first come,
// first served), and whether more follow (the next page: After = CaseCursor of the last).
func (db *DB) ListCases(ctx context.Context, f CaseFilter) (cases []*casework.Case, more bool, err error) {
	where, args := caseWhere(f)
	if where == "" {
		return nil, false, nil
	}
	if ts, id, ok := parseCaseCursor(f.After); ok {
		where += ` AND (created_at > ? OR (created_at = ? AND id > ?))`
		args = append(args, ts, ts, id)
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 200
	}
	args = append(args, limit+1)
	cases, err = db.queryCases(ctx, `SELECT `+caseCols+` FROM cases WHERE `+where+` ORDER BY created_at, id LIMIT ?`, args...)
	if err != nil {
		return nil, false, err
	}
	if len(cases) > limit {
		return cases[:limit], true, nil
	}
	return cases, false, nil
}

// CountCases counts the cases the filter selects on all pages (After and Limit ignored).
func (db *DB) CountCases(ctx context.Context, f CaseFilter) (int, error) {
	where, args := caseWhere(f)
	if where == "" {
		return 0, nil
	}
	var n int
	err := db.QueryRow(ctx, `SELECT COUNT(*) FROM cases WHERE `+where, args...).Scan(&n)
	return n, err
}

// caseWhere is the WHERE clause of the filter without its cursor; "" when the filter names
// no desk (no case).
func caseWhere(f CaseFilter) (string, []any) {
	if len(f.Desks) == 0 {
		return "", nil
	}
	var where []string
	var args []any
	var desks []string
	for _, d := range f.Desks {
		if d.OfficeID == "" {
			desks = append(desks, `tenant_ags = ?`)
			args = append(args, d.AGS)
		} else {
			desks = append(desks, `(tenant_ags = ? AND office_id = ?)`)
			args = append(args, d.AGS, d.OfficeID)
		}
	}
	where = append(where, "("+strings.Join(desks, " OR ")+")")
	if f.Status != "" {
		where, args = append(where, "status = ?"), append(args, f.Status)
	}
	if f.Leistung != "" {
		where, args = append(where, "leistung = ?"), append(args, f.Leistung)
	}
	if f.OfficeID != "" {
		where, args = append(where, "office_id = ?"), append(args, f.OfficeID)
	}
	if !f.Before.IsZero() {
		where, args = append(where, "created_at < ?"), append(args, FormatTime(f.Before))
	}
	switch f.Assignee {
	case "":
	case "-":
		where = append(where, "assignee_id = ''")
	default:
		where, args = append(where, "assignee_id = ?"), append(args, f.Assignee)
	}
	if q := strings.ToLower(strings.TrimSpace(f.Query)); q != "" {
		// The reference as typed; the names folded like the column (cases opened before the
		// column held folded names hold the lower-cased display name: both are tried).
		like := func(s string) string { return "%" + strings.NewReplacer("%", "", "_", "").Replace(s) + "%" }
		where, args = append(where, "(LOWER(reference) LIKE ? OR search_name LIKE ? OR search_name LIKE ?)"), append(args, like(q), like(submission.SearchFold(q)), like(q))
	}
	return strings.Join(where, " AND "), args
}

// CasesOfApplicant lists the cases a user filed or that belong to one of orgs, newest first.
func (db *DB) CasesOfApplicant(ctx context.Context, userID string, orgs []string) ([]*casework.Case, error) {
	q := `SELECT ` + caseCols + ` FROM cases WHERE (user_id <> '' AND user_id = ?)`
	args := []any{userID}
	for _, o := range orgs {
		q += ` OR (organisation_id <> '' AND organisation_id = ?)`
		args = append(args, o)
	}
	return db.queryCases(ctx, q+` ORDER BY created_at DESC LIMIT 200`, args...)
}

// CaseEvents returns a case's history, oldest first; publicOnly keeps what the applicant
// may see.
func (db *DB) CaseEvents(ctx context.Context, ags, caseID string, publicOnly bool) ([]casework.Event, error) {
	q := `SELECT id, case_id, at, kind, actor_id, actor_name, from_status, to_status, text, public FROM case_events WHERE tenant_ags = ? AND case_id = ?`
	if publicOnly {
		q += ` AND public = 1`
	}
	rows, err := db.Query(ctx, q+` ORDER BY at, id`, ags, caseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []casework.Event
	for rows.Next() {
		var e casework.Event
		var at, from, to string
		var pub int
		if err := rows.Scan(&e.ID, &e.CaseID, &at, &e.Kind, &e.ActorID, &e.ActorName, &from, &to, &e.Text, &pub); err != nil {
			return nil, err
		}
		e.At, e.From, e.To, e.Public = ParseTime(at), casework.Status(from), casework.Status(to), pub != 0
		out = append(out, e)
	}
	return out, rows.Err()
}

// CaseMessages returns a case's messages with their files, oldest first.
func (db *DB) CaseMessages(ctx context.Context, ags, caseID string) ([]casework.Message, error) {
	rows, err := db.Query(ctx, `SELECT id, case_id, direction, kind, body, deadline, answered_at, author_id, author_name, created_at, read_at FROM case_messages WHERE tenant_ags = ? AND case_id = ? ORDER BY created_at, id`, ags, caseID)
	if err != nil {
		return nil, err
	}
	var out []casework.Message
	for rows.Next() {
		var m casework.Message
		var deadline, answered, created, read string
		if err := rows.Scan(&m.ID, &m.CaseID, &m.Direction, &m.Kind, &m.Body, &deadline, &answered, &m.AuthorID, &m.AuthorName, &created, &read); err != nil {
			rows.Close()
			return nil, err
		}
		m.Deadline, m.AnsweredAt, m.CreatedAt, m.ReadAt = ParseTime(deadline), ParseTime(answered), ParseTime(created), ParseTime(read)
		out = append(out, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	files, err := db.caseFiles(ctx, ags, caseID)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Files = files[casework.OwnerMessage+":"+out[i].ID]
	}
	return out, nil
}

// caseFiles returns a case's files keyed by "owner_kind:owner_id".
func (db *DB) caseFiles(ctx context.Context, ags, caseID string) (map[string][]casework.File, error) {
	rows, err := db.Query(ctx, `SELECT id, case_id, owner_kind, owner_id, filename, content_type, blob_key, size, created_at FROM case_files WHERE tenant_ags = ? AND case_id = ? ORDER BY created_at, filename`, ags, caseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]casework.File{}
	for rows.Next() {
		var f casework.File
		var created string
		if err := rows.Scan(&f.ID, &f.CaseID, &f.OwnerKind, &f.OwnerID, &f.Filename, &f.ContentType, &f.BlobKey, &f.Size, &created); err != nil {
			return nil, err
		}
		f.CreatedAt = ParseTime(created)
		out[f.OwnerKind+":"+f.OwnerID] = append(out[f.OwnerKind+":"+f.OwnerID], f)
	}
	return out, rows.Err()
}

// CaseFile returns one file of a case of the municipality ags.
func (db *DB) CaseFile(ctx context.Context, ags, caseID, fileID string) (*casework.File, error) {
	var f casework.File
	var created string
	err := db.QueryRow(ctx, `SELECT id, case_id, owner_kind, owner_id, filename, content_type, blob_key, size, created_at FROM case_files WHERE tenant_ags = ? AND case_id = ? AND id = ?`, ags, caseID, fileID).
		Scan(&f.ID, &f.CaseID, &f.OwnerKind, &f.OwnerID, &f.Filename, &f.ContentType, &f.BlobKey, &f.Size, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFound("Datei")
	}
	f.CreatedAt = ParseTime(created)
	return &f, err
}

// MarkMessagesRead records that the side reading (the applicant: messages from the office,
// or the office: messages from the applicant) opened the case's messages.
func (db *DB) MarkMessagesRead(ctx context.Context, ags, caseID, fromDirection string, now time.Time) error {
	_, err := db.Exec(ctx, `UPDATE case_messages SET read_at = ? WHERE tenant_ags = ? AND case_id = ? AND direction = ? AND read_at = ''`, FormatTime(now), ags, caseID, fromDirection)
	return err
}

const partCols = `p.id, p.case_id, p.lead_ags, p.lead_office_id, p.lead_office_name, p.part_ags, p.part_office_id, p.part_office_name, p.question, p.deadline, p.parts, p.status, p.answer, p.answered_at, p.answered_by_name, p.overdue, p.created_by_name, p.created_at, c.reference, c.display_name, c.leistung`

func scanParticipation(sc interface{ Scan(...any) error }) (*casework.Participation, error) {
	var p casework.Participation
	var deadline, parts, answered, created string
	var overdue int
	err := sc.Scan(&p.ID, &p.CaseID, &p.LeadAGS, &p.LeadOfficeID, &p.LeadOfficeName, &p.AGS, &p.OfficeID, &p.OfficeName, &p.Question, &deadline, &parts, &p.Status, &p.Answer, &answered, &p.AnsweredByName, &overdue, &p.CreatedByName, &created,
		&p.CaseReference, &p.CaseDisplayName, &p.CaseLeistung)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFound("Beteiligung")
	}
	if err != nil {
		return nil, err
	}
	p.Deadline, p.AnsweredAt, p.CreatedAt, p.Parts, p.Overdue = ParseTime(deadline), ParseTime(answered), ParseTime(created), splitParts(parts), overdue != 0
	return &p, nil
}

func (db *DB) queryParticipations(ctx context.Context, q string, args ...any) ([]casework.Participation, error) {
	rows, err := db.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []casework.Participation
	for rows.Next() {
		p, err := scanParticipation(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *p)
	}
	return out, rows.Err()
}

// CaseParticipations returns the participations of a case of the lead municipality ags, with
// the answers' files.
func (db *DB) CaseParticipations(ctx context.Context, ags, caseID string) ([]casework.Participation, error) {
	ps, err := db.queryParticipations(ctx, `SELECT `+partCols+` FROM participations p JOIN cases c ON c.id = p.case_id WHERE p.lead_ags = ? AND p.case_id = ? ORDER BY p.created_at, p.id`, ags, caseID)
	if err != nil || len(ps) == 0 {
		return ps, err
	}
	files, err := db.caseFiles(ctx, ags, caseID)
	if err != nil {
		return nil, err
	}
	for i := range ps {
		ps[i].Files = files[casework.OwnerParticipation+":"+ps[i].ID]
	}
	return ps, nil
}

// ParticipationsAt lists the participations asked of the desks (the participating side's
// task list), open ones first, each by deadline.
func (db *DB) ParticipationsAt(ctx context.Context, desks []casework.Desk) ([]casework.Participation, error) {
	if len(desks) == 0 {
		return nil, nil
	}
	var conds []string
	var args []any
	for _, d := range desks {
		if d.OfficeID == "" {
			conds = append(conds, `p.part_ags = ?`)
			args = append(args, d.AGS)
		} else {
			conds = append(conds, `(p.part_ags = ? AND p.part_office_id = ?)`)
			args = append(args, d.AGS, d.OfficeID)
		}
	}
	return db.queryParticipations(ctx, `SELECT `+partCols+` FROM participations p JOIN cases c ON c.id = p.case_id WHERE (`+strings.Join(conds, " OR ")+`) ORDER BY p.status DESC, p.deadline, p.id LIMIT 500`, args...)
}

// ParticipationByID returns a participation with its answer's files. Callers check that the
// reader works at its participating or lead office.
func (db *DB) ParticipationByID(ctx context.Context, id string) (*casework.Participation, error) {
	p, err := scanParticipation(db.QueryRow(ctx, `SELECT `+partCols+` FROM participations p JOIN cases c ON c.id = p.case_id WHERE p.id = ?`, id))
	if err != nil {
		return nil, err
	}
	files, err := db.caseFiles(ctx, p.LeadAGS, p.CaseID)
	if err != nil {
		return nil, err
	}
	p.Files = files[casework.OwnerParticipation+":"+p.ID]
	return p, nil
}

// CaseDecisions returns the decisions of a case, oldest first.
func (db *DB) CaseDecisions(ctx context.Context, ags, caseID string) ([]casework.Decision, error) {
	rows, err := db.Query(ctx, `SELECT id, case_id, result, betreff, template, blob_key, size, filename, created_by, created_at, read_at FROM decisions WHERE tenant_ags = ? AND case_id = ? ORDER BY created_at, id`, ags, caseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []casework.Decision
	for rows.Next() {
		var d casework.Decision
		var result, created, read string
		if err := rows.Scan(&d.ID, &d.CaseID, &result, &d.Betreff, &d.Template, &d.BlobKey, &d.Size, &d.Filename, &d.CreatedBy, &created, &read); err != nil {
			return nil, err
		}
		d.Result, d.CreatedAt, d.ReadAt = casework.Status(result), ParseTime(created), ParseTime(read)
		out = append(out, d)
	}
	return out, rows.Err()
}

// RecordDecisionRead records the read receipt of a decision: the first download by the
// applicant. It returns true when this call recorded it (then a history entry and an audit
// entry are written too).
func (db *DB) RecordDecisionRead(ctx context.Context, c *casework.Case, decisionID, userID, eventID string, now time.Time) (bool, error) {
	first := false
	err := db.InTx(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `UPDATE decisions SET read_at = ?, read_by = ? WHERE tenant_ags = ? AND case_id = ? AND id = ? AND read_at = ''`, FormatTime(now), userID, c.TenantAGS, c.ID, decisionID)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		if first = n == 1; !first {
			return nil
		}
		if _, err := tx.Exec(ctx, `INSERT INTO case_events (id, case_id, tenant_ags, at, kind, actor_id, actor_name, text, public) VALUES (?, ?, ?, ?, ?, ?, '', '', 0)`,
			eventID, c.ID, c.TenantAGS, FormatTime(now), casework.EventDecisionRead, "user:"+userID); err != nil {
			return err
		}
		return AppendAudit(ctx, tx, now, audit.Record{Actor: "user:" + userID, TenantAGS: c.TenantAGS, Action: "case.decision_read", Object: "decision:" + decisionID})
	})
	return first, err
}

// CasePermits returns the permits recorded in a case.
func (db *DB) CasePermits(ctx context.Context, ags, caseID string) ([]casework.Permit, error) {
	rows, err := db.Query(ctx, `SELECT id, case_id, title, expires_at, created_at FROM permits WHERE tenant_ags = ? AND case_id = ? ORDER BY created_at, id`, ags, caseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []casework.Permit
	for rows.Next() {
		var p casework.Permit
		var exp, created string
		if err := rows.Scan(&p.ID, &p.CaseID, &p.Title, &exp, &created); err != nil {
			return nil, err
		}
		p.ExpiresAt, p.CreatedAt = ParseTime(exp), ParseTime(created)
		out = append(out, p)
	}
	return out, rows.Err()
}

// ZollIndication returns the customs indication recorded for a submission, and whether
// there is one. It is the integration hub's way to learn that a notice must also be routed
// to customs (Zoll): the case work records it (table zoll_indications, one row per
// submission, reasons from casework.ZollReasons), the hub reads it when it decides or
// re-decides the recipients. The read is not tenant-filtered because the hub works on the
// submission it is routing.
func (db *DB) ZollIndication(ctx context.Context, submissionID string) (*casework.ZollIndication, bool, error) {
	var z casework.ZollIndication
	var reasons, at string
	err := db.QueryRow(ctx, `SELECT submission_id, case_id, tenant_ags, reasons, note, recorded_by, recorded_at FROM zoll_indications WHERE submission_id = ?`, submissionID).
		Scan(&z.SubmissionID, &z.CaseID, &z.TenantAGS, &reasons, &z.Note, &z.RecordedBy, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	z.Reasons, z.RecordedAt = strings.Split(reasons, ","), ParseTime(at)
	return &z, true, nil
}

// StaffMember is a person who works an office's cases (for assignment).
type StaffMember struct {
	ID, Name, Email string
}

// CaseWorkers lists the active staff with a case-work role at the office officeID of the
// municipality ags (or at every office of it).
func (db *DB) CaseWorkers(ctx context.Context, ags, officeID string) ([]StaffMember, error) {
	rows, err := db.Query(ctx, `SELECT DISTINCT u.id, u.name, u.email FROM users u JOIN staff_roles r ON r.user_id = u.id
		WHERE r.tenant_ags = ? AND (r.office_id = ? OR r.office_id = '') AND r.role IN ('sachbearbeitung', 'leitung') AND u.disabled = 0 ORDER BY u.name, u.id`, ags, officeID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []StaffMember
	for rows.Next() {
		var m StaffMember
		if err := rows.Scan(&m.ID, &m.Name, &m.Email); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}
