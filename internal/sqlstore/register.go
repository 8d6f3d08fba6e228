package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/rathaus-egov/rathaus/internal/apperr"
)

// RegisterEntry is the newest notice a municipality holds about one business: the register
// the Rückmeldeverfahren reads.
type RegisterEntry struct {
	TenantAGS        string
	GewerbebetriebID string
	SubmissionID     string
	Art              string
	Active           bool
	SiteKey          string
	PersonKey        string
	NameKey          string
	UpdatedAt        time.Time
}

// UpsertRegister records a notice as the newest about its business inside tx.
func UpsertRegister(ctx context.Context, tx *Tx, e RegisterEntry) error {
	// On PostgreSQL held for the commit with the group's other entries; a second notice of
	// the same business in the group replaces the first one's row (upsertRows).
	return tx.upsertRows(ctx, `INSERT INTO gewerbe_register (tenant_ags, gewerbebetrieb_id, submission_id, art, active, site_key, person_key, name_key, updated_at) VALUES `,
		"(?, ?, ?, ?, ?, ?, ?, ?, ?)", ` ON CONFLICT (tenant_ags, gewerbebetrieb_id) DO UPDATE SET submission_id = excluded.submission_id,
		art = excluded.art, active = excluded.active, site_key = excluded.site_key, person_key = excluded.person_key, name_key = excluded.name_key, updated_at = excluded.updated_at`,
		2, []any{e.TenantAGS, e.GewerbebetriebID, e.SubmissionID, e.Art, b2i(e.Active), e.SiteKey, e.PersonKey, e.NameKey, FormatTime(e.UpdatedAt)})
}

const registerCols = `tenant_ags, gewerbebetrieb_id, submission_id, art, active, site_key, person_key, name_key, updated_at`

func scanRegister(sc interface{ Scan(...any) error }) (RegisterEntry, error) {
	var e RegisterEntry
	var active int
	var updated string
	err := sc.Scan(&e.TenantAGS, &e.GewerbebetriebID, &e.SubmissionID, &e.Art, &active, &e.SiteKey, &e.PersonKey, &e.NameKey, &updated)
	e.Active, e.UpdatedAt = active == 1, ParseTime(updated)
	return e, err
}

// RegisterByID returns the municipality's entry for a gewerbebetriebID.
func (db *DB) RegisterByID(ctx context.Context, ags, gewerbebetriebID string) (RegisterEntry, error) {
	e, err := scanRegister(db.QueryRow(ctx, `SELECT `+registerCols+` FROM gewerbe_register WHERE tenant_ags = ? AND gewerbebetrieb_id = ?`, ags, gewerbebetriebID))
	if errors.Is(err, sql.ErrNoRows) {
		return e, apperr.NotFound("Gewerbe")
	}
	return e, err
}

// RegisterAtSite returns the municipality's active entries whose site key matches, newest first.
func (db *DB) RegisterAtSite(ctx context.Context, ags, siteKey string) ([]RegisterEntry, error) {
	rows, err := db.Query(ctx, `SELECT `+registerCols+` FROM gewerbe_register WHERE tenant_ags = ? AND site_key = ? AND active = 1 ORDER BY updated_at DESC LIMIT 50`, ags, siteKey)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []RegisterEntry
	for rows.Next() {
		e, err := scanRegister(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Rückmeldung states.
const (
	RueckmeldungOffen      = "offen"              // received, not processed yet
	RueckmeldungAbgemeldet = "abmeldung_erstellt" // A's Abmeldung exists
	RueckmeldungAufgabe    = "aufgabe"            // A has no record: a task for A's office
)

// Rueckmeldung links B's Anmeldung with A's Abmeldung (or A's task).
type Rueckmeldung struct {
	ID                    string
	FromSubmissionID      string
	FromAGS               string
	ToAGS                 string
	Status                string
	AbmeldungSubmissionID string
	RegisterSubmissionID  string
	TaskID                string
	Detail                string
	CreatedAt             time.Time
	// Filled by the list queries.
	FromReference      string
	AbmeldungReference string
}

// CreateRueckmeldung records a Rückmeldung from B's submission inside tx (once per submission).
func CreateRueckmeldung(ctx context.Context, tx *Tx, r *Rueckmeldung, now time.Time) error {
	ts := FormatTime(now)
	r.CreatedAt = now
	// Batched like the submission it refers to (insertRows), which on PostgreSQL is written
	// at commit: an immediate INSERT would fail its foreign key.
	return tx.insertRows(ctx, `INSERT INTO rueckmeldungen (id, from_submission_id, from_ags, to_ags, status, created_at, updated_at) VALUES `,
		"(?, ?, ?, ?, ?, ?, ?)", " ON CONFLICT (from_submission_id) DO NOTHING", []any{r.ID, r.FromSubmissionID, r.FromAGS, r.ToAGS, r.Status, ts, ts})
}

// ResolveRueckmeldung records the outcome inside tx.
func ResolveRueckmeldung(ctx context.Context, tx *Tx, r *Rueckmeldung, now time.Time) error {
	_, err := tx.Exec(ctx, `UPDATE rueckmeldungen SET status = ?, abmeldung_submission_id = ?, register_submission_id = ?, task_id = ?, detail = ?, updated_at = ? WHERE from_submission_id = ?`,
		r.Status, r.AbmeldungSubmissionID, r.RegisterSubmissionID, r.TaskID, r.Detail, FormatTime(now), r.FromSubmissionID)
	return err
}

const rueckCols = `r.id, r.from_submission_id, r.from_ags, r.to_ags, r.status, r.abmeldung_submission_id, r.register_submission_id, r.task_id, r.detail, r.created_at,
	COALESCE(f.reference, ''), COALESCE(a.reference, '')`
const rueckFrom = ` FROM rueckmeldungen r LEFT JOIN submissions f ON f.id = r.from_submission_id LEFT JOIN submissions a ON a.id = r.abmeldung_submission_id`

func (db *DB) queryRueck(ctx context.Context, where string, args ...any) ([]Rueckmeldung, error) {
	rows, err := db.Query(ctx, `SELECT `+rueckCols+rueckFrom+` WHERE `+where+` ORDER BY r.created_at DESC LIMIT 200`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Rueckmeldung
	for rows.Next() {
		var r Rueckmeldung
		var created string
		if err := rows.Scan(&r.ID, &r.FromSubmissionID, &r.FromAGS, &r.ToAGS, &r.Status, &r.AbmeldungSubmissionID, &r.RegisterSubmissionID, &r.TaskID, &r.Detail, &created,
			&r.FromReference, &r.AbmeldungReference); err != nil {
			return nil, err
		}
		r.CreatedAt = ParseTime(created)
		out = append(out, r)
	}
	return out, rows.Err()
}

// RueckmeldungenOf lists the Rückmeldungen a municipality sent or received, newest first.
func (db *DB) RueckmeldungenOf(ctx context.Context, ags string) ([]Rueckmeldung, error) {
	return db.queryRueck(ctx, `r.from_ags = ? OR r.to_ags = ?`, ags, ags)
}

// RueckmeldungOfSubmission returns the Rückmeldung a submission started or produced.
func (db *DB) RueckmeldungOfSubmission(ctx context.Context, submissionID string) (*Rueckmeldung, error) {
	rs, err := db.queryRueck(ctx, `r.from_submission_id = ? OR r.abmeldung_submission_id = ?`, submissionID, submissionID)
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, apperr.NotFound("Rückmeldung")
	}
	return &rs[0], nil
}

// Task is a to-do for an office, e.g. a Rückmeldung without a matching register record.
type Task struct {
	ID           string
	TenantAGS    string
	OfficeID     string
	Kind         string
	Title        string
	Detail       string
	SubmissionID string
	Status       string
	UniqueKey    string
	CreatedAt    time.Time
}

// Task states.
const (
	TaskOpen = "offen"
	TaskDone = "erledigt"
)

// CreateTask adds a task inside tx; a task with the same unique key is not added twice.
func CreateTask(ctx context.Context, tx *Tx, t *Task, now time.Time) error {
	if t.Status == "" {
		t.Status = TaskOpen
	}
	t.CreatedAt = now
	_, err := tx.Exec(ctx, `INSERT INTO tasks (id, tenant_ags, office_id, kind, title, detail, submission_id, status, unique_key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (unique_key) DO NOTHING`, t.ID, t.TenantAGS, t.OfficeID, t.Kind, t.Title, t.Detail, t.SubmissionID, t.Status, t.UniqueKey, FormatTime(now))
	return err
}

// TasksOf lists a municipality's tasks in a state (empty: all), newest first.
func (db *DB) TasksOf(ctx context.Context, ags, status string) ([]Task, error) {
	q := `SELECT id, tenant_ags, office_id, kind, title, detail, submission_id, status, unique_key, created_at FROM tasks WHERE tenant_ags = ?`
	args := []any{ags}
	if status != "" {
		q += ` AND status = ?`
		args = append(args, status)
	}
	rows, err := db.Query(ctx, q+` ORDER BY created_at DESC LIMIT 200`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Task
	for rows.Next() {
		var t Task
		var created string
		if err := rows.Scan(&t.ID, &t.TenantAGS, &t.OfficeID, &t.Kind, &t.Title, &t.Detail, &t.SubmissionID, &t.Status, &t.UniqueKey, &created); err != nil {
			return nil, err
		}
		t.CreatedAt = ParseTime(created)
		out = append(out, t)
	}
	return out, rows.Err()
}
