package web

import (
	"errors"
	"net/http"
	"slices"

	"github.com/rathaus-egov/rathaus/internal/apperr"
	"github.com/rathaus-egov/rathaus/internal/audit"
	"github.com/rathaus-egov/rathaus/internal/casework"
	"github.com/rathaus-egov/rathaus/internal/document"
	"github.com/rathaus-egov/rathaus/internal/identity"
	"github.com/rathaus-egov/rathaus/internal/submission"
)

type participationsData struct {
	Open, Done []participationView
}

// participations is the participating office's task list.
func (s *Server) participations(w http.ResponseWriter, r *http.Request) error {
	st := state(r)
	ps, err := s.DB.ParticipationsAt(r.Context(), casework.Desks(st.user))
	if err != nil {
		return err
	}
	now := s.Now()
	var d participationsData
	for _, p := range ps {
		v := participationView{p, p.IsOverdue(now)}
		if p.Status == casework.PartOpen {
			d.Open = append(d.Open, v)
		} else {
			d.Done = append(d.Done, v)
		}
	}
	return s.render(w, r, http.StatusOK, "case_participations", s.page(r, "case.participations_title", d))
}

// participationFor loads a participation for staff of the participating office; everybody
// else (the lead office included, which sees it in its case) gets 404. Reads are audited.
func (s *Server) participationFor(r *http.Request) (*casework.Participation, *casework.Case, error) {
	st := state(r)
	p, err := s.DB.ParticipationByID(r.Context(), r.PathValue("pid"))
	if err != nil {
		return nil, nil, err
	}
	if st.user == nil || (st.user.Kind != identity.KindAdmin && !casework.CanWork(st.user, p.AGS, p.OfficeID)) {
		return nil, nil, errNotFound
	}
	c, err := s.DB.CaseByID(r.Context(), p.CaseID)
	if err != nil {
		return nil, nil, err
	}
	if r.Method == http.MethodGet {
		if err := s.DB.Audit(r.Context(), s.Now(), audit.Record{Actor: actorOf(st), TenantAGS: p.AGS, Action: "participation.read", Object: "participation:" + p.ID, Detail: `{"case":"` + c.ID + `"}`}); err != nil {
			return nil, nil, err
		}
	}
	return p, c, nil
}

type participationData struct {
	P            participationView
	Reference    string
	LeistungName string
	Sections     []casework.Section
	Documents    []string
	PartNames    []string
}

func (s *Server) participation(w http.ResponseWriter, r *http.Request) error {
	p, c, err := s.participationFor(r)
	if err != nil {
		return err
	}
	return s.renderParticipation(w, r, p, c, http.StatusOK, nil)
}

func (s *Server) renderParticipation(w http.ResponseWriter, r *http.Request, p *casework.Participation, c *casework.Case, status int, errs []apperr.FieldError) error {
	st := state(r)
	sub, err := s.DB.GetSubmission(r.Context(), c.SubmissionID)
	if err != nil {
		return err
	}
	d := participationData{P: participationView{*p, p.IsOverdue(s.Now())}, Reference: c.Reference, LeistungName: s.leistungName(st.lang, c.Leistung)}
	// Only the shared parts: the data sections of Betriebsdaten and Personen as shared, the
	// filed documents only when Dokumente is shared.
	d.Sections = casework.SectionsLabelled(sub.Data, p.Parts, document.GewerbeValue)
	if p.Shares(casework.PartDokumente) {
		d.Documents = submission.Documents
	}
	for _, part := range p.Parts {
		d.PartNames = append(d.PartNames, T(st.lang, "case.part."+string(part)))
	}
	pg := s.page(r, "", d)
	pg.TitleText = T(st.lang, "case.participation_title", c.Reference)
	pg.Errors = errs
	if status != http.StatusOK {
		pg.Form = r.PostForm
	}
	if r.URL.Query().Get("ok") != "" {
		pg.Flash = T(st.lang, "case.done.stellungnahme")
	}
	return s.render(w, r, status, "case_participation", pg)
}

// participationAnswer records the participating office's answer with documents.
func (s *Server) participationAnswer(w http.ResponseWriter, r *http.Request) error {
	if err := parseCaseForm(r); err != nil {
		return err
	}
	p, c, err := s.participationFor(r)
	if err != nil {
		return err
	}
	in, err := readFiles(r, "answer_files")
	if err != nil {
		return err
	}
	body, errs := casework.MessageInput{Field: "answer", Label: "Stellungnahme", Body: r.PostFormValue("answer")}.Check()
	errs = append(errs, casework.CheckFiles("answer_files", in)...)
	if len(errs) > 0 {
		return s.renderParticipation(w, r, p, c, http.StatusUnprocessableEntity, errs)
	}
	files, err := s.storeFiles(r.Context(), c.ID, in)
	if err != nil {
		return err
	}
	others, err := s.DB.CaseParticipations(r.Context(), c.TenantAGS, c.ID)
	if err != nil {
		return err
	}
	ch, err := s.Casework.AnswerParticipation(c, p, others, caseActor(state(r)), body, files, s.Now())
	if err == nil {
		err = s.applyCase(r.Context(), c, ch, actorOf(state(r)))
	}
	var ae *apperr.Error
	if errors.As(err, &ae) && ae.Kind == apperr.KindConflict {
		return s.renderParticipation(w, r, p, c, http.StatusConflict, []apperr.FieldError{{Pointer: "answer", Code: ae.Key, Message: ae.Msg}})
	}
	if err != nil {
		return err
	}
	return redirect(w, r, "/amt/beteiligungen/"+p.ID+"?ok=1")
}

// participationDocument sends a filed document to the participating office, only when the
// lead office shared the documents.
func (s *Server) participationDocument(w http.ResponseWriter, r *http.Request) error {
	p, c, err := s.participationFor(r)
	if err != nil {
		return err
	}
	if !p.Shares(casework.PartDokumente) {
		return errNotFound
	}
	sub, err := s.DB.GetSubmission(r.Context(), c.SubmissionID)
	if err != nil {
		return err
	}
	return s.serveDocument(w, r, sub, r.PathValue("name"))
}

// participationFile sends one of the participation's own answer documents.
func (s *Server) participationFile(w http.ResponseWriter, r *http.Request) error {
	p, _, err := s.participationFor(r)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(p.Files, func(f casework.File) bool { return f.ID == r.PathValue("fid") })
	if i < 0 {
		return errNotFound
	}
	return s.sendBlob(w, r, p.Files[i].BlobKey, p.Files[i].ContentType, p.Files[i].Filename)
}
