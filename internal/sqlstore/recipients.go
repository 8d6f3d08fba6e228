package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"sort"
	"sync"
	"time"

	"github.com/rathaus-egov/rathaus/internal/apperr"
	"github.com/rathaus-egov/rathaus/internal/recipient"
	"github.com/rathaus-egov/rathaus/internal/routing"
)

const recipientCols = `id, kind, name, tenant_ags, kennung, email, connector, endpoint, secret, content_type, waived, requested, active, note, updated_at`

func scanRecipient(sc interface{ Scan(...any) error }) (recipient.Recipient, error) {
	var x recipientRow
	err := sc.Scan(x.dest()...)
	if errors.Is(err, sql.ErrNoRows) {
		return x.r, apperr.NotFound("Empfänger")
	}
	return x.recipient(), err
}

// recipientRow receives the recipientCols of one row.
type recipientRow struct {
	r                          recipient.Recipient
	kind, conn, format, update string
	waived, requested, active  int
}

func (x *recipientRow) dest() []any {
	r := &x.r
	return []any{&r.ID, &x.kind, &r.Name, &r.TenantAGS, &r.Kennung, &r.Email, &x.conn, &r.Endpoint, &r.Secret, &x.format, &x.waived, &x.requested, &x.active, &r.Note, &x.update}
}

func (x *recipientRow) recipient() recipient.Recipient {
	r := x.r
	r.Kind, r.Connector, r.Format = routing.Kind(x.kind), recipient.Connector(x.conn), recipient.Format(x.format)
	r.Waived, r.Requested, r.Active, r.UpdatedAt = x.waived == 1, x.requested == 1, x.active == 1, ParseTime(x.update)
	return r
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// listRecipients reads every recipient with its areas through q (the read pool or a tx).
func listRecipients(ctx context.Context, query func(context.Context, string, ...any) (*sql.Rows, error)) ([]recipient.Recipient, error) {
	rows, err := query(ctx, `SELECT `+recipientCols+` FROM recipients ORDER BY id`)
	if err != nil {
		return nil, err
	}
	var out []recipient.Recipient
	idx := map[string]int{}
	for rows.Next() {
		r, err := scanRecipient(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		idx[r.ID] = len(out)
		out = append(out, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = query(ctx, `SELECT recipient_id, area FROM recipient_areas ORDER BY recipient_id, area`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, area string
		if err := rows.Scan(&id, &area); err != nil {
			return nil, err
		}
		if i, ok := idx[id]; ok {
			out[i].Areas = append(out[i].Areas, area)
		}
	}
	return out, rows.Err()
}

// ListRecipients returns the whole recipient directory, sorted by id.
func (db *DB) ListRecipients(ctx context.Context) ([]recipient.Recipient, error) {
	return listRecipients(ctx, db.Query)
}

// RecipientsTx reads the directory inside tx (the submit hook resolves recipients there).
func RecipientsTx(ctx context.Context, tx *Tx) ([]recipient.Recipient, error) {
	return listRecipients(ctx, tx.Query)
}

// directoryCache holds the recipient directory as of one version of directory_versions.
type directoryCache struct {
	mu      sync.Mutex
	version int64
	list    []recipient.Recipient
}

// DirectoryTx returns the recipient directory as tx sees it and its version. Every change
// goes through SaveRecipient, which increments the version in the same transaction, so the
// directory is read from the database only when the version differs from the one held in
// memory (on any node: the version row is the only thing read otherwise). The returned
// slice is shared: callers must not modify it.
//
// The version is read once per transaction: a group commit of many submissions reads it
// once, as if the group had started a moment earlier.
func (db *DB) DirectoryTx(ctx context.Context, tx *Tx) (int64, []recipient.Recipient, error) {
	v := tx.dirVersion
	if v == 0 {
		if err := tx.QueryRow(ctx, `SELECT version FROM directory_versions WHERE name = 'recipients'`).Scan(&v); err != nil {
			return 0, nil, err
		}
		tx.dirVersion = v
	}
	c := &db.directory
	c.mu.Lock()
	if c.list != nil && c.version == v {
		list := c.list
		c.mu.Unlock()
		return v, list, nil
	}
	c.mu.Unlock()
	list, err := RecipientsTx(ctx, tx)
	if err != nil {
		return 0, nil, err
	}
	if list == nil {
		list = []recipient.Recipient{}
	}
	c.mu.Lock()
	if v >= c.version {
		c.version, c.list = v, list
	}
	c.mu.Unlock()
	return v, list, nil
}

// GetRecipient returns one recipient with its areas.
func (db *DB) GetRecipient(ctx context.Context, id string) (recipient.Recipient, error) {
	r, err := scanRecipient(db.QueryRow(ctx, `SELECT `+recipientCols+` FROM recipients WHERE id = ?`, id))
	if err != nil {
		return r, err
	}
	rows, err := db.Query(ctx, `SELECT area FROM recipient_areas WHERE recipient_id = ? ORDER BY area`, id)
	if err != nil {
		return r, err
	}
	defer rows.Close()
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			return r, err
		}
		r.Areas = append(r.Areas, a)
	}
	return r, rows.Err()
}

// SaveRecipient inserts or updates a recipient and replaces its areas inside tx. The caller
// validates and audits.
func SaveRecipient(ctx context.Context, tx *Tx, r *recipient.Recipient, now time.Time) error {
	ts := FormatTime(now)
	_, err := tx.Exec(ctx, `INSERT INTO recipients (`+recipientCols+`, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, name = excluded.name, tenant_ags = excluded.tenant_ags, kennung = excluded.kennung,
		email = excluded.email, connector = excluded.connector, endpoint = excluded.endpoint, secret = excluded.secret, content_type = excluded.content_type,
		waived = excluded.waived, requested = excluded.requested, active = excluded.active, note = excluded.note, updated_at = excluded.updated_at`,
		r.ID, string(r.Kind), r.Name, r.TenantAGS, r.Kennung, r.Email, string(r.Connector), r.Endpoint, r.Secret, string(r.Format),
		b2i(r.Waived), b2i(r.Requested), b2i(r.Active), r.Note, ts, ts)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM recipient_areas WHERE recipient_id = ?`, r.ID); err != nil {
		return err
	}
	areas := append([]string(nil), r.Areas...)
	sort.Strings(areas)
	for i, a := range areas {
		if i > 0 && areas[i-1] == a {
			continue
		}
		if _, err := tx.Exec(ctx, `INSERT INTO recipient_areas (recipient_id, area) VALUES (?, ?)`, r.ID, a); err != nil {
			return err
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE directory_versions SET version = version + 1 WHERE name = 'recipients'`); err != nil {
		return err
	}
	tx.dirVersion = 0
	r.UpdatedAt = now
	return nil
}

// SeedRecipients inserts the default recipients that do not exist yet (by id) and returns how
// many it added. Existing recipients keep whatever an operator set.
func (db *DB) SeedRecipients(ctx context.Context, defaults []recipient.Recipient, now time.Time) (int, error) {
	added := 0
	err := db.InTx(ctx, func(tx *Tx) error {
		added = 0
		for i := range defaults {
			r := defaults[i]
			var one int
			err := tx.QueryRow(ctx, `SELECT 1 FROM recipients WHERE id = ?`, r.ID).Scan(&one)
			if err == nil {
				continue
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			if err := SaveRecipient(ctx, tx, &r, now); err != nil {
				return err
			}
			added++
		}
		return nil
	})
	return added, err
}

// BindRecipientToken binds an API token (scope inbox) to the recipient whose inbox it reads.
func BindRecipientToken(ctx context.Context, tx *Tx, tokenID, recipientID string, now time.Time) error {
	_, err := tx.Exec(ctx, `INSERT INTO recipient_tokens (token_id, recipient_id, created_at) VALUES (?, ?, ?)`, tokenID, recipientID, FormatTime(now))
	return err
}

// RecipientOfToken returns the recipient an inbox token is bound to (not found: none).
func (db *DB) RecipientOfToken(ctx context.Context, tokenID string) (string, error) {
	var id string
	err := db.QueryRow(ctx, `SELECT recipient_id FROM recipient_tokens WHERE token_id = ?`, tokenID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", apperr.NotFound("Empfänger")
	}
	return id, err
}
