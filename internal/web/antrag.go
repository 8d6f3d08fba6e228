package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rathaus-egov/rathaus/internal/apperr"
	"github.com/rathaus-egov/rathaus/internal/audit"
	"github.com/rathaus-egov/rathaus/internal/catalog"
	"github.com/rathaus-egov/rathaus/internal/delivery"
	"github.com/rathaus-egov/rathaus/internal/form"
	"github.com/rathaus-egov/rathaus/internal/identity"
	"github.com/rathaus-egov/rathaus/internal/mail"
	"github.com/rathaus-egov/rathaus/internal/sqlstore"
	"github.com/rathaus-egov/rathaus/internal/submission"
	"github.com/rathaus-egov/rathaus/internal/tenant"
	"github.com/rathaus-egov/rathaus/internal/web/formui"
)

// The portal dialog of the online procedures ("Antrag"): a draft per started application,
// bound to the account or, for visitors without one, to a random resume secret kept in a
// cookie (and mailed as a link on request); every step post is saved; the review page runs
// the same validation as the submission; submit is idempotent per draft.

const (
	draftCookiePrefix = "rathaus_antrag_"    // + draft id; value: the resume secret
	anonDraftTTL      = 30 * 24 * time.Hour  // anonymous drafts: kept 30 days after the last save
	userDraftTTL      = 180 * 24 * time.Hour // drafts of an account
	reviewSlug        = "pruefen"            // URL segment of the review page
	maxDraftsListed   = 50
)

// MaxUploadBody limits a step post with files: five files of the definitions' 10 MB maximum
// plus the form fields.
const MaxUploadBody = 51 << 20

var draftIDRe = regexp.MustCompile(`^[0-9a-f]{32}$`)

// antrag is a loaded draft with its pinned form definition.
type antrag struct {
	// linkEmail is the address a refused "Später weitermachen" post gave, shown again.
	linkEmail string
	rec       *sqlstore.Draft
	def       *form.Definition
	data      form.Draft
	owner     sqlstore.DraftOwner
	l         *catalog.Leistung
}

func stepURL(id, step string) string {
	if step == form.ReviewStep || step == "" {
		step = reviewSlug
	}
	return "/antrag/" + id + "/" + step
}

func receiptURL(subID string) string { return "/antrag/eingang/" + subID }

// draftOwner is who the request is for draft id: the account and the resume secret the
// browser holds for it.
func draftOwner(r *http.Request, id string) (sqlstore.DraftOwner, string) {
	var o sqlstore.DraftOwner
	if u := state(r).user; u != nil {
		o.UserID = u.ID
	}
	secret := ""
	if c, err := r.Cookie(draftCookiePrefix + id); err == nil && len(c.Value) >= 20 && len(c.Value) < 100 {
		secret = c.Value
		o.ResumeHash = identity.HashSecret(secret)
	}
	return o, secret
}

func (s *Server) setDraftCookie(w http.ResponseWriter, id, secret string) {
	http.SetCookie(w, &http.Cookie{Name: draftCookiePrefix + id, Value: secret, Path: "/antrag", MaxAge: int(anonDraftTTL / time.Second),
		HttpOnly: true, Secure: s.Secure, SameSite: http.SameSiteLaxMode})
}

// loadAntrag loads the draft of the path for its owner; everyone else gets 404.
func (s *Server) loadAntrag(r *http.Request) (*antrag, error) {
	id := r.PathValue("id")
	if !draftIDRe.MatchString(id) {
		return nil, errNotFound
	}
	owner, _ := draftOwner(r, id)
	rec, err := s.DB.GetDraft(r.Context(), id, owner, s.Now())
	if apperr.KindOf(err) == apperr.KindNotFound {
		return nil, errNotFound
	}
	if err != nil {
		return nil, err
	}
	def, ok := s.Forms.GetVersion(rec.FormID, rec.FormVersion)
	if !ok {
		return nil, apperr.New(apperr.KindNotFound, "error.not_found", "form version no longer loaded")
	}
	data, err := form.DecodeDraft(rec.Data)
	if err != nil {
		return nil, err
	}
	l, _ := s.Catalog.Get(rec.Leistung)
	return &antrag{rec: rec, def: def, data: data, owner: owner, l: l}, nil
}

func (s *Server) draftTTL(a *antrag) time.Duration {
	if a.rec.UserID != "" {
		return userDraftTTL
	}
	return anonDraftTTL
}

// antragNew starts an application: GET /antrag/neu?leistung=KEY&ags=AGS.
func (s *Server) antragNew(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if q.Get("leistung") == "" {
		return redirect(w, r, "/leistungen")
	}
	l, ok := s.Catalog.Get(q.Get("leistung"))
	if !ok || l.Form == "" || l.Kind != catalog.KindOnline {
		return errNotFound
	}
	ags := q.Get("ags")
	if !s.Directory.Served(ags) {
		// Without a municipality the Zuständigkeitsfinder asks for it.
		http.Redirect(w, r, "/leistungen/"+l.Key+"#finder-title", http.StatusSeeOther)
		return nil
	}
	if k, err := s.availability(r, ags, l); err != nil {
		return err
	} else if k != catalog.KindOnline {
		return errNotFound
	}
	def, ok := s.Forms.Get(l.Form)
	if !ok {
		return errNotFound
	}
	data := def.NewDraft(s.formEnv(r))
	raw, err := jsonDraft(data)
	if err != nil {
		return err
	}
	now := s.Now()
	rec := &sqlstore.Draft{ID: identity.NewID(), TenantAGS: ags, Leistung: l.Key, FormID: def.ID, FormVersion: def.Version,
		Data: raw, Step: def.FirstStep(data), CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(anonDraftTTL)}
	if u := state(r).user; u != nil {
		rec.UserID, rec.ExpiresAt = u.ID, now.Add(userDraftTTL)
	} else {
		secret, hash := identity.NewSecret("")
		rec.ResumeHash = hash
		s.setDraftCookie(w, rec.ID, secret)
	}
	if err := s.DB.CreateDraft(r.Context(), rec); err != nil {
		return err
	}
	return redirect(w, r, stepURL(rec.ID, rec.Step))
}

func jsonDraft(d form.Draft) ([]byte, error) { return json.Marshal(map[string]any(d)) }

// antrag (GET /antrag/{id}/{step}) shows a step or, for "pruefen", the review page.
func (s *Server) antragStep(w http.ResponseWriter, r *http.Request) error {
	a, err := s.loadAntrag(r)
	if err != nil {
		return err
	}
	if a.rec.SubmissionID != "" {
		return redirect(w, r, receiptURL(a.rec.SubmissionID))
	}
	step := r.PathValue("step")
	flash := s.antragFlash(r, a)
	if step == reviewSlug {
		return s.antragReview(w, r, a, http.StatusOK, flash, "")
	}
	if _, ok := a.def.Step(step); !ok {
		return errNotFound
	}
	lang := state(r).lang
	v, _ := a.def.View(step, a.data, nil, lang)
	return s.renderStep(w, r, a, v, http.StatusOK, flash, "", nil)
}

func (s *Server) antragFlash(r *http.Request, a *antrag) string {
	lang := state(r).lang
	q := r.URL.Query()
	switch {
	case q.Get("link") != "":
		return T(lang, "antrag.link_sent")
	case q.Get("neu") != "":
		return T(lang, "antrag.revealed")
	case q.Get("zugross") != "":
		return T(lang, "antrag.too_large", MaxUploadBody>>20)
	case q.Get("uebergeben") != "":
		if t, ok := s.Directory.Get(a.rec.TenantAGS); ok {
			return T(lang, "antrag.moved", t.Name)
		}
	case q.Get("gespeichert") != "" && a.rec.UserID != "":
		return T(lang, "antrag.saved") + " " + T(lang, "antrag.saved_user")
	case q.Get("gespeichert") != "":
		return T(lang, "antrag.saved") + " " + T(lang, "antrag.saved_anon")
	}
	return ""
}

// stepPage is the data of page_antrag_step and page_antrag_review.
type stepPage struct {
	ID        string
	Step      string
	Form      template.HTML
	Flash     string
	Move      *moveHint
	Anonymous bool
	LinkError string
	LinkEmail string
	CSRF      template.HTML // the hidden CSRF input, for the notes' own forms
}

// moveHint explains that the business lies in another municipality, which is responsible.
// For a notice filed with the wrong municipality (ags_mismatch) the draft itself can be handed
// over with everything entered (Move: POST to Action); a business moving to another
// municipality (x-rule R9) is registered there with an Anmeldung (Href).
type moveHint struct {
	Gemeinde string
	Href     string
	Action   string // POST here hands the draft over; "" when it cannot be
	Moving   bool   // the business moves (R9), rather than the notice going to the wrong place
}

func (s *Server) antragPage(r *http.Request, a *antrag, title string, d *stepPage) *Page {
	p := s.page(r, "", d)
	p.TitleText = title
	p.NoHeading = true
	p.Script = s.staticURL("form.js")
	d.ID = a.rec.ID
	d.LinkEmail = a.linkEmail
	d.Anonymous = a.rec.UserID == ""
	d.CSRF = p.CSRFField()
	return p
}

func (s *Server) renderStep(w http.ResponseWriter, r *http.Request, a *antrag, v form.StepView, status int, flash, linkErr string, errs []form.FieldError) error {
	d := &stepPage{Step: v.StepID, Flash: flash, LinkError: linkErr, Move: s.moveHint(r.Context(), a, errs)}
	p := s.antragPage(r, a, v.Title+" – "+v.FormTitle, d)
	p.MoreErrors = blockingCount(errs)
	p.StepForm = true
	if linkErr != "" {
		p.MoreErrors++
	}
	// The step posts to its own address, not to the page's: a page rendered by another
	// action (a refused "Später weitermachen" at /link) would otherwise send the step there,
	// and a fragment left on the address (#field) would keep the error summary from the focus.
	v.Action = stepURL(a.rec.ID, v.StepID)
	d.Form = s.formUI.StepHTML(v, p.CSRFField(), p.Lang)
	return s.render(w, r, status, "antrag_step", p)
}

// antragPost (POST /antrag/{id}/{step}) applies a step post and saves the draft, valid or not.
func (s *Server) antragPost(w http.ResponseWriter, r *http.Request) error {
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	a, err := s.loadAntrag(r)
	if err != nil {
		return err
	}
	if a.rec.SubmissionID != "" {
		return redirect(w, r, receiptURL(a.rec.SubmissionID))
	}
	step := r.PathValue("step")
	if step == reviewSlug {
		switch r.PostFormValue(form.ActionField) {
		case "back":
			return redirect(w, r, stepURL(a.rec.ID, a.def.PrevStep(form.ReviewStep, a.data)))
		case "save":
			return redirect(w, r, stepURL(a.rec.ID, reviewSlug)+"?gespeichert=1")
		}
		return s.submitAntrag(w, r, a)
	}
	if _, ok := a.def.Step(step); !ok {
		return errNotFound
	}
	out, res, err := s.applyStep(r, a, step)
	if err != nil {
		return err
	}
	if err := s.saveDraft(r.Context(), a, out, res.Goto); err != nil {
		return err
	}
	a.data = out
	switch res.Action {
	case form.ActionStay:
		v, _ := a.def.View(step, out, res.Errors, state(r).lang)
		return s.renderStep(w, r, a, v, http.StatusUnprocessableEntity, "", "", res.Errors)
	case form.ActionReveal:
		// New questions are shown first, unmarked; errors only for what the page showed.
		if form.Blocking(res.Errors) {
			lang := state(r).lang
			v, _ := a.def.View(step, out, res.Errors, lang)
			return s.renderStep(w, r, a, v, http.StatusUnprocessableEntity, T(lang, "antrag.revealed"), "", res.Errors)
		}
		// The first new question is named in the query, not a fragment: a fragment would
		// stay on the URL the step posts to and keep the error summary from taking the
		// focus (autofocus is skipped when the URL names a target). form.js focuses it.
		return redirect(w, r, stepURL(a.rec.ID, step)+"?neu="+form.ControlID(res.Focus))
	case form.ActionNext, form.ActionBack:
		return redirect(w, r, stepURL(a.rec.ID, res.Goto))
	case form.ActionSave:
		return redirect(w, r, stepURL(a.rec.ID, step)+"?gespeichert=1")
	case form.ActionLookupPLZ:
		if len(res.Errors) > 0 {
			v, _ := a.def.View(step, out, res.Errors, state(r).lang)
			return s.renderStep(w, r, a, v, http.StatusUnprocessableEntity, "", "", res.Errors)
		}
	}
	to := stepURL(a.rec.ID, step)
	if res.Focus != "" {
		to += "#" + form.ControlID(res.Focus)
	}
	return redirect(w, r, to)
}

// saveStepWith saves what was typed on step when the request was sent with the step's form
// ("save": "Später weitermachen", "Entwurf löschen"); on the review page, or without it,
// nothing.
func (s *Server) saveStepWith(r *http.Request, a *antrag, step string) error {
	if step == reviewSlug || r.PostFormValue(form.ActionField) != "save" {
		return nil
	}
	if _, ok := a.def.Step(step); !ok {
		return nil
	}
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	out, _, err := s.applyStep(r, a, step)
	if err != nil {
		return err
	}
	if err := s.saveDraft(r.Context(), a, out, step); err != nil {
		return err
	}
	a.data = out
	return nil
}

// applyStep stores the uploads of a post of step and applies it to the draft's data (not
// saved yet).
func (s *Server) applyStep(r *http.Request, a *antrag, step string) (form.Draft, form.StepResult, error) {
	files, err := s.storeUploads(r, a, step)
	if err != nil {
		return nil, form.StepResult{}, err
	}
	return a.def.ApplyPost(step, form.Post{Values: r.PostForm, Files: files}, a.data, s.formEnv(r))
}

func (s *Server) saveDraft(ctx context.Context, a *antrag, d form.Draft, step string) error {
	raw, err := jsonDraft(d)
	if err != nil {
		return err
	}
	now := s.Now()
	return s.DB.SaveDraft(ctx, a.rec.TenantAGS, a.rec.ID, a.owner, raw, step, now, now.Add(s.draftTTL(a)))
}

// storeUploads stores the files of a multipart step post whose type (sniffed from the
// content, not taken from the browser) and size the definition allows, and returns the
// metadata of every file for the engine; rejected files carry no reference, and the engine
// reports why.
func (s *Server) storeUploads(r *http.Request, a *antrag, stepID string) (map[string]form.FileMeta, error) {
	if r.MultipartForm == nil || len(r.MultipartForm.File) == 0 {
		return nil, nil
	}
	fields := map[string]*form.Field{}
	st, _ := a.def.Step(stepID)
	for _, f := range st.Fields {
		for _, c := range append([]*form.Field{f}, f.Fields...) {
			if c.Type == form.TypeFile {
				fields[c.FullPath()] = c
			}
		}
	}
	out := map[string]form.FileMeta{}
	for name, fhs := range r.MultipartForm.File {
		f := fields[indexRe.ReplaceAllString(name, "[]")]
		if f == nil || len(fhs) == 0 || fhs[0].Filename == "" {
			continue
		}
		fh := fhs[0]
		meta := form.FileMeta{Name: cleanFilename(fh.Filename), Size: fh.Size}
		file, err := fh.Open()
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(io.LimitReader(file, f.MaxBytes+1))
		file.Close()
		if err != nil {
			return nil, err
		}
		meta.ContentType, _, _ = strings.Cut(http.DetectContentType(b), ";")
		if int64(len(b)) > f.MaxBytes || len(b) == 0 || !accepts(f.Accept, meta.ContentType) {
			out[name] = meta
			continue
		}
		key, err := s.Blobs.Put(r.Context(), b)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(b)
		att := &sqlstore.Attachment{ID: identity.NewID(), DraftID: a.rec.ID, Field: name, Filename: meta.Name, ContentType: meta.ContentType,
			BlobKey: key, SHA256: hex.EncodeToString(sum[:]), Size: int64(len(b)), CreatedAt: s.Now()}
		if err := s.DB.CreateAttachment(r.Context(), att); err != nil {
			return nil, err
		}
		meta.Ref, meta.Size = att.ID, att.Size
		out[name] = meta
	}
	return out, nil
}

var indexRe = regexp.MustCompile(`\[[0-9]+\]`)

func accepts(accept []string, ct string) bool {
	for _, a := range accept {
		if a == ct || (strings.HasSuffix(a, "/*") && strings.HasPrefix(ct, strings.TrimSuffix(a, "*"))) {
			return true
		}
	}
	return false
}

// cleanFilename keeps the base name of an uploaded file, printable and at most 120 bytes.
func cleanFilename(n string) string {
	n = path.Base(strings.ReplaceAll(n, "\\", "/"))
	n = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' {
			return -1
		}
		return r
	}, strings.ToValidUTF8(n, ""))
	for len(n) > 120 {
		_, size := utf8.DecodeLastRuneInString(n)
		n = n[:len(n)-size]
	}
	if n == "" || n == "." || n == "/" {
		n = "datei"
	}
	return n
}

// checkAntrag runs what submitting runs, without storing: the form's own validation and then
// the procedure's (for Gewerbe the schema and x-rules) on the payload. Errors of the latter
// are mapped from their JSON pointers back to form fields and steps.
func (s *Server) checkAntrag(r *http.Request, a *antrag) []form.FieldError {
	env := s.formEnv(r)
	problems := a.def.Validate(a.data, env)
	if form.Blocking(problems) {
		return problems
	}
	payload, err := a.def.Payload(a.data)
	if err != nil {
		return problems
	}
	p, err := s.Submissions.Prepare(r.Context(), s.submissionInput(r, a, payload), submission.Office{})
	if err != nil {
		return append(problems, s.mapErrors(a, apperr.FieldsOf(err), false)...)
	}
	// The form and the procedure may warn about the same field in their own words (a start
	// date in the past, a minor); it is said once, in the form's words.
	for _, w := range s.mapErrors(a, p.Submission.Warnings, true) {
		if !slices.ContainsFunc(problems, func(e form.FieldError) bool { return e.Warning && e.Path == w.Path }) {
			problems = append(problems, w)
		}
	}
	return problems
}

func (s *Server) submissionInput(r *http.Request, a *antrag, payload []byte) submission.Input {
	in := submission.Input{Leistung: a.rec.Leistung, AGS: a.rec.TenantAGS, Data: payload, IdempotencyKey: "antrag:" + a.rec.ID,
		FormVersion: a.rec.FormVersion, DataPointer: ""}
	if u := state(r).user; u != nil {
		in.UserID = u.ID
	} else {
		in.UserID = a.rec.UserID
	}
	return in
}

// mapErrors turns submission field errors (JSON pointers into the payload) into form errors
// on the step and control the user can fix them at.
func (s *Server) mapErrors(a *antrag, fes []apperr.FieldError, warning bool) []form.FieldError {
	steps := map[string]string{} // field pattern → step id
	var order []string           // the patterns in form order
	for _, st := range a.def.Steps {
		for _, f := range st.Fields {
			steps[f.FullPath()] = st.ID
			order = append(order, f.FullPath())
			for _, c := range f.Fields {
				steps[c.FullPath()] = st.ID
				order = append(order, c.FullPath())
			}
		}
	}
	visible := a.def.VisibleSteps(a.data)
	var out []form.FieldError
	for _, fe := range fes {
		p := pointerToPath(fe.Pointer)
		e := form.FieldError{Path: p, Code: fe.Code, Message: form.Text{De: fe.Message, En: fe.Message}, Warning: warning}
		for cand := p; cand != ""; {
			if st, ok := steps[indexRe.ReplaceAllString(cand, "[]")]; ok {
				e.Step = st
				if cand != p && !strings.HasSuffix(p, ".plz") && !strings.HasSuffix(p, ".ort") && !strings.HasSuffix(p, ".strasse") {
					e.Path = cand
				}
				break
			}
			i := strings.LastIndexAny(cand, ".[")
			if i < 0 {
				break
			}
			cand = cand[:i]
		}
		if e.Step == "" {
			// A pointer to an object the form asks for in parts or by a question of its own
			// ("/handwerkskarte": the question dialog.handwerkskarte, or handwerkskarte.datum):
			// the question, else the first part.
			pat := indexRe.ReplaceAllString(p, "[]")
			if st, ok := steps["dialog."+pat]; ok {
				e.Step, e.Path = st, "dialog."+pat
			} else if i := slices.IndexFunc(order, func(k string) bool { return strings.HasPrefix(k, pat+".") }); i >= 0 {
				e.Step, e.Path = steps[order[i]], order[i]
			}
		}
		if e.Step == "" && len(visible) > 0 {
			e.Step = visible[0]
		}
		out = append(out, e)
	}
	return out
}

// pointerToPath turns "/personen/0/geburtsdatum" into "personen[0].geburtsdatum".
func pointerToPath(ptr string) string {
	var b strings.Builder
	for _, seg := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		seg = strings.ReplaceAll(strings.ReplaceAll(seg, "~1", "/"), "~0", "~")
		if seg == "" {
			continue
		}
		if strings.Trim(seg, "0123456789") == "" {
			b.WriteString("[" + seg + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(seg)
	}
	return b.String()
}

// moveHint returns the explanation for a business that moves to another municipality: an
// Ummeldung cannot do that (R9), and an Anmeldung belongs to the municipality of the site.
func (s *Server) moveHint(ctx context.Context, a *antrag, errs []form.FieldError) *moveHint {
	move, mismatch := false, false
	for _, e := range errs {
		switch e.Code {
		case "R9", "ummeldung_other_municipality", "ags_mismatch":
			move = move || !e.Warning
			mismatch = mismatch || (e.Code == "ags_mismatch" && !e.Warning)
		}
	}
	if !move {
		return nil
	}
	t, ok := s.Directory.Get(betriebsstaetteAGS(a.data))
	if !ok {
		return nil
	}
	if mismatch {
		if to, err := s.handOverTarget(ctx, a); err == nil && to != nil {
			return &moveHint{Gemeinde: to.Name, Action: "/antrag/" + a.rec.ID + "/gemeinde"}
		}
	}
	key := ""
	for _, l := range s.Catalog.Leistungen {
		if l.Procedure == "gewerbe" && l.Art == "anmeldung" {
			key = l.Key
		}
	}
	if key == "" {
		return nil
	}
	return &moveHint{Gemeinde: t.Name, Href: "/antrag/neu?leistung=" + key + "&ags=" + t.AGS, Moving: !mismatch}
}

// betriebsstaetteAGS is the municipality of the business premises in a Gewerbe draft.
func betriebsstaetteAGS(d form.Draft) string {
	if b, ok := d["betrieb"].(map[string]any); ok {
		if st, ok := b["betriebsstaette"].(map[string]any); ok {
			ags, _ := st["ags"].(string)
			return ags
		}
	}
	return ""
}

// handOverTarget is the municipality a draft can be handed over to (antragMove, offered by
// moveHint): that of the business premises, when it is another one the platform serves and it
// offers the service online; nil when there is none.
func (s *Server) handOverTarget(ctx context.Context, a *antrag) (*tenant.Tenant, error) {
	to := betriebsstaetteAGS(a.data)
	if a.l == nil || to == "" || to == a.rec.TenantAGS || !s.Directory.Served(to) {
		return nil, nil
	}
	t, ok := s.Directory.Get(to)
	if !ok {
		return nil, nil
	}
	if k, err := s.availabilityIn(ctx, to, a.l); err != nil || k != catalog.KindOnline {
		return nil, err
	}
	return t, nil
}

// antragMove (POST /antrag/{id}/gemeinde) hands a draft filed with the wrong municipality
// over to the municipality of the business premises, with everything entered and uploaded,
// when that municipality offers the service online; then the review page follows.
func (s *Server) antragMove(w http.ResponseWriter, r *http.Request) error {
	a, err := s.loadAntrag(r)
	if err != nil {
		return err
	}
	if a.rec.SubmissionID != "" {
		return redirect(w, r, receiptURL(a.rec.SubmissionID))
	}
	to, err := s.handOverTarget(r.Context(), a)
	if err != nil {
		return err
	}
	if to == nil {
		return redirect(w, r, stepURL(a.rec.ID, reviewSlug))
	}
	if err := s.DB.MoveDraft(r.Context(), a.rec.TenantAGS, a.rec.ID, a.owner, to.AGS, s.Now()); err != nil {
		return err
	}
	return redirect(w, r, stepURL(a.rec.ID, reviewSlug)+"?uebergeben=1")
}

// blockingCount counts the errors among errs (warnings do not stop the user).
func blockingCount(errs []form.FieldError) int {
	n := 0
	for _, e := range errs {
		if !e.Warning {
			n++
		}
	}
	return n
}

// antragReview renders the review page with every open problem linked to its step.
func (s *Server) antragReview(w http.ResponseWriter, r *http.Request, a *antrag, status int, flash, linkErr string) error {
	lang := state(r).lang
	problems := s.checkAntrag(r, a)
	d := &stepPage{Step: reviewSlug, Flash: flash, LinkError: linkErr, Move: s.moveHint(r.Context(), a, problems)}
	p := s.antragPage(r, a, T(lang, "antrag.review_title")+" – "+a.def.Title.In(lang), d)
	p.MoreErrors = blockingCount(problems) // the review lists open problems whenever there are
	if linkErr != "" {
		p.MoreErrors++
	}
	rp := formui.ReviewPage{Title: a.def.Title.In(lang), Sections: a.def.Review(a.data, lang), Problems: problems,
		StepHref: func(id string) string { return stepURL(a.rec.ID, id) }, CSRF: p.CSRFField(), Lang: lang, Action: stepURL(a.rec.ID, reviewSlug)}
	if cents, label, ok := a.def.Fee(a.data, lang); ok {
		rp.Fee = &formui.FeeView{Label: label, Amount: formui.FormatMoney(cents, a.def.FeeCurrency(), lang)}
	}
	var buf bytes.Buffer
	if err := s.formUI.Review(&buf, rp); err != nil {
		return err
	}
	d.Form = template.HTML(buf.String())
	return s.render(w, r, status, "antrag_step", p)
}

// antragSubmit (POST /antrag/{id}/absenden) files the application.
func (s *Server) antragSubmit(w http.ResponseWriter, r *http.Request) error {
	a, err := s.loadAntrag(r)
	if err != nil {
		return err
	}
	if a.rec.SubmissionID != "" {
		return redirect(w, r, receiptURL(a.rec.SubmissionID))
	}
	return s.submitAntrag(w, r, a)
}

// submitAntrag validates and stores the submission. The idempotency key is derived from the
// draft, so a double click or a retried post returns the first submission.
func (s *Server) submitAntrag(w http.ResponseWriter, r *http.Request, a *antrag) error {
	if form.Blocking(a.def.Validate(a.data, s.formEnv(r))) {
		return s.antragReview(w, r, a, http.StatusUnprocessableEntity, "", "")
	}
	payload, err := a.def.Payload(a.data)
	if err != nil {
		return err
	}
	sub, _, err := s.submit(r.Context(), s.submissionInput(r, a, payload))
	if apperr.KindOf(err) == apperr.KindInvalid {
		return s.antragReview(w, r, a, http.StatusUnprocessableEntity, "", "")
	}
	if err != nil {
		return err
	}
	var ids []string
	for _, att := range a.def.Attachments(a.data) {
		if att.File.Ref != "" {
			ids = append(ids, att.File.Ref)
		}
	}
	if err := s.DB.MarkDraftSubmitted(r.Context(), a.rec.TenantAGS, a.rec.ID, a.owner, sub.ID, ids, s.Now()); err != nil {
		return err
	}
	return redirect(w, r, receiptURL(sub.ID))
}

// ownSubmission loads the submission of the path for its submitter: the account or token
// that may read it (canRead; staff reads are audited), or the anonymous browser that still
// holds the resume secret of the draft it came from.
func (s *Server) ownSubmission(r *http.Request) (*submission.Submission, error) {
	id := r.PathValue("sid")
	if !draftIDRe.MatchString(id) {
		return nil, errNotFound
	}
	ctx := r.Context()
	sub, err := s.DB.GetSubmission(ctx, id)
	if apperr.KindOf(err) == apperr.KindNotFound {
		return nil, errNotFound
	}
	if err != nil {
		return nil, err
	}
	st := state(r)
	if ok, staff := canRead(st, sub); ok {
		if staff {
			if err := s.DB.Audit(ctx, s.Now(), audit.Record{Actor: actorOf(st), TenantAGS: sub.OfficeAGS, Action: "submission.read", Object: "submission:" + sub.ID, Detail: `{"path":"` + r.URL.Path + `"}`}); err != nil {
				return nil, err
			}
		}
		return sub, nil
	}
	n := 0
	for _, c := range r.Cookies() {
		if !strings.HasPrefix(c.Name, draftCookiePrefix) || len(c.Value) < 20 || len(c.Value) > 100 {
			continue
		}
		if n++; n > 20 {
			break
		}
		_, err := s.DB.DraftBySubmission(ctx, sub.ID, sqlstore.DraftOwner{ResumeHash: identity.HashSecret(c.Value)})
		if err == nil {
			return sub, nil
		}
		if apperr.KindOf(err) != apperr.KindNotFound {
			return nil, err
		}
	}
	return nil, errNotFound
}

type receiptPage struct {
	Sub       *submission.Submission
	Leistung  string
	Gewerbe   bool
	Documents []receiptDoc
	Progress  string // the integration hub's "an N von M Stellen übermittelt"
}

type receiptDoc struct{ Name, URL, LabelKey string }

// antragReceipt (GET /antrag/eingang/{sid}) is shown only for a committed submission.
func (s *Server) antragReceipt(w http.ResponseWriter, r *http.Request) error {
	sub, err := s.ownSubmission(r)
	if err != nil {
		return err
	}
	lang := state(r).lang
	d := receiptPage{Sub: sub, Leistung: sub.DisplayName, Gewerbe: sub.Art != ""}
	if ds, err := s.DB.DeliveriesOf(r.Context(), sub.ID); err == nil && d.Gewerbe {
		delivered, total := delivery.Progress(ds)
		d.Progress = ProgressText(lang, delivered, total)
	}
	if l, ok := s.Catalog.Get(sub.Leistung); ok {
		d.Leistung = l.Name.In(lang)
	}
	for _, n := range submission.Documents {
		d.Documents = append(d.Documents, receiptDoc{Name: n, URL: receiptURL(sub.ID) + "/" + n, LabelKey: "antrag.doc." + strings.TrimSuffix(n, ".pdf")})
	}
	return s.render(w, r, http.StatusOK, "antrag_receipt", s.page(r, "antrag.receipt_title", d))
}

// antragDocument (GET /antrag/eingang/{sid}/{name}) downloads a document of the submission.
func (s *Server) antragDocument(w http.ResponseWriter, r *http.Request) error {
	sub, err := s.ownSubmission(r)
	if err != nil {
		return err
	}
	return s.serveDocument(w, r, sub, r.PathValue("name"))
}

// antragLink (POST /antrag/{id}/link) mails the resume link of an anonymous draft.
func (s *Server) antragLink(w http.ResponseWriter, r *http.Request) error {
	a, err := s.loadAntrag(r)
	if err != nil {
		return err
	}
	if a.rec.SubmissionID != "" {
		return redirect(w, r, receiptURL(a.rec.SubmissionID))
	}
	back := r.PostFormValue("step")
	if _, ok := a.def.Step(back); !ok {
		back = reviewSlug
	}
	_, secret := draftOwner(r, a.rec.ID)
	if a.rec.UserID != "" || secret == "" {
		// Drafts of an account are resumed from the account, not by link.
		return redirect(w, r, stepURL(a.rec.ID, back))
	}
	if err := s.saveStepWith(r, a, back); err != nil {
		return err
	}
	lang := state(r).lang
	email := identity.NormalizeEmail(r.PostFormValue("email"))
	if msg := inLang(lang, identity.ValidateEmail(email)); msg != "" {
		a.linkEmail = strings.TrimSpace(r.PostFormValue("email"))
		if back == reviewSlug {
			return s.antragReview(w, r, a, http.StatusUnprocessableEntity, "", msg)
		}
		v, _ := a.def.View(back, a.data, nil, lang)
		return s.renderStep(w, r, a, v, http.StatusUnprocessableEntity, "", msg, nil)
	}
	ctx := r.Context()
	now := s.Now()
	link := s.BaseURL + "/antrag/fortsetzen?token=" + url.QueryEscape(a.rec.ID+"."+secret)
	title := a.def.Title.In(lang)
	until := now.Add(anonDraftTTL).In(berlin).Format("02.01.2006")
	err = s.DB.InTx(ctx, func(tx *sqlstore.Tx) error {
		if err := EnqueueMail(ctx, tx, mail.Message{To: email, Subject: T(lang, "antrag.link_mail_subject", title),
			Text: T(lang, "antrag.link_mail_text", title, link, until)}, now); err != nil {
			return err
		}
		return sqlstore.AppendAudit(ctx, tx, now, audit.Record{Actor: "anonymous", TenantAGS: a.rec.TenantAGS, Action: "draft.link_mailed", Object: "draft:" + a.rec.ID})
	})
	if err != nil {
		return err
	}
	s.wakeJobs()
	return redirect(w, r, stepURL(a.rec.ID, back)+"?link=gesendet")
}

// antragResume (GET /antrag/fortsetzen?token=ID.SECRET) restores the draft cookie from a
// mailed link and continues where the draft was left.
func (s *Server) antragResume(w http.ResponseWriter, r *http.Request) error {
	id, secret, _ := strings.Cut(r.URL.Query().Get("token"), ".")
	var rec *sqlstore.Draft
	var err error = errNotFound
	if draftIDRe.MatchString(id) && len(secret) >= 20 && len(secret) < 100 {
		rec, err = s.DB.GetDraft(r.Context(), id, sqlstore.DraftOwner{ResumeHash: identity.HashSecret(secret)}, s.Now())
	}
	if err != nil {
		if apperr.KindOf(err) != apperr.KindNotFound && err != error(errNotFound) {
			return err
		}
		p := s.page(r, "error.title", map[string]string{"Message": T(state(r).lang, "antrag.link_invalid"), "Status": "410"})
		return s.render(w, r, http.StatusGone, "error", p)
	}
	s.setDraftCookie(w, rec.ID, secret)
	if rec.SubmissionID != "" {
		return redirect(w, r, receiptURL(rec.SubmissionID))
	}
	return redirect(w, r, stepURL(rec.ID, rec.Step))
}

// antragDelete (POST /antrag/{id}/loeschen) deletes an open draft.
func (s *Server) antragDelete(w http.ResponseWriter, r *http.Request) error {
	a, err := s.loadAntrag(r)
	if err != nil {
		return err
	}
	if r.PostFormValue("bestaetigt") != "1" {
		// One click must not throw away everything entered and uploaded: ask first, having
		// saved what was typed on the step, so that "Nein" finds it there.
		back := r.PostFormValue("step")
		if _, ok := a.def.Step(back); !ok {
			back = reviewSlug
		}
		if err := s.saveStepWith(r, a, back); err != nil {
			return err
		}
		lang := state(r).lang
		d := struct{ ID, Title, Back string }{a.rec.ID, a.def.Title.In(lang), stepURL(a.rec.ID, back)}
		return s.render(w, r, http.StatusOK, "antrag_delete", s.page(r, "antrag.delete_confirm_title", d))
	}
	if err := s.DB.DeleteDraft(r.Context(), a.rec.TenantAGS, a.rec.ID, a.owner); err != nil {
		if apperr.KindOf(err) == apperr.KindNotFound {
			return errNotFound
		}
		return err
	}
	if state(r).user != nil {
		return redirect(w, r, "/konto?geloescht=1#antraege-title")
	}
	http.SetCookie(w, &http.Cookie{Name: draftCookiePrefix + a.rec.ID, Value: "", Path: "/antrag", MaxAge: -1, HttpOnly: true, Secure: s.Secure, SameSite: http.SameSiteLaxMode})
	return redirect(w, r, "/leistungen")
}

// applications is the "Meine Anträge" section of the account page.
type applications struct {
	Drafts      []draftItem
	Submissions []submissionItem
}

type draftItem struct {
	ID, Title, Gemeinde, ResumeURL string
	UpdatedAt, ExpiresAt           time.Time
}

type submissionItem struct {
	Reference, Title, Status, URL string
	CreatedAt                     time.Time
}

func (s *Server) myApplications(ctx context.Context, lang string, u *identity.User) (applications, error) {
	var out applications
	drafts, err := s.DB.DraftsOfUser(ctx, u.ID, s.Now(), maxDraftsListed)
	if err != nil {
		return out, err
	}
	for _, d := range drafts {
		it := draftItem{ID: d.ID, Title: d.FormID, ResumeURL: stepURL(d.ID, d.Step), UpdatedAt: d.UpdatedAt, ExpiresAt: d.ExpiresAt}
		if l, ok := s.Catalog.Get(d.Leistung); ok {
			it.Title = l.Name.In(lang)
		}
		if t, ok := s.Directory.Get(d.TenantAGS); ok {
			it.Gemeinde = t.Name
		}
		out.Drafts = append(out.Drafts, it)
	}
	var orgs []string
	for _, o := range u.Organisations {
		orgs = append(orgs, o.ID)
	}
	subs, err := s.DB.SubmissionsOfUser(ctx, u.ID, orgs, maxDraftsListed)
	if err != nil {
		return out, err
	}
	for _, sub := range subs {
		it := submissionItem{Reference: sub.Reference, Title: sub.DisplayName, Status: sub.Status, URL: receiptURL(sub.ID), CreatedAt: sub.CreatedAt}
		if l, ok := s.Catalog.Get(sub.Leistung); ok {
			it.Title = l.Name.In(lang) + " – " + sub.DisplayName
		}
		out.Submissions = append(out.Submissions, it)
	}
	return out, nil
}

type wzResult struct {
	Code  string `json:"code"`
	Title string `json:"title"`
}

// apiWZ (GET /api/v1/wz?q=) searches the classes and subclasses of WZ 2008 for the picker.
func (s *Server) apiWZ(w http.ResponseWriter, r *http.Request) error {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if len(q) > 100 {
		q = q[:100]
	}
	out := []wzResult{}
	for _, e := range (wzLookup{s.WZ}).Search(q, 15) {
		out = append(out, wzResult{Code: e.Code, Title: e.Title})
	}
	return writeJSON(w, http.StatusOK, map[string]any{"count": len(out), "results": out})
}

// staticURL returns the cache-busting URL of a static file ("form.js" → /static/form.<hash>.js).
func (s *Server) staticURL(name string) string {
	ext := path.Ext(name)
	base := strings.TrimSuffix(name, ext)
	for n := range s.static {
		if strings.HasPrefix(n, base+".") && strings.HasSuffix(n, ext) && len(n) == len(name)+13 {
			return "/static/" + n
		}
	}
	return ""
}
