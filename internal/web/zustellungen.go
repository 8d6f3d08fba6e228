package web

import (
	"net/http"
	"slices"
	"strings"

	"github.com/rathaus-egov/rathaus/internal/apperr"
	"github.com/rathaus-egov/rathaus/internal/delivery"
	"github.com/rathaus-egov/rathaus/internal/identity"
	"github.com/rathaus-egov/rathaus/internal/recipient"
	"github.com/rathaus-egov/rathaus/internal/sqlstore"
)

// Staff pages of the integration hub: the deliveries of the offices a staff member works for
// (every attempt with its error, replay of dead letters, redirect to a corrected endpoint),
// the Rückmeldungen between municipalities and the tasks they created.

type deliveriesData struct {
	Status       string
	Statuses     []delivery.Status
	Deliveries   []delivery.Delivery
	References   map[string]string // submission id → reference
	Query        string            // part of a reference searched for
	Total        int               // deliveries matching on all pages
	Tasks        []sqlstore.Task
	Rueckmeldung []sqlstore.Rueckmeldung
	AllTenants   bool
}

// staffScope returns the municipalities whose deliveries the user sees; nil for platform
// admins (all).
func staffScope(u *identity.User) []string {
	if u.Kind == identity.KindAdmin {
		return nil
	}
	return u.Tenants()
}

func (s *Server) staffDeliveries(w http.ResponseWriter, r *http.Request) error {
	u := state(r).user
	ctx := r.Context()
	scope := staffScope(u)
	d := deliveriesData{Status: r.URL.Query().Get("status"), AllTenants: scope == nil,
		Statuses: []delivery.Status{delivery.StatusQueued, delivery.StatusRetrying, delivery.StatusOffered, delivery.StatusDelivered, delivery.StatusDead}}
	if d.Status != "" && !slices.Contains(d.Statuses, delivery.Status(d.Status)) {
		d.Status = ""
	}
	if scope != nil && len(scope) == 0 {
		return s.render(w, r, http.StatusOK, "deliveries", s.page(r, "deliveries.title", d))
	}
	d.Query = strings.TrimSpace(r.URL.Query().Get("q"))
	if len(d.Query) > 60 {
		d.Query = strings.ToValidUTF8(d.Query[:60], "")
	}
	f := sqlstore.DeliveryFilter{OfficeAGS: scope, Status: delivery.Status(d.Status), Reference: d.Query, Limit: 200}
	var err error
	if d.Deliveries, err = s.DB.ListDeliveries(ctx, f); err != nil {
		return err
	}
	if d.Total, err = s.DB.CountMatchingDeliveries(ctx, f); err != nil {
		return err
	}
	ids := make([]string, 0, len(d.Deliveries))
	for _, dl := range d.Deliveries {
		ids = append(ids, dl.SubmissionID)
	}
	if d.References, err = s.DB.ReferencesOf(ctx, ids); err != nil {
		return err
	}
	for _, ags := range scope {
		ts, err := s.DB.TasksOf(ctx, ags, sqlstore.TaskOpen)
		if err != nil {
			return err
		}
		d.Tasks = append(d.Tasks, ts...)
		rs, err := s.DB.RueckmeldungenOf(ctx, ags)
		if err != nil {
			return err
		}
		d.Rueckmeldung = append(d.Rueckmeldung, rs...)
	}
	return s.render(w, r, http.StatusOK, "deliveries", s.page(r, "deliveries.title", d))
}

type deliveryData struct {
	Delivery    *delivery.Delivery
	Reference   string
	Recipient   recipient.Recipient
	Attempts    []delivery.Attempt
	CanReplay   bool
	CanRedirect bool
	Connectors  []recipient.Connector
}

// staffDelivery loads a delivery for a staff member of its office (or an admin); everyone
// else gets 404.
func (s *Server) staffDelivery(r *http.Request) (*deliveryData, error) {
	u := state(r).user
	ctx := r.Context()
	d, err := s.DB.GetDelivery(ctx, r.PathValue("zid"))
	if err != nil {
		return nil, err
	}
	if u.Kind != identity.KindAdmin && !u.IsStaffOf(d.OfficeAGS) {
		return nil, errNotFound
	}
	sub, err := s.DB.GetSubmission(ctx, d.SubmissionID)
	if err != nil {
		return nil, err
	}
	rec, err := s.DB.GetRecipient(ctx, d.RecipientID)
	if err != nil {
		return nil, err
	}
	atts, err := s.DB.Attempts(ctx, d.ID)
	if err != nil {
		return nil, err
	}
	return &deliveryData{Delivery: d, Reference: sub.Reference, Recipient: rec, Attempts: atts,
		CanReplay: d.Status == delivery.StatusDead || d.Status == delivery.StatusRetrying,
		// Changing where personal data goes is for the municipality's administrators.
		CanRedirect: d.Status != delivery.StatusDelivered && u.TenantAdminOf(d.OfficeAGS),
		Connectors:  redirectConnectors(u)}, nil
}

// redirectConnectors are the connectors u may redirect a delivery to. A folder endpoint is a
// path on the platform's own server: only the platform's operators (admins) may name one, or
// a municipality's administrator could have the server write personal data into any folder
// it can write to (another recipient's drop folder, say).
func redirectConnectors(u *identity.User) []recipient.Connector {
	if u.Kind == identity.KindAdmin {
		return recipient.Connectors
	}
	var out []recipient.Connector
	for _, c := range recipient.Connectors {
		if c != recipient.ConnectorFolder {
			out = append(out, c)
		}
	}
	return out
}

func (s *Server) staffDeliveryPage(w http.ResponseWriter, r *http.Request) error {
	d, err := s.staffDelivery(r)
	if err != nil {
		return err
	}
	p := s.page(r, "delivery.title", d)
	if r.URL.Query().Get("gespeichert") != "" {
		p.Flash = T(p.Lang, "delivery.queued_again")
	}
	return s.render(w, r, http.StatusOK, "delivery", p)
}

func (s *Server) staffDeliveryReplay(w http.ResponseWriter, r *http.Request) error {
	d, err := s.staffDelivery(r)
	if err != nil {
		return err
	}
	if !d.CanReplay {
		return &httpError{status: http.StatusConflict, key: "error.delivery.not_replayable"}
	}
	if err := s.Hub.Replay(r.Context(), d.Delivery.ID, actorOf(state(r))); err != nil {
		return err
	}
	return redirect(w, r, "/amt/zustellungen/"+d.Delivery.ID+"?gespeichert=1")
}

func (s *Server) staffDeliveryRedirect(w http.ResponseWriter, r *http.Request) error {
	d, err := s.staffDelivery(r)
	if err != nil {
		return err
	}
	if !d.CanRedirect {
		return errForbiddenErr
	}
	conn := recipient.Connector(r.PostFormValue("connector"))
	endpoint := strings.TrimSpace(r.PostFormValue("endpoint"))
	if conn == recipient.ConnectorFolder && !slices.Contains(d.Connectors, conn) {
		err = apperr.Invalid(apperr.FieldError{Pointer: "connector", Code: "folder_admin_only", Message: T(state(r).lang, "delivery.folder_admin_only")})
	} else {
		err = s.Hub.Redirect(r.Context(), d.Delivery.ID, actorOf(state(r)), conn, endpoint)
	}
	if apperr.KindOf(err) == apperr.KindInvalid {
		p := s.page(r, "delivery.title", d)
		p.Errors, p.Form = apperr.FieldsOf(err), r.PostForm
		return s.render(w, r, http.StatusUnprocessableEntity, "delivery", p)
	}
	if err != nil {
		return err
	}
	return redirect(w, r, "/amt/zustellungen/"+d.Delivery.ID+"?gespeichert=1")
}
