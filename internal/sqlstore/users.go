package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/rathaus-egov/rathaus/internal/apperr"
	"github.com/rathaus-egov/rathaus/internal/identity"
)

const userCols = `id, email, name, password_hash, kind, trust_level, email_verified_at, disabled, lang, created_at`

func scanUser(sc scanner) (*identity.User, error) {
	var u identity.User
	var kind, trust, verified, created string
	var disabled int
	if err := sc.Scan(&u.ID, &u.Email, &u.Name, &u.PasswordHash, &kind, &trust, &verified, &disabled, &u.Lang, &created); err != nil {
		return nil, err
	}
	u.Kind, u.TrustLevel = identity.Kind(kind), identity.TrustLevel(trust)
	u.EmailVerifiedAt, u.CreatedAt, u.Disabled = ParseTime(verified), ParseTime(created), disabled != 0
	return &u, nil
}

// CreateUser inserts a user with its staff roles inside tx; an existing e-mail address is a
// conflict.
func CreateUser(ctx context.Context, tx *Tx, u *identity.User, now time.Time) error {
	if u.ID == "" {
		u.ID = identity.NewID()
	}
	if u.TrustLevel == "" {
		u.TrustLevel = identity.TrustBasis
	}
	if u.Lang == "" {
		u.Lang = "de"
	}
	// Check first: on PostgreSQL a failed INSERT aborts the whole transaction, and callers
	// want to continue (e.g. to mail the owner of the existing account).
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM users WHERE email = ?`, identity.NormalizeEmail(u.Email)).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return apperr.Conflict("user.exists", "Für diese E-Mail-Adresse besteht bereits ein Konto.")
	}
	ts := FormatTime(now)
	verified := ""
	if !u.EmailVerifiedAt.IsZero() {
		verified = FormatTime(u.EmailVerifiedAt)
	}
	_, err := tx.Exec(ctx, `INSERT INTO users (id, email, name, password_hash, kind, trust_level, email_verified_at, disabled, lang, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)`,
		u.ID, identity.NormalizeEmail(u.Email), u.Name, u.PasswordHash, string(u.Kind), string(u.TrustLevel), verified, u.Lang, ts, ts)
	if isUniqueViolation(err) {
		return apperr.Conflict("user.exists", "Für diese E-Mail-Adresse besteht bereits ein Konto.")
	}
	if err != nil {
		return err
	}
	for _, r := range u.Roles {
		if _, err := tx.Exec(ctx, `INSERT INTO staff_roles (user_id, tenant_ags, office_id, role, created_at) VALUES (?, ?, ?, ?, ?)`, u.ID, r.TenantAGS, r.OfficeID, r.Role, ts); err != nil {
			return err
		}
	}
	return nil
}

// UserByEmail returns the user with the address, with roles and organisations.
func (db *DB) UserByEmail(ctx context.Context, email string) (*identity.User, error) {
	return db.loadUser(ctx, `SELECT `+userCols+` FROM users WHERE email = ?`, identity.NormalizeEmail(email))
}

// UserByID returns the user with roles and organisations.
func (db *DB) UserByID(ctx context.Context, id string) (*identity.User, error) {
	return db.loadUser(ctx, `SELECT `+userCols+` FROM users WHERE id = ?`, id)
}

func (db *DB) loadUser(ctx context.Context, q string, arg any) (*identity.User, error) {
	u, err := scanUser(db.QueryRow(ctx, q, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFound("Konto")
	}
	if err != nil {
		return nil, err
	}
	return u, db.loadMemberships(ctx, u)
}

// sortMemberships orders staff roles by municipality, role and office and business accounts
// by name, the order every reader of a user gets (loadMemberships, SessionUser).
func sortMemberships(u *identity.User) {
	slices.SortFunc(u.Roles, func(a, b identity.StaffRole) int {
		return cmp.Or(strings.Compare(a.TenantAGS, b.TenantAGS), strings.Compare(a.Role, b.Role), strings.Compare(a.OfficeID, b.OfficeID))
	})
	slices.SortFunc(u.Organisations, func(a, b identity.Organisation) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.ID, b.ID))
	})
}

// loadMemberships reads a user's staff roles and organisations with one query, in the order
// of sortMemberships.
func (db *DB) loadMemberships(ctx context.Context, u *identity.User) error {
	rows, err := db.Query(ctx, `SELECT 'r', tenant_ags, office_id, role FROM staff_roles WHERE user_id = ?
		UNION ALL SELECT 'o', o.id, o.name, m.role FROM organisation_members m JOIN organisations o ON o.id = m.organisation_id WHERE m.user_id = ?`, u.ID, u.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var kind, a, b, role string
		if err := rows.Scan(&kind, &a, &b, &role); err != nil {
			return err
		}
		if kind == "r" {
			u.Roles = append(u.Roles, identity.StaffRole{TenantAGS: a, OfficeID: b, Role: role})
		} else {
			u.Organisations = append(u.Organisations, identity.Organisation{ID: a, Name: b, Role: role})
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	sortMemberships(u)
	return nil
}

// SetPassword replaces a user's password hash and ends all their sessions.
func SetPassword(ctx context.Context, tx *Tx, userID, hash string, now time.Time) error {
	if _, err := tx.Exec(ctx, `UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?`, hash, FormatTime(now), userID); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID)
	return err
}

// MarkEmailVerified records the verification of the user's e-mail address.
func MarkEmailVerified(ctx context.Context, tx *Tx, userID string, now time.Time) error {
	_, err := tx.Exec(ctx, `UPDATE users SET email_verified_at = ?, updated_at = ? WHERE id = ? AND email_verified_at = ''`, FormatTime(now), FormatTime(now), userID)
	return err
}

// UpdateUserName changes the display name.
func (db *DB) UpdateUserName(ctx context.Context, userID, name string, now time.Time) error {
	_, err := db.Exec(ctx, `UPDATE users SET name = ?, updated_at = ? WHERE id = ?`, name, FormatTime(now), userID)
	return err
}

// CreateOrganisation creates a business account with owner as its first member.
func CreateOrganisation(ctx context.Context, tx *Tx, name, ownerID string, now time.Time) (string, error) {
	id := identity.NewID()
	ts := FormatTime(now)
	if _, err := tx.Exec(ctx, `INSERT INTO organisations (id, name, created_at) VALUES (?, ?, ?)`, id, strings.TrimSpace(name), ts); err != nil {
		return "", err
	}
	_, err := tx.Exec(ctx, `INSERT INTO organisation_members (organisation_id, user_id, role, created_at) VALUES (?, ?, 'owner', ?)`, id, ownerID, ts)
	return id, err
}

// AddOrganisationMember adds a user to a business account.
func AddOrganisationMember(ctx context.Context, tx *Tx, orgID, userID, role string, now time.Time) error {
	_, err := tx.Exec(ctx, `INSERT INTO organisation_members (organisation_id, user_id, role, created_at) VALUES (?, ?, ?, ?)`, orgID, userID, role, FormatTime(now))
	if isUniqueViolation(err) {
		return apperr.Conflict("org.member_exists", "Diese Person ist bereits Mitglied.")
	}
	return err
}

// OrganisationMembers lists the members of a business account.
func (db *DB) OrganisationMembers(ctx context.Context, orgID string) ([]identity.User, error) {
	rows, err := db.Query(ctx, `SELECT u.id, u.email, u.name, m.role FROM organisation_members m JOIN users u ON u.id = m.user_id WHERE m.organisation_id = ? ORDER BY u.name`, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []identity.User
	for rows.Next() {
		var u identity.User
		var role string
		if err := rows.Scan(&u.ID, &u.Email, &u.Name, &role); err != nil {
			return nil, err
		}
		u.Organisations = []identity.Organisation{{ID: orgID, Role: role}}
		out = append(out, u)
	}
	return out, rows.Err()
}

// Session is a server-side session row.
type Session struct {
	IDHash     string
	UserID     string
	CSRF       string
	Lang       string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
}

// CreateSession stores a session.
func (db *DB) CreateSession(ctx context.Context, s Session) error {
	_, err := db.Exec(ctx, `INSERT INTO sessions (id_hash, user_id, csrf, lang, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		s.IDHash, s.UserID, s.CSRF, s.Lang, FormatTime(s.CreatedAt), FormatTime(s.LastSeenAt), FormatTime(s.ExpiresAt))
	return err
}

// GetSession returns a session that has not expired at now.
func (db *DB) GetSession(ctx context.Context, idHash string, now time.Time) (*Session, error) {
	var s Session
	var c, l, e string
	err := db.QueryRow(ctx, `SELECT id_hash, user_id, csrf, lang, created_at, last_seen_at, expires_at FROM sessions WHERE id_hash = ? AND expires_at > ?`, idHash, FormatTime(now)).
		Scan(&s.IDHash, &s.UserID, &s.CSRF, &s.Lang, &c, &l, &e)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFound("Sitzung")
	}
	if err != nil {
		return nil, err
	}
	s.CreatedAt, s.LastSeenAt, s.ExpiresAt = ParseTime(c), ParseTime(l), ParseTime(e)
	return &s, nil
}

// SessionUser returns a live session with its user (roles and organisations included) in two
// queries: the session joined with its user, then the memberships. Not found: no such live
// session or no such user.
func (db *DB) SessionUser(ctx context.Context, idHash string, now time.Time) (*Session, *identity.User, error) {
	var s Session
	var c, l, e string
	var u identity.User
	var kind, trust, verified, created string
	var disabled int
	// One round trip for the session, its user and the user's staff roles and business
	// accounts (every page asks this): the memberships are left-joined, so a user with two
	// roles and one business account comes back as two rows, one without any as one row.
	rows, err := db.Query(ctx, `SELECT s.id_hash, s.user_id, s.csrf, s.lang, s.created_at, s.last_seen_at, s.expires_at,
		u.id, u.email, u.name, u.password_hash, u.kind, u.trust_level, u.email_verified_at, u.disabled, u.lang, u.created_at,
		COALESCE(r.tenant_ags, ''), COALESCE(r.office_id, ''), COALESCE(r.role, ''), COALESCE(o.id, ''), COALESCE(o.name, ''), COALESCE(m.role, '')
		FROM sessions s JOIN users u ON u.id = s.user_id
		LEFT JOIN staff_roles r ON r.user_id = u.id
		LEFT JOIN organisation_members m ON m.user_id = u.id
		LEFT JOIN organisations o ON o.id = m.organisation_id
		WHERE s.id_hash = ? AND s.expires_at > ?`, idHash, FormatTime(now))
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	found := false
	roles := map[identity.StaffRole]bool{}
	orgs := map[identity.Organisation]bool{}
	for rows.Next() {
		var r identity.StaffRole
		var o identity.Organisation
		if err := rows.Scan(&s.IDHash, &s.UserID, &s.CSRF, &s.Lang, &c, &l, &e,
			&u.ID, &u.Email, &u.Name, &u.PasswordHash, &kind, &trust, &verified, &disabled, &u.Lang, &created,
			&r.TenantAGS, &r.OfficeID, &r.Role, &o.ID, &o.Name, &o.Role); err != nil {
			return nil, nil, err
		}
		found = true
		if r.Role != "" && !roles[r] {
			roles[r] = true
			u.Roles = append(u.Roles, r)
		}
		if o.ID != "" && !orgs[o] {
			orgs[o] = true
			u.Organisations = append(u.Organisations, o)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	if !found {
		return nil, nil, apperr.NotFound("Sitzung")
	}
	s.CreatedAt, s.LastSeenAt, s.ExpiresAt = ParseTime(c), ParseTime(l), ParseTime(e)
	u.Kind, u.TrustLevel = identity.Kind(kind), identity.TrustLevel(trust)
	u.EmailVerifiedAt, u.CreatedAt, u.Disabled = ParseTime(verified), ParseTime(created), disabled != 0
	sortMemberships(&u)
	return &s, &u, nil
}

// TouchSession extends a session's idle expiry (bounded by its absolute lifetime).
func (db *DB) TouchSession(ctx context.Context, idHash string, lastSeen, expires time.Time) error {
	_, err := db.Exec(ctx, `UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE id_hash = ?`, FormatTime(lastSeen), FormatTime(expires), idHash)
	return err
}

// SetSessionLang stores the language chosen in a session.
func (db *DB) SetSessionLang(ctx context.Context, idHash, lang string) error {
	_, err := db.Exec(ctx, `UPDATE sessions SET lang = ? WHERE id_hash = ?`, lang, idHash)
	return err
}

// DeleteSession ends a session.
func (db *DB) DeleteSession(ctx context.Context, idHash string) error {
	_, err := db.Exec(ctx, `DELETE FROM sessions WHERE id_hash = ?`, idHash)
	return err
}

// DeleteExpiredSessions removes sessions expired before now.
func (db *DB) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	res, err := db.Exec(ctx, `DELETE FROM sessions WHERE expires_at <= ?`, FormatTime(now))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// CreateEmailToken stores a one-time e-mail token (verification or password reset).
func CreateEmailToken(ctx context.Context, tx *Tx, hash, userID, purpose string, now, expires time.Time) error {
	_, err := tx.Exec(ctx, `INSERT INTO email_tokens (hash, user_id, purpose, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`, hash, userID, purpose, FormatTime(now), FormatTime(expires))
	return err
}

// UseEmailToken consumes a one-time token inside tx and returns its user id. A used, expired
// or unknown token is not found.
func UseEmailToken(ctx context.Context, tx *Tx, hash, purpose string, now time.Time) (string, error) {
	var userID string
	err := tx.QueryRow(ctx, `SELECT user_id FROM email_tokens WHERE hash = ? AND purpose = ? AND used_at = '' AND expires_at > ?`, hash, purpose, FormatTime(now)).Scan(&userID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", apperr.NotFound("Link")
	}
	if err != nil {
		return "", err
	}
	_, err = tx.Exec(ctx, `UPDATE email_tokens SET used_at = ? WHERE hash = ?`, FormatTime(now), hash)
	return userID, err
}

// RecordLoginFailure remembers a failed login for the rate limit.
func (db *DB) RecordLoginFailure(ctx context.Context, keys []string, now time.Time) error {
	return db.InTx(ctx, func(tx *Tx) error {
		for _, k := range keys {
			if _, err := tx.Exec(ctx, `INSERT INTO login_attempts (key, at) VALUES (?, ?)`, k, FormatTime(now)); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, `DELETE FROM login_attempts WHERE at < ?`, FormatTime(now.Add(-24*time.Hour)))
		return err
	})
}

// LoginFailures counts failed logins for key since since.
func (db *DB) LoginFailures(ctx context.Context, key string, since time.Time) (int, error) {
	var n int
	err := db.QueryRow(ctx, `SELECT COUNT(*) FROM login_attempts WHERE key = ? AND at > ?`, key, FormatTime(since)).Scan(&n)
	return n, err
}

// ClearLoginFailures forgets failures of key after a successful login.
func (db *DB) ClearLoginFailures(ctx context.Context, key string) error {
	_, err := db.Exec(ctx, `DELETE FROM login_attempts WHERE key = ?`, key)
	return err
}

// CreateToken stores an API token (its hash only).
func CreateToken(ctx context.Context, tx *Tx, t *identity.Token, hash string, now time.Time) error {
	if t.ID == "" {
		t.ID = identity.NewID()
	}
	scopes := make([]string, len(t.Scopes))
	for i, s := range t.Scopes {
		scopes[i] = string(s)
	}
	_, err := tx.Exec(ctx, `INSERT INTO api_tokens (id, hash, name, tenant_ags, scopes, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		t.ID, hash, t.Name, t.TenantAGS, strings.Join(scopes, ","), FormatTime(now))
	return err
}

const tokenCols = `id, name, tenant_ags, scopes, created_at, revoked_at`

// scanToken reads a row of tokenCols; RevokedAt is zero for a token in force.
func scanToken(sc scanner) (identity.Token, error) {
	var t identity.Token
	var scopes, created, revoked string
	if err := sc.Scan(&t.ID, &t.Name, &t.TenantAGS, &scopes, &created, &revoked); err != nil {
		return t, err
	}
	for _, x := range strings.Split(scopes, ",") {
		t.Scopes = append(t.Scopes, identity.Scope(x))
	}
	t.CreatedAt = ParseTime(created)
	if revoked != "" {
		t.RevokedAt = ParseTime(revoked)
	}
	return t, nil
}

// ListTokens returns the API tokens, newest first: those of the municipality ags when ags is
// not empty (platform-wide tokens have none), and revoked ones only when revoked is set.
func (db *DB) ListTokens(ctx context.Context, ags string, revoked bool) ([]identity.Token, error) {
	q := `SELECT ` + tokenCols + ` FROM api_tokens WHERE 1 = 1`
	var args []any
	if ags != "" {
		q += ` AND tenant_ags = ?`
		args = append(args, ags)
	}
	if !revoked {
		q += ` AND revoked_at = ''`
	}
	rows, err := db.Query(ctx, q+` ORDER BY created_at DESC, id`, args...)
	return collect(rows, err, scanToken)
}

// RevokeToken revokes the token id inside tx and returns it as it was: it is refused at once
// (TokenByHash). A token that does not exist is NotFound; one revoked already, Conflict.
func RevokeToken(ctx context.Context, tx *Tx, id string, now time.Time) (*identity.Token, error) {
	t, err := scanToken(tx.QueryRow(ctx, `SELECT `+tokenCols+` FROM api_tokens WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFound("Token")
	}
	if err != nil {
		return nil, err
	}
	if !t.RevokedAt.IsZero() {
		return nil, apperr.Conflict("token.revoked", "Das Token ist seit "+t.RevokedAt.Format(time.RFC3339)+" widerrufen.")
	}
	if _, err := tx.Exec(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE id = ?`, FormatTime(now), id); err != nil {
		return nil, err
	}
	return &t, nil
}

// TokenByHash returns an unrevoked token.
func (db *DB) TokenByHash(ctx context.Context, hash string) (*identity.Token, error) {
	t, err := scanToken(db.QueryRow(ctx, `SELECT `+tokenCols+` FROM api_tokens WHERE hash = ?`, hash))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !t.RevokedAt.IsZero()) {
		return nil, apperr.NotFound("Token")
	}
	if err != nil {
		return nil, err
	}
	return &t, nil
}
