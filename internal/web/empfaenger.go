package web

import (
	"net/http"
	"strings"

	"github.com/rathaus-egov/rathaus/internal/audit"
	"github.com/rathaus-egov/rathaus/internal/recipient"
	"github.com/rathaus-egov/rathaus/internal/routing"
	"github.com/rathaus-egov/rathaus/internal/sqlstore"
)

// The recipient directory in the platform administration (/verwaltung/empfaenger): the
// authorities Gewerbeanzeigen are forwarded to, with connector, endpoint, HMAC key, format,
// waiver and area. Platform admins only: where personal data goes is the operator's decision.

type recipientsData struct {
	Kind       string
	Kinds      []routing.Kind
	Recipients []recipient.Recipient
}

func (s *Server) adminRecipients(w http.ResponseWriter, r *http.Request) error {
	all, err := s.DB.ListRecipients(r.Context())
	if err != nil {
		return err
	}
	d := recipientsData{Kind: r.URL.Query().Get("art"), Kinds: routing.Kinds()}
	for _, rc := range all {
		if d.Kind == "" || string(rc.Kind) == d.Kind {
			d.Recipients = append(d.Recipients, rc)
		}
	}
	recipient.Sort(d.Recipients)
	return s.render(w, r, http.StatusOK, "recipients", s.page(r, "recipients.title", d))
}

type recipientData struct {
	Recipient  recipient.Recipient
	Connectors []recipient.Connector
	HasSecret  bool
}

func (s *Server) adminRecipient(w http.ResponseWriter, r *http.Request) error {
	rc, err := s.DB.GetRecipient(r.Context(), r.PathValue("rid"))
	if err != nil {
		return err
	}
	p := s.page(r, "", recipientData{Recipient: rc, Connectors: recipient.Connectors, HasSecret: rc.Secret != ""})
	p.TitleText = rc.Name
	if r.URL.Query().Get("gespeichert") != "" {
		p.Flash = T(p.Lang, "account.saved")
	}
	return s.render(w, r, http.StatusOK, "recipient", p)
}

func (s *Server) adminRecipientSave(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	rc, err := s.DB.GetRecipient(ctx, r.PathValue("rid"))
	if err != nil {
		return err
	}
	f := r.PostFormValue
	rc.Name, rc.Kennung, rc.Email = f("name"), strings.TrimSpace(f("kennung")), strings.TrimSpace(f("email"))
	rc.Connector, rc.Endpoint, rc.Format = recipient.Connector(f("connector")), f("endpoint"), recipient.Format(f("format"))
	if sec := f("secret"); sec != "" {
		rc.Secret = sec // empty keeps the stored key, which is never shown
	}
	rc.Waived, rc.Requested, rc.Active = f("waived") == "1", f("requested") == "1", f("active") == "1"
	rc.Note = strings.TrimSpace(f("note"))
	rc.Areas = nil
	for _, a := range strings.Split(f("areas"), "\n") {
		if a = strings.TrimSpace(a); a != "" {
			rc.Areas = append(rc.Areas, a)
		}
	}
	if errs := rc.Validate(); len(errs) > 0 {
		p := s.page(r, "", recipientData{Recipient: rc, Connectors: recipient.Connectors, HasSecret: rc.Secret != ""})
		p.TitleText, p.Errors, p.Form = rc.Name, errs, r.PostForm
		return s.render(w, r, http.StatusUnprocessableEntity, "recipient", p)
	}
	now := s.Now()
	err = s.DB.InTx(ctx, func(tx *sqlstore.Tx) error {
		if err := sqlstore.SaveRecipient(ctx, tx, &rc, now); err != nil {
			return err
		}
		return sqlstore.AppendAudit(ctx, tx, now, audit.Record{Actor: actorOf(state(r)), TenantAGS: rc.TenantAGS, Action: "recipient.update", Object: "recipient:" + rc.ID,
			Detail: `{"connector":"` + string(rc.Connector) + `"}`})
	})
	if err != nil {
		return err
	}
	return redirect(w, r, "/verwaltung/empfaenger/"+rc.ID+"?gespeichert=1")
}
