package web

import (
	"errors"
	"net/http"
	"slices"

	"github.com/rathaus-egov/rathaus/internal/apperr"
	"github.com/rathaus-egov/rathaus/internal/casework"
	"github.com/rathaus-egov/rathaus/internal/identity"
	"github.com/rathaus-egov/rathaus/internal/submission"
)

// timelineStep is one step of the status timeline the applicant sees.
type timelineStep struct {
	Label   string
	Done    bool
	Current bool
}

type postfachRow struct {
	caseRow
	Unread   int
	OpenAsk  bool
	Timeline []timelineStep
}

type postfachData struct {
	Cases []postfachRow
}

func orgIDs(u *identity.User) []string {
	var out []string
	for _, o := range u.Organisations {
		out = append(out, o.ID)
	}
	return out
}

// timeline maps a case onto the steps the applicant follows: eingegangen, an N Stellen
// übermittelt (when the integration hub reports deliveries), in Bearbeitung, Rückfrage
// (only while or after one was asked), abgeschlossen/abgelehnt.
func timeline(lang string, c *casework.Case, d *Delivery, askedEver bool) []timelineStep {
	steps := []timelineStep{{Label: T(lang, "case.status.eingegangen"), Done: true}}
	if d != nil && d.Delivered > 0 {
		steps = append(steps, timelineStep{Label: T(lang, "postfach.delivered", d.Delivered), Done: true})
	}
	working := c.Status != casework.Eingegangen
	steps = append(steps, timelineStep{Label: T(lang, "case.status.in_bearbeitung"), Done: working, Current: c.Status == casework.InBearbeitung || c.Status == casework.Beteiligung})
	if askedEver || c.Status == casework.Rueckfrage {
		steps = append(steps, timelineStep{Label: T(lang, "case.status.rueckfrage"), Done: true, Current: c.Status == casework.Rueckfrage})
	}
	final := T(lang, "case.status.abgeschlossen")
	if c.Status == casework.Abgelehnt {
		final = T(lang, "case.status.abgelehnt")
	}
	steps = append(steps, timelineStep{Label: final, Done: c.Status == casework.Abgeschlossen || c.Status == casework.Abgelehnt, Current: c.Status == casework.Abgeschlossen || c.Status == casework.Abgelehnt})
	if c.Status == casework.Eingegangen {
		steps[0].Current = true
	}
	return steps
}

// postfach lists the user's cases and those of their businesses.
func (s *Server) postfach(w http.ResponseWriter, r *http.Request) error {
	st := state(r)
	ctx := r.Context()
	cases, err := s.DB.CasesOfApplicant(ctx, st.user.ID, orgIDs(st.user))
	if err != nil {
		return err
	}
	now := s.Now()
	var d postfachData
	for _, c := range cases {
		ms, err := s.DB.CaseMessages(ctx, c.TenantAGS, c.ID)
		if err != nil {
			return err
		}
		row := postfachRow{caseRow: s.caseRow(st.lang, c, now)}
		asked := false
		for _, m := range ms {
			if m.Direction == casework.FromOffice && m.ReadAt.IsZero() {
				row.Unread++
			}
			asked = asked || m.Kind == casework.KindRueckfrage
			row.OpenAsk = row.OpenAsk || m.Open()
		}
		row.Timeline = timeline(st.lang, c, s.caseDelivery(ctx, c.SubmissionID), asked)
		d.Cases = append(d.Cases, row)
	}
	return s.render(w, r, http.StatusOK, "postfach", s.page(r, "postfach.title", d))
}

// applicantCase loads a case of the logged-in applicant (own or their business's); any other
// case is not found.
func (s *Server) applicantCase(r *http.Request) (*casework.Case, error) {
	st := state(r)
	c, err := s.DB.CaseByID(r.Context(), r.PathValue("cid"))
	if err != nil {
		return nil, err
	}
	if !casework.ApplicantOf(st.user, c) {
		return nil, errNotFound
	}
	return c, nil
}

type postfachCaseData struct {
	Case           *casework.Case
	LeistungName   string
	OfficeName     string
	Timeline       []timelineStep
	Events         []casework.Event
	Messages       []casework.Message
	OpenAsk        *casework.Message
	Decisions      []casework.Decision
	Permits        []casework.Permit
	Documents      []string
	Final          bool
	Delivery       *Delivery
	Participations []string // names of the offices taking part (visible to the citizen)
}

func (s *Server) postfachCase(w http.ResponseWriter, r *http.Request) error {
	c, err := s.applicantCase(r)
	if err != nil {
		return err
	}
	return s.renderPostfachCase(w, r, c, http.StatusOK, nil)
}

func (s *Server) renderPostfachCase(w http.ResponseWriter, r *http.Request, c *casework.Case, status int, errs []apperr.FieldError) error {
	st := state(r)
	ctx := r.Context()
	sub, err := s.DB.GetSubmission(ctx, c.SubmissionID)
	if err != nil {
		return err
	}
	d := postfachCaseData{Case: c, LeistungName: s.leistungName(st.lang, c.Leistung), OfficeName: sub.Office.Name, Documents: submission.Documents,
		Final: s.Casework.Machine(c).IsFinal(c.Status), Delivery: s.caseDelivery(ctx, c.SubmissionID)}
	if d.Events, err = s.DB.CaseEvents(ctx, c.TenantAGS, c.ID, true); err != nil {
		return err
	}
	if d.Messages, err = s.DB.CaseMessages(ctx, c.TenantAGS, c.ID); err != nil {
		return err
	}
	asked := false
	for i := range d.Messages {
		asked = asked || d.Messages[i].Kind == casework.KindRueckfrage
		if d.Messages[i].Open() {
			d.OpenAsk = &d.Messages[i]
		}
	}
	if d.Decisions, err = s.DB.CaseDecisions(ctx, c.TenantAGS, c.ID); err != nil {
		return err
	}
	if d.Permits, err = s.DB.CasePermits(ctx, c.TenantAGS, c.ID); err != nil {
		return err
	}
	for _, e := range d.Events {
		if e.Kind == casework.EventParticipation && !slices.Contains(d.Participations, e.Text) {
			d.Participations = append(d.Participations, e.Text)
		}
	}
	d.Timeline = timeline(st.lang, c, d.Delivery, asked)
	if status == http.StatusOK {
		if err := s.DB.MarkMessagesRead(ctx, c.TenantAGS, c.ID, casework.FromOffice, s.Now()); err != nil {
			return err
		}
	}
	p := s.page(r, "", d)
	p.TitleText = T(st.lang, "postfach.case_title", c.Reference)
	p.Errors = errs
	if status != http.StatusOK {
		p.Form = r.PostForm
	}
	if r.URL.Query().Get("ok") != "" {
		p.Flash = T(st.lang, "postfach.sent")
	}
	return s.render(w, r, status, "postfach_case", p)
}

// postfachReply is the applicant's message (answering a Rückfrage) with attachments.
func (s *Server) postfachReply(w http.ResponseWriter, r *http.Request) error {
	if err := parseCaseForm(r); err != nil {
		return err
	}
	c, err := s.applicantCase(r)
	if err != nil {
		return err
	}
	in, err := readFiles(r, "reply_files")
	if err != nil {
		return err
	}
	body, errs := casework.MessageInput{Field: "reply", Label: "Ihre Nachricht", Body: r.PostFormValue("reply")}.Check()
	if errs = append(errs, casework.CheckFiles("reply_files", in)...); len(errs) > 0 {
		return s.renderPostfachCase(w, r, c, http.StatusUnprocessableEntity, errs)
	}
	files, err := s.storeFiles(r.Context(), c.ID, in)
	if err != nil {
		return err
	}
	st := state(r)
	ch, err := s.Casework.Reply(c, caseActor(st), body, files, s.Now())
	if err == nil {
		err = s.applyCase(r.Context(), c, ch, actorOf(st))
	}
	var ae *apperr.Error
	if errors.As(err, &ae) && ae.Kind == apperr.KindConflict {
		fresh, lerr := s.DB.CaseByID(r.Context(), c.ID)
		if lerr != nil {
			return lerr
		}
		return s.renderPostfachCase(w, r, fresh, http.StatusConflict, []apperr.FieldError{{Pointer: "reply", Code: ae.Key, Message: ae.Msg}})
	}
	if err != nil {
		return err
	}
	return redirect(w, r, "/postfach/"+c.ID+"?ok=1")
}

// postfachDecision sends a Bescheid to the applicant and records the read receipt on the
// first download.
func (s *Server) postfachDecision(w http.ResponseWriter, r *http.Request) error {
	c, err := s.applicantCase(r)
	if err != nil {
		return err
	}
	d, err := s.caseDecision(r, c)
	if err != nil {
		return err
	}
	if _, err := s.DB.RecordDecisionRead(r.Context(), c, d.ID, state(r).user.ID, identity.NewID(), s.Now()); err != nil {
		return err
	}
	return s.sendBlob(w, r, d.BlobKey, "application/pdf", d.Filename)
}

// postfachFile sends an attachment of a message of the case (never a participating office's
// documents, which are internal).
func (s *Server) postfachFile(w http.ResponseWriter, r *http.Request) error {
	c, err := s.applicantCase(r)
	if err != nil {
		return err
	}
	f, err := s.DB.CaseFile(r.Context(), c.TenantAGS, c.ID, r.PathValue("fid"))
	if err != nil {
		return err
	}
	if f.OwnerKind != casework.OwnerMessage {
		return errNotFound
	}
	return s.sendBlob(w, r, f.BlobKey, f.ContentType, f.Filename)
}
