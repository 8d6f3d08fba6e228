package main

import (
	"context"
	"time"

	"github.com/rathaus-egov/rathaus/internal/apperr"
	"github.com/rathaus-egov/rathaus/internal/audit"
	"github.com/rathaus-egov/rathaus/internal/identity"
	"github.com/rathaus-egov/rathaus/internal/refdata"
	"github.com/rathaus-egov/rathaus/internal/sqlstore"
)

type demoLogin struct{ role, email, password string }

// Demo accounts created on first start of the embedded default.
var demoAccounts = []struct {
	role, email, name string
	kind              identity.Kind
	ags               string
}{
	{"Plattform-Administration", "admin@rathaus.example", "Plattform-Administration", identity.KindAdmin, ""},
	{"Gewerbeamt Leipzig", "gewerbeamt@leipzig.example", "Sachbearbeitung Gewerbeamt Leipzig", identity.KindStaff, "14713000"},
	{"Gewerbeamt Dresden", "gewerbeamt@dresden.example", "Sachbearbeitung Gewerbeamt Dresden", identity.KindStaff, "14612000"},
	{"Bürgerin (Demo)", "erika.mustermann@example.org", "Erika Mustermann", identity.KindCitizen, ""},
}

// seed imports the municipalities when the database has none and creates the demo accounts
// that do not exist yet. It returns the log-ins it created (with their one-time passwords).
func seed(ctx context.Context, db *sqlstore.DB, demo bool, now time.Time) ([]demoLogin, error) {
	n, err := db.CountTenants(ctx)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		gs, err := refdata.Gemeinden()
		if err != nil {
			return nil, err
		}
		if _, _, err := db.ImportTenants(ctx, gs, now); err != nil {
			return nil, err
		}
		if err := db.Audit(ctx, now, audit.Record{Actor: "system", Action: "tenant.import", Detail: `{"source":"refdata/sachsen-gemeinden.csv"}`}); err != nil {
			return nil, err
		}
	}
	if !demo {
		return nil, nil
	}
	var out []demoLogin
	for _, a := range demoAccounts {
		if _, err := db.UserByEmail(ctx, a.email); err == nil {
			continue
		} else if apperr.KindOf(err) != apperr.KindNotFound {
			return nil, err
		}
		pw, _ := identity.NewSecret("")
		pw = pw[:16]
		u := &identity.User{Email: a.email, Name: a.name, Kind: a.kind, PasswordHash: identity.HashPassword(pw), EmailVerifiedAt: now}
		if a.ags != "" {
			off, err := db.OfficeByKind(ctx, a.ags, "gewerbeamt")
			if err != nil {
				return nil, err
			}
			u.Roles = []identity.StaffRole{{TenantAGS: a.ags, OfficeID: off.ID, Role: "sachbearbeitung"}, {TenantAGS: a.ags, Role: "tenant_admin"}}
		}
		err := db.InTx(ctx, func(tx *sqlstore.Tx) error {
			if err := sqlstore.CreateUser(ctx, tx, u, now); err != nil {
				return err
			}
			return sqlstore.AppendAudit(ctx, tx, now, audit.Record{Actor: "system", TenantAGS: a.ags, Action: "user.create", Object: "user:" + u.ID, Detail: `{"demo":true}`})
		})
		if err != nil {
			return nil, err
		}
		out = append(out, demoLogin{a.role, a.email, pw})
	}
	return out, nil
}
