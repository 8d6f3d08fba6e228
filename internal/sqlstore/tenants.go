package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/rathaus-egov/rathaus/internal/apperr"
	"github.com/rathaus-egov/rathaus/internal/identity"
	"github.com/rathaus-egov/rathaus/internal/refdata"
	"github.com/rathaus-egov/rathaus/internal/tenant"
)

func nowUTC() time.Time { return time.Now().UTC() }

// ImportTenants inserts or updates municipalities (by AGS) and gives every new one a
// Gewerbeamt and an Ordnungsamt with the municipality's name; existing offices and settings
// are kept. It returns how many were added and updated.
func (db *DB) ImportTenants(ctx context.Context, gs []refdata.Gemeinde, now time.Time) (added, updated int, err error) {
	defer db.tenantCount.clear()
	err = db.InTx(ctx, func(tx *Tx) error {
		added, updated = 0, 0
		existing := map[string]bool{}
		rows, err := tx.Query(ctx, `SELECT ags FROM tenants`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var a string
			if err := rows.Scan(&a); err != nil {
				rows.Close()
				return err
			}
			existing[a] = true
		}
		rows.Close()
		ts := FormatTime(now)
		for _, g := range gs {
			plz := strings.Join(g.PLZ, " ")
			if existing[g.AGS] {
				if _, err := tx.Exec(ctx, `UPDATE tenants SET name = ?, kreis = ?, plz = ?, einwohner = ?, updated_at = ? WHERE ags = ?`,
					g.Name, g.Kreis, plz, g.Einwohner, ts, g.AGS); err != nil {
					return err
				}
				if _, err := tx.Exec(ctx, `DELETE FROM tenant_plz WHERE ags = ?`, g.AGS); err != nil {
					return err
				}
				updated++
			} else {
				if _, err := tx.Exec(ctx, `INSERT INTO tenants (ags, name, kreis, plz, einwohner, settings, created_at, updated_at) VALUES (?, ?, ?, ?, ?, '{}', ?, ?)`,
					g.AGS, g.Name, g.Kreis, plz, g.Einwohner, ts, ts); err != nil {
					return err
				}
				short := tenant.ShortName(g.Name)
				for _, o := range []struct{ kind, name string }{
					{string(tenant.OfficeGewerbeamt), "Gewerbeamt " + short},
					{string(tenant.OfficeOrdnungsamt), "Ordnungsamt " + short},
				} {
					if _, err := tx.Exec(ctx, `INSERT INTO offices (id, tenant_ags, kind, name, ort, plz, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
						identity.NewID(), g.AGS, o.kind, o.name, short, firstOr(g.PLZ, ""), ts, ts); err != nil {
						return err
					}
				}
				added++
			}
			for _, p := range g.PLZ {
				if _, err := tx.Exec(ctx, `INSERT INTO tenant_plz (plz, ags) VALUES (?, ?)`, p, g.AGS); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return added, updated, err
}

func firstOr(s []string, def string) string {
	if len(s) > 0 {
		return s[0]
	}
	return def
}

const tenantCols = `ags, name, kreis, plz, einwohner, settings`

func scanTenant(sc scanner) (tenant.Tenant, error) {
	var t tenant.Tenant
	var plz, settings string
	if err := sc.Scan(&t.AGS, &t.Name, &t.Kreis, &plz, &t.Einwohner, &settings); err != nil {
		return t, err
	}
	t.PLZ = strings.Fields(plz)
	if t.PLZ == nil {
		t.PLZ = []string{}
	}
	_ = json.Unmarshal([]byte(settings), &t.Settings)
	return t, nil
}

// ListTenants returns all municipalities ordered by AGS.
func (db *DB) ListTenants(ctx context.Context) ([]tenant.Tenant, error) {
	rows, err := db.Query(ctx, `SELECT `+tenantCols+` FROM tenants ORDER BY ags`)
	return collect(rows, err, scanTenant)
}

// GetTenant returns one municipality or a not-found error.
func (db *DB) GetTenant(ctx context.Context, ags string) (tenant.Tenant, error) {
	t, err := scanTenant(db.QueryRow(ctx, `SELECT `+tenantCols+` FROM tenants WHERE ags = ?`, ags))
	if errors.Is(err, sql.ErrNoRows) {
		return t, apperr.NotFound("Gemeinde")
	}
	return t, err
}

// tenantCountTTL is how long CountTenants answers from memory. Municipalities change only
// by an import: one in this process shows at once, one by another process (rathaus tenants
// import on the command line, another node) after at most this long.
const tenantCountTTL = 30 * time.Second

type countCache struct {
	mu sync.Mutex
	n  int
	at time.Time // zero: not known
}

func (c *countCache) clear() {
	c.mu.Lock()
	c.at = time.Time{}
	c.mu.Unlock()
}

// CountTenants returns the number of municipalities (the portal's start page shows it on
// every request; see tenantCountTTL).
func (db *DB) CountTenants(ctx context.Context) (int, error) {
	c := &db.tenantCount
	c.mu.Lock()
	if !c.at.IsZero() && time.Since(c.at) < tenantCountTTL {
		n := c.n
		c.mu.Unlock()
		return n, nil
	}
	c.mu.Unlock()
	var n int
	if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM tenants`).Scan(&n); err != nil {
		return 0, err
	}
	c.mu.Lock()
	c.n, c.at = n, time.Now()
	c.mu.Unlock()
	return n, nil
}

// TenantsByPLZ returns the municipalities a postal code belongs to.
func (db *DB) TenantsByPLZ(ctx context.Context, plz string) ([]tenant.Tenant, error) {
	rows, err := db.Query(ctx, `SELECT t.ags, t.name, t.kreis, t.plz, t.einwohner, t.settings FROM tenants t JOIN tenant_plz p ON p.ags = t.ags WHERE p.plz = ? ORDER BY t.einwohner DESC`, plz)
	return collect(rows, err, scanTenant)
}

// UpdateTenantSettings stores a tenant's settings.
func (db *DB) UpdateTenantSettings(ctx context.Context, ags string, s tenant.Settings, now time.Time) error {
	b, _ := json.Marshal(s)
	res, err := db.Exec(ctx, `UPDATE tenants SET settings = ?, updated_at = ? WHERE ags = ?`, string(b), FormatTime(now), ags)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.NotFound("Gemeinde")
	}
	return nil
}

const officeCols = `id, tenant_ags, kind, name, strasse, plz, ort, email, telefon, oeffnungszeiten, updated_at`

func scanOffice(sc scanner) (tenant.Office, error) {
	var o tenant.Office
	var kind, upd string
	err := sc.Scan(&o.ID, &o.TenantAGS, &kind, &o.Name, &o.Strasse, &o.PLZ, &o.Ort, &o.Email, &o.Telefon, &o.Oeffnungszeiten, &upd)
	o.Kind = tenant.OfficeKind(kind)
	o.UpdatedAt = ParseTime(upd)
	return o, err
}

// ListOffices returns the offices of one tenant.
func (db *DB) ListOffices(ctx context.Context, ags string) ([]tenant.Office, error) {
	rows, err := db.Query(ctx, `SELECT `+officeCols+` FROM offices WHERE tenant_ags = ? ORDER BY kind`, ags)
	return collect(rows, err, scanOffice)
}

// GetOffice returns an office of the tenant; an office of another tenant is not found.
func (db *DB) GetOffice(ctx context.Context, ags, id string) (tenant.Office, error) {
	o, err := scanOffice(db.QueryRow(ctx, `SELECT `+officeCols+` FROM offices WHERE tenant_ags = ? AND id = ?`, ags, id))
	if errors.Is(err, sql.ErrNoRows) {
		return o, apperr.NotFound("Amt")
	}
	return o, err
}

// OfficeByKind returns the tenant's office of a kind.
func (db *DB) OfficeByKind(ctx context.Context, ags string, kind tenant.OfficeKind) (tenant.Office, error) {
	o, err := scanOffice(db.QueryRow(ctx, `SELECT `+officeCols+` FROM offices WHERE tenant_ags = ? AND kind = ?`, ags, string(kind)))
	if errors.Is(err, sql.ErrNoRows) {
		return o, apperr.NotFound("Amt")
	}
	return o, err
}

// SaveOffice creates (empty ID) or updates an office of the tenant.
func (db *DB) SaveOffice(ctx context.Context, o *tenant.Office, now time.Time) error {
	ts := FormatTime(now)
	return db.InTx(ctx, func(tx *Tx) error {
		if o.ID == "" {
			o.ID = identity.NewID()
			_, err := tx.Exec(ctx, `INSERT INTO offices (id, tenant_ags, kind, name, strasse, plz, ort, email, telefon, oeffnungszeiten, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				o.ID, o.TenantAGS, string(o.Kind), o.Name, o.Strasse, o.PLZ, o.Ort, o.Email, o.Telefon, o.Oeffnungszeiten, ts, ts)
			if isUniqueViolation(err) {
				return apperr.Conflict("office.exists", "Diese Gemeinde hat bereits ein Amt dieser Art.")
			}
			return err
		}
		res, err := tx.Exec(ctx, `UPDATE offices SET name = ?, strasse = ?, plz = ?, ort = ?, email = ?, telefon = ?, oeffnungszeiten = ?, updated_at = ? WHERE tenant_ags = ? AND id = ?`,
			o.Name, o.Strasse, o.PLZ, o.Ort, o.Email, o.Telefon, o.Oeffnungszeiten, ts, o.TenantAGS, o.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.NotFound("Amt")
		}
		return nil
	})
}

// SetDelegation makes delegate perform the tenant's office kind (empty delegate removes it).
func (db *DB) SetDelegation(ctx context.Context, ags string, kind tenant.OfficeKind, delegate string, now time.Time) error {
	return db.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM delegations WHERE tenant_ags = ? AND office_kind = ?`, ags, string(kind)); err != nil {
			return err
		}
		if delegate == "" || delegate == ags {
			return nil
		}
		_, err := tx.Exec(ctx, `INSERT INTO delegations (tenant_ags, office_kind, delegate_ags, created_at) VALUES (?, ?, ?, ?)`, ags, string(kind), delegate, FormatTime(now))
		return err
	})
}

// Delegate returns the AGS of the tenant performing ags's office kind: the delegate if one is
// set, else ags itself.
func (db *DB) Delegate(ctx context.Context, ags string, kind tenant.OfficeKind) (string, error) {
	var d string
	err := db.QueryRow(ctx, `SELECT delegate_ags FROM delegations WHERE tenant_ags = ? AND office_kind = ?`, ags, string(kind)).Scan(&d)
	if errors.Is(err, sql.ErrNoRows) {
		return ags, nil
	}
	return d, err
}

// responsibleOfficeWhere selects the office of a kind (first argument) that performs it for a
// municipality (the next three: ags, kind, ags), following a delegation.
const responsibleOfficeWhere = ` FROM offices WHERE kind = ? AND tenant_ags = COALESCE((SELECT delegate_ags FROM delegations WHERE tenant_ags = ? AND office_kind = ?), ?)`

// ServiceAt returns in one query what accepting a submission needs to know of a
// municipality: its availability setting of the service leistung ("" where it follows the
// catalog, as in Availability) and the office that performs kind for it, following a
// delegation (as ResponsibleOffice). Without such an office it returns apperr.NotFound and
// no setting; the caller asks Availability then. A submission used to ask three queries for
// this, each a round trip.
func (db *DB) ServiceAt(ctx context.Context, ags, leistung string, kind tenant.OfficeKind) (string, tenant.Office, error) {
	var status string
	o, err := scanOffice(appendScan{db.QueryRow(ctx, `SELECT `+officeCols+`, COALESCE((SELECT status FROM service_availability WHERE tenant_ags = ? AND leistung = ?), '')`+responsibleOfficeWhere,
		ags, leistung, string(kind), ags, string(kind), ags), []any{&status}})
	if errors.Is(err, sql.ErrNoRows) {
		return "", tenant.Office{}, apperr.NotFound("Amt")
	}
	if err != nil {
		return "", tenant.Office{}, err
	}
	return status, o, nil
}

// ResponsibleOffice resolves the office that performs kind for the municipality ags,
// following a delegation.
func (db *DB) ResponsibleOffice(ctx context.Context, ags string, kind tenant.OfficeKind) (tenant.Office, error) {
	o, err := scanOffice(db.QueryRow(ctx, `SELECT `+officeCols+responsibleOfficeWhere, string(kind), ags, string(kind), ags))
	if errors.Is(err, sql.ErrNoRows) {
		return o, apperr.NotFound("Amt")
	}
	return o, err
}
