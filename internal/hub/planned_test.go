package hub_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/rathaus-egov/rathaus/internal/apperr"
	"github.com/rathaus-egov/rathaus/internal/apptest"
	"github.com/rathaus-egov/rathaus/internal/delivery"
	"github.com/rathaus-egov/rathaus/internal/gewerbe"
	"github.com/rathaus-egov/rathaus/internal/identity"
	"github.com/rathaus-egov/rathaus/internal/recipient"
	"github.com/rathaus-egov/rathaus/internal/sqlstore"
)

// TestPlannedDeliveriesWrittenAtFirstAttempt follows a submission's deliveries from the
// submit, where they are planned (no rows, read from the routing decisions as queued), to
// their job's first attempt, which writes each row once with its outcome (ADR 0008): one
// push recipient per kind and one pull recipient, whose inbox row is written too. A second
// writer of the same first attempt (a job run whose lease ran out) fails and changes
// nothing.
func TestPlannedDeliveriesWrittenAtFirstAttempt(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, app *apptest.App) {
		ctx := context.Background()
		rs := newRecipientServer(t, app.Clock)
		setAll(t, app, recipient.ConnectorHTTP, rs.URL())
		all, err := app.DB.ListRecipients(ctx)
		if err != nil {
			t.Fatal(err)
		}
		tok := app.CreateToken(dresden, identity.ScopeSubmit, identity.ScopeRead)
		id := file(t, app, tok, dresden, gewerbe.Sample(gewerbe.SampleNames()[0], app.Clock()))

		if rows := allDeliveries(t, app); len(rows) != 0 {
			t.Fatalf("%d delivery rows at submit; want none (planned)", len(rows))
		}
		planned, err := app.DB.DeliveriesOf(ctx, id)
		if err != nil || len(planned) < 3 {
			t.Fatalf("planned deliveries: %d (%v)", len(planned), err)
		}
		names := map[string]string{}
		for _, r := range all {
			names[r.ID] = r.Name
		}
		for _, d := range planned {
			if d.Status != delivery.StatusQueued || d.Attempts != 0 || d.JobID != planned[0].JobID || d.ID != delivery.ID(id, d.RecipientID) ||
				d.IdempotencyKey != delivery.IdempotencyKey(id, d.RecipientID) || d.RecipientName != names[d.RecipientID] || d.Connector != recipient.ConnectorHTTP ||
				d.SubmissionID != id || d.TenantAGS != dresden || !d.CreatedAt.Equal(app.Clock()) {
				t.Fatalf("planned delivery %+v", d)
			}
		}
		got, err := app.DB.GetDelivery(ctx, planned[1].ID)
		if err != nil || got.ID != planned[1].ID || got.Status != delivery.StatusQueued || got.RecipientName == "" {
			t.Fatalf("GetDelivery of a planned delivery: %+v, %v", got, err)
		}
		if _, err := app.DB.GetDelivery(ctx, planned[1].ID[:31]+"x"); err == nil {
			t.Fatal("GetDelivery found an id nobody planned")
		}
		if err := app.Platform.Hub.Replay(ctx, planned[1].ID, "staff:test"); apperr.KindOf(err) != apperr.KindConflict {
			t.Fatalf("replay of a planned delivery: %v, want a conflict", err)
		}
		err = app.DB.InTx(ctx, func(tx *sqlstore.Tx) error {
			has, err := sqlstore.HasDelivery(ctx, tx, id, planned[2].RecipientID)
			if err == nil && !has {
				t.Error("HasDelivery does not see a planned delivery")
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		todo, err := app.DB.DeliveriesToSend(ctx, []string{planned[2].ID, "missing"}, id)
		if x := todo[planned[2].ID]; err != nil || len(todo) != 1 || !x.Planned || x.Recipient.ID != planned[2].RecipientID || x.Delivery.JobID != planned[2].JobID {
			t.Fatalf("DeliveriesToSend of one planned delivery: %+v (%v)", todo, err)
		}
		j, err := app.DB.GetJob(ctx, planned[0].JobID)
		var p sqlstore.DeliverPayload
		if err != nil || j.Kind != sqlstore.JobDeliverPlanned || json.Unmarshal(j.Payload, &p) != nil || p.Submission != id || len(p.IDs()) != len(planned) {
			t.Fatalf("job %s: %s (%v)", planned[0].JobID, j.Payload, err)
		}

		// A node of an earlier release claims only the kinds it knows: never a planned job.
		if old, err := app.DB.ClaimJobs(ctx, "earlier-release", []string{sqlstore.JobDeliver}, app.Clock().Add(time.Hour), app.Clock().Add(2*time.Hour), 100); err != nil || len(old) != 0 {
			t.Fatalf("a worker of delivery.send jobs claimed %d jobs (%v)", len(old), err)
		}

		// The pull recipient of the first delivery; the others are pushed to.
		pull := planned[0].RecipientID
		err = app.DB.InTx(ctx, func(tx *sqlstore.Tx) error {
			r, err := app.DB.GetRecipient(ctx, pull)
			if err != nil {
				return err
			}
			r.Connector, r.Endpoint = recipient.ConnectorInbox, ""
			return sqlstore.SaveRecipient(ctx, tx, &r, app.Clock())
		})
		if err != nil {
			t.Fatal(err)
		}

		app.RunJobs()
		rows := allDeliveries(t, app)
		if len(rows) != len(planned) {
			t.Fatalf("%d rows after the first attempt, want %d", len(rows), len(planned))
		}
		for _, d := range rows {
			want := delivery.StatusDelivered
			if d.RecipientID == pull {
				want = delivery.StatusOffered
			}
			if d.Status != want || d.Attempts != 1 || d.JobID != planned[0].JobID || d.SubmissionID != id || len(d.Body) == 0 || d.BodySHA256 == "" {
				t.Errorf("delivery to %s: %s after %d attempts, job %s, %d bytes; want %s after 1", d.RecipientID, d.Status, d.Attempts, d.JobID, len(d.Body), want)
			}
			if want == delivery.StatusDelivered && !d.DeliveredAt.Equal(app.Clock()) {
				t.Errorf("delivery to %s: delivered at %v", d.RecipientID, d.DeliveredAt)
			}
			as, err := app.DB.Attempts(ctx, d.ID)
			if err != nil || len(as) != 1 || as[0].N != 1 || as[0].BodySHA256 != d.BodySHA256 {
				t.Errorf("attempts of %s: %+v (%v)", d.ID, as, err)
			}
		}
		var inbox int
		if err := app.DB.QueryRow(ctx, `SELECT COUNT(*) FROM inbox WHERE delivery_id = ?`, delivery.ID(id, pull)).Scan(&inbox); err != nil || inbox != 1 {
			t.Fatalf("inbox rows of the offered delivery: %d (%v)", inbox, err)
		}
		if ds, err := app.DB.DeliveriesOf(ctx, id); err != nil || len(ds) != len(planned) {
			t.Fatalf("DeliveriesOf after the attempts: %d (%v)", len(ds), err)
		}
		if keys, effects := rs.effects(); keys != len(planned)-1 || effects != len(planned)-1 {
			t.Fatalf("the recipient applied %d messages with %d effects, want %d", keys, effects, len(planned)-1)
		}
		if j, err := app.DB.GetJob(ctx, planned[0].JobID); err != nil || j.State != "done" {
			t.Fatalf("job after every delivery succeeded: %+v (%v)", j, err)
		}

		// A second first attempt of the same planned delivery is refused and writes nothing.
		twice := planned[1]
		res := sqlstore.AttemptResult{Status: delivery.StatusDelivered, Create: &twice, ContentType: "application/xml", Body: []byte("<x/>"),
			Attempt: delivery.Attempt{At: app.Clock(), Connector: recipient.ConnectorHTTP, Outcome: delivery.OutcomeDelivered, BodySHA256: "x"}}
		if err := app.DB.RecordAttempts(ctx, []sqlstore.DeliveryAttempt{{DeliveryID: twice.ID, Result: res}}, "", app.Clock()); err == nil {
			t.Fatal("a second first attempt of a delivery was recorded")
		}
		if d, err := app.DB.GetDelivery(ctx, twice.ID); err != nil || d.Attempts != 1 || d.BodySHA256 == "x" {
			t.Fatalf("after the refused second first attempt: %+v (%v)", d, err)
		}
		if as, err := app.DB.Attempts(ctx, twice.ID); err != nil || len(as) != 1 {
			t.Fatalf("attempts after the refused second first attempt: %d (%v)", len(as), err)
		}
	})
}

// TestPlanDeliveriesWritesLaterOnesAtOnce: a delivery due later (the monthly statistics
// batch) is written at once with its own job at its time, so the staff list shows it while
// it waits; one due now is only planned.
func TestPlanDeliveriesWritesLaterOnesAtOnce(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, app *apptest.App) {
		ctx := context.Background()
		tok := app.CreateToken(dresden, identity.ScopeSubmit, identity.ScopeRead)
		id := file(t, app, tok, dresden, gewerbe.Sample(gewerbe.SampleNames()[0], app.Clock()))
		all, err := app.DB.ListRecipients(ctx)
		if err != nil || len(all) < 2 {
			t.Fatalf("recipients: %d (%v)", len(all), err)
		}
		now := app.Clock()
		nds := []sqlstore.NewDelivery{
			{Delivery: &delivery.Delivery{ID: "plan-now", SubmissionID: id, TenantAGS: dresden, OfficeAGS: dresden, RecipientID: all[0].ID, Kind: all[0].Kind, Connector: all[0].Connector}, RunAt: now},
			{Delivery: &delivery.Delivery{ID: "plan-later", SubmissionID: id, TenantAGS: dresden, OfficeAGS: dresden, RecipientID: all[1].ID, Kind: all[1].Kind, Connector: all[1].Connector, Batch: "2026-11"}, RunAt: now.Add(24 * time.Hour)},
		}
		if err := app.DB.InTx(ctx, func(tx *sqlstore.Tx) error { return sqlstore.PlanDeliveries(ctx, tx, nds, now) }); err != nil {
			t.Fatal(err)
		}
		if !nds[0].Planned || nds[1].Planned || nds[0].Delivery.JobID == "" || nds[0].Delivery.Status != delivery.StatusQueued {
			t.Fatalf("planned: %v %v, job %q, status %q", nds[0].Planned, nds[1].Planned, nds[0].Delivery.JobID, nds[0].Delivery.Status)
		}
		if _, err := app.DB.GetDelivery(ctx, "plan-now"); err == nil {
			t.Fatal("the delivery due now was written at once")
		}
		later, err := app.DB.GetDelivery(ctx, "plan-later")
		if err != nil || later.Status != delivery.StatusQueued || later.Batch != "2026-11" || !later.NextAttemptAt.Equal(now.Add(24*time.Hour)) || later.JobID == nds[0].Delivery.JobID ||
			later.IdempotencyKey != delivery.IdempotencyKey(id, all[1].ID) || later.MessageUUID != delivery.MessageUUID(id, all[1].ID) {
			t.Fatalf("the delivery due later: %+v (%v)", later, err)
		}
	})
}

// TestPlannedDeliveryOfADeadJobReplayed: a planned delivery waits for its job's first
// attempt, so a replay is refused — unless the job died before it; then the replay queues
// the job again, and its first attempt writes every delivery it covers.
func TestPlannedDeliveryOfADeadJobReplayed(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, app *apptest.App) {
		ctx := context.Background()
		rs := newRecipientServer(t, app.Clock)
		setAll(t, app, recipient.ConnectorHTTP, rs.URL())
		tok := app.CreateToken(dresden, identity.ScopeSubmit, identity.ScopeRead)
		id := file(t, app, tok, dresden, gewerbe.Sample(gewerbe.SampleNames()[0], app.Clock()))
		planned, err := app.DB.DeliveriesOf(ctx, id)
		if err != nil || len(planned) < 3 {
			t.Fatalf("planned deliveries: %d (%v)", len(planned), err)
		}
		job := planned[0].JobID
		if err := app.Platform.Hub.Replay(ctx, planned[0].ID, "staff:test"); apperr.KindOf(err) != apperr.KindConflict {
			t.Fatalf("replay while the job is queued: %v, want a conflict", err)
		}
		if _, err := app.DB.W.ExecContext(ctx, app.DB.Rebind(`UPDATE jobs SET state = 'dead', attempts = 1000, last_error = 'database unreachable' WHERE id = ?`), job); err != nil {
			t.Fatal(err)
		}
		if err := app.Platform.Hub.Redirect(ctx, planned[0].ID, "staff:test", recipient.ConnectorHTTP, rs.URL()); apperr.KindOf(err) != apperr.KindConflict {
			t.Fatalf("redirect of a planned delivery: %v, want a conflict", err)
		}
		if err := app.Platform.Hub.Replay(ctx, planned[0].ID, "staff:test"); err != nil {
			t.Fatalf("replay after the job died: %v", err)
		}
		if j, err := app.DB.GetJob(ctx, job); err != nil || j.State != "queued" || j.Attempts != 0 {
			t.Fatalf("job after the replay: %+v (%v)", j, err)
		}
		app.RunJobs()
		ds, err := app.DB.DeliveriesOf(ctx, id)
		if err != nil || len(ds) != len(planned) {
			t.Fatalf("deliveries after the replay: %d (%v)", len(ds), err)
		}
		for _, d := range ds {
			if d.Status != delivery.StatusDelivered || d.Attempts != 1 {
				t.Errorf("delivery to %s: %s after %d attempts", d.RecipientID, d.Status, d.Attempts)
			}
		}
		if keys, effects := rs.effects(); keys != len(planned) || effects != len(planned) {
			t.Fatalf("the recipient applied %d messages with %d effects, want %d", keys, effects, len(planned))
		}
	})
}
