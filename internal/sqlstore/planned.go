package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/rathaus-egov/rathaus/internal/apperr"
	"github.com/rathaus-egov/rathaus/internal/audit"
	"github.com/rathaus-egov/rathaus/internal/delivery"
	"github.com/rathaus-egov/rathaus/internal/identity"
	"github.com/rathaus-egov/rathaus/internal/recipient"
)

// Planned deliveries (ADR 0008). A submission's deliveries that are due at once are not
// written as rows in the submit transaction: the routing decision of each records the
// planned delivery (its job, connector and deadline, Routing.JobID …), one job covers them
// all, and the row is written by that job together with its first attempt, with the
// attempt's outcome (recordCreated). Until then the delivery is read from the decision
// (plannedOf): DeliveriesOf, GetDelivery, HasDelivery and the job's DeliveriesToSend show it
// as queued. Nine rows of four indexes each were the largest part of the submit
// transaction, which on PostgreSQL is the serial part of intake; and every delivery was
// written twice, queued and then with its outcome. Deliveries due later (the monthly
// statistics batch) are still written at once, so the staff list shows them while they wait.

// PlanDeliveries stores a submission's new deliveries inside tx (the submit transaction):
// those due now as planned deliveries under one job (JobDeliverPlanned, payload
// {"submission": id, "deliveries": [ids]}), whose job id, status and times it sets on each; the others with
// InsertDeliveries. It marks the planned ones (NewDelivery.Planned); the caller must record
// them in the submission's routing decisions (Routing.JobID, Connector, DueAt) in the same
// transaction, which is where they are read from until their first attempt.
func PlanDeliveries(ctx context.Context, tx *Tx, ds []NewDelivery, now time.Time) error {
	var later []NewDelivery
	var ids []string
	var first *delivery.Delivery // the first planned one
	jobID := identity.NewSortableID()
	for i := range ds {
		nd := &ds[i]
		if nd.RunAt.After(now) {
			later = append(later, *nd)
			continue
		}
		d := nd.Delivery
		d.JobID, d.WindowStart, d.CreatedAt, d.NextAttemptAt = jobID, now, now, now
		if d.Status == "" {
			d.Status = delivery.StatusQueued
		}
		nd.Planned = true
		ids = append(ids, d.ID)
		if first == nil {
			first = d
		}
	}
	if first != nil {
		payload, err := json.Marshal(DeliverPayload{Submission: first.SubmissionID, Deliveries: ids})
		if err != nil {
			return err
		}
		ts := FormatTime(now)
		// No unique key, as for InsertDeliveries: the job is written with the submission.
		if err := tx.insertRows(ctx, jobsInsertHead, jobsInsertRow, "", []any{jobID, JobDeliverPlanned, first.TenantAGS, string(payload), ts, 1000, nil, ts, ts}); err != nil {
			return err
		}
	}
	return InsertDeliveries(ctx, tx, later, now)
}

// plannedOf returns the planned deliveries of a submission that have no row yet (their ids
// not in have), read through qr (the read pool or a transaction), without recipient names.
func plannedOf(ctx context.Context, qr func(context.Context, string, ...any) *sql.Row, submissionID string, have func(id string) bool) ([]*delivery.Delivery, error) {
	var b, tenantAGS, created, officeAGS string
	err := qr(ctx, `SELECT r.decisions, r.tenant_ags, r.created_at, s.office_ags FROM submission_routing r JOIN submissions s ON s.id = r.submission_id WHERE r.submission_id = ?`, submissionID).
		Scan(&b, &tenantAGS, &created, &officeAGS)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	rs, err := decodeRouting(b)
	if err != nil {
		return nil, err
	}
	at := ParseTime(created)
	var out []*delivery.Delivery
	for _, r := range rs {
		if !r.Selected || r.JobID == "" || r.RecipientID == "" {
			continue
		}
		id := delivery.ID(submissionID, r.RecipientID)
		if have(id) {
			continue
		}
		out = append(out, &delivery.Delivery{ID: id, SubmissionID: submissionID, TenantAGS: tenantAGS, OfficeAGS: officeAGS, RecipientID: r.RecipientID,
			Kind: r.Kind, Connector: r.Connector, Status: delivery.StatusQueued, JobID: r.JobID, NextAttemptAt: at,
			IdempotencyKey: delivery.IdempotencyKey(submissionID, r.RecipientID), MessageUUID: delivery.MessageUUID(submissionID, r.RecipientID),
			DueAt: r.DueAt, WindowStart: at, CreatedAt: at})
	}
	return out, nil
}

// plannedByID finds the planned delivery id, or nil; callers have looked for its row first.
// A delivery id starts with the first twelve hex digits (the milliseconds) of its
// submission's time-ordered id (delivery.ID), so the submissions of that millisecond are the
// only candidates.
func plannedByID(ctx context.Context, db *DB, id string) (*delivery.Delivery, error) {
	if len(id) != 32 {
		return nil, nil
	}
	prefix := id[:12]
	rows, err := db.Query(ctx, `SELECT id FROM submissions WHERE id >= ? AND id < ?`, prefix, prefix+"g")
	subs, err := collect(rows, err, func(sc scanner) (string, error) {
		var s string
		return s, sc.Scan(&s)
	})
	if err != nil {
		return nil, err
	}
	for _, sid := range subs {
		ps, err := plannedOf(ctx, db.QueryRow, sid, func(string) bool { return false })
		if err != nil {
			return nil, err
		}
		for _, d := range ps {
			if d.ID == id {
				return d, nil
			}
		}
	}
	return nil, nil
}

// named sets the recipient names of planned deliveries and returns their recipients
// (without areas), by id.
func (db *DB) named(ctx context.Context, planned []*delivery.Delivery) (map[string]recipient.Recipient, error) {
	ids := make([]string, len(planned))
	for i, d := range planned {
		ids[i] = d.RecipientID
	}
	recs, err := db.recipientsByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, d := range planned {
		d.RecipientName = recs[d.RecipientID].Name
	}
	return recs, nil
}

// recipientsByID reads the recipients ids (without their areas), by id.
func (db *DB) recipientsByID(ctx context.Context, ids []string) (map[string]recipient.Recipient, error) {
	out := make(map[string]recipient.Recipient, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := db.Query(ctx, `SELECT `+recipientCols+` FROM recipients WHERE id IN (`+placeholders(len(ids))+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var x recipientRow
		if err := rows.Scan(x.dest()...); err != nil {
			return nil, err
		}
		out[x.r.ID] = x.recipient()
	}
	return out, rows.Err()
}

// deliveriesCreateHead and deliveriesCreateRow write a planned delivery with the outcome of
// its first attempt (recordCreated).
const (
	deliveriesCreateHead = `INSERT INTO deliveries (id, submission_id, tenant_ags, office_ags, recipient_id, kind, connector, status, attempts, job_id, next_attempt_at, last_error, delivered_at,
	idempotency_key, message_uuid, batch, due_at, window_start, content_type, body, body_sha256, created_at, updated_at) VALUES `
	deliveriesCreateRow = "(?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)

// recordCreated writes a planned delivery (res.Create) with its first attempt: the row as
// recordAttempt would have left a queued one, the attempt row and, when offered, the inbox
// row. When the row exists already (a second run of the job whose lease ran out), the
// INSERT fails and the transaction with it; the job then runs again and finds the row.
func recordCreated(ctx context.Context, tx *Tx, res AttemptResult, now time.Time) error {
	d, a := res.Create, res.Attempt
	ts := FormatTime(now)
	var contentType, body, sha, delivered string
	if res.Body != nil {
		contentType, body, sha = res.ContentType, string(res.Body), a.BodySHA256
	}
	if res.Status == delivery.StatusDelivered {
		delivered = FormatTime(a.At)
	}
	if err := tx.insertRows(ctx, deliveriesCreateHead, deliveriesCreateRow, "", []any{d.ID, d.SubmissionID, d.TenantAGS, d.OfficeAGS, d.RecipientID, string(d.Kind),
		string(a.Connector), string(res.Status), d.JobID, fmtOpt(res.NextAt), a.Error, delivered, d.IdempotencyKey, d.MessageUUID, d.Batch, fmtOpt(d.DueAt),
		FormatTime(d.WindowStart), contentType, body, sha, FormatTime(d.CreatedAt), ts}); err != nil {
		return err
	}
	a.N = 1
	if err := insertAttempt(ctx, tx, d.ID, a); err != nil {
		return err
	}
	if res.Status == delivery.StatusOffered {
		return tx.insertRows(ctx, inboxOfferHead, inboxOfferRow, inboxOfferTail, []any{d.ID, d.RecipientID, ts})
	}
	return nil
}

// replayPlanned is ReplayDelivery of a planned delivery (no row yet): it waits for its job's
// first attempt, so there is nothing to queue again — unless that job died before it (every
// run failed, e.g. while the database was unreachable for days): then the job is queued again,
// with all the deliveries it covers. A redirect needs the row and is refused until then.
func replayPlanned(ctx context.Context, tx *Tx, p *delivery.Delivery, actor string, redirect bool, now time.Time) error {
	waiting := &apperr.Error{Kind: apperr.KindConflict, Key: "error.delivery.not_replayable", Msg: "Die Zustellung wartet noch auf ihren ersten Versuch."}
	if redirect {
		return waiting
	}
	ts := FormatTime(now)
	res, err := tx.Exec(ctx, requeueJob+` AND state = 'dead'`, ts, ts, p.JobID)
	if err != nil {
		return err
	}
	if k, _ := res.RowsAffected(); k == 0 {
		return waiting
	}
	return AppendAudit(ctx, tx, now, audit.Record{Actor: actor, TenantAGS: p.OfficeAGS, Action: "delivery.replay", Object: "delivery:" + p.ID, Detail: `{"planned":true}`})
}
