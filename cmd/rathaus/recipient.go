package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/rathaus-egov/rathaus/internal/audit"
	"github.com/rathaus-egov/rathaus/internal/identity"
	"github.com/rathaus-egov/rathaus/internal/recipient"
	"github.com/rathaus-egov/rathaus/internal/routing"
	"github.com/rathaus-egov/rathaus/internal/sqlstore"
)

// idAndFlags splits "ID --flag …" (or "--flag … ID") into the id and the flag arguments.
func idAndFlags(args []string) (string, []string) {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		return args[0], args[1:]
	}
	return "", args
}

// openRecipients opens the database and makes sure the default recipients exist (serve seeds
// them too; the CLI may run before the first start).
func openRecipients(ctx context.Context, f dbFlags) (*sqlstore.DB, error) {
	db, err := openExisting(ctx, f)
	if err != nil {
		return nil, err
	}
	defs, err := recipient.Defaults()
	if err == nil {
		_, err = db.SeedRecipients(ctx, defs, time.Now())
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func runRecipient(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	sub := ""
	if len(args) > 0 {
		sub = args[0]
	}
	switch sub {
	case "list":
		return recipientList(ctx, args[1:], stdout, stderr)
	case "set":
		return recipientSet(ctx, args[1:], stdout, stderr)
	case "token":
		return recipientToken(ctx, args[1:], stdout, stderr)
	}
	fmt.Fprintln(stderr, "Usage: rathaus recipient list [flags] | rathaus recipient set ID [flags] | rathaus recipient token ID [flags]")
	if sub == "-h" || sub == "--help" {
		return nil
	}
	return usageError{"recipient needs a subcommand: list, set or token"}
}

func recipientList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var f dbFlags
	fs := newFlagSet("recipient list", `List the recipient directory: id, kind, name, area, connector and endpoint, flags
(waived, requested, inactive). With --tenant AGS it shows, per recipient kind, the recipient
that municipality's notices go to.`, stderr)
	f.register(fs)
	kind := fs.String("kind", "", "only this recipient kind, e.g. ihk")
	ags := fs.String("tenant", "", "resolve the recipients of this municipality (AGS)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := openRecipients(ctx, f)
	if err != nil {
		return err
	}
	defer db.Close()
	all, err := db.ListRecipients(ctx)
	if err != nil {
		return err
	}
	var rs []recipient.Recipient
	if *ags != "" {
		t, err := db.GetTenant(ctx, *ags)
		if err != nil {
			return fmt.Errorf("--tenant %s: no such municipality", *ags)
		}
		for _, k := range routing.Kinds() {
			if r, ok := recipient.Pick(all, k, t.AGS, t.Kreis); ok {
				rs = append(rs, r)
			}
		}
	} else {
		rs = all
		recipient.Sort(rs)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tNAME\tAREAS\tCONNECTOR\tENDPOINT\tFLAGS")
	n := 0
	for _, r := range rs {
		if *kind != "" && string(r.Kind) != *kind {
			continue
		}
		var flags []string
		if r.Waived {
			flags = append(flags, "waived")
		}
		if r.Requested {
			flags = append(flags, "requested")
		}
		if !r.Active {
			flags = append(flags, "inactive")
		}
		if r.Format == recipient.FormatJSON {
			flags = append(flags, "json")
		}
		if r.Secret != "" {
			flags = append(flags, "secret")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Kind, r.Name, strings.Join(r.Areas, ";"), r.Connector, r.Endpoint, strings.Join(flags, ","))
		n++
	}
	tw.Flush()
	fmt.Fprintf(stdout, "%d recipients\n", n)
	return nil
}

func recipientSet(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	id, rest := idAndFlags(args)
	var f dbFlags
	fs := newFlagSet("recipient set ID", `Change a recipient: only the flags given are changed. A new id creates a recipient
(then --kind, --name and --areas are needed). The HMAC key is never printed.`, stderr)
	f.register(fs)
	kind := fs.String("kind", "", "recipient kind (new recipients)")
	name := fs.String("name", "", "name of the authority")
	conn := fs.String("connector", "", "inbox, http, smtp or folder")
	endpoint := fs.String("endpoint", "", "URL (http), mail address (smtp) or absolute folder (folder)")
	secret := fs.String("secret", "", "HMAC-SHA256 key of the http connector (at least 16 characters)")
	format := fs.String("format", "", "xml or json")
	areas := fs.String("areas", "", "areas separated by ';': * (Saxony), kreis:NAME, ags:AGS")
	kennung := fs.String("kennung", "", "authority identifier (DVDV)")
	email := fs.String("email", "", "contact address written into messages")
	waived := fs.Bool("waived", false, "the recipient waived regular transmission (§ 3 Abs. 1 GewAnzV)")
	requested := fs.Bool("requested", false, "the recipient requested transmission where the law makes it optional")
	active := fs.Bool("active", true, "the recipient is active")
	if err := fs.Parse(rest); err != nil {
		return err
	}
	if id == "" && fs.NArg() > 0 {
		id = fs.Arg(0)
	}
	if id == "" {
		return usageError{"recipient set needs the recipient id"}
	}
	db, err := openRecipients(ctx, f)
	if err != nil {
		return err
	}
	defer db.Close()
	r, err := db.GetRecipient(ctx, id)
	created := false
	if err != nil {
		r = recipient.Recipient{ID: id, Connector: recipient.ConnectorInbox, Format: recipient.FormatXML, Active: true}
		created = true
	}
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	if set["kind"] {
		r.Kind = routing.Kind(*kind)
	}
	if set["name"] {
		r.Name = *name
	}
	if set["connector"] {
		r.Connector = recipient.Connector(*conn)
	}
	if set["endpoint"] {
		r.Endpoint = *endpoint
	}
	if set["secret"] {
		r.Secret = *secret
	}
	if set["format"] {
		r.Format = recipient.Format(*format)
	}
	if set["areas"] {
		r.Areas = nil
		for _, a := range strings.Split(*areas, ";") {
			if a = strings.TrimSpace(a); a != "" {
				r.Areas = append(r.Areas, a)
			}
		}
	}
	if set["kennung"] {
		r.Kennung = *kennung
	}
	if set["email"] {
		r.Email = *email
	}
	if set["waived"] {
		r.Waived = *waived
	}
	if set["requested"] {
		r.Requested = *requested
	}
	if set["active"] {
		r.Active = *active
	}
	if errs := r.Validate(); len(errs) > 0 {
		var msgs []string
		for _, e := range errs {
			msgs = append(msgs, "--"+e.Pointer+": "+e.Message)
		}
		return usageError{strings.Join(msgs, "\n")}
	}
	now := time.Now()
	err = db.InTx(ctx, func(tx *sqlstore.Tx) error {
		if err := sqlstore.SaveRecipient(ctx, tx, &r, now); err != nil {
			return err
		}
		return sqlstore.AppendAudit(ctx, tx, now, audit.Record{Actor: "cli", TenantAGS: r.TenantAGS, Action: "recipient.update", Object: "recipient:" + r.ID,
			Detail: fmt.Sprintf(`{"connector":%q,"created":%t}`, r.Connector, created)})
	})
	if err != nil {
		return err
	}
	verb := "updated"
	if created {
		verb = "created"
	}
	fmt.Fprintf(stdout, "%s recipient %s (%s, %s %s)\n", verb, r.ID, r.Kind, r.Connector, r.Endpoint)
	return nil
}

func recipientToken(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	id, rest := idAndFlags(args)
	var f dbFlags
	fs := newFlagSet("recipient token ID", `Create an API token with scope inbox bound to the recipient: with it the recipient
lists, fetches and acknowledges its messages (GET /api/v1/inbox). The token is printed once,
as the last line.`, stderr)
	f.register(fs)
	name := fs.String("name", "", "label of the token")
	if err := fs.Parse(rest); err != nil {
		return err
	}
	if id == "" && fs.NArg() > 0 {
		id = fs.Arg(0)
	}
	if id == "" {
		return usageError{"recipient token needs the recipient id"}
	}
	db, err := openRecipients(ctx, f)
	if err != nil {
		return err
	}
	defer db.Close()
	r, err := db.GetRecipient(ctx, id)
	if err != nil {
		return fmt.Errorf("recipient %s: %w", id, err)
	}
	if *name == "" {
		*name = "inbox " + r.ID
	}
	secret, hash := identity.NewSecret(identity.TokenPrefix)
	t := &identity.Token{Name: *name, Scopes: []identity.Scope{identity.ScopeInbox}}
	now := time.Now()
	err = db.InTx(ctx, func(tx *sqlstore.Tx) error {
		if err := sqlstore.CreateToken(ctx, tx, t, hash, now); err != nil {
			return err
		}
		if err := sqlstore.BindRecipientToken(ctx, tx, t.ID, r.ID, now); err != nil {
			return err
		}
		return sqlstore.AppendAudit(ctx, tx, now, audit.Record{Actor: "cli", Action: "token.create", Object: "token:" + t.ID, Detail: `{"scopes":"inbox","recipient":"` + r.ID + `"}`})
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created inbox token %s for %s; it is shown only now:\n", t.ID, r.Name)
	fmt.Fprintln(stdout, secret)
	return nil
}
