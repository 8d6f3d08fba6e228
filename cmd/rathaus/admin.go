package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/rathaus-egov/rathaus/internal/apperr"
	"github.com/rathaus-egov/rathaus/internal/audit"
	"github.com/rathaus-egov/rathaus/internal/identity"
	"github.com/rathaus-egov/rathaus/internal/refdata"
	"github.com/rathaus-egov/rathaus/internal/sqlstore"
	"github.com/rathaus-egov/rathaus/internal/tenant"
)

func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var f dbFlags
	fs := newFlagSet("migrate", "Apply all pending database migrations (forward-only) and exit. serve does this too.", stderr)
	f.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := sqlstore.Open(ctx, f.dsn())
	if err != nil {
		return err
	}
	defer db.Close()
	applied, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	cur, latest, err := db.SchemaStatus(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "applied %d migration(s); schema at version %d of %d (%s)\n", len(applied), cur, latest, db.Dialect)
	return nil
}

func runTenant(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "list" && args[0] != "import") {
		fmt.Fprintln(stderr, "Usage: rathaus tenant list [flags] | rathaus tenant import [flags] FILE.csv")
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return nil
		}
		return usageError{"tenant needs a subcommand: list or import"}
	}
	var f dbFlags
	switch args[0] {
	case "list":
		fs := newFlagSet("tenant list", "List the municipalities (AGS, name, district, population).", stderr)
		f.register(fs)
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		db, err := openExisting(ctx, f)
		if err != nil {
			return err
		}
		defer db.Close()
		ts, err := db.ListTenants(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "AGS\tNAME\tKREIS\tEINWOHNER")
		for _, t := range ts {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\n", t.AGS, t.Name, t.Kreis, t.Einwohner)
		}
		tw.Flush()
		fmt.Fprintf(stdout, "%d municipalities\n", len(ts))
		return nil
	default:
		fs := newFlagSet("tenant import", `Import or update municipalities from a CSV file with the header
ags,name,kreis,plz,einwohner (plz: space-separated postal codes). Existing municipalities keep
their offices and settings; the whole file is rejected if one row is invalid.`, stderr)
		f.register(fs)
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if fs.NArg() != 1 {
			return usageError{"tenant import needs exactly one CSV file"}
		}
		fh, err := os.Open(fs.Arg(0))
		if err != nil {
			return err
		}
		defer fh.Close()
		gs, err := refdata.ParseGemeinden(fh)
		if err != nil {
			return fmt.Errorf("%s: %w", fs.Arg(0), err)
		}
		db, err := openExisting(ctx, f)
		if err != nil {
			return err
		}
		defer db.Close()
		added, updated, err := db.ImportTenants(ctx, gs, time.Now())
		if err != nil {
			return err
		}
		if err := db.Audit(ctx, time.Now(), audit.Record{Actor: "cli", Action: "tenant.import", Detail: fmt.Sprintf(`{"added":%d,"updated":%d}`, added, updated)}); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "imported %d municipalities: %d added, %d updated\n", len(gs), added, updated)
		return nil
	}
}

func runUser(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprintln(stderr, "Usage: rathaus user create [flags]")
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return nil
		}
		return usageError{"user needs a subcommand: create"}
	}
	var f dbFlags
	fs := newFlagSet("user create", `Create an account. Staff accounts need --tenant (AGS); their role applies to the
tenant's office given by --office (default gewerbeamt). Without --password a random one is
generated and printed.`, stderr)
	f.register(fs)
	email := fs.String("email", "", "e-mail address (log-in name)")
	name := fs.String("name", "", "display name")
	kind := fs.String("kind", "citizen", "citizen, staff or admin")
	ags := fs.String("tenant", "", "AGS of the municipality (staff only)")
	office := fs.String("office", "gewerbeamt", "office kind of a staff account")
	role := fs.String("role", "sachbearbeitung", "staff role: sachbearbeitung, leitung or tenant_admin")
	password := fs.String("password", "", "password (at least 10 characters); empty: generate one")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if msg := identity.ValidateEmail(identity.NormalizeEmail(*email)); msg != "" {
		return usageError{"--email: " + msg}
	}
	k := identity.Kind(*kind)
	if k != identity.KindCitizen && k != identity.KindStaff && k != identity.KindAdmin {
		return usageError{"--kind must be citizen, staff or admin"}
	}
	if k == identity.KindStaff && !tenant.ValidAGS(*ags) {
		return usageError{"--tenant: a staff account needs the 8-digit AGS of its municipality"}
	}
	if *role != "sachbearbeitung" && *role != "leitung" && *role != "tenant_admin" {
		return usageError{"--role must be sachbearbeitung, leitung or tenant_admin"}
	}
	pw := *password
	if pw == "" {
		pw, _ = identity.NewSecret("")
		pw = pw[:16]
	} else if msg := identity.ValidatePassword(pw); msg != "" {
		return usageError{"--password: " + msg}
	}
	if *name == "" {
		*name = *email
	}
	db, err := openExisting(ctx, f)
	if err != nil {
		return err
	}
	defer db.Close()
	now := time.Now()
	u := &identity.User{Email: *email, Name: *name, Kind: k, PasswordHash: identity.HashPassword(pw), EmailVerifiedAt: now}
	if k == identity.KindStaff {
		off, err := db.OfficeByKind(ctx, *ags, tenant.OfficeKind(*office))
		if err != nil {
			return fmt.Errorf("--tenant %s --office %s: %w", *ags, *office, err)
		}
		u.Roles = []identity.StaffRole{{TenantAGS: *ags, OfficeID: off.ID, Role: *role}}
	}
	err = db.InTx(ctx, func(tx *sqlstore.Tx) error {
		if err := sqlstore.CreateUser(ctx, tx, u, now); err != nil {
			return err
		}
		return sqlstore.AppendAudit(ctx, tx, now, audit.Record{Actor: "cli", TenantAGS: *ags, Action: "user.create", Object: "user:" + u.ID})
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created %s account %s (id %s)\n", k, identity.NormalizeEmail(*email), u.ID)
	if *password == "" {
		fmt.Fprintf(stdout, "password: %s\n", pw)
	}
	return nil
}

func runToken(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	sub := ""
	if len(args) > 0 {
		sub = args[0]
	}
	switch sub {
	case "create":
	case "list":
		return runTokenList(ctx, args[1:], stdout, stderr)
	case "revoke":
		return runTokenRevoke(ctx, args[1:], stdout, stderr)
	default:
		fmt.Fprintln(stderr, "Usage: rathaus token create | list | revoke ID [flags]")
		if sub == "-h" || sub == "--help" {
			return nil
		}
		return usageError{"token needs a subcommand: create, list or revoke"}
	}
	var f dbFlags
	fs := newFlagSet("token create", `Create an API token bound to one municipality (--tenant AGS) or platform-wide
(--tenant ""), with scopes submit, read, cases, inbox, admin. Only a hash is stored: the
token is printed once, as the last line of the output. Safe to run while serve is running.`, stderr)
	f.register(fs)
	ags := fs.String("tenant", "", "AGS the token is bound to (empty: platform-wide)")
	scopes := fs.String("scopes", "submit,read", "comma-separated scopes: submit, read, cases, inbox, admin")
	name := fs.String("name", "", "label of the token, e.g. the online service using it")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	sc, err := identity.ParseScopes(*scopes)
	if err != nil {
		return usageError{"--scopes: " + err.Error()}
	}
	if *ags != "" && !tenant.ValidAGS(*ags) {
		return usageError{"--tenant must be an 8-digit AGS"}
	}
	db, err := openExisting(ctx, f)
	if err != nil {
		return err
	}
	defer db.Close()
	if *ags != "" {
		if _, err := db.GetTenant(ctx, *ags); err != nil {
			return fmt.Errorf("--tenant %s: no such municipality", *ags)
		}
	}
	if *name == "" {
		*name = "token " + time.Now().Format("2006-01-02 15:04")
	}
	secret, hash := identity.NewSecret(identity.TokenPrefix)
	t := &identity.Token{Name: *name, TenantAGS: *ags, Scopes: sc}
	now := time.Now()
	err = db.InTx(ctx, func(tx *sqlstore.Tx) error {
		if err := sqlstore.CreateToken(ctx, tx, t, hash, now); err != nil {
			return err
		}
		return sqlstore.AppendAudit(ctx, tx, now, audit.Record{Actor: "cli", TenantAGS: *ags, Action: "token.create", Object: "token:" + t.ID, Detail: fmt.Sprintf(`{"scopes":%q}`, *scopes)})
	})
	if err != nil {
		return err
	}
	scope := "platform-wide"
	if *ags != "" {
		scope = "tenant " + *ags
	}
	fmt.Fprintf(stdout, "created token %s (%s, scopes %s); it is shown only now:\n", t.ID, scope, strings.Join(strings.Split(*scopes, ","), ","))
	fmt.Fprintln(stdout, secret)
	return nil
}

func runTokenList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var f dbFlags
	fs := newFlagSet("token list", `List the API tokens, newest first: id, municipality (empty: platform-wide), scopes,
creation time, name; with --revoked also the revoked ones and when. Secrets are never stored,
so none is shown. Safe to run while serve is running.`, stderr)
	f.register(fs)
	ags := fs.String("tenant", "", "only the tokens of this municipality (AGS)")
	revoked := fs.Bool("revoked", false, "include revoked tokens")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *ags != "" && !tenant.ValidAGS(*ags) {
		return usageError{"--tenant must be an 8-digit AGS"}
	}
	db, err := openExisting(ctx, f)
	if err != nil {
		return err
	}
	defer db.Close()
	ts, err := db.ListTokens(ctx, *ags, *revoked)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTENANT\tSCOPES\tCREATED\tREVOKED\tNAME")
	for _, t := range ts {
		rev := "-"
		if !t.RevokedAt.IsZero() {
			rev = t.RevokedAt.Format(time.RFC3339)
		}
		scopes := make([]string, len(t.Scopes))
		for i, s := range t.Scopes {
			scopes[i] = string(s)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, cmp.Or(t.TenantAGS, "(platform)"), strings.Join(scopes, ","), t.CreatedAt.Format(time.RFC3339), rev, t.Name)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d tokens\n", len(ts))
	return nil
}

func runTokenRevoke(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var f dbFlags
	fs := newFlagSet("token revoke ID", `Revoke the API token ID (see token list): every request with it is refused with 401 from
the moment the command returns, also by a running serve. Recorded in the audit log. Revoking
cannot be undone; create a new token instead.`, stderr)
	f.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError{"token revoke needs the token's id (see token list)"}
	}
	id := fs.Arg(0)
	db, err := openExisting(ctx, f)
	if err != nil {
		return err
	}
	defer db.Close()
	now := time.Now()
	var t *identity.Token
	err = db.InTx(ctx, func(tx *sqlstore.Tx) error {
		if t, err = sqlstore.RevokeToken(ctx, tx, id, now); err != nil {
			return err
		}
		return sqlstore.AppendAudit(ctx, tx, now, audit.Record{Actor: "cli", TenantAGS: t.TenantAGS, Action: "token.revoke", Object: "token:" + t.ID})
	})
	switch apperr.KindOf(err) {
	case apperr.KindNotFound:
		return fmt.Errorf("no token with id %q (see token list)", id)
	case apperr.KindConflict:
		return fmt.Errorf("token %s is revoked already", id)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "revoked token %s (%s)\n", t.ID, t.Name)
	return nil
}

func runAudit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "verify" {
		fmt.Fprintln(stderr, "Usage: rathaus audit verify [flags]")
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return nil
		}
		return usageError{"audit needs a subcommand: verify"}
	}
	var f dbFlags
	fs := newFlagSet("audit verify", `Verify the hash chain of the audit log, and the references between deliveries, their
submissions, recipients and attempts, which PostgreSQL does not enforce by foreign keys
(ADR 0007). Exits non-zero and names the first broken entry when a row was altered or
removed, or the dangling references with one example each.`, stderr)
	f.register(fs)
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	db, err := sqlstore.Open(ctx, f.dsn())
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := db.VerifyAudit(ctx)
	if err != nil {
		return fmt.Errorf("audit chain broken after %d intact entries: %w", n, err)
	}
	fmt.Fprintf(stdout, "audit chain intact: %d entries verified\n", n)
	dangling, err := db.CheckReferences(ctx)
	if err != nil {
		return err
	}
	for _, d := range dangling {
		fmt.Fprintf(stdout, "dangling reference %s: %d rows, e.g. %s\n", d.Reference, d.Rows, d.Example)
	}
	if len(dangling) > 0 {
		return fmt.Errorf("%d kinds of dangling references (see above)", len(dangling))
	}
	fmt.Fprintln(stdout, "references intact: deliveries → submissions and recipients, attempts → deliveries")
	return nil
}
