package web

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/rathaus-egov/rathaus/internal/apperr"
	"github.com/rathaus-egov/rathaus/internal/audit"
	"github.com/rathaus-egov/rathaus/internal/delivery"
	"github.com/rathaus-egov/rathaus/internal/identity"
	"github.com/rathaus-egov/rathaus/internal/submission"
)

// InboxLease is how long a fetched inbox message is held for the consumer that fetched it.
const InboxLease = 5 * time.Minute

// HeaderLease carries the consumer's lease on an inbox message.
const HeaderLease = "X-Rathaus-Lease"

type routingView struct {
	Kind     string `json:"kind"`
	Selected bool   `json:"selected"`
	Rule     string `json:"rule"`
	Reason   string `json:"reason"`
}

type recipientRef struct {
	Kind string `json:"kind"`
	ID   string `json:"id"`
	Name string `json:"name"`
}

type deliveryView struct {
	ID            string       `json:"id"`
	Recipient     recipientRef `json:"recipient"`
	Connector     string       `json:"connector"`
	Status        string       `json:"status"`
	Attempts      int          `json:"attempts"`
	NextAttemptAt *string      `json:"nextAttemptAt"`
	LastError     string       `json:"lastError"`
	DeliveredAt   *string      `json:"deliveredAt"`
	DueAt         *string      `json:"dueAt,omitempty"`
	Message       string       `json:"message,omitempty"` // URL of the bytes sent (staff)
}

type progressView struct {
	Delivered int    `json:"delivered"`
	Total     int    `json:"total"`
	Text      string `json:"text"`
}

type rueckmeldungView struct {
	Status             string `json:"status"`
	FromAGS            string `json:"fromAGS"`
	ToAGS              string `json:"toAGS"`
	FromReference      string `json:"fromReference"`
	AbmeldungReference string `json:"abmeldungReference,omitempty"`
	Detail             string `json:"detail,omitempty"`
}

type integratedSubmission struct {
	submissionResponse
	Routing      []routingView     `json:"routing"`
	Deliveries   []deliveryView    `json:"deliveries"`
	Progress     progressView      `json:"progress"`
	Rueckmeldung *rueckmeldungView `json:"rueckmeldung,omitempty"`
}

func optTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format(time.RFC3339)
	return &s
}

// ProgressText is the citizen's plain delivery status, e.g. "an 7 von 7 Stellen übermittelt".
func ProgressText(lang string, delivered, total int) string {
	if total == 0 {
		return T(lang, "delivery.progress_none")
	}
	return T(lang, "delivery.progress", delivered, total)
}

// integrationView adds the routing decisions, the deliveries and the delivery progress (and
// a Rückmeldung link) to a submission read through the API.
func (s *Server) integrationView(ctx context.Context, resp submissionResponse, sub *submission.Submission) (any, error) {
	out := integratedSubmission{submissionResponse: resp, Routing: []routingView{}, Deliveries: []deliveryView{}}
	rs, err := s.DB.RoutingOf(ctx, sub.ID)
	if err != nil {
		return nil, err
	}
	for _, r := range rs {
		out.Routing = append(out.Routing, routingView{Kind: string(r.Kind), Selected: r.Selected, Rule: r.Rule, Reason: r.Reason})
	}
	ds, err := s.DB.DeliveriesOf(ctx, sub.ID)
	if err != nil {
		return nil, err
	}
	for _, d := range ds {
		v := deliveryView{ID: d.ID, Recipient: recipientRef{Kind: string(d.Kind), ID: d.RecipientID, Name: d.RecipientName}, Connector: string(d.Connector),
			Status: string(d.Status), Attempts: d.Attempts, NextAttemptAt: optTime(d.NextAttemptAt), LastError: d.LastError, DeliveredAt: optTime(d.DeliveredAt), DueAt: optTime(d.DueAt)}
		if len(d.Body) > 0 {
			v.Message = "/api/v1/submissions/" + sub.ID + "/deliveries/" + d.ID + "/message"
		}
		out.Deliveries = append(out.Deliveries, v)
	}
	delivered, total := delivery.Progress(ds)
	out.Progress = progressView{Delivered: delivered, Total: total, Text: ProgressText("de", delivered, total)}
	if rm, err := s.DB.RueckmeldungOfSubmission(ctx, sub.ID); err == nil {
		out.Rueckmeldung = &rueckmeldungView{Status: rm.Status, FromAGS: rm.FromAGS, ToAGS: rm.ToAGS, FromReference: rm.FromReference, AbmeldungReference: rm.AbmeldungReference, Detail: rm.Detail}
	} else if apperr.KindOf(err) != apperr.KindNotFound {
		return nil, err
	}
	return out, nil
}

// apiDeliveryMessage returns the exact bytes sent to one recipient: for staff of the
// responsible office, a token with scope cases of its municipality and platform admins. The
// read is audited.
func (s *Server) apiDeliveryMessage(w http.ResponseWriter, r *http.Request) error {
	st := state(r)
	ctx := r.Context()
	sub, err := s.DB.GetSubmission(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	if ok, staff := canRead(st, sub); !ok || !staff {
		return errNotFound
	}
	d, err := s.DB.GetDelivery(ctx, r.PathValue("deliveryId"))
	if err != nil {
		return err
	}
	if d.SubmissionID != sub.ID || len(d.Body) == 0 {
		return errNotFound
	}
	detail, _ := json.Marshal(map[string]string{"delivery": d.ID, "sha256": d.BodySHA256})
	if err := s.DB.Audit(ctx, s.Now(), audit.Record{Actor: actorOf(st), TenantAGS: sub.OfficeAGS, Action: "delivery.message_read", Object: "submission:" + sub.ID, Detail: string(detail)}); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", d.ContentType)
	h.Set("Cache-Control", "private, no-store")
	h.Set("ETag", `"`+d.BodySHA256+`"`)
	h.Set("X-Rathaus-Message-Id", d.MessageUUID)
	h.Set("Idempotency-Key", d.IdempotencyKey)
	_, err = w.Write(d.Body)
	return err
}

// inboxRecipient is the recipient the request's inbox token is bound to.
func (s *Server) inboxRecipient(r *http.Request) (string, error) {
	id, err := s.DB.RecipientOfToken(r.Context(), state(r).token.ID)
	if apperr.KindOf(err) == apperr.KindNotFound {
		return "", &httpError{status: http.StatusForbidden, key: "error.forbidden", detail: "Das Token ist an keinen Empfänger gebunden (rathaus recipient token)."}
	}
	return id, err
}

type inboxEntry struct {
	ID          string `json:"id"`
	MessageID   string `json:"messageId"`
	Kind        string `json:"kind"`
	Reference   string `json:"reference"`
	Art         string `json:"art"`
	ContentType string `json:"contentType"`
	OfferedAt   string `json:"offeredAt"`
	Fetches     int    `json:"fetches"`
	URL         string `json:"url"`
}

// apiInbox lists the messages waiting for the token's recipient: offered, unacknowledged and
// not held by another consumer's lease.
func (s *Server) apiInbox(w http.ResponseWriter, r *http.Request) error {
	rid, err := s.inboxRecipient(r)
	if err != nil {
		return err
	}
	limit := 100
	if n, err := strconv.Atoi(r.URL.Query().Get("limit")); err == nil && n > 0 && n <= 500 {
		limit = n
	}
	items, err := s.DB.Inbox(r.Context(), rid, s.Now(), limit)
	if err != nil {
		return err
	}
	out := make([]inboxEntry, len(items))
	for i, it := range items {
		out[i] = inboxEntry{ID: it.DeliveryID, MessageID: it.MessageUUID, Kind: string(it.Kind), Reference: it.Reference, Art: it.Art, ContentType: it.ContentType,
			OfferedAt: it.OfferedAt.UTC().Format(time.RFC3339), Fetches: it.Fetches, URL: "/api/v1/inbox/" + it.DeliveryID}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"recipient": rid, "count": len(out), "messages": out})
}

// apiInboxMessage fetches one message and leases it to the caller for InboxLease: the answer
// carries the lease in X-Rathaus-Lease, which the acknowledgement must present. A caller may
// renew its own lease by sending it; while it holds the lease, other consumers get 409.
func (s *Server) apiInboxMessage(w http.ResponseWriter, r *http.Request) error {
	rid, err := s.inboxRecipient(r)
	if err != nil {
		return err
	}
	lease := r.Header.Get(HeaderLease)
	if lease == "" || len(lease) > 100 {
		lease = identity.NewID()
	}
	now := s.Now()
	d, err := s.DB.LeaseInbox(r.Context(), rid, r.PathValue("mid"), lease, now, now.Add(InboxLease))
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", d.ContentType)
	h.Set("Cache-Control", "no-store")
	h.Set(HeaderLease, lease)
	h.Set("X-Rathaus-Lease-Until", now.Add(InboxLease).UTC().Format(time.RFC3339))
	h.Set("X-Rathaus-Message-Id", d.MessageUUID)
	h.Set("Idempotency-Key", d.IdempotencyKey)
	h.Set("ETag", `"`+d.BodySHA256+`"`)
	_, err = w.Write(d.Body)
	return err
}

// apiInboxAck acknowledges a fetched message. Exactly one consumer can acknowledge a message:
// the one holding its lease; a repeated acknowledgement by it answers 200 again, anyone else
// gets 409.
func (s *Server) apiInboxAck(w http.ResponseWriter, r *http.Request) error {
	rid, err := s.inboxRecipient(r)
	if err != nil {
		return err
	}
	lease := r.Header.Get(HeaderLease)
	if lease == "" {
		var body struct {
			Lease string `json:"lease"`
		}
		b, _ := io.ReadAll(r.Body)
		if len(b) > 0 {
			if err := decodeStrict(b, &body); err != nil {
				return err
			}
		}
		lease = body.Lease
	}
	if lease == "" {
		return apperr.Invalid(apperr.FieldError{Pointer: "/lease", Code: "required", Message: "Lease: Bitte die Kennung aus dem Kopf X-Rathaus-Lease des Abrufs angeben."})
	}
	already, err := s.DB.AckInbox(r.Context(), rid, r.PathValue("mid"), lease, actorOf(state(r)), s.Now())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"id": r.PathValue("mid"), "acked": true, "already": already})
}
