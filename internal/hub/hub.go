// Package hub is the integration hub: it routes every Gewerbe submission to the recipients
// the rule repository selects (inside the submit transaction), delivers each message over its
// recipient's connector from a durable job, and runs the Rückmeldeverfahren between
// municipalities. It is an adapter: it joins the domain packages (routing, xgewo, recipient,
// delivery, rueckmeldung) with storage (sqlstore) and the connectors.
package hub

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/rathaus-egov/rathaus/internal/apperr"
	"github.com/rathaus-egov/rathaus/internal/audit"
	"github.com/rathaus-egov/rathaus/internal/catalog"
	"github.com/rathaus-egov/rathaus/internal/clock"
	"github.com/rathaus-egov/rathaus/internal/delivery"
	"github.com/rathaus-egov/rathaus/internal/document"
	"github.com/rathaus-egov/rathaus/internal/gewerbe"
	"github.com/rathaus-egov/rathaus/internal/identity"
	"github.com/rathaus-egov/rathaus/internal/jobs"
	"github.com/rathaus-egov/rathaus/internal/recipient"
	"github.com/rathaus-egov/rathaus/internal/routing"
	"github.com/rathaus-egov/rathaus/internal/rueckmeldung"
	"github.com/rathaus-egov/rathaus/internal/sqlstore"
	"github.com/rathaus-egov/rathaus/internal/submission"
	"github.com/rathaus-egov/rathaus/internal/tenant"
	"github.com/rathaus-egov/rathaus/internal/xgewo"
)

// Job kinds of the hub besides sqlstore.JobDeliver.
const JobRueckmeldung = "rueckmeldung.process"

// Hub holds what routing, delivery and the Rückmeldeverfahren need.
type Hub struct {
	DB          *sqlstore.DB
	Rules       *routing.Repository
	Directory   *tenant.Directory
	Catalog     *catalog.Catalog
	Submissions *submission.Service
	Connector   delivery.Connector
	Policy      delivery.Policy
	Now         func() time.Time
	Log         *slog.Logger
	// SubmitHooks are the hooks every submission runs (the hub's own among them); the
	// Abmeldung the Rückmeldeverfahren files for municipality A runs them too.
	SubmitHooks []sqlstore.SubmitHook
	// SubmitJobs returns the jobs every submission enqueues (documents).
	SubmitJobs func(p *submission.Prepared) []jobs.Job
	// Wake tells the job runner that new jobs are due.
	Wake func()

	subs submissionCache // submissions being delivered (see Deliver)

	resolvedMu sync.Mutex
	resolvedV  int64                                           // directory version of resolved
	resolved   map[string]map[routing.Kind]recipient.Recipient // by municipality
}

// resolve returns the recipient per kind for a municipality as tx sees the directory. The
// resolution is kept per municipality until the directory's version changes
// (sqlstore.DB.DirectoryTx), so a submission reads one version row instead of the whole
// directory. The returned map is shared: callers must not modify it.
func (h *Hub) resolve(ctx context.Context, tx *sqlstore.Tx, ags, kreis string) (map[routing.Kind]recipient.Recipient, error) {
	v, all, err := h.DB.DirectoryTx(ctx, tx)
	if err != nil {
		return nil, err
	}
	h.resolvedMu.Lock()
	defer h.resolvedMu.Unlock()
	if h.resolvedV != v || h.resolved == nil {
		h.resolvedV, h.resolved = v, map[string]map[routing.Kind]recipient.Recipient{}
	}
	key := ags + "/" + kreis
	r, ok := h.resolved[key]
	if !ok {
		r = recipient.Resolve(all, ags, kreis)
		h.resolved[key] = r
	}
	return r, nil
}

// Seed stores the default recipients that do not exist yet.
func (h *Hub) Seed(ctx context.Context) (int, error) {
	defs, err := recipient.Defaults()
	if err != nil {
		return 0, err
	}
	return h.DB.SeedRecipients(ctx, defs, h.Now())
}

// Route is the submit hook: for a Gewerbe submission it stores every routing decision
// (selected and excluded, with rule and reason), one delivery plus one durable job per
// selected recipient, the register entry of the business, and, for an Anmeldung after a move
// from another platform municipality, the Rückmeldung with its job. Everything happens in the
// submit transaction: the receipt implies that all of it is committed.
func (h *Hub) Route(ctx context.Context, tx *sqlstore.Tx, sub *submission.Submission) error {
	if sub.Art == "" {
		return nil // not a Gewerbeanzeige
	}
	a, err := sub.Anzeige()
	if err != nil {
		return fmt.Errorf("hub: decode %s: %w", sub.ID, err)
	}
	now := sub.CreatedAt
	kreis := ""
	if t, ok := h.Directory.Get(sub.TenantAGS); ok {
		kreis = t.Kreis
	}
	resolved, err := h.resolve(ctx, tx, sub.TenantAGS, kreis)
	if err != nil {
		return err
	}
	in := routing.Input{Anzeige: a, Waived: map[routing.Kind]bool{}, Requested: map[routing.Kind]bool{}}
	for k, r := range resolved {
		in.Waived[k], in.Requested[k] = r.Waived, r.Requested
	}
	decisions := h.Rules.Decide(in)
	rows := make([]sqlstore.Routing, len(decisions))
	var dls []sqlstore.NewDelivery
	dlOf := make([]int, len(decisions)) // index in dls + 1; 0: none
	for i, d := range decisions {
		rows[i] = sqlstore.Routing{Decision: d, Version: h.Rules.Version()}
		if !d.Selected {
			continue
		}
		rec, ok := resolved[d.Kind]
		if !ok || !xgewo.Entitled(d.Kind, a.Art) {
			task := &sqlstore.Task{ID: identity.NewID(), TenantAGS: sub.OfficeAGS, OfficeID: sub.OfficeID, Kind: "empfaenger_fehlt",
				Title:        "Kein Empfänger eingerichtet: " + d.Kind.DisplayName(),
				Detail:       fmt.Sprintf("Die Anzeige %s muss nach Regel %s an %s gehen, aber für die Gemeinde %s ist kein aktiver Empfänger dieser Art eingerichtet.", sub.Reference, d.Rule, d.Kind.DisplayName(), sub.TenantAGS),
				SubmissionID: sub.ID, UniqueKey: "empfaenger_fehlt:" + sub.ID + ":" + string(d.Kind)}
			if err := sqlstore.CreateTask(ctx, tx, task, now); err != nil {
				return err
			}
			continue
		}
		rows[i].RecipientID = rec.ID
		runAt, batch, due := h.Policy.Schedule(d.Kind, now)
		dl := &delivery.Delivery{
			ID: delivery.ID(sub.ID, rec.ID), SubmissionID: sub.ID, TenantAGS: sub.TenantAGS, OfficeAGS: sub.OfficeAGS,
			RecipientID: rec.ID, Kind: d.Kind, Connector: rec.Connector, Status: delivery.StatusQueued,
			Batch: batch, DueAt: due,
		}
		dls = append(dls, sqlstore.NewDelivery{Delivery: dl, RunAt: runAt})
		dlOf[i] = len(dls)
	}
	// Deliveries due now are planned: their rows are written by their job with the first
	// attempt, and until then read from the routing decisions (ADR 0008).
	if err := sqlstore.PlanDeliveries(ctx, tx, dls, now); err != nil {
		return err
	}
	for i, k := range dlOf {
		if k > 0 && dls[k-1].Planned {
			dl := dls[k-1].Delivery
			rows[i].JobID, rows[i].Connector, rows[i].DueAt = dl.JobID, dl.Connector, dl.DueAt
		}
	}
	if err := sqlstore.SaveRouting(ctx, tx, sub.ID, sub.TenantAGS, rows, now); err != nil {
		return err
	}
	keys := rueckmeldung.KeysOf(a)
	if sub.GewerbebetriebID != "" {
		if err := sqlstore.UpsertRegister(ctx, tx, sqlstore.RegisterEntry{TenantAGS: sub.TenantAGS, GewerbebetriebID: sub.GewerbebetriebID, SubmissionID: sub.ID,
			Art: sub.Art, Active: a.Art != gewerbe.ArtAbmeldung, SiteKey: keys.Site, PersonKey: keys.Person, NameKey: keys.Name, UpdatedAt: now}); err != nil {
			return err
		}
	}
	if prev, ok := rueckmeldung.Needed(a); ok {
		to := h.previousMunicipality(prev)
		if to != "" && to != sub.TenantAGS {
			r := &sqlstore.Rueckmeldung{ID: identity.NewID(), FromSubmissionID: sub.ID, FromAGS: sub.TenantAGS, ToAGS: to, Status: sqlstore.RueckmeldungOffen}
			if err := sqlstore.CreateRueckmeldung(ctx, tx, r, now); err != nil {
				return err
			}
			job := jobs.Job{Kind: JobRueckmeldung, TenantAGS: to, Payload: []byte(`{"submission":"` + sub.ID + `"}`), UniqueKey: "rueckmeldung:" + sub.ID, MaxAttempts: 25}
			if err := sqlstore.EnqueueJob(ctx, tx, &job, now); err != nil {
				return err
			}
			detail, _ := json.Marshal(map[string]string{"to": to, "reference": sub.Reference})
			if err := sqlstore.AppendAudit(ctx, tx, now, audit.Record{Actor: "system:rueckmeldung", TenantAGS: sub.TenantAGS, Action: "rueckmeldung.create", Object: "submission:" + sub.ID, Detail: string(detail)}); err != nil {
				return err
			}
		}
	}
	return nil
}

// previousMunicipality is the AGS of the previous site when it is a municipality of the
// platform: its ags, or else the only municipality with its postal code.
func (h *Hub) previousMunicipality(prev *gewerbe.Anschrift) string {
	if prev.AGS != "" {
		if h.Directory.Served(prev.AGS) {
			return prev.AGS
		}
		return ""
	}
	if ags := h.Directory.AGSForPLZ(prev.PLZ); len(ags) == 1 {
		return ags[0]
	}
	return ""
}

// target is where a delivery goes now: the recipient's connector and endpoint unless a
// redirect overrides them.
func target(d *delivery.Delivery, rec recipient.Recipient) delivery.Target {
	t := delivery.Target{RecipientID: rec.ID, RecipientName: rec.Name, Connector: rec.Connector, Endpoint: rec.Endpoint, Secret: rec.Secret}
	if d.ConnectorOverride != "" {
		t.Connector, t.Endpoint = d.ConnectorOverride, d.EndpointOverride
	}
	return t
}

// BuildMessage builds the message of a delivery from the stored submission: minimised for the
// recipient kind (xgewo.Minimise via xgewo.Build), in the recipient's format, with derived
// UUIDs, so the same delivery always yields the same bytes. SMTP deliveries also get the
// filled official form, rendered from the same minimised data.
func (h *Hub) BuildMessage(d *delivery.Delivery, sub *submission.Submission, rec recipient.Recipient, conn recipient.Connector) (delivery.Message, error) {
	a, err := sub.Anzeige()
	if err != nil {
		return delivery.Message{}, err
	}
	return h.buildMessage(d, sub, a, rec, conn)
}

// buildMessage is BuildMessage with the submission's notice decoded already; a is only read.
func (h *Hub) buildMessage(d *delivery.Delivery, sub *submission.Submission, a *gewerbe.Anzeige, rec recipient.Recipient, conn recipient.Connector) (delivery.Message, error) {
	filed := sub.CreatedAt.In(clock.Berlin)
	office := xgewo.Office{AGS: sub.OfficeAGS, Name: sub.Office.Name, Strasse: sub.Office.Strasse, PLZ: sub.Office.PLZ, Ort: sub.Office.Ort, Email: sub.Office.Email, Telefon: sub.Office.Telefon}
	build, ext := xgewo.BuildXML, "xml"
	if rec.Format == recipient.FormatJSON {
		build, ext = xgewo.BuildJSON, "json"
	}
	m, err := build(xgewo.BuildInput{
		Anzeige:          a,
		Recipient:        xgewo.Recipient{Kind: d.Kind, ID: rec.ID, Name: rec.Name, Kennung: rec.Kennung, Email: rec.Email},
		Author:           office,
		Reference:        sub.Reference,
		NoticeUUID:       delivery.NoticeUUID(sub.ID),
		MessageUUID:      d.MessageUUID,
		GewerbebetriebID: sub.GewerbebetriebID,
		FiledAt:          filed,
	})
	if err != nil {
		return delivery.Message{}, err
	}
	out := delivery.Message{DeliveryID: d.ID, MessageUUID: d.MessageUUID, IdempotencyKey: d.IdempotencyKey, Kind: d.Kind, Reference: sub.Reference, Art: sub.Art,
		ContentType: m.ContentType, Body: m.Body, Filename: fmt.Sprintf("%s_%s_%s.%s", sub.Reference, d.Kind, d.MessageUUID, ext)}
	if conn == recipient.ConnectorSMTP {
		pdf, err := document.RenderGewerbeanzeige(xgewo.Minimise(a, d.Kind), document.Meta{Reference: sub.Reference, FiledAt: sub.CreatedAt, Lang: "de",
			Behoerde: document.Office{Name: sub.Office.Name, Strasse: sub.Office.Strasse, PLZ: sub.Office.PLZ, Ort: sub.Office.Ort, Email: sub.Office.Email, Telefon: sub.Office.Telefon}})
		if err != nil {
			return delivery.Message{}, fmt.Errorf("form for %s: %w", d.Kind, err)
		}
		out.Attachments = []delivery.Attachment{{Name: sub.Reference + "_" + string(d.Kind) + ".pdf", ContentType: "application/pdf", Data: pdf}}
	}
	return out, nil
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// Deliver is the handler of sqlstore.JobDeliver and JobDeliverPlanned: one attempt of each
// delivery the job covers. The message is built at delivery time from the stored
// submission. A pull-inbox recipient gets it offered;
// other connectors send it with its idempotency key. Every attempt is recorded. A failed
// attempt is retried by the job runner with exponential back-off and jitter until the retry
// window (Policy.RetryFor) has passed; then, or on a permanent error, the delivery is dead.
//
// A job covers one delivery (a replay or redirect) or the deliveries of a submission that are
// due at the same time (sqlstore.InsertDeliveries); those are sent side by side, each with
// its own attempt record and status. The job's attempts are recorded in one commit once all
// were made (a crash before it sends them again, under the same idempotency keys); when they
// all succeeded the same commit completes the job. When some failed, the job is retried
// after the back-off for those (delivered, offered and dead ones are skipped); when every
// failure was permanent, the job is dead too.
func (h *Hub) Deliver(ctx context.Context, j jobs.Job) error {
	var p sqlstore.DeliverPayload
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return jobs.Permanent(err)
	}
	ids := p.IDs()
	if len(ids) == 0 {
		return jobs.Permanent(errors.New("delivery job without deliveries"))
	}
	todo, err := h.DB.DeliveriesToSend(ctx, ids, p.Submission)
	if err != nil {
		return err
	}
	// The submission is read once per job (its deliveries would all miss the cache at the
	// same moment and read it nine times); the attempts find it in the cache.
	for _, id := range ids {
		if x, ok := todo[id]; ok {
			if _, err := h.subs.get(ctx, h.DB, x.Delivery.SubmissionID); err != nil {
				return err
			}
			break
		}
	}
	type outcome struct {
		res *sqlstore.AttemptResult
		err error
	}
	outs := make([]outcome, len(ids))
	if len(ids) == 1 {
		outs[0].res, outs[0].err = h.attempt(ctx, j, ids[0], todo, true)
	} else {
		var wg sync.WaitGroup
		for i, id := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				outs[i].res, outs[i].err = h.attempt(ctx, j, id, todo, false)
			}()
		}
		wg.Wait()
	}
	// The attempts are recorded together, and when every delivery succeeded (or was done
	// before) the job is completed in the same commit.
	var record []sqlstore.DeliveryAttempt
	var retry, dead []error
	for i, o := range outs {
		if o.res != nil {
			record = append(record, sqlstore.DeliveryAttempt{DeliveryID: ids[i], Result: *o.res})
		}
		switch {
		case o.err == nil:
		case jobs.IsPermanent(o.err):
			dead = append(dead, o.err)
		default:
			retry = append(retry, o.err)
		}
	}
	complete := ""
	if len(retry) == 0 && len(dead) == 0 {
		complete = j.ID
	}
	if len(record) > 0 || complete != "" {
		if err := h.DB.RecordAttempts(ctx, record, complete, h.Now()); err != nil {
			return err
		}
		if complete != "" {
			jobs.MarkCompleted(ctx)
		}
	}
	if len(retry) > 0 {
		return errors.Join(retry...)
	}
	if len(dead) > 0 {
		return jobs.Permanent(errors.Join(dead...))
	}
	return nil
}

// attempt makes one attempt of delivery id of job j, read with its recipient in todo. It
// returns the attempt to record (nil: none was made) and the error the job reports for this
// delivery: nil when it was delivered or offered, a jobs.Permanent error when it is dead.
// Deliveries settled earlier are skipped: delivered and offered ones always, dead ones in a
// job of several (single: the job covers only this delivery, a replay).
func (h *Hub) attempt(ctx context.Context, j jobs.Job, id string, todo map[string]sqlstore.DeliveryToSend, single bool) (*sqlstore.AttemptResult, error) {
	res, err := h.attemptOnce(ctx, j, id, todo, single)
	if x := todo[id]; res != nil && x.Planned {
		res.Create = x.Delivery // the first attempt writes the planned delivery (ADR 0008)
	}
	return res, err
}

// attemptOnce is attempt without the planned delivery's Create.
func (h *Hub) attemptOnce(ctx context.Context, j jobs.Job, id string, todo map[string]sqlstore.DeliveryToSend, single bool) (*sqlstore.AttemptResult, error) {
	x, ok := todo[id]
	if !ok {
		return nil, jobs.Permanent(apperr.NotFound("Zustellung"))
	}
	d, rec := x.Delivery, x.Recipient
	if d.Status == delivery.StatusDelivered || d.Status == delivery.StatusOffered {
		return nil, nil // done earlier (e.g. a lease ran out after the attempt was recorded)
	}
	if !single && d.Status == delivery.StatusDead {
		return nil, nil // settled in an earlier attempt of this job; a replay sets it back to queued
	}
	now := h.Now()
	fail := func(t delivery.Target, body []byte, ct string, sendErr error, dur time.Duration) (*sqlstore.AttemptResult, error) {
		n := j.Attempts + 1
		dead := delivery.IsPermanent(sendErr) || h.Policy.GiveUp(d.WindowStart, now, n)
		att := delivery.Attempt{At: now, Connector: t.Connector, Endpoint: t.Endpoint, Outcome: delivery.OutcomeFailed, Error: sendErr.Error(),
			HTTPStatus: delivery.HTTPStatusOf(sendErr), Duration: dur}
		status := delivery.StatusRetrying
		if dead {
			att.Outcome, status = delivery.OutcomeDead, delivery.StatusDead
		}
		if body != nil {
			att.BodySHA256 = sum(body)
		}
		res := &sqlstore.AttemptResult{Attempt: att, Status: status, ContentType: ct, Body: body}
		if dead {
			return res, jobs.Permanent(sendErr)
		}
		return res, sendErr
	}
	t := target(d, rec)
	sub, err := h.subs.get(ctx, h.DB, d.SubmissionID)
	if err != nil {
		return nil, err
	}
	if !rec.Active && d.ConnectorOverride == "" {
		return fail(t, nil, "", &delivery.Error{Permanent: true, Err: errors.New("der Empfänger ist deaktiviert; bitte umleiten")}, 0)
	}
	if sub.aerr != nil {
		return fail(t, nil, "", &delivery.Error{Permanent: true, Err: sub.aerr}, 0)
	}
	msg, err := h.buildMessage(d, sub.sub, sub.a, rec, t.Connector)
	if err != nil {
		return fail(t, nil, "", &delivery.Error{Permanent: true, Err: err}, 0)
	}
	res := &sqlstore.AttemptResult{ContentType: msg.ContentType, Body: msg.Body,
		Attempt: delivery.Attempt{At: now, Connector: t.Connector, Endpoint: t.Endpoint, BodySHA256: sum(msg.Body)}}
	if t.Connector == recipient.ConnectorInbox {
		res.Status, res.Attempt.Outcome = delivery.StatusOffered, delivery.OutcomeOffered
		return res, nil
	}
	start := time.Now()
	err = h.Connector.Send(ctx, msg, t)
	dur := time.Since(start)
	if err != nil {
		return fail(t, msg.Body, msg.ContentType, err, dur)
	}
	res.Status, res.Attempt.Outcome, res.Attempt.Duration = delivery.StatusDelivered, delivery.OutcomeDelivered, dur
	return res, nil
}

// Replay queues a dead (or retrying) delivery again with a fresh retry window.
func (h *Hub) Replay(ctx context.Context, id, actor string) error {
	if err := h.DB.ReplayDelivery(ctx, id, actor, nil, h.Now()); err != nil {
		return err
	}
	h.wake()
	return nil
}

// Redirect sends a delivery to a corrected connector and endpoint from now on and queues it
// again. The endpoint is checked like a recipient's; the HTTP connector keeps the recipient's
// secret.
func (h *Hub) Redirect(ctx context.Context, id, actor string, conn recipient.Connector, endpoint string) error {
	d, err := h.DB.GetDelivery(ctx, id)
	if err != nil {
		return err
	}
	rec, err := h.DB.GetRecipient(ctx, d.RecipientID)
	if err != nil {
		return err
	}
	check := rec
	check.Connector, check.Endpoint = conn, endpoint
	for _, e := range check.Validate() {
		if e.Pointer == "secret" {
			// The key is shared with the recipient and belongs to the directory, not to one
			// delivery: the redirect form does not take it.
			e.Message = fmt.Sprintf("Schlüssel: Eine Umleitung per HTTP signiert mit dem HMAC-Schlüssel des Empfängers „%s“, und für ihn ist keiner (mit mindestens 16 Zeichen) hinterlegt. Bitte den Schlüssel zuerst im Empfängerverzeichnis eintragen lassen (Plattformbetrieb: rathaus recipient set %s --secret …).", rec.Name, rec.ID)
		}
		if e.Pointer == "endpoint" || e.Pointer == "connector" || e.Pointer == "secret" {
			return apperr.Invalid(e)
		}
	}
	if err := h.DB.ReplayDelivery(ctx, id, actor, &sqlstore.Reroute{Connector: conn, Endpoint: check.Endpoint}, h.Now()); err != nil {
		return err
	}
	h.wake()
	return nil
}

func (h *Hub) wake() {
	if h.Wake != nil {
		h.Wake()
	}
}

// RouteZoll is called when the office records indications for customs (§ 3 Abs. 3 GewAnzV)
// in a case: inside that transaction the notice's zoll decision is re-taken with the
// indication set, and when it now selects the customs recipient, a delivery and its job are
// created. Recording the indication twice routes once. Only Anmeldungen go to customs.
func (h *Hub) RouteZoll(ctx context.Context, tx *sqlstore.Tx, submissionID string, now time.Time) error {
	sub, err := h.DB.GetSubmission(ctx, submissionID)
	if err != nil {
		return err
	}
	if sub.Art == "" {
		return nil
	}
	a, err := sub.Anzeige()
	if err != nil {
		return err
	}
	var dec *routing.Decision
	for _, d := range h.Rules.Decide(routing.Input{Anzeige: a, ZollAnhaltspunkte: true}) {
		if d.Kind == routing.KindZoll {
			dec = &d
		}
	}
	if dec == nil || !dec.Selected || !xgewo.Entitled(routing.KindZoll, a.Art) {
		return nil
	}
	kreis := ""
	if t, ok := h.Directory.Get(sub.TenantAGS); ok {
		kreis = t.Kreis
	}
	all, err := sqlstore.RecipientsTx(ctx, tx)
	if err != nil {
		return err
	}
	rec, ok := recipient.Resolve(all, sub.TenantAGS, kreis)[routing.KindZoll]
	if !ok {
		return sqlstore.CreateTask(ctx, tx, &sqlstore.Task{ID: identity.NewID(), TenantAGS: sub.OfficeAGS, OfficeID: sub.OfficeID, Kind: "empfaenger_fehlt",
			Title:        "Kein Empfänger eingerichtet: " + routing.KindZoll.DisplayName(),
			Detail:       fmt.Sprintf("Für die Anzeige %s wurden Anhaltspunkte für die Zollverwaltung festgehalten, aber für die Gemeinde %s ist keine Zollstelle eingerichtet.", sub.Reference, sub.TenantAGS),
			SubmissionID: sub.ID, UniqueKey: "empfaenger_fehlt:" + sub.ID + ":zoll"}, now)
	}
	// Looked up by the pair, not by delivery.ID: deliveries created before the ids became
	// time-ordered keep their old ids.
	if routed, err := sqlstore.HasDelivery(ctx, tx, sub.ID, rec.ID); err != nil || routed {
		return err // routed already, or the lookup failed
	}
	id := delivery.ID(sub.ID, rec.ID)
	if err := sqlstore.SetRoutingDecision(ctx, tx, sub.ID, sqlstore.Routing{Decision: *dec, Version: h.Rules.Version(), RecipientID: rec.ID}, now); err != nil {
		return err
	}
	dl := &delivery.Delivery{ID: id, SubmissionID: sub.ID, TenantAGS: sub.TenantAGS, OfficeAGS: sub.OfficeAGS, RecipientID: rec.ID, Kind: routing.KindZoll,
		Connector: rec.Connector, Status: delivery.StatusQueued}
	return sqlstore.InsertDelivery(ctx, tx, dl, now, now)
}

// submissionCache keeps the last submissions read by Deliver, with their notices decoded:
// every submission has about eight deliveries, usually attempted one after another.
// Submissions are never updated after the commit that created them, so a kept copy cannot
// be stale; the kept notice is shared and only read (xgewo.Minimise copies what it uses).
type submissionCache struct {
	mu    sync.Mutex
	m     map[string]cachedSubmission
	order []string // insertion order; the oldest is evicted
}

type cachedSubmission struct {
	sub  *submission.Submission
	a    *gewerbe.Anzeige
	aerr error // the stored data is no notice: a permanent error of every delivery
}

const submissionCacheSize = 256

func (c *submissionCache) get(ctx context.Context, db *sqlstore.DB, id string) (cachedSubmission, error) {
	c.mu.Lock()
	e, ok := c.m[id]
	c.mu.Unlock()
	if ok {
		return e, nil
	}
	sub, err := db.GetSubmission(ctx, id)
	if err != nil {
		return cachedSubmission{}, err
	}
	e = cachedSubmission{sub: sub}
	e.a, e.aerr = sub.Anzeige()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]cachedSubmission{}
	}
	if _, ok := c.m[id]; !ok {
		if len(c.order) >= submissionCacheSize {
			delete(c.m, c.order[0])
			c.order = c.order[1:]
		}
		c.m[id], c.order = e, append(c.order, id)
	}
	return e, nil
}
