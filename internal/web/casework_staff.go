package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rathaus-egov/rathaus/internal/apperr"
	"github.com/rathaus-egov/rathaus/internal/audit"
	"github.com/rathaus-egov/rathaus/internal/casework"
	"github.com/rathaus-egov/rathaus/internal/clock"
	"github.com/rathaus-egov/rathaus/internal/document"
	"github.com/rathaus-egov/rathaus/internal/sqlstore"
	"github.com/rathaus-egov/rathaus/internal/submission"
	"github.com/rathaus-egov/rathaus/internal/tenant"
)

// caseRow is one line of an inbox.
type caseRow struct {
	*casework.Case
	LeistungName string
	AgeDays      int
	Late         bool // a deadline passed or the case waits too long
}

type option struct {
	Value, Label string
	Selected     bool
}

type caseInboxData struct {
	Query, Status, Leistung, Age, Assignee string
	Statuses                               []option
	Leistungen                             []option
	Ages                                   []option
	Assignees                              []option
	Cases                                  []caseRow
	Total                                  int    // cases the filter selects on all pages
	NextURL                                string // the next page, "" on the last
	Paged                                  bool   // a page after the first
}

// inboxPage is the number of cases on a page of the inbox.
const inboxPage = 100

var caseStatuses = []casework.Status{casework.Eingegangen, casework.InBearbeitung, casework.Rueckfrage, casework.Beteiligung, casework.Abgeschlossen, casework.Abgelehnt}

func (s *Server) leistungName(lang, key string) string {
	if l, ok := s.Catalog.Get(key); ok {
		if lang == "en" && l.Name.En != "" {
			return l.Name.En
		}
		return l.Name.De
	}
	return key
}

func (s *Server) caseRow(lang string, c *casework.Case, now time.Time) caseRow {
	return caseRow{Case: c, LeistungName: s.leistungName(lang, c.Leistung), AgeDays: int(now.Sub(c.CreatedAt).Hours() / 24),
		Late: c.Overdue || (!c.DueAt.IsZero() && now.After(c.DueAt))}
}

// caseInbox is the office's inbox: the cases at the desks of the staff member, with filters.
func (s *Server) caseInbox(w http.ResponseWriter, r *http.Request) error {
	st := state(r)
	q := r.URL.Query()
	d := caseInboxData{Query: strings.TrimSpace(q.Get("q")), Status: q.Get("status"), Leistung: q.Get("leistung"), Age: q.Get("alter"), Assignee: q.Get("zustaendig")}
	f := sqlstore.CaseFilter{Desks: casework.Desks(st.user), Query: d.Query, Leistung: d.Leistung}
	if slices.Contains(caseStatuses, casework.Status(d.Status)) {
		f.Status = d.Status
	}
	now := s.Now()
	if days, err := strconv.Atoi(d.Age); err == nil && days > 0 && days < 3650 {
		f.Before = now.AddDate(0, 0, -days)
	}
	switch d.Assignee {
	case "ich":
		f.Assignee = st.user.ID
	case "niemand":
		f.Assignee = "-"
	}
	if after := q.Get("nach"); sqlstore.ValidCaseCursor(after) {
		f.After = after
	}
	f.Limit = inboxPage
	cases, more, err := s.DB.ListCases(r.Context(), f)
	if err != nil {
		return err
	}
	if d.Total, err = s.DB.CountCases(r.Context(), f); err != nil {
		return err
	}
	if more {
		next := url.Values{}
		for k, v := range q {
			if k != "nach" {
				next[k] = v
			}
		}
		next.Set("nach", sqlstore.CaseCursor(cases[len(cases)-1]))
		d.NextURL = "/amt/vorgaenge?" + next.Encode()
	}
	d.Paged = f.After != ""
	// The list shows names: a read of personal data, audited per municipality shown.
	seen := map[string]bool{}
	for _, c := range cases {
		if !seen[c.TenantAGS] {
			seen[c.TenantAGS] = true
			if err := s.DB.Audit(r.Context(), now, audit.Record{Actor: actorOf(st), TenantAGS: c.TenantAGS, Action: "case.list", Detail: `{"path":"/amt/vorgaenge"}`}); err != nil {
				return err
			}
		}
	}
	for _, c := range cases {
		d.Cases = append(d.Cases, s.caseRow(st.lang, c, now))
	}
	d.Statuses = append(d.Statuses, option{"", T(st.lang, "case.filter_all"), d.Status == ""})
	for _, cs := range caseStatuses {
		d.Statuses = append(d.Statuses, option{string(cs), T(st.lang, "case.status."+string(cs)), d.Status == string(cs)})
	}
	d.Leistungen = append(d.Leistungen, option{"", T(st.lang, "case.filter_all"), d.Leistung == ""})
	for _, l := range s.Catalog.Leistungen {
		if l.Form != "" {
			d.Leistungen = append(d.Leistungen, option{l.Key, s.leistungName(st.lang, l.Key), d.Leistung == l.Key})
		}
	}
	for _, a := range []string{"", "3", "7", "14", "30"} {
		label := T(st.lang, "case.filter_all")
		if a != "" {
			label = T(st.lang, "case.filter_age_days", a)
		}
		d.Ages = append(d.Ages, option{a, label, d.Age == a})
	}
	for _, a := range []string{"", "ich", "niemand"} {
		d.Assignees = append(d.Assignees, option{a, T(st.lang, "case.filter_assignee_"+map[string]string{"": "all", "ich": "me", "niemand": "none"}[a]), d.Assignee == a})
	}
	return s.render(w, r, http.StatusOK, "cases", s.page(r, "case.inbox_title", d))
}

type participationView struct {
	casework.Participation
	Late bool
}

type caseData struct {
	Case         *casework.Case
	LeistungName string
	OfficeName   string
	Sections     []casework.Section
	Documents    []string
	Uploads      []caseUpload // what the applicant uploaded with the application
	// NoPostfach: filed through the API without an account, so questions and messages
	// cannot reach the applicant on the platform; Contact is what the notice gives instead.
	NoPostfach     bool
	Contact        string
	Delivery       *Delivery
	Events         []casework.Event
	Messages       []casework.Message
	Participations []participationView
	Decisions      []casework.Decision
	Permits        []casework.Permit
	Zoll           *casework.ZollIndication
	Workers        []sqlstore.StaffMember
	CanStart       bool // eingegangen, rueckfrage, beteiligung → in_bearbeitung
	Final          bool
	Templates      []*casework.Template
	ZollReasons    []option
	OfficeKinds    []option
	Parts          []option
	Results        []option
	DefaultRF      string
	DefaultPart    string
	Late           bool
}

// caseData gathers everything the case page shows.
func (s *Server) caseData(ctx context.Context, lang string, c *casework.Case, form url.Values) (*caseData, error) {
	sub, err := s.DB.GetSubmission(ctx, c.SubmissionID)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	m := s.Casework.Machine(c)
	d := &caseData{Case: c, LeistungName: s.leistungName(lang, c.Leistung), OfficeName: sub.Office.Name, Sections: casework.SectionsLabelled(sub.Data, nil, document.GewerbeValue),
		Documents: submission.Documents, Delivery: s.caseDelivery(ctx, c.SubmissionID), Final: m.IsFinal(c.Status),
		Templates: s.Casework.Templates.All(), DefaultRF: casework.DefaultDeadline(now, m.Policy.RueckfrageDefaultDays),
		DefaultPart: casework.DefaultDeadline(now, m.Policy.BeteiligungDefaultDays), Late: s.caseRow(lang, c, now).Late}
	if d.Uploads, err = s.caseUploads(ctx, lang, sub); err != nil {
		return nil, err
	}
	if d.NoPostfach = !hasPostfach(c); d.NoPostfach {
		if a, err := sub.Anzeige(); err == nil && sub.Art != "" && a.Betrieb.Kontakt != nil {
			d.Contact = strings.Join(nonEmpty(a.Betrieb.Kontakt.Telefon, a.Betrieb.Kontakt.Email), ", ")
		}
	}
	d.CanStart = slices.Contains(m.Next(c.Status), casework.InBearbeitung)
	if d.Events, err = s.DB.CaseEvents(ctx, c.TenantAGS, c.ID, false); err != nil {
		return nil, err
	}
	if d.Messages, err = s.DB.CaseMessages(ctx, c.TenantAGS, c.ID); err != nil {
		return nil, err
	}
	ps, err := s.DB.CaseParticipations(ctx, c.TenantAGS, c.ID)
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		d.Participations = append(d.Participations, participationView{p, p.IsOverdue(now)})
	}
	if d.Decisions, err = s.DB.CaseDecisions(ctx, c.TenantAGS, c.ID); err != nil {
		return nil, err
	}
	if d.Permits, err = s.DB.CasePermits(ctx, c.TenantAGS, c.ID); err != nil {
		return nil, err
	}
	if d.Zoll, _, err = s.DB.ZollIndication(ctx, c.SubmissionID); err != nil {
		return nil, err
	}
	if d.Workers, err = s.DB.CaseWorkers(ctx, c.TenantAGS, c.OfficeID); err != nil {
		return nil, err
	}
	chosen := form["zoll"]
	if d.Zoll != nil && len(chosen) == 0 {
		chosen = d.Zoll.Reasons
	}
	for _, z := range casework.ZollReasons {
		d.ZollReasons = append(d.ZollReasons, option{z.Code, z.Name, slices.Contains(chosen, z.Code)})
	}
	for _, k := range tenant.OfficeKinds {
		d.OfficeKinds = append(d.OfficeKinds, option{string(k.Kind), k.Name, form.Get("office_kind") == string(k.Kind)})
	}
	parts := form["parts"]
	if form.Get("part_question") == "" && len(parts) == 0 {
		parts = []string{string(casework.PartBetrieb)}
	}
	for _, p := range casework.Parts {
		d.Parts = append(d.Parts, option{string(p), T(lang, "case.part."+string(p)), slices.Contains(parts, string(p))})
	}
	for _, res := range []casework.Status{casework.Abgeschlossen, casework.Abgelehnt} {
		d.Results = append(d.Results, option{string(res), T(lang, "case.status."+string(res)), form.Get("result") == string(res)})
	}
	return d, nil
}

func (s *Server) caseDetail(w http.ResponseWriter, r *http.Request) error {
	c, err := s.staffCase(r, r.PathValue("cid"))
	if err != nil {
		return err
	}
	if err := s.DB.MarkMessagesRead(r.Context(), c.TenantAGS, c.ID, casework.FromApplicant, s.Now()); err != nil {
		return err
	}
	return s.renderCase(w, r, c, http.StatusOK, nil)
}

func (s *Server) renderCase(w http.ResponseWriter, r *http.Request, c *casework.Case, status int, errs []apperr.FieldError) error {
	st := state(r)
	form := url.Values{}
	if status != http.StatusOK {
		form = r.PostForm
	}
	d, err := s.caseData(r.Context(), st.lang, c, form)
	if err != nil {
		return err
	}
	p := s.page(r, "", d)
	p.TitleText = T(st.lang, "case.title", c.Reference)
	p.Errors, p.Form = errs, form
	if k := r.URL.Query().Get("ok"); k != "" && status == http.StatusOK {
		p.Flash = T(st.lang, "case.done."+k)
	}
	return s.render(w, r, status, "case", p)
}

// caseAction runs a staff action on a case: parse the form, decide the change, apply it,
// and redirect back (POST → redirect → GET); invalid input or a refused transition
// re-renders the case page with the errors.
func (s *Server) caseAction(done string, decide func(r *http.Request, c *casework.Case, a casework.Actor) (*casework.Change, error)) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := parseCaseForm(r); err != nil {
			return err
		}
		c, err := s.staffCase(r, r.PathValue("cid"))
		if err != nil {
			return err
		}
		ch, err := decide(r, c, caseActor(state(r)))
		if err == nil {
			err = s.applyCase(r.Context(), c, ch, actorOf(state(r)))
		}
		if err != nil {
			fresh, lerr := s.DB.CaseByID(r.Context(), c.ID)
			if lerr != nil {
				return lerr
			}
			var ae *apperr.Error
			if errors.As(err, &ae) && ae.Kind == apperr.KindInvalid {
				return s.renderCase(w, r, fresh, http.StatusUnprocessableEntity, ae.Fields)
			}
			if errors.As(err, &ae) && ae.Kind == apperr.KindConflict {
				return s.renderCase(w, r, fresh, http.StatusConflict, []apperr.FieldError{{Pointer: "status", Code: ae.Key, Message: ae.Msg}})
			}
			return err
		}
		return redirect(w, r, "/amt/vorgaenge/"+c.ID+"?ok="+done)
	}
}

func (s *Server) caseAssign(r *http.Request, c *casework.Case, a casework.Actor) (*casework.Change, error) {
	id := r.PostFormValue("assignee")
	if id == "ich" {
		id = state(r).user.ID
	}
	name := ""
	if id != "" {
		ws, err := s.DB.CaseWorkers(r.Context(), c.TenantAGS, c.OfficeID)
		if err != nil {
			return nil, err
		}
		i := slices.IndexFunc(ws, func(m sqlstore.StaffMember) bool { return m.ID == id })
		if i < 0 {
			return nil, apperr.Invalid(apperr.FieldError{Pointer: "assignee", Code: "unknown", Message: "Zuständig: Diese Person arbeitet nicht in diesem Amt."})
		}
		name = ws[i].Name
	}
	return s.Casework.Assign(c, a, id, name, s.Now()), nil
}

func (s *Server) caseTransition(r *http.Request, c *casework.Case, a casework.Actor) (*casework.Change, error) {
	to := casework.Status(r.PostFormValue("to"))
	if to != casework.InBearbeitung {
		return nil, apperr.Invalid(apperr.FieldError{Pointer: "status", Code: "unknown", Message: "Status: Bitte die Aktionen der Vorgangsseite verwenden."})
	}
	return s.Casework.Transition(c, a, to, "", s.Now())
}

func (s *Server) caseNote(r *http.Request, c *casework.Case, a casework.Actor) (*casework.Change, error) {
	return s.Casework.AddNote(c, a, r.PostFormValue("case_note"), s.Now())
}

// hasPostfach reports whether the applicant reads the case in a Postfach of the platform: an
// account or a business account filed it. A notice filed through the API by a specialist
// procedure has neither.
func hasPostfach(c *casework.Case) bool { return c.UserID != "" || c.OrganisationID != "" }

// errNoPostfach refuses a question or message to an applicant without a Postfach.
func errNoPostfach(field string) error {
	return apperr.Invalid(apperr.FieldError{Pointer: field, Code: "no_postfach",
		Message: "Die antragstellende Person hat kein Postfach auf der Plattform (die Anzeige kam über eine Schnittstelle); die Nachricht würde sie nicht erreichen. Bitte wenden Sie sich über die Kontaktdaten der Anzeige an sie."})
}

func (s *Server) caseAsk(r *http.Request, c *casework.Case, a casework.Actor) (*casework.Change, error) {
	if !hasPostfach(c) {
		return nil, errNoPostfach("question")
	}
	now := s.Now()
	q, deadline, errs := casework.RueckfrageInput{Question: r.PostFormValue("question"), Deadline: r.PostFormValue("deadline")}.Check(now)
	in, err := readFiles(r, "question_files")
	if err != nil {
		return nil, err
	}
	if errs = append(errs, casework.CheckFiles("question_files", in)...); len(errs) > 0 {
		return nil, apperr.Invalid(errs...)
	}
	files, err := s.storeFiles(r.Context(), c.ID, in)
	if err != nil {
		return nil, err
	}
	return s.Casework.AskApplicant(c, a, q, deadline, files, now)
}

func (s *Server) caseMessage(r *http.Request, c *casework.Case, a casework.Actor) (*casework.Change, error) {
	if !hasPostfach(c) {
		return nil, errNoPostfach("msg_body")
	}
	in, err := readFiles(r, "msg_files")
	if err != nil {
		return nil, err
	}
	body, errs := casework.MessageInput{Field: "msg_body", Label: "Nachricht", Body: r.PostFormValue("msg_body")}.Check()
	if errs = append(errs, casework.CheckFiles("msg_files", in)...); len(errs) > 0 {
		return nil, apperr.Invalid(errs...)
	}
	files, err := s.storeFiles(r.Context(), c.ID, in)
	if err != nil {
		return nil, err
	}
	return s.Casework.MessageApplicant(c, a, body, files, s.Now())
}

func (s *Server) caseParticipate(r *http.Request, c *casework.Case, a casework.Actor) (*casework.Change, error) {
	now := s.Now()
	in := casework.ParticipationInput{AGS: strings.TrimSpace(r.PostFormValue("part_ags")), OfficeKind: r.PostFormValue("office_kind"),
		Question: r.PostFormValue("part_question"), Deadline: r.PostFormValue("part_deadline"), Parts: r.PostForm["parts"]}
	q, deadline, parts, errs := in.Check(now)
	if len(errs) > 0 {
		return nil, apperr.Invalid(errs...)
	}
	ags := in.AGS
	if ags == "" {
		ags = c.TenantAGS
	}
	part, err := s.DB.OfficeByKind(r.Context(), ags, tenant.OfficeKind(in.OfficeKind))
	if err != nil {
		if apperr.KindOf(err) == apperr.KindNotFound {
			return nil, apperr.Invalid(apperr.FieldError{Pointer: "office_kind", Code: "no_office", Message: "Beteiligte Stelle: Diese Gemeinde hat kein Amt dieser Art auf der Plattform."})
		}
		return nil, err
	}
	lead, err := s.DB.GetOffice(r.Context(), c.TenantAGS, c.OfficeID)
	if err != nil {
		return nil, err
	}
	return s.Casework.RequestParticipation(c, a, casework.Office{AGS: lead.TenantAGS, ID: lead.ID, Name: lead.Name}, casework.Office{AGS: part.TenantAGS, ID: part.ID, Name: part.Name}, q, deadline, parts, now)
}

func (s *Server) caseZoll(r *http.Request, c *casework.Case, a casework.Actor) (*casework.Change, error) {
	return s.Casework.RecordZoll(c, a, r.PostForm["zoll"], r.PostFormValue("zoll_note"), s.Now())
}

func (s *Server) caseClose(r *http.Request, c *casework.Case, a casework.Actor) (*casework.Change, error) {
	now := s.Now()
	in := casework.CloseInput{Result: r.PostFormValue("result"), Template: r.PostFormValue("template"), Begruendung: r.PostFormValue("begruendung"),
		PermitTitle: r.PostFormValue("permit_title"), PermitUntil: r.PostFormValue("permit_until"), Note: r.PostFormValue("note")}
	cl, errs := in.Check(s.Casework.Templates, now)
	if len(errs) > 0 {
		return nil, apperr.Invalid(errs...)
	}
	// Check the transition before rendering a Bescheid that could not be issued.
	if !s.Casework.Machine(c).IsFinal(c.Status) && c.Status != casework.Eingegangen {
		if err := s.Casework.Machine(c).Transition(c.Status, cl.Result); err != nil {
			return nil, err
		}
	}
	var d *casework.Decision
	if cl.Template != nil {
		var err error
		if d, err = s.renderDecision(r.Context(), c, cl, a, now); err != nil {
			return nil, err
		}
	}
	return s.Casework.Close(c, a, cl, d, now)
}

// renderDecision fills the Bescheid template with the case's values, renders the PDF and
// stores it in the blob store.
func (s *Server) renderDecision(ctx context.Context, c *casework.Case, cl *casework.Closing, a casework.Actor, now time.Time) (*casework.Decision, error) {
	sub, err := s.DB.GetSubmission(ctx, c.SubmissionID)
	if err != nil {
		return nil, err
	}
	o := sub.Office
	behoerde := strings.Join(nonEmpty(o.Name, o.Strasse, strings.TrimSpace(o.PLZ+" "+o.Ort)), ", ")
	vars := map[string]string{
		"leistung": s.leistungName("de", c.Leistung), "betrieb": c.DisplayName, "reference": c.Reference,
		"eingang": c.CreatedAt.In(clock.Berlin).Format("02.01.2006"), "behoerde": behoerde, "sachbearbeitung": a.Name,
		"begruendung": cl.Begruendung, "befristung": "",
	}
	if cl.Permit != nil {
		vars["befristung"] = cl.Permit.ExpiresAt.In(clock.Berlin).Format("02.01.2006")
	}
	t := cl.Template
	fill := func(s string) (string, error) { return document.FillTemplate(s, vars) }
	b := document.Bescheid{Behoerde: document.Office{Name: o.Name, Strasse: o.Strasse, PLZ: o.PLZ, Ort: o.Ort, Email: o.Email, Telefon: o.Telefon},
		Sachbearbeitung: document.Sachbearbeitung{Name: a.Name}, Reference: c.Reference, Datum: now}
	if b.Betreff, err = fill(t.Betreff); err != nil {
		return nil, err
	}
	for _, p := range t.Tenor {
		v, err := fill(p)
		if err != nil {
			return nil, err
		}
		b.Tenor = append(b.Tenor, v)
	}
	for _, p := range t.Begruendung {
		v, err := fill(p)
		if err != nil {
			return nil, err
		}
		b.Begruendung = append(b.Begruendung, v)
	}
	if b.Rechtsbehelfsbelehrung, err = fill(t.Rechtsbehelfsbelehrung); err != nil {
		return nil, err
	}
	if b.Unterschrift, err = fill(t.Unterschrift); err != nil {
		return nil, err
	}
	b.Empfaenger = document.Empfaenger{Name: c.DisplayName}
	if a, err := sub.Anzeige(); err == nil && sub.Art != "" {
		b.Empfaenger.Name = a.Addressee()
		st := a.Betrieb.Betriebsstaette
		b.Empfaenger.Strasse = strings.TrimSpace(st.Strasse + " " + st.Hausnummer)
		b.Empfaenger.PLZ, b.Empfaenger.Ort = st.PLZ, st.Ort
	}
	if strings.TrimSpace(b.Empfaenger.Name) == "" {
		b.Empfaenger.Name = c.Reference
	}
	pdf, err := document.RenderBescheid(b)
	if err != nil {
		return nil, err
	}
	key, err := s.Blobs.Put(ctx, pdf)
	if err != nil {
		return nil, err
	}
	return &casework.Decision{Betreff: b.Betreff, Template: t.ID, BlobKey: key, Size: int64(len(pdf)), Filename: "Bescheid-" + c.Reference + ".pdf"}, nil
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return out
}

// caseDocument sends a filed document of the case's submission to its office.
func (s *Server) caseDocument(w http.ResponseWriter, r *http.Request) error {
	c, err := s.staffCase(r, r.PathValue("cid"))
	if err != nil {
		return err
	}
	sub, err := s.DB.GetSubmission(r.Context(), c.SubmissionID)
	if err != nil {
		return err
	}
	return s.serveDocument(w, r, sub, r.PathValue("name"))
}

// caseUpload is a file the applicant uploaded with the application, as the case page lists it.
type caseUpload struct {
	ID, Filename, Label string
	SizeKB              int64
}

// caseUploads lists the uploads of the case's submission with the labels of their fields.
func (s *Server) caseUploads(ctx context.Context, lang string, sub *submission.Submission) ([]caseUpload, error) {
	atts, err := s.DB.AttachmentsOfSubmission(ctx, sub.ID)
	if err != nil {
		return nil, err
	}
	def, _ := s.Forms.GetVersion(sub.FormID, sub.FormVersion)
	out := make([]caseUpload, 0, len(atts))
	for _, a := range atts {
		u := caseUpload{ID: a.ID, Filename: a.Filename, Label: a.Field, SizeKB: (a.Size + 1023) / 1024}
		if def != nil {
			if l, ok := def.FieldLabel(a.Field); ok {
				u.Label = l.In(lang)
			}
		}
		out = append(out, u)
	}
	return out, nil
}

// caseUploadFile sends a file the applicant uploaded with the application to the case's
// office (the read is audited with the case, staffCase).
func (s *Server) caseUploadFile(w http.ResponseWriter, r *http.Request) error {
	c, err := s.staffCase(r, r.PathValue("cid"))
	if err != nil {
		return err
	}
	atts, err := s.DB.AttachmentsOfSubmission(r.Context(), c.SubmissionID)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(atts, func(a sqlstore.Attachment) bool { return a.ID == r.PathValue("aid") })
	if i < 0 {
		return errNotFound
	}
	return s.sendBlob(w, r, atts[i].BlobKey, atts[i].ContentType, atts[i].Filename)
}

// caseFile sends an attachment of the case to its office.
func (s *Server) caseFile(w http.ResponseWriter, r *http.Request) error {
	c, err := s.staffCase(r, r.PathValue("cid"))
	if err != nil {
		return err
	}
	f, err := s.DB.CaseFile(r.Context(), c.TenantAGS, c.ID, r.PathValue("fid"))
	if err != nil {
		return err
	}
	return s.sendBlob(w, r, f.BlobKey, f.ContentType, f.Filename)
}

// caseDecision finds the decision named by the path's {did} among the case's decisions.
func (s *Server) caseDecision(r *http.Request, c *casework.Case) (casework.Decision, error) {
	ds, err := s.DB.CaseDecisions(r.Context(), c.TenantAGS, c.ID)
	if err != nil {
		return casework.Decision{}, err
	}
	i := slices.IndexFunc(ds, func(d casework.Decision) bool { return d.ID == r.PathValue("did") })
	if i < 0 {
		return casework.Decision{}, errNotFound
	}
	return ds[i], nil
}

// caseDecisionFile sends an issued Bescheid to its office (no read receipt: that is the
// applicant's).
func (s *Server) caseDecisionFile(w http.ResponseWriter, r *http.Request) error {
	c, err := s.staffCase(r, r.PathValue("cid"))
	if err != nil {
		return err
	}
	d, err := s.caseDecision(r, c)
	if err != nil {
		return err
	}
	return s.sendBlob(w, r, d.BlobKey, "application/pdf", d.Filename)
}
