package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/rathaus-egov/rathaus/internal/delivery"
	"github.com/rathaus-egov/rathaus/internal/hub"
	"github.com/rathaus-egov/rathaus/internal/recipient"
	"github.com/rathaus-egov/rathaus/internal/sqlstore"
)

func runDelivery(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	sub := ""
	if len(args) > 0 {
		sub = args[0]
	}
	switch sub {
	case "list":
		return deliveryList(ctx, args[1:], stdout, stderr)
	case "show":
		return deliveryShow(ctx, args[1:], stdout, stderr)
	case "replay":
		return deliveryReplay(ctx, args[1:], stdout, stderr, false)
	case "redirect":
		return deliveryReplay(ctx, args[1:], stdout, stderr, true)
	}
	fmt.Fprintln(stderr, "Usage: rathaus delivery list [flags] | show ID | replay ID | redirect ID --connector C --endpoint E")
	if sub == "-h" || sub == "--help" {
		return nil
	}
	return usageError{"delivery needs a subcommand: list, show, replay or redirect"}
}

func deliveryList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var f dbFlags
	fs := newFlagSet("delivery list", "List deliveries, newest first: id, reference, recipient, connector, status, attempts, last error. A submission's deliveries are listed from their first attempt, seconds after the filing; `delivery show ID` also shows one still waiting for it.", stderr)
	f.register(fs)
	status := fs.String("status", "", "only this status: queued, retrying, offered, delivered, dead")
	ags := fs.String("tenant", "", "only deliveries of this office's municipality (AGS)")
	limit := fs.Int("limit", 50, "at most this many")
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := openExisting(ctx, f)
	if err != nil {
		return err
	}
	defer db.Close()
	flt := sqlstore.DeliveryFilter{Status: delivery.Status(*status), Limit: *limit}
	if *ags != "" {
		flt.OfficeAGS = []string{*ags}
	}
	ds, err := db.ListDeliveries(ctx, flt)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tCREATED\tRECIPIENT\tCONNECTOR\tSTATUS\tATTEMPTS\tNEXT\tLAST ERROR")
	for _, d := range ds {
		next := ""
		if !d.NextAttemptAt.IsZero() {
			next = d.NextAttemptAt.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", d.ID, d.CreatedAt.UTC().Format(time.RFC3339), d.RecipientID, d.Connector, d.Status, d.Attempts, next, oneLine(d.LastError, 80))
	}
	tw.Flush()
	fmt.Fprintf(stdout, "%d deliveries\n", len(ds))
	return nil
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

func deliveryShow(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	id, rest := idAndFlags(args)
	var f dbFlags
	fs := newFlagSet("delivery show ID", "Show one delivery with every attempt and its error.", stderr)
	f.register(fs)
	if err := fs.Parse(rest); err != nil {
		return err
	}
	if id == "" {
		return usageError{"delivery show needs the delivery id"}
	}
	db, err := openExisting(ctx, f)
	if err != nil {
		return err
	}
	defer db.Close()
	d, err := db.GetDelivery(ctx, id)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "delivery %s\n  submission %s\n  recipient  %s (%s)\n  connector  %s %s\n  status     %s after %d attempt(s)\n  message    %s (%s, sha256 %s)\n  key        %s\n",
		d.ID, d.SubmissionID, d.RecipientName, d.Kind, d.Connector, d.EndpointOverride, d.Status, d.Attempts, d.MessageUUID, d.ContentType, d.BodySHA256, d.IdempotencyKey)
	atts, err := db.Attempts(ctx, id)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tAT\tCONNECTOR\tOUTCOME\tHTTP\tDURATION\tERROR")
	for _, a := range atts {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%s\t%s\n", a.N, a.At.UTC().Format(time.RFC3339), a.Connector, a.Outcome, a.HTTPStatus, a.Duration, oneLine(a.Error, 100))
	}
	return tw.Flush()
}

func deliveryReplay(ctx context.Context, args []string, stdout, stderr io.Writer, redirect bool) error {
	id, rest := idAndFlags(args)
	var f dbFlags
	name, desc := "delivery replay ID", "Queue a dead (or retrying) delivery again with a fresh retry window. A running serve picks it up within its poll interval."
	if redirect {
		name, desc = "delivery redirect ID", "Send a delivery to a corrected connector and endpoint from now on, and queue it again. The recipient entry is not changed (use recipient set for that)."
	}
	fs := newFlagSet(name, desc, stderr)
	f.register(fs)
	conn := fs.String("connector", "", "inbox, http, smtp or folder (redirect)")
	endpoint := fs.String("endpoint", "", "corrected URL, mail address or folder (redirect)")
	if err := fs.Parse(rest); err != nil {
		return err
	}
	if id == "" {
		return usageError{name[:len(name)-3] + " needs the delivery id"}
	}
	db, err := openExisting(ctx, f)
	if err != nil {
		return err
	}
	defer db.Close()
	h := &hub.Hub{DB: db, Now: time.Now}
	if redirect {
		if *conn == "" {
			return usageError{"--connector is required"}
		}
		if err := h.Redirect(ctx, id, "cli", recipient.Connector(*conn), *endpoint); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "delivery %s redirected to %s %s and queued again\n", id, *conn, *endpoint)
		return nil
	}
	if err := h.Replay(ctx, id, "cli"); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "delivery %s queued again\n", id)
	return nil
}
