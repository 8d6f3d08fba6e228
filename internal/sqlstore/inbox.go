package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/rathaus-egov/rathaus/internal/apperr"
	"github.com/rathaus-egov/rathaus/internal/audit"
	"github.com/rathaus-egov/rathaus/internal/delivery"
	"github.com/rathaus-egov/rathaus/internal/recipient"
	"github.com/rathaus-egov/rathaus/internal/routing"
)

// InboxItem is one message waiting in a recipient's pull inbox.
type InboxItem struct {
	DeliveryID  string
	MessageUUID string
	Kind        routing.Kind
	Reference   string
	Art         string
	ContentType string
	OfferedAt   time.Time
	Fetches     int
}

// Inbox lists the unacknowledged messages of a recipient that no consumer holds a lease on,
// oldest first.
func (db *DB) Inbox(ctx context.Context, recipientID string, now time.Time, limit int) ([]InboxItem, error) {
	rows, err := db.Query(ctx, `SELECT i.delivery_id, d.message_uuid, d.kind, s.reference, s.art, d.content_type, i.offered_at, i.fetches
		FROM inbox i JOIN deliveries d ON d.id = i.delivery_id JOIN submissions s ON s.id = d.submission_id
		WHERE i.recipient_id = ? AND i.acked_at = '' AND (i.lease_until = '' OR i.lease_until < ?)
		ORDER BY i.offered_at, i.delivery_id LIMIT ?`, recipientID, FormatTime(now), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []InboxItem
	for rows.Next() {
		var it InboxItem
		var kind, offered string
		if err := rows.Scan(&it.DeliveryID, &it.MessageUUID, &kind, &it.Reference, &it.Art, &it.ContentType, &offered, &it.Fetches); err != nil {
			return nil, err
		}
		it.Kind, it.OfferedAt = routing.Kind(kind), ParseTime(offered)
		out = append(out, it)
	}
	return out, rows.Err()
}

// Inbox errors.
var (
	ErrInboxLeased = &apperr.Error{Kind: apperr.KindConflict, Key: "error.inbox.leased", Msg: "Die Nachricht wird gerade von einem anderen Abrufer bearbeitet."}
	ErrInboxAcked  = &apperr.Error{Kind: apperr.KindConflict, Key: "error.inbox.acked", Msg: "Die Nachricht wurde bereits quittiert."}
	ErrInboxLease  = &apperr.Error{Kind: apperr.KindConflict, Key: "error.inbox.lease_lost", Msg: "Die Sperre (Lease) dieser Nachricht gehört nicht (mehr) diesem Abrufer."}
)

// LeaseInbox gives the consumer presenting leaseID the message until `until`: one UPDATE that
// succeeds only when the message is unacknowledged and not leased by another consumer (or its
// lease ran out), so two consumers never hold it at once. The same leaseID may renew it.
func (db *DB) LeaseInbox(ctx context.Context, recipientID, deliveryID, leaseID string, now, until time.Time) (*delivery.Delivery, error) {
	res, err := db.Exec(ctx, `UPDATE inbox SET lease_id = ?, lease_until = ?, fetches = fetches + 1
		WHERE delivery_id = ? AND recipient_id = ? AND acked_at = '' AND (lease_until = '' OR lease_until < ? OR lease_id = ?)`,
		leaseID, FormatTime(until), deliveryID, recipientID, FormatTime(now), leaseID)
	if err != nil {
		return nil, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		var acked string
		err := db.QueryRow(ctx, `SELECT acked_at FROM inbox WHERE delivery_id = ? AND recipient_id = ?`, deliveryID, recipientID).Scan(&acked)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return nil, apperr.NotFound("Nachricht")
		case err != nil:
			return nil, err
		case acked != "":
			return nil, ErrInboxAcked
		}
		return nil, ErrInboxLeased
	}
	return db.GetDelivery(ctx, deliveryID)
}

// AckInbox acknowledges a message for the consumer holding leaseID: the message leaves the
// inbox and the delivery is delivered, in one transaction with its attempt record and an audit
// entry. Acknowledging twice with the same lease is harmless (already = true); any other
// consumer gets a conflict, so a message is never acknowledged by two.
func (db *DB) AckInbox(ctx context.Context, recipientID, deliveryID, leaseID, actor string, now time.Time) (already bool, err error) {
	err = db.InTx(ctx, func(tx *Tx) error {
		already = false
		ts := FormatTime(now)
		res, err := tx.Exec(ctx, `UPDATE inbox SET acked_at = ?, acked_by = ? WHERE delivery_id = ? AND recipient_id = ? AND acked_at = '' AND lease_id = ? AND lease_id <> ''`,
			ts, actor, deliveryID, recipientID, leaseID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var acked, lease string
			err := tx.QueryRow(ctx, `SELECT acked_at, lease_id FROM inbox WHERE delivery_id = ? AND recipient_id = ?`, deliveryID, recipientID).Scan(&acked, &lease)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				return apperr.NotFound("Nachricht")
			case err != nil:
				return err
			case acked != "" && lease == leaseID:
				already = true
				return nil
			case acked != "":
				return ErrInboxAcked
			}
			return ErrInboxLease
		}
		var n int
		var office string
		if err := tx.QueryRow(ctx, `SELECT attempts, office_ags FROM deliveries WHERE id = ?`, deliveryID).Scan(&n, &office); err != nil {
			return err
		}
		if err := insertAttempt(ctx, tx, deliveryID, delivery.Attempt{N: n, At: now, Connector: recipient.ConnectorInbox, Outcome: delivery.OutcomeAcked, Error: ""}); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE deliveries SET status = ?, delivered_at = ?, last_error = '', updated_at = ? WHERE id = ?`, string(delivery.StatusDelivered), ts, ts, deliveryID); err != nil {
			return err
		}
		return AppendAudit(ctx, tx, now, audit.Record{Actor: actor, TenantAGS: office, Action: "delivery.ack", Object: "delivery:" + deliveryID})
	})
	return already, err
}
