package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/rathaus-egov/rathaus/internal/apperr"
	"github.com/rathaus-egov/rathaus/internal/audit"
	"github.com/rathaus-egov/rathaus/internal/identity"
	"github.com/rathaus-egov/rathaus/internal/jobs"
	"github.com/rathaus-egov/rathaus/internal/mail"
	"github.com/rathaus-egov/rathaus/internal/sqlstore"
)

// JobSendMail is the job kind that sends one mail.Message.
const JobSendMail = "mail.send"

// EnqueueMail queues a mail inside tx; it is sent after the commit by a worker.
func EnqueueMail(ctx context.Context, tx *sqlstore.Tx, m mail.Message, now time.Time) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return sqlstore.EnqueueJob(ctx, tx, &jobs.Job{Kind: JobSendMail, Payload: b, MaxAttempts: 25}, now)
}

func (s *Server) wakeJobs() {
	if s.Jobs != nil {
		s.Jobs.Wake()
	}
}

func actorOf(st *reqState) string {
	switch {
	case st.user != nil:
		return "user:" + st.user.ID
	case st.token != nil:
		return "token:" + st.token.ID
	}
	return "anonymous"
}

func (s *Server) registerForm(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, http.StatusOK, "register", s.page(r, "register.title", nil))
}

const (
	purposeVerify = "verify"
	purposeReset  = "reset"
)

func (s *Server) register(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	st := state(r)
	reg := identity.Registration{
		Name: r.PostFormValue("name"), Email: r.PostFormValue("email"),
		Password: r.PostFormValue("password"), PasswordConfirm: r.PostFormValue("password_confirm"),
		Privacy: r.PostFormValue("privacy") != "",
	}
	if errs := reg.Validate(); len(errs) > 0 {
		p := s.page(r, "register.title", nil)
		p.Errors, p.Form = errsInLang(st.lang, errs), r.PostForm
		p.Form.Del("password")
		p.Form.Del("password_confirm")
		return s.render(w, r, http.StatusUnprocessableEntity, "register", p)
	}
	ctx := r.Context()
	now := s.Now()
	err := s.DB.InTx(ctx, func(tx *sqlstore.Tx) error {
		u := &identity.User{Email: reg.Email, Name: reg.Name, PasswordHash: identity.HashPassword(reg.Password), Kind: identity.KindCitizen, Lang: st.lang}
		err := sqlstore.CreateUser(ctx, tx, u, now)
		if apperr.KindOf(err) == apperr.KindConflict {
			// Do not reveal that the account exists: tell the owner by mail instead.
			return EnqueueMail(ctx, tx, mail.Message{To: reg.Email, Subject: T(st.lang, "register.mail_subject"),
				Text: T(st.lang, "register.exists_mail_text", s.BaseURL+"/passwort-vergessen")}, now)
		}
		if err != nil {
			return err
		}
		secret, hash := identity.NewSecret("")
		if err := sqlstore.CreateEmailToken(ctx, tx, hash, u.ID, purposeVerify, now, now.Add(48*time.Hour)); err != nil {
			return err
		}
		link := s.BaseURL + "/registrieren/bestaetigen?token=" + url.QueryEscape(secret)
		if err := EnqueueMail(ctx, tx, mail.Message{To: u.Email, Subject: T(st.lang, "register.mail_subject"), Text: T(st.lang, "register.mail_text", link)}, now); err != nil {
			return err
		}
		return sqlstore.AppendAudit(ctx, tx, now, audit.Record{Actor: "user:" + u.ID, Action: "account.register", Object: "user:" + u.ID})
	})
	if err != nil {
		return err
	}
	s.wakeJobs()
	return redirect(w, r, "/registrieren/gesendet")
}

func (s *Server) registerSent(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, http.StatusOK, "register_sent", s.page(r, "register.sent_title", nil))
}

func (s *Server) registerConfirm(w http.ResponseWriter, r *http.Request) error {
	token := r.URL.Query().Get("token")
	ctx := r.Context()
	now := s.Now()
	err := s.DB.InTx(ctx, func(tx *sqlstore.Tx) error {
		uid, err := sqlstore.UseEmailToken(ctx, tx, identity.HashSecret(token), purposeVerify, now)
		if err != nil {
			return err
		}
		if err := sqlstore.MarkEmailVerified(ctx, tx, uid, now); err != nil {
			return err
		}
		return sqlstore.AppendAudit(ctx, tx, now, audit.Record{Actor: "user:" + uid, Action: "account.email_verified", Object: "user:" + uid})
	})
	if apperr.KindOf(err) == apperr.KindNotFound {
		p := s.page(r, "error.title", map[string]string{"Message": T(state(r).lang, "register.invalid_link"), "Status": "410"})
		return s.render(w, r, http.StatusGone, "error", p)
	}
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "register_confirmed", s.page(r, "register.confirmed_title", nil))
}

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) error {
	p := s.page(r, "login.title", nil)
	p.Form.Set("next", safeNext(r.URL.Query().Get("next")))
	if r.URL.Query().Get("abgemeldet") != "" {
		p.Flash = T(p.Lang, "login.logged_out")
	}
	if r.URL.Query().Get("passwort") != "" {
		p.Flash = T(p.Lang, "reset.done")
	}
	return s.render(w, r, http.StatusOK, "login", p)
}

// safeNext accepts only local paths as a redirect target after log-in.
func safeNext(n string) string {
	if !strings.HasPrefix(n, "/") || strings.HasPrefix(n, "//") || strings.ContainsAny(n, "\\\r\n") {
		return ""
	}
	return n
}

func clientIP(r *http.Request) string {
	h := r.RemoteAddr
	if i := strings.LastIndexByte(h, ':'); i > 0 {
		h = h[:i]
	}
	return h
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	ctx := r.Context()
	st := state(r)
	now := s.Now()
	email := identity.NormalizeEmail(r.PostFormValue("email"))
	pw := r.PostFormValue("password")
	next := safeNext(r.PostFormValue("next"))
	fail := func(key string, status int) error {
		p := s.page(r, "login.title", nil)
		p.Form.Set("email", email)
		p.Form.Set("next", next)
		p.Errors = []apperr.FieldError{{Pointer: "email", Code: key, Message: T(st.lang, key)}}
		return s.render(w, r, status, "login", p)
	}
	keys := []string{"email:" + email, "ip:" + clientIP(r)}
	for _, k := range keys {
		n, err := s.DB.LoginFailures(ctx, k, now.Add(-identity.LoginWindow))
		if err != nil {
			return err
		}
		limit := identity.MaxLoginFailures
		if strings.HasPrefix(k, "ip:") {
			limit *= 4 // several people may share an address
		}
		if n >= limit {
			_ = s.DB.Audit(ctx, now, audit.Record{Actor: "anonymous", Action: "login.rate_limited", Object: "email:" + email})
			w.Header().Set("Retry-After", "900")
			return fail("login.limited", http.StatusTooManyRequests)
		}
	}
	u, err := s.DB.UserByEmail(ctx, email)
	hash := ""
	if err == nil {
		hash = u.PasswordHash
	} else if apperr.KindOf(err) != apperr.KindNotFound {
		return err
	}
	if !identity.CheckPasswordOrDummy(hash, pw) || u.Disabled {
		if err := s.DB.RecordLoginFailure(ctx, keys, now); err != nil {
			return err
		}
		_ = s.DB.Audit(ctx, now, audit.Record{Actor: "anonymous", Action: "login.failed", Object: "email:" + email})
		return fail("login.failed", http.StatusUnauthorized)
	}
	if u.EmailVerifiedAt.IsZero() {
		return fail("login.unverified", http.StatusForbidden)
	}
	_ = s.DB.ClearLoginFailures(ctx, "email:"+email)
	if err := s.startSession(ctx, w, st, u); err != nil {
		return err
	}
	if err := s.DB.Audit(ctx, now, audit.Record{Actor: "user:" + u.ID, Action: "login", Object: "user:" + u.ID}); err != nil {
		return err
	}
	if next == "" {
		next = "/konto"
		if u.Kind == identity.KindStaff {
			next = "/amt"
		} else if u.Kind == identity.KindAdmin {
			next = "/verwaltung/gemeinden"
		}
	}
	return redirect(w, r, next)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	st := state(r)
	if st.user != nil {
		_ = s.DB.Audit(r.Context(), s.Now(), audit.Record{Actor: "user:" + st.user.ID, Action: "logout", Object: "user:" + st.user.ID})
	}
	if err := s.endSession(r.Context(), w, st); err != nil {
		return err
	}
	return redirect(w, r, "/anmelden?abgemeldet=1")
}

func (s *Server) resetForm(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, http.StatusOK, "reset", s.page(r, "reset.title", nil))
}

func (s *Server) resetRequest(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	st := state(r)
	ctx := r.Context()
	now := s.Now()
	email := identity.NormalizeEmail(r.PostFormValue("email"))
	if msg := identity.ValidateEmail(email); msg != "" {
		p := s.page(r, "reset.title", nil)
		p.Form = r.PostForm
		p.Errors = []apperr.FieldError{{Pointer: "email", Code: "email", Message: inLang(st.lang, msg)}}
		return s.render(w, r, http.StatusUnprocessableEntity, "reset", p)
	}
	u, err := s.DB.UserByEmail(ctx, email)
	if err == nil {
		err = s.DB.InTx(ctx, func(tx *sqlstore.Tx) error {
			secret, hash := identity.NewSecret("")
			if err := sqlstore.CreateEmailToken(ctx, tx, hash, u.ID, purposeReset, now, now.Add(2*time.Hour)); err != nil {
				return err
			}
			link := s.BaseURL + "/passwort-neu?token=" + url.QueryEscape(secret)
			if err := EnqueueMail(ctx, tx, mail.Message{To: u.Email, Subject: T(st.lang, "reset.mail_subject"), Text: T(st.lang, "reset.mail_text", link)}, now); err != nil {
				return err
			}
			return sqlstore.AppendAudit(ctx, tx, now, audit.Record{Actor: "anonymous", Action: "account.reset_requested", Object: "user:" + u.ID})
		})
		if err != nil {
			return err
		}
		s.wakeJobs()
	} else if apperr.KindOf(err) != apperr.KindNotFound {
		return err
	}
	p := s.page(r, "reset.title", nil)
	p.Flash = T(st.lang, "reset.sent") // same answer whether or not the account exists
	return s.render(w, r, http.StatusOK, "reset", p)
}

func (s *Server) resetNewForm(w http.ResponseWriter, r *http.Request) error {
	p := s.page(r, "reset.new_title", nil)
	p.Form.Set("token", r.URL.Query().Get("token"))
	return s.render(w, r, http.StatusOK, "reset_new", p)
}

func (s *Server) resetNew(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	ctx := r.Context()
	now := s.Now()
	token := r.PostFormValue("token")
	pw, pw2 := r.PostFormValue("password"), r.PostFormValue("password_confirm")
	var errs []apperr.FieldError
	if msg := identity.ValidatePassword(pw); msg != "" {
		errs = append(errs, apperr.FieldError{Pointer: "password", Code: "password_weak", Message: inLang(state(r).lang, msg)})
	} else if pw != pw2 {
		errs = append(errs, apperr.FieldError{Pointer: "password_confirm", Code: "password_mismatch", Message: inLang(state(r).lang, "Passwort wiederholen: Die beiden Passwörter stimmen nicht überein.")})
	}
	if len(errs) > 0 {
		p := s.page(r, "reset.new_title", nil)
		p.Form.Set("token", token)
		p.Errors = errs
		return s.render(w, r, http.StatusUnprocessableEntity, "reset_new", p)
	}
	err := s.DB.InTx(ctx, func(tx *sqlstore.Tx) error {
		uid, err := sqlstore.UseEmailToken(ctx, tx, identity.HashSecret(token), purposeReset, now)
		if err != nil {
			return err
		}
		// A reset link proves control of the mailbox, so it verifies the address too.
		if err := sqlstore.MarkEmailVerified(ctx, tx, uid, now); err != nil {
			return err
		}
		if err := sqlstore.SetPassword(ctx, tx, uid, identity.HashPassword(pw), now); err != nil {
			return err
		}
		return sqlstore.AppendAudit(ctx, tx, now, audit.Record{Actor: "user:" + uid, Action: "account.password_reset", Object: "user:" + uid})
	})
	if apperr.KindOf(err) == apperr.KindNotFound {
		p := s.page(r, "error.title", map[string]string{"Message": T(state(r).lang, "register.invalid_link"), "Status": "410"})
		return s.render(w, r, http.StatusGone, "error", p)
	}
	if err != nil {
		return err
	}
	return redirect(w, r, "/anmelden?passwort=neu")
}

type orgView struct {
	identity.Organisation
	Members []identity.User
}

type accountData struct {
	Orgs     []orgView
	Antraege applications // "Meine Anträge": open drafts and submissions
}

// accountPage loads what the account page shows: business accounts with members, drafts and
// submissions.
func (s *Server) accountPage(r *http.Request) (accountData, error) {
	st := state(r)
	var d accountData
	for _, o := range st.user.Organisations {
		ms, err := s.DB.OrganisationMembers(r.Context(), o.ID)
		if err != nil {
			return d, err
		}
		d.Orgs = append(d.Orgs, orgView{Organisation: o, Members: ms})
	}
	var err error
	d.Antraege, err = s.myApplications(r.Context(), st.lang, st.user)
	return d, err
}

func (s *Server) account(w http.ResponseWriter, r *http.Request) error {
	st := state(r)
	d, err := s.accountPage(r)
	if err != nil {
		return err
	}
	p := s.page(r, "account.title", d)
	if r.URL.Query().Get("gespeichert") != "" {
		p.Flash = T(st.lang, "account.saved")
	}
	if r.URL.Query().Get("geloescht") != "" {
		p.Flash = T(st.lang, "antrag.deleted")
	}
	return s.render(w, r, http.StatusOK, "account", p)
}

// accountExport gives citizens their own data as JSON (Art. 15, 20 GDPR): the account, the
// business accounts, everything they filed and their open drafts.
func (s *Server) accountExport(w http.ResponseWriter, r *http.Request) error {
	u := state(r).user
	ctx := r.Context()
	subs, err := s.DB.SubmissionsOfUser(ctx, u.ID, nil, 10000)
	if err != nil {
		return err
	}
	type filed struct {
		Reference string          `json:"reference"`
		Leistung  string          `json:"leistung"`
		AGS       string          `json:"ags"`
		Status    string          `json:"status"`
		CreatedAt time.Time       `json:"createdAt"`
		Digest    string          `json:"digest"`
		Data      json.RawMessage `json:"data"`
	}
	out := []filed{}
	for _, sub := range subs {
		out = append(out, filed{sub.Reference, sub.Leistung, sub.TenantAGS, sub.Status, sub.CreatedAt, sub.Digest, sub.Data})
	}
	drafts, err := s.DB.DraftsOfUser(ctx, u.ID, s.Now(), 1000)
	if err != nil {
		return err
	}
	type draft struct {
		Leistung  string          `json:"leistung"`
		AGS       string          `json:"ags"`
		UpdatedAt time.Time       `json:"updatedAt"`
		Data      json.RawMessage `json:"data"`
	}
	ds := []draft{}
	for _, d := range drafts {
		ds = append(ds, draft{d.Leistung, d.TenantAGS, d.UpdatedAt, json.RawMessage(d.Data)})
	}
	if err := s.DB.Audit(ctx, s.Now(), audit.Record{Actor: "user:" + u.ID, Action: "account.export", Object: "user:" + u.ID}); err != nil {
		return err
	}
	w.Header().Set("Content-Disposition", `attachment; filename="rathaus-konto.json"`)
	return writeJSON(w, http.StatusOK, map[string]any{
		"id": u.ID, "email": u.Email, "name": u.Name, "kind": u.Kind, "trustLevel": u.TrustLevel,
		"emailVerifiedAt": u.EmailVerifiedAt, "createdAt": u.CreatedAt, "organisations": u.Organisations, "roles": u.Roles,
		"submissions": out, "drafts": ds,
	})
}

func (s *Server) orgCreate(w http.ResponseWriter, r *http.Request) error {
	st := state(r)
	name := strings.TrimSpace(r.PostFormValue("org_name"))
	if name == "" || len(name) > 200 {
		return s.accountWithErrors(w, r, apperr.FieldError{Pointer: "org_name", Code: "required", Message: "Name des Unternehmens: Bitte angeben (höchstens 200 Zeichen)."})
	}
	ctx := r.Context()
	now := s.Now()
	err := s.DB.InTx(ctx, func(tx *sqlstore.Tx) error {
		id, err := sqlstore.CreateOrganisation(ctx, tx, name, st.user.ID, now)
		if err != nil {
			return err
		}
		return sqlstore.AppendAudit(ctx, tx, now, audit.Record{Actor: actorOf(st), Action: "organisation.create", Object: "organisation:" + id})
	})
	if err != nil {
		return err
	}
	return redirect(w, r, "/konto?gespeichert=1")
}

func (s *Server) orgMemberAdd(w http.ResponseWriter, r *http.Request) error {
	st := state(r)
	orgID := r.PathValue("id")
	owner := false
	for _, o := range st.user.Organisations {
		if o.ID == orgID && o.Role == "owner" {
			owner = true
		}
	}
	if !owner {
		return errNotFound
	}
	ctx := r.Context()
	email := identity.NormalizeEmail(r.PostFormValue("member_email"))
	m, err := s.DB.UserByEmail(ctx, email)
	if err != nil {
		if apperr.KindOf(err) == apperr.KindNotFound {
			return s.accountWithErrors(w, r, apperr.FieldError{Pointer: "member_email", Code: "unknown_account", Message: "E-Mail-Adresse: Zu dieser Adresse gibt es kein Konto. Die Person muss sich zuerst registrieren."})
		}
		return err
	}
	now := s.Now()
	err = s.DB.InTx(ctx, func(tx *sqlstore.Tx) error {
		if err := sqlstore.AddOrganisationMember(ctx, tx, orgID, m.ID, "member", now); err != nil {
			return err
		}
		return sqlstore.AppendAudit(ctx, tx, now, audit.Record{Actor: actorOf(st), Action: "organisation.member_add", Object: "organisation:" + orgID, Detail: `{"user":"` + m.ID + `"}`})
	})
	if apperr.KindOf(err) == apperr.KindConflict {
		return s.accountWithErrors(w, r, apperr.FieldError{Pointer: "member_email", Code: "member_exists", Message: "E-Mail-Adresse: Diese Person ist bereits Mitglied."})
	}
	if err != nil {
		return err
	}
	return redirect(w, r, "/konto?gespeichert=1")
}

func (s *Server) accountWithErrors(w http.ResponseWriter, r *http.Request, errs ...apperr.FieldError) error {
	d, err := s.accountPage(r)
	if err != nil {
		return err
	}
	p := s.page(r, "account.title", d)
	p.Errors, p.Form = errs, r.PostForm
	return s.render(w, r, http.StatusUnprocessableEntity, "account", p)
}
