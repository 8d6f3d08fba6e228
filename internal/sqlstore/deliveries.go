package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rathaus-egov/rathaus/internal/apperr"
	"github.com/rathaus-egov/rathaus/internal/audit"
	"github.com/rathaus-egov/rathaus/internal/delivery"
	"github.com/rathaus-egov/rathaus/internal/identity"
	"github.com/rathaus-egov/rathaus/internal/jobs"
	"github.com/rathaus-egov/rathaus/internal/recipient"
	"github.com/rathaus-egov/rathaus/internal/routing"
)

// JobDeliver is the job kind of delivery attempts; its payload is DeliverPayload:
// {"delivery": id} or {"deliveries": [id, …]}.
const JobDeliver = "delivery.send"

// JobDeliverPlanned is the job kind of a submission's planned deliveries (ADR 0008), payload
// {"submission": id, "deliveries": [id, …]}, handled like JobDeliver. A kind of its own, so
// that a node of an earlier release, which does not know planned deliveries, never claims
// one during a rolling upgrade (it claims only the kinds it has handlers for).
const JobDeliverPlanned = "delivery.planned"

// Routing is one stored routing decision. A selected decision whose delivery is planned
// (PlanDeliveries) also records that delivery until its first attempt writes it: its job,
// the connector and the legal deadline, if any.
type Routing struct {
	routing.Decision
	Version     string
	RecipientID string
	JobID       string // planned delivery: its job; empty: none or written at once
	Connector   recipient.Connector
	DueAt       time.Time
}

// SaveRouting stores every decision for a submission (selected and excluded) inside tx.
// The decisions are one row per submission, a JSON array in decision order: they are
// written once and always read together, and one row costs a fraction of fifteen.
func SaveRouting(ctx context.Context, tx *Tx, submissionID, ags string, rs []Routing, now time.Time) error {
	if len(rs) == 0 {
		return nil
	}
	b, err := encodeRouting(rs)
	if err != nil {
		return err
	}
	return tx.insertRows(ctx, `INSERT INTO submission_routing (submission_id, tenant_ags, decisions, created_at) VALUES `, "(?, ?, ?, ?)", "",
		[]any{submissionID, ags, b, FormatTime(now)})
}

// RoutingOf returns the stored decisions of a submission in decision order.
func (db *DB) RoutingOf(ctx context.Context, submissionID string) ([]Routing, error) {
	var b string
	err := db.QueryRow(ctx, `SELECT decisions FROM submission_routing WHERE submission_id = ?`, submissionID).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return decodeRouting(b)
}

// storedDecision is the JSON form of one routing decision in submission_routing.decisions
// (migration 008 converts the earlier rows to it).
type storedDecision struct {
	Kind        string `json:"kind"`
	Selected    bool   `json:"selected"`
	Rule        string `json:"rule"`
	Reason      string `json:"reason"`
	Version     string `json:"version"`
	RecipientID string `json:"recipient"`
	Job         string `json:"job,omitempty"`
	Connector   string `json:"connector,omitempty"`
	Due         string `json:"due,omitempty"`
}

func encodeRouting(rs []Routing) (string, error) {
	ds := make([]storedDecision, len(rs))
	for i, r := range rs {
		ds[i] = storedDecision{Kind: string(r.Kind), Selected: r.Selected, Rule: r.Rule, Reason: r.Reason, Version: r.Version, RecipientID: r.RecipientID,
			Job: r.JobID, Connector: string(r.Connector), Due: fmtOpt(r.DueAt)}
	}
	b, err := json.Marshal(ds)
	return string(b), err
}

func decodeRouting(b string) ([]Routing, error) {
	var ds []storedDecision
	if err := json.Unmarshal([]byte(b), &ds); err != nil {
		return nil, fmt.Errorf("sqlstore: routing decisions: %w", err)
	}
	out := make([]Routing, len(ds))
	for i, d := range ds {
		out[i] = Routing{Decision: routing.Decision{Kind: routing.Kind(d.Kind), Selected: d.Selected, Rule: d.Rule, Reason: d.Reason}, Version: d.Version, RecipientID: d.RecipientID,
			JobID: d.Job, Connector: recipient.Connector(d.Connector), DueAt: ParseTime(d.Due)}
	}
	return out, nil
}

// InsertDelivery stores a new delivery and enqueues its job at runAt inside tx (the submit
// transaction): a rollback removes both.
func InsertDelivery(ctx context.Context, tx *Tx, d *delivery.Delivery, runAt, now time.Time) error {
	return InsertDeliveries(ctx, tx, []NewDelivery{{Delivery: d, RunAt: runAt}}, now)
}

// NewDelivery is a delivery to insert with the time its first attempt is due.
type NewDelivery struct {
	Delivery *delivery.Delivery
	RunAt    time.Time
	Planned  bool // set by PlanDeliveries: written at its first attempt, not now
}

// InsertDeliveries inserts deliveries and their jobs inside tx like InsertDelivery, with one
// multi-row statement for all jobs and one for all deliveries (on PostgreSQL at commit,
// together with the other submissions of a group: Tx.insertRows). Deliveries due at the same
// time share one job (payload {"deliveries": [ids]}): a submission's eight or so messages are
// one job to insert, claim and complete instead of eight, and its handler sends them side
// by side (hub.Deliver). Each delivery keeps its own attempts and status; a job whose
// deliveries did not all succeed is retried for those that are left. A delivery without an
// idempotency key gets the one derived from its submission and recipient, with the message
// UUID (delivery.IdempotencyKey, MessageUUID), as a planned one is read with (plannedOf).
func InsertDeliveries(ctx context.Context, tx *Tx, ds []NewDelivery, now time.Time) error {
	if len(ds) == 0 {
		return nil
	}
	ts := FormatTime(now)
	type jobGroup struct {
		id, run, tenant string
		ids             []string
	}
	var groups []*jobGroup
	byRun := map[string]*jobGroup{}
	dargs := make([]any, 0, len(ds)*17)
	// A submission's deliveries share most values (submission, municipality, office, job,
	// times, kind of status): each is boxed into an interface once, not once per row (every
	// boxing is an allocation, and these were a tenth of a submission's).
	boxed := map[string]any{}
	box := func(s string) any {
		v, ok := boxed[s]
		if !ok {
			v = s
			boxed[s] = v
		}
		return v
	}
	for _, nd := range ds {
		d := nd.Delivery
		run, jobRun := FormatTime(nd.RunAt), ts
		if !nd.RunAt.IsZero() {
			jobRun = run
		}
		g := byRun[jobRun]
		if g == nil {
			g = &jobGroup{id: identity.NewSortableID(), run: jobRun, tenant: d.TenantAGS}
			byRun[jobRun] = g
			groups = append(groups, g)
		}
		g.ids = append(g.ids, d.ID)
		d.JobID, d.WindowStart, d.CreatedAt = g.id, now, now
		if d.IdempotencyKey == "" { // derived from submission and recipient, as for planned ones
			d.IdempotencyKey, d.MessageUUID = delivery.IdempotencyKey(d.SubmissionID, d.RecipientID), delivery.MessageUUID(d.SubmissionID, d.RecipientID)
		}
		if d.Status == "" {
			d.Status = delivery.StatusQueued
		}
		tsv := box(ts)
		dargs = append(dargs, d.ID, box(d.SubmissionID), box(d.TenantAGS), box(d.OfficeAGS), d.RecipientID, box(string(d.Kind)), box(string(d.Connector)), box(string(d.Status)), box(d.JobID), box(run),
			d.IdempotencyKey, d.MessageUUID, box(d.Batch), box(fmtOpt(d.DueAt)), tsv, tsv, tsv)
	}
	jargs := make([]any, 0, len(groups)*9)
	for _, g := range groups {
		payload, err := json.Marshal(DeliverPayload{Deliveries: g.ids})
		if err != nil {
			return err
		}
		// No unique key: the deliveries (unique per submission and recipient) are inserted
		// in the same transaction, so the job cannot exist twice, and a NULL key keeps the
		// unique index small.
		jargs = append(jargs, g.id, JobDeliver, g.tenant, string(payload), g.run, 1000, nil, ts, ts)
	}
	if err := tx.insertRows(ctx, jobsInsertHead, jobsInsertRow, "", jargs); err != nil {
		return err
	}
	return tx.insertRows(ctx, `INSERT INTO deliveries (id, submission_id, tenant_ags, office_ags, recipient_id, kind, connector, status, job_id, next_attempt_at, idempotency_key, message_uuid, batch, due_at, window_start, created_at, updated_at) VALUES `,
		"(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", "", dargs)
}

// DeliverPayload is the payload of a JobDeliver job: one delivery (a replay or redirect) or
// several due at the same time (a submission's deliveries). Submission names the submission
// whose planned deliveries (PlanDeliveries) the job writes at their first attempt.
type DeliverPayload struct {
	Submission string   `json:"submission,omitempty"`
	Delivery   string   `json:"delivery,omitempty"`
	Deliveries []string `json:"deliveries,omitempty"`
}

// IDs returns the deliveries the job covers.
func (p DeliverPayload) IDs() []string {
	if p.Delivery != "" {
		return append([]string{p.Delivery}, p.Deliveries...)
	}
	return p.Deliveries
}

func fmtOpt(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return FormatTime(t)
}

// deliveryCols reads the next attempt from the delivery's job while it is queued. A
// correlated subquery, not a join: PostgreSQL then always probes the jobs key for the rows
// selected, whereas a join's plan follows the table statistics, and a plan made while jobs
// was small (a fresh installation's first minute, before autovacuum's first ANALYZE) hashed
// the whole jobs table for every lookup of eight deliveries.
const deliveryCols = `d.id, d.submission_id, d.tenant_ags, d.office_ags, d.recipient_id, COALESCE(r.name, ''), d.kind, d.connector, d.connector_override, d.endpoint_override,
	d.status, d.attempts, d.job_id, COALESCE((SELECT j.run_at FROM jobs j WHERE j.id = d.job_id AND j.state = 'queued'), d.next_attempt_at), d.last_error, d.delivered_at, d.idempotency_key, d.message_uuid, d.batch, d.due_at, d.window_start,
	d.content_type, d.body, d.body_sha256, d.created_at`

const deliveryFrom = ` FROM deliveries d LEFT JOIN recipients r ON r.id = d.recipient_id`

func scanDelivery(sc interface{ Scan(...any) error }) (*delivery.Delivery, error) {
	var d delivery.Delivery
	var kind, conn, connOv, status, next, delivered, due, window, body, created string
	err := sc.Scan(&d.ID, &d.SubmissionID, &d.TenantAGS, &d.OfficeAGS, &d.RecipientID, &d.RecipientName, &kind, &conn, &connOv, &d.EndpointOverride,
		&status, &d.Attempts, &d.JobID, &next, &d.LastError, &delivered, &d.IdempotencyKey, &d.MessageUUID, &d.Batch, &due, &window,
		&d.ContentType, &body, &d.BodySHA256, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFound("Zustellung")
	}
	if err != nil {
		return nil, err
	}
	d.Kind, d.Connector, d.ConnectorOverride, d.Status = routing.Kind(kind), recipient.Connector(conn), recipient.Connector(connOv), delivery.Status(status)
	d.NextAttemptAt, d.DeliveredAt, d.DueAt, d.WindowStart, d.CreatedAt = ParseTime(next), ParseTime(delivered), ParseTime(due), ParseTime(window), ParseTime(created)
	if body != "" {
		d.Body = []byte(body)
	}
	if d.Status == delivery.StatusOffered || d.Status == delivery.StatusDelivered || d.Status == delivery.StatusDead {
		d.NextAttemptAt = time.Time{}
	}
	return &d, nil
}

func (db *DB) queryDeliveries(ctx context.Context, where string, args ...any) ([]delivery.Delivery, error) {
	rows, err := db.Query(ctx, `SELECT `+deliveryCols+deliveryFrom+` WHERE `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []delivery.Delivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *d)
	}
	return out, rows.Err()
}

// DeliveriesOf returns the deliveries of a submission in the order of the recipient kinds.
// Planned deliveries without their first attempt yet are included as queued.
func (db *DB) DeliveriesOf(ctx context.Context, submissionID string) ([]delivery.Delivery, error) {
	ds, err := db.queryDeliveries(ctx, `d.submission_id = ? ORDER BY d.created_at, d.id`, submissionID)
	if err != nil {
		return nil, err
	}
	have := make(map[string]bool, len(ds))
	for _, d := range ds {
		have[d.ID] = true
	}
	planned, err := plannedOf(ctx, db.QueryRow, submissionID, func(id string) bool { return have[id] })
	if err != nil {
		return nil, err
	}
	if _, err := db.named(ctx, planned); err != nil {
		return nil, err
	}
	for _, d := range planned {
		ds = append(ds, *d)
	}
	pos := map[routing.Kind]int{}
	for i, k := range routing.Kinds() {
		pos[k] = i
	}
	for i := 1; i < len(ds); i++ {
		for j := i; j > 0 && pos[ds[j].Kind] < pos[ds[j-1].Kind]; j-- {
			ds[j], ds[j-1] = ds[j-1], ds[j]
		}
	}
	return ds, nil
}

// DeliveryToSend is a delivery with its recipient, as an attempt needs them.
type DeliveryToSend struct {
	Delivery  *delivery.Delivery
	Recipient recipient.Recipient // without its areas (only routing uses them)
	Planned   bool                // no row yet: its first attempt writes it (AttemptResult.Create)
}

// DeliveriesToSend reads the deliveries of a delivery job with their recipients in one
// query, keyed by delivery id; ids that do not exist are missing from the map. A job of a
// submission's eight or so deliveries read each delivery and then its recipient, two or
// three queries per message. With submissionID (the job's DeliverPayload.Submission), ids
// without a row are looked up among the submission's planned deliveries (Planned).
func (db *DB) DeliveriesToSend(ctx context.Context, ids []string, submissionID string) (map[string]DeliveryToSend, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := db.Query(ctx, deliveriesToSendQuery+placeholders(len(ids))+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[string]DeliveryToSend, len(ids))
	for rows.Next() {
		var rr recipientRow
		d, err := scanDelivery(appendScan{rows, rr.dest()})
		if err != nil {
			return nil, err
		}
		out[d.ID] = DeliveryToSend{Delivery: d, Recipient: rr.recipient()}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if submissionID == "" || len(out) == len(ids) {
		return out, nil
	}
	asked := make(map[string]bool, len(ids))
	for _, id := range ids {
		asked[id] = true
	}
	// Only the ids asked for, and only those without a row.
	planned, err := plannedOf(ctx, db.QueryRow, submissionID, func(id string) bool { _, ok := out[id]; return ok || !asked[id] })
	if err != nil {
		return nil, err
	}
	recs, err := db.named(ctx, planned)
	if err != nil {
		return nil, err
	}
	for _, d := range planned {
		if r, ok := recs[d.RecipientID]; ok {
			out[d.ID] = DeliveryToSend{Delivery: d, Recipient: r, Planned: true}
		}
	}
	return out, nil
}

// appendScan scans a row into the caller's destinations followed by more.
type appendScan struct {
	sc   interface{ Scan(...any) error }
	more []any
}

func (a appendScan) Scan(dest ...any) error { return a.sc.Scan(append(dest, a.more...)...) }

// deliveriesToSendQuery is DeliveriesToSend's query up to its IN list: the delivery columns
// and the recipient's (recipientCols qualified with r), built once. The recipient is never
// missing (a foreign key), so its columns are never NULL.
var deliveriesToSendQuery = func() string {
	cols := strings.Split(recipientCols, ", ")
	for i, c := range cols {
		cols[i] = "r." + c
	}
	return `SELECT ` + deliveryCols + `, ` + strings.Join(cols, ", ") + deliveryFrom + ` WHERE d.id IN (`
}()

// HasDelivery reports inside tx whether the submission has a delivery to the recipient,
// written or planned.
func HasDelivery(ctx context.Context, tx *Tx, submissionID, recipientID string) (bool, error) {
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM deliveries WHERE submission_id = ? AND recipient_id = ?`, submissionID, recipientID).Scan(&n); err != nil || n > 0 {
		return n > 0, err
	}
	planned, err := plannedOf(ctx, tx.QueryRow, submissionID, func(string) bool { return false })
	for _, d := range planned {
		if d.RecipientID == recipientID {
			return true, err
		}
	}
	return false, err
}

// GetDelivery returns one delivery, written or planned (as queued).
func (db *DB) GetDelivery(ctx context.Context, id string) (*delivery.Delivery, error) {
	d, err := scanDelivery(db.QueryRow(ctx, `SELECT `+deliveryCols+deliveryFrom+` WHERE d.id = ?`, id))
	if apperr.KindOf(err) != apperr.KindNotFound {
		return d, err
	}
	p, perr := plannedByID(ctx, db, id)
	if perr != nil {
		return nil, perr
	}
	if p == nil {
		return nil, err
	}
	if _, err := db.named(ctx, []*delivery.Delivery{p}); err != nil {
		return nil, err
	}
	return p, nil
}

// DeliveryFilter selects deliveries for the staff list and the CLI.
type DeliveryFilter struct {
	OfficeAGS []string // empty: every office (platform admins, CLI)
	Status    delivery.Status
	Reference string // part of the submission's reference (Aktenzeichen), case-insensitive
	Limit     int
}

// ListDeliveries returns the newest written deliveries matching f (a planned one from its
// first attempt on, ADR 0008).
func (db *DB) ListDeliveries(ctx context.Context, f DeliveryFilter) ([]delivery.Delivery, error) {
	where, args := deliveryWhere(f)
	if f.Limit <= 0 {
		f.Limit = 200
	}
	args = append(args, f.Limit)
	return db.queryDeliveries(ctx, where+` ORDER BY d.created_at DESC, d.id LIMIT ?`, args...)
}

// CountMatchingDeliveries counts the written deliveries matching f (its Limit ignored).
func (db *DB) CountMatchingDeliveries(ctx context.Context, f DeliveryFilter) (int, error) {
	where, args := deliveryWhere(f)
	var n int
	err := db.QueryRow(ctx, `SELECT COUNT(*) FROM deliveries d WHERE `+where, args...).Scan(&n)
	return n, err
}

// ReferencesOf returns the references of the submissions ids, by id.
func (db *DB) ReferencesOf(ctx context.Context, ids []string) (map[string]string, error) {
	out := map[string]string{}
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), 200)]
		ids = ids[len(chunk):]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		rows, err := db.Query(ctx, `SELECT id, reference FROM submissions WHERE id IN (`+placeholders(len(chunk))+`)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id, ref string
			if err := rows.Scan(&id, &ref); err != nil {
				rows.Close()
				return nil, err
			}
			out[id] = ref
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// deliveryWhere is the WHERE clause of f over deliveries d.
func deliveryWhere(f DeliveryFilter) (string, []any) {
	where := `1 = 1`
	var args []any
	if len(f.OfficeAGS) > 0 {
		where += ` AND d.office_ags IN (` + placeholders(len(f.OfficeAGS)) + `)`
		for _, a := range f.OfficeAGS {
			args = append(args, a)
		}
	}
	if f.Status != "" {
		where += ` AND d.status = ?`
		args = append(args, string(f.Status))
	}
	if r := strings.ToLower(strings.TrimSpace(f.Reference)); r != "" {
		where += ` AND d.submission_id IN (SELECT id FROM submissions WHERE LOWER(reference) LIKE ?)`
		args = append(args, "%"+strings.NewReplacer("%", "", "_", "").Replace(r)+"%")
	}
	return where, args
}

// CountDeliveries counts the written deliveries per status (tests); a planned delivery is
// counted from its first attempt (ADR 0008).
func (db *DB) CountDeliveries(ctx context.Context) (map[delivery.Status]int, error) {
	rows, err := db.Query(ctx, `SELECT status, COUNT(*) FROM deliveries GROUP BY status`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[delivery.Status]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, err
		}
		out[delivery.Status(s)] = n
	}
	return out, rows.Err()
}

// AttemptResult is what one attempt changes on its delivery.
type AttemptResult struct {
	Attempt     delivery.Attempt
	Status      delivery.Status
	NextAt      time.Time // retrying: when the job runs again (informational; the job decides)
	ContentType string
	Body        []byte
	// Create is the planned delivery (DeliveryToSend.Planned) this first attempt writes;
	// nil: the delivery has its row.
	Create *delivery.Delivery
}

// RecordAttempt stores an attempt and moves the delivery to its new status in one
// transaction. Offered deliveries also get their inbox row.
func (db *DB) RecordAttempt(ctx context.Context, deliveryID string, res AttemptResult, now time.Time) error {
	return db.RecordAttempts(ctx, []DeliveryAttempt{{deliveryID, res}}, "", now)
}

// DeliveryAttempt is one attempt of one delivery.
type DeliveryAttempt struct {
	DeliveryID string
	Result     AttemptResult
}

// RecordAttempts stores the attempts a delivery job made, like RecordAttempt each, and, when
// completeJob names the running job, marks it done in the same commit (jobs.MarkCompleted):
// a job of eight deliveries waits for one commit instead of nine and then a tenth.
//
// Concurrent calls (the job runner's workers) share one transaction and one commit with each
// other and with concurrent submissions (txGroup); each returns only after the commit that
// holds its attempts.
func (db *DB) RecordAttempts(ctx context.Context, attempts []DeliveryAttempt, completeJob string, now time.Time) error {
	return db.group.run(ctx, db, func(ctx context.Context, tx *Tx) error {
		for _, a := range attempts {
			if err := recordAttemptTx(ctx, tx, a.DeliveryID, a.Result, now); err != nil {
				return err
			}
		}
		if completeJob != "" {
			return CompleteJobTx(ctx, tx, completeJob, now)
		}
		return nil
	}, nil)
}

// recordAttemptTx is RecordAttempt inside tx.
func recordAttemptTx(ctx context.Context, tx *Tx, deliveryID string, res AttemptResult, now time.Time) error {
	if res.Create != nil {
		return recordCreated(ctx, tx, res, now)
	}
	if tx.d == Postgres {
		// The attempt waits for the commit and is written with the group's other attempts:
		// one UPDATE … FROM (VALUES …) for all of them (flushPostgres) instead of a round
		// trip each.
		tx.attempts = append(tx.attempts, heldAttempt{deliveryID, res, now})
		return nil
	}
	return recordAttempt(ctx, tx, deliveryID, res, now)
}

// recordAttempt writes one attempt at once (SQLite, where a statement costs no round trip).
func recordAttempt(ctx context.Context, tx *Tx, deliveryID string, res AttemptResult, now time.Time) error {
	// One statement moves the delivery and tells the attempt's number: a delivered message
	// is never moved back (a late duplicate, e.g. after a lease ran out while the first
	// attempt was still running, keeps "delivered"); SET expressions see the row as it was,
	// RETURNING as it is.
	a := res.Attempt
	ts := FormatTime(now)
	q := `UPDATE deliveries SET attempts = attempts + 1, status = CASE WHEN status = 'delivered' THEN 'delivered' ELSE ? END,
		connector = ?, last_error = ?, next_attempt_at = ?, updated_at = ?`
	args := []any{string(res.Status), string(a.Connector), a.Error, fmtOpt(res.NextAt), ts}
	if res.Body != nil {
		q += `, content_type = ?, body = ?, body_sha256 = ?`
		args = append(args, res.ContentType, string(res.Body), a.BodySHA256)
	}
	if res.Status == delivery.StatusDelivered {
		q += `, delivered_at = CASE WHEN status = 'delivered' THEN delivered_at ELSE ? END`
		args = append(args, FormatTime(a.At))
	}
	args = append(args, deliveryID)
	var status, recipientID string
	if err := tx.QueryRow(ctx, q+` WHERE id = ? RETURNING attempts, status, recipient_id`, args...).Scan(&a.N, &status, &recipientID); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.NotFound("Zustellung")
		}
		return err
	}
	if err := insertAttempt(ctx, tx, deliveryID, a); err != nil {
		return err
	}
	if delivery.Status(status) == delivery.StatusOffered {
		return tx.insertRows(ctx, inboxOfferHead, inboxOfferRow, inboxOfferTail, []any{deliveryID, recipientID, ts})
	}
	return nil
}

// The inbox row of an offered delivery (a second offer keeps the first row).
const (
	inboxOfferHead = `INSERT INTO inbox (delivery_id, recipient_id, offered_at) VALUES `
	inboxOfferRow  = "(?, ?, ?)"
	inboxOfferTail = ` ON CONFLICT (delivery_id) DO NOTHING`
)

// heldAttempt is an attempt waiting for its transaction's commit (PostgreSQL).
type heldAttempt struct {
	deliveryID string
	res        AttemptResult
	now        time.Time
}

// attemptChunks orders the attempts RecordAttempt held back (PostgreSQL) into UPDATE
// statements of up to batchRowsPerStatement distinct deliveries: PostgreSQL updates a row
// once per statement, so a second attempt of the same delivery in one transaction goes into
// a later statement (a later round), which sees the first one's effect.
func attemptChunks(pending []heldAttempt) [][]heldAttempt {
	var out [][]heldAttempt
	for len(pending) > 0 {
		var round, later []heldAttempt
		seen := make(map[string]bool, len(pending))
		for _, h := range pending {
			if seen[h.deliveryID] {
				later = append(later, h)
				continue
			}
			seen[h.deliveryID] = true
			round = append(round, h)
		}
		for start := 0; start < len(round); start += batchRowsPerStatement {
			out = append(out, round[start:min(start+batchRowsPerStatement, len(round))])
		}
		pending = later
	}
	return out
}

const attemptsUpdateHead = `UPDATE deliveries AS d SET attempts = d.attempts + 1,
	status = CASE WHEN d.status = 'delivered' THEN 'delivered' ELSE v.status END,
	connector = v.connector, last_error = v.last_error, next_attempt_at = v.next_at, updated_at = v.ts,
	content_type = CASE WHEN v.has_body THEN v.content_type ELSE d.content_type END,
	body = CASE WHEN v.has_body THEN v.body ELSE d.body END,
	body_sha256 = CASE WHEN v.has_body THEN v.body_sha256 ELSE d.body_sha256 END,
	delivered_at = CASE WHEN v.delivered AND d.status <> 'delivered' THEN v.at ELSE d.delivered_at END
FROM (VALUES `

const (
	attemptsUpdateRow  = `(?::text, ?::text, ?::text, ?::text, ?::text, ?::text, ?::boolean, ?::text, ?::text, ?::text, ?::boolean, ?::text)`
	attemptsUpdateTail = `) AS v(id, status, connector, last_error, next_at, ts, has_body, content_type, body, body_sha256, delivered, at)
WHERE d.id = v.id RETURNING d.id, d.attempts, d.status, d.recipient_id`
)

// attemptsUpdate is the statement that does for the distinct deliveries of hs what
// recordAttempt does for one: one UPDATE … FROM (VALUES …) … RETURNING id, attempts, status,
// recipient_id.
func attemptsUpdate(hs []heldAttempt) batchStmt {
	args := make([]any, 0, len(hs)*12)
	for _, h := range hs {
		a := h.res.Attempt
		args = append(args, h.deliveryID, string(h.res.Status), string(a.Connector), a.Error, fmtOpt(h.res.NextAt), FormatTime(h.now),
			h.res.Body != nil, h.res.ContentType, string(h.res.Body), a.BodySHA256, h.res.Status == delivery.StatusDelivered, FormatTime(a.At))
	}
	return batchStmt{multiRowInsert(attemptsUpdateHead, attemptsUpdateRow, attemptsUpdateTail, len(hs)), args}
}

// movedDelivery is what attemptsUpdate returns for one delivery.
type movedDelivery struct {
	n                   int
	status, recipientID string
}

// attemptRowStmts returns the INSERTs of the attempt rows of hs and of the inbox rows of
// those now offered, given what attemptsUpdate returned for them; a delivery it did not
// return does not exist.
func attemptRowStmts(stmts []batchStmt, hs []heldAttempt, got map[string]movedDelivery) ([]batchStmt, error) {
	var attempts, inbox []any
	for _, h := range hs {
		m, ok := got[h.deliveryID]
		if !ok {
			return nil, apperr.NotFound("Zustellung")
		}
		a := h.res.Attempt
		a.N = m.n
		attempts = append(attempts, attemptRow(h.deliveryID, a)...)
		if delivery.Status(m.status) == delivery.StatusOffered {
			inbox = append(inbox, h.deliveryID, m.recipientID, FormatTime(h.now))
		}
	}
	stmts = appendRows(stmts, attemptsInsertHead, attemptsInsertRow, "", attempts)
	return appendRows(stmts, inboxOfferHead, inboxOfferRow, inboxOfferTail, inbox), nil
}

const (
	attemptsInsertHead = `INSERT INTO delivery_attempts (id, delivery_id, n, at, connector, endpoint, outcome, error, http_status, duration_ms, body_sha256) VALUES `
	attemptsInsertRow  = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)

// attemptRow is the values of one delivery_attempts row.
func attemptRow(deliveryID string, a delivery.Attempt) []any {
	if len(a.Error) > 2000 {
		a.Error = a.Error[:2000]
	}
	return []any{identity.NewSortableID(), deliveryID, a.N, FormatTime(a.At), string(a.Connector), a.Endpoint, a.Outcome, a.Error, a.HTTPStatus, a.Duration.Milliseconds(), a.BodySHA256}
}

func insertAttempt(ctx context.Context, tx *Tx, deliveryID string, a delivery.Attempt) error {
	// On PostgreSQL the row waits for the commit and joins the other attempts of the group in
	// one multi-row INSERT (insertRows); nothing reads it back in the same transaction.
	return tx.insertRows(ctx, attemptsInsertHead, attemptsInsertRow, "", attemptRow(deliveryID, a))
}

// Attempts returns every recorded attempt and event of a delivery, oldest first.
func (db *DB) Attempts(ctx context.Context, deliveryID string) ([]delivery.Attempt, error) {
	rows, err := db.Query(ctx, `SELECT n, at, connector, endpoint, outcome, error, http_status, duration_ms, body_sha256 FROM delivery_attempts WHERE delivery_id = ? ORDER BY at, n`, deliveryID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []delivery.Attempt
	for rows.Next() {
		var a delivery.Attempt
		var at, conn string
		var ms int64
		if err := rows.Scan(&a.N, &at, &conn, &a.Endpoint, &a.Outcome, &a.Error, &a.HTTPStatus, &ms, &a.BodySHA256); err != nil {
			return nil, err
		}
		a.At, a.Connector, a.Duration = ParseTime(at), recipient.Connector(conn), time.Duration(ms)*time.Millisecond
		out = append(out, a)
	}
	return out, rows.Err()
}

// Reroute is a redirect of one delivery to a corrected connector and endpoint.
type Reroute struct {
	Connector recipient.Connector
	Endpoint  string
}

// ReplayDelivery queues a delivery again with a fresh retry window: a dead letter after its
// cause was fixed, or (with reroute) a delivery redirected to a corrected endpoint. Delivered
// deliveries and those waiting in an inbox cannot be replayed (conflict). The replay and the
// actor are recorded as an attempt event and in the audit log.
func (db *DB) ReplayDelivery(ctx context.Context, id, actor string, reroute *Reroute, now time.Time) error {
	return db.InTx(ctx, func(tx *Tx) error {
		var status, jobID, officeAGS, tenantAGS string
		var n int
		err := tx.QueryRow(ctx, `SELECT status, job_id, office_ags, tenant_ags, attempts FROM deliveries WHERE id = ?`, id).Scan(&status, &jobID, &officeAGS, &tenantAGS, &n)
		if errors.Is(err, sql.ErrNoRows) {
			p, err := plannedByID(ctx, db, id)
			if err != nil {
				return err
			}
			if p == nil {
				return apperr.NotFound("Zustellung")
			}
			return replayPlanned(ctx, tx, p, actor, reroute != nil, now)
		}
		if err != nil {
			return err
		}
		st := delivery.Status(status)
		if st == delivery.StatusDelivered || (st == delivery.StatusOffered && reroute == nil) {
			return &apperr.Error{Kind: apperr.KindConflict, Key: "error.delivery.not_replayable", Msg: "Die Zustellung ist bereits zugestellt oder wartet im Postfach des Empfängers."}
		}
		ts := FormatTime(now)
		event := delivery.Attempt{N: n, At: now, Outcome: delivery.OutcomeReplay, Error: "erneut eingereiht von " + actor}
		if reroute != nil {
			if _, err := tx.Exec(ctx, `UPDATE deliveries SET connector_override = ?, endpoint_override = ?, connector = ? WHERE id = ?`, string(reroute.Connector), reroute.Endpoint, string(reroute.Connector), id); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `DELETE FROM inbox WHERE delivery_id = ? AND acked_at = ''`, id); err != nil {
				return err
			}
			event.Outcome, event.Connector, event.Endpoint = delivery.OutcomeRedirect, reroute.Connector, reroute.Endpoint
			event.Error = "umgeleitet von " + actor
		}
		if err := insertAttempt(ctx, tx, id, event); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE deliveries SET status = ?, window_start = ?, next_attempt_at = ?, updated_at = ? WHERE id = ?`,
			string(delivery.StatusQueued), ts, ts, ts, id); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, requeueJob, ts, ts, jobID)
		if err != nil {
			return err
		}
		if k, _ := res.RowsAffected(); k == 0 {
			job := jobs.Job{Kind: JobDeliver, TenantAGS: tenantAGS, Payload: []byte(`{"delivery":"` + id + `"}`), UniqueKey: "deliver:" + id + ":" + ts, MaxAttempts: 1000}
			if err := EnqueueJob(ctx, tx, &job, now); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE deliveries SET job_id = ? WHERE id = ?`, job.ID, id); err != nil {
				return err
			}
		}
		action := "delivery.replay"
		detail := `{}`
		if reroute != nil {
			action = "delivery.redirect"
			detail = `{"connector":"` + string(reroute.Connector) + `"}`
		}
		return AppendAudit(ctx, tx, now, audit.Record{Actor: actor, TenantAGS: officeAGS, Action: action, Object: "delivery:" + id, Detail: detail})
	})
}

// requeueJob queues a job again from now with a fresh count of attempts (args: now, now, id).
const requeueJob = `UPDATE jobs SET state = 'queued', run_at = ?, attempts = 0, locked_by = '', locked_until = '', last_error = '', updated_at = ? WHERE id = ?`

// SetRoutingDecision replaces the stored decision of one recipient kind for a submission (a
// later decision, e.g. customs after the office recorded indications). A submission without
// a decision of that kind is left unchanged.
func SetRoutingDecision(ctx context.Context, tx *Tx, submissionID string, r Routing, now time.Time) error {
	// The no-op update locks the row first (on PostgreSQL), so that two concurrent changes
	// cannot both read the old array and lose one of them.
	res, err := tx.Exec(ctx, `UPDATE submission_routing SET created_at = created_at WHERE submission_id = ?`, submissionID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil
	}
	var b string
	if err := tx.QueryRow(ctx, `SELECT decisions FROM submission_routing WHERE submission_id = ?`, submissionID).Scan(&b); err != nil {
		return err
	}
	rs, err := decodeRouting(b)
	if err != nil {
		return err
	}
	found := false
	for i := range rs {
		if rs[i].Kind == r.Kind {
			rs[i], found = r, true
		}
	}
	if !found {
		return nil
	}
	if b, err = encodeRouting(rs); err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `UPDATE submission_routing SET decisions = ? WHERE submission_id = ?`, b, submissionID)
	return err
}
