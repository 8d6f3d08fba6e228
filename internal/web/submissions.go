package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/rathaus-egov/rathaus/internal/apperr"
	"github.com/rathaus-egov/rathaus/internal/audit"
	"github.com/rathaus-egov/rathaus/internal/blobstore"
	"github.com/rathaus-egov/rathaus/internal/casework"
	"github.com/rathaus-egov/rathaus/internal/catalog"
	"github.com/rathaus-egov/rathaus/internal/identity"
	"github.com/rathaus-egov/rathaus/internal/jobs"
	"github.com/rathaus-egov/rathaus/internal/sqlstore"
	"github.com/rathaus-egov/rathaus/internal/submission"
	"github.com/rathaus-egov/rathaus/internal/tenant"
)

// JobRenderDocuments renders and stores a submission's documents after the commit (see
// Config.RenderDelay).
const JobRenderDocuments = "documents.render"

// MaxSubmissionBody limits POST /api/v1/submissions.
const MaxSubmissionBody = 1 << 20

// responsibleOffice finds the office that handles the service for the municipality,
// following a delegation, and snapshots its contact data.
func (s *Server) responsibleOffice(ctx context.Context, ags string, l *catalog.Leistung) (submission.Office, error) {
	kinds := []string{l.OfficeKind}
	if l.FallbackOfficeKind != "" {
		kinds = append(kinds, l.FallbackOfficeKind)
	}
	var last error
	for _, k := range kinds {
		o, err := s.DB.ResponsibleOffice(ctx, ags, tenant.OfficeKind(k))
		if err == nil {
			return officeOf(o), nil
		}
		last = err
	}
	return submission.Office{}, last
}

// submitOffice checks that the municipality offers the service online and returns the
// office that receives it: one query in the usual case (sqlstore.ServiceAt), the setting and
// the fallback office kind asked for one by one only where the first kind has no office.
func (s *Server) submitOffice(ctx context.Context, ags string, l *catalog.Leistung) (submission.Office, error) {
	status, o, err := s.DB.ServiceAt(ctx, ags, l.Key, tenant.OfficeKind(l.OfficeKind))
	if err == nil {
		if kindIn(l, status) != catalog.KindOnline {
			return submission.Office{}, errNotOffered()
		}
		return officeOf(o), nil
	}
	if apperr.KindOf(err) != apperr.KindNotFound {
		return submission.Office{}, err
	}
	if k, err := s.availabilityIn(ctx, ags, l); err != nil {
		return submission.Office{}, err
	} else if k != catalog.KindOnline {
		return submission.Office{}, errNotOffered()
	}
	off, err := s.responsibleOffice(ctx, ags, l)
	if err != nil {
		return submission.Office{}, apperr.Invalid(apperr.FieldError{Pointer: "/ags", Code: "no_office", Message: "Gemeinde (AGS): Für diese Leistung ist in dieser Gemeinde keine zuständige Stelle eingerichtet."})
	}
	return off, nil
}

// errNotOffered refuses a service the municipality does not offer online.
func errNotOffered() error {
	return apperr.Invalid(apperr.FieldError{Pointer: "/leistung", Code: "leistung_not_offered",
		Message: "Leistung: Diese Gemeinde bietet die Leistung nicht online an. Wenden Sie sich bitte direkt an die Gemeinde."})
}

// officeOf is the office a submission records.
func officeOf(o tenant.Office) submission.Office {
	return submission.Office{ID: o.ID, TenantAGS: o.TenantAGS, Snapshot: submission.OfficeSnapshot{
		Name: o.Name, Strasse: o.Strasse, PLZ: o.PLZ, Ort: o.Ort, Email: o.Email, Telefon: o.Telefon}}
}

// submit validates and stores a submission and queues its deliveries. The
// submission is committed when submit returns without error: only then may a receipt be shown.
func (s *Server) submit(ctx context.Context, in submission.Input) (*submission.Submission, bool, error) {
	s.intake.enter(monoNow())
	defer s.intake.leave()
	l, err := s.Submissions.Resolve(in.Leistung, in.AGS)
	if err != nil {
		return nil, false, err
	}
	off, err := s.submitOffice(ctx, in.AGS, l)
	if err != nil {
		return nil, false, err
	}
	p, err := s.Submissions.Prepare(ctx, in, off)
	if err != nil {
		return nil, false, err
	}
	// The documents are rendered by a job after the commit, delayed by RenderDelay so a burst
	// of submissions is accepted first and rendered afterwards; a download before that renders
	// on demand (deterministic from the stored data and the office snapshot, so both give the
	// same bytes). Rendering both PDFs costs about ten times the CPU of the whole submit path
	// (docs/decisions/0003-documents-rendered-after-commit.md).
	payload, _ := json.Marshal(map[string]string{"submission": p.Submission.ID})
	js := []jobs.Job{{Kind: JobRenderDocuments, Payload: payload, UniqueKey: "render:" + p.Submission.ID, MaxAttempts: 10,
		RunAt: p.Submission.CreatedAt.Add(s.RenderDelay)}}
	if s.SubmitJobs != nil {
		js = append(js, s.SubmitJobs(p)...)
	}
	sub, existing, err := s.DB.Submit(ctx, p, js, s.SubmitHooks...)
	if err != nil {
		return nil, false, err
	}
	s.wakeJobs()
	return sub, existing, nil
}

// StoreDocument renders one document of a submission and stores it in the blob store and the
// documents table; it returns the bytes. Idempotent: blobs are content-addressed and the
// rendering is deterministic.
func StoreDocument(ctx context.Context, db *sqlstore.DB, blobs blobstore.Store, r *submission.Renderer, sub *submission.Submission, name string, now time.Time) ([]byte, error) {
	b, err := r.Render(sub, name)
	if err != nil {
		return nil, err
	}
	key, err := blobs.Put(ctx, b)
	if err != nil {
		return nil, err
	}
	err = db.SaveDocument(ctx, sqlstore.Document{SubmissionID: sub.ID, Name: name, ContentType: "application/pdf", BlobKey: key, SHA256: key, Size: int64(len(b))}, now)
	return b, err
}

// RenderDocumentsJob is the handler of JobRenderDocuments.
func RenderDocumentsJob(db *sqlstore.DB, blobs blobstore.Store, r *submission.Renderer, now func() time.Time) jobs.Handler {
	return func(ctx context.Context, j jobs.Job) error {
		var p struct{ Submission string }
		if err := json.Unmarshal(j.Payload, &p); err != nil {
			return jobs.Permanent(err)
		}
		sub, err := db.GetSubmission(ctx, p.Submission)
		if err != nil {
			return err
		}
		for _, name := range submission.Documents {
			if _, err := db.GetDocument(ctx, sub.ID, name); err == nil {
				continue
			}
			if _, err := StoreDocument(ctx, db, blobs, r, sub, name, now()); err != nil {
				return err
			}
		}
		return nil
	}
}

type documentRef struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

type submissionResponse struct {
	ID               string              `json:"id"`
	Reference        string              `json:"reference"`
	Status           string              `json:"status"`
	Leistung         string              `json:"leistung"`
	AGS              string              `json:"ags"`
	Art              string              `json:"art,omitempty"`
	GewerbebetriebID string              `json:"gewerbebetriebID,omitempty"`
	CreatedAt        string              `json:"createdAt"`
	Digest           string              `json:"digest"`
	Warnings         []apperr.FieldError `json:"warnings"`
	Documents        []documentRef       `json:"documents"`
	Data             json.RawMessage     `json:"data,omitempty"`
}

func submissionJSON(sub *submission.Submission, withData bool) submissionResponse {
	r := submissionResponse{ID: sub.ID, Reference: sub.Reference, Status: sub.Status, Leistung: sub.Leistung, AGS: sub.TenantAGS, Art: sub.Art,
		GewerbebetriebID: sub.GewerbebetriebID, CreatedAt: sub.CreatedAt.UTC().Format("2006-01-02T15:04:05Z"), Digest: sub.Digest, Warnings: sub.Warnings}
	for _, d := range submission.Documents {
		r.Documents = append(r.Documents, documentRef{Name: d, URL: "/api/v1/submissions/" + sub.ID + "/documents/" + d})
	}
	if withData {
		r.Data = sub.Data
	}
	return r
}

type submitRequest struct {
	Leistung string          `json:"leistung"`
	AGS      string          `json:"ags"`
	Data     json.RawMessage `json:"data"`
}

func (s *Server) apiSubmit(w http.ResponseWriter, r *http.Request) error {
	st := state(r)
	var req submitRequest
	if err := readJSON(r, &req); err != nil {
		return err
	}
	var errs []apperr.FieldError
	if req.Leistung == "" {
		errs = append(errs, apperr.FieldError{Pointer: "/leistung", Code: "required", Message: "Leistung: Bitte den Leistungsschlüssel angeben."})
	}
	if !tenant.ValidAGS(req.AGS) {
		errs = append(errs, apperr.FieldError{Pointer: "/ags", Code: "pattern", Message: "Gemeinde (AGS): Bitte den 8-stelligen Amtlichen Gemeindeschlüssel angeben, z. B. 14713000."})
	}
	if len(req.Data) == 0 || string(req.Data) == "null" {
		errs = append(errs, apperr.FieldError{Pointer: "/data", Code: "required", Message: "Daten: Die Angaben der Anzeige fehlen."})
	}
	if len(errs) > 0 {
		return apperr.Invalid(errs...)
	}
	if st.token.TenantAGS != "" && st.token.TenantAGS != req.AGS {
		return &httpError{status: http.StatusForbidden, key: "error.forbidden", detail: "Das Token ist an die Gemeinde " + st.token.TenantAGS + " gebunden."}
	}
	key := r.Header.Get("Idempotency-Key")
	if key != "" && !submission.ValidIdempotencyKey(key) {
		return apperr.Invalid(apperr.FieldError{Pointer: "", Code: "idempotency_key_invalid", Message: "Idempotency-Key: 1 bis 200 druckbare ASCII-Zeichen."})
	}
	sub, existing, err := s.submit(r.Context(), submission.Input{Leistung: req.Leistung, AGS: req.AGS, Data: req.Data, TokenID: st.token.ID, IdempotencyKey: key, DataPointer: "/data"})
	if err != nil {
		return err
	}
	if existing {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	w.Header().Set("Location", "/api/v1/submissions/"+sub.ID)
	return writeJSON(w, http.StatusCreated, submissionJSON(sub, false))
}

// readJSON reads a JSON request body into v: 415 for another content type or a compressed
// body, 413 over the route's body limit, 400 for malformed JSON, 422 for unknown, misspelt or
// repeated fields (see decodeStrict).
func readJSON(r *http.Request, v any) error {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/json" {
		return &httpError{status: http.StatusUnsupportedMediaType, key: "error.media_type",
			detail: fmt.Sprintf("Content-Type muss application/json sein (gesendet: %q).", r.Header.Get("Content-Type"))}
	}
	if ce := r.Header.Get("Content-Encoding"); ce != "" && !strings.EqualFold(ce, "identity") {
		return &httpError{status: http.StatusUnsupportedMediaType, key: "error.media_type",
			detail: fmt.Sprintf("Content-Encoding %q wird nicht unterstützt; bitte unkomprimiert senden.", ce)}
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		if isTooLarge(err) {
			return err
		}
		return &httpError{status: 400, key: "error.malformed_json", detail: "Die Daten konnten nicht gelesen werden."}
	}
	return decodeStrict(body, v)
}

// decodeStrict decodes a JSON object into the struct v. Go's decoder matches member names
// without regard to case and lets a repeated member win; the API's contract (OpenAPI,
// additionalProperties false) knows each member once and by its exact name, so the top-level
// names are checked first: a repeated or unknown name (also "LEISTUNG") is a 422 with its
// pointer. Malformed JSON is a 400 naming the byte position.
func decodeStrict(body []byte, v any) error {
	if err := checkMembers(body, jsonNames(v)); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return &httpError{status: 400, key: "error.malformed_json", detail: fmt.Sprintf("Ungültiges JSON an Byte-Position %d.", se.Offset)}
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			return &httpError{status: 400, key: "error.malformed_json", detail: "Die Daten enden, bevor das JSON-Objekt vollständig ist."}
		case errors.As(err, &te):
			if te.Field == "" {
				return apperr.Invalid(apperr.FieldError{Pointer: "", Code: "type", Message: "Erwartet wird ein JSON-Objekt."})
			}
			return apperr.Invalid(apperr.FieldError{Pointer: "/" + strings.ReplaceAll(te.Field, ".", "/"), Code: "type", Message: "Falscher Datentyp für „" + te.Field + "“."})
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			return apperr.Invalid(apperr.FieldError{Pointer: "/" + f, Code: "unknown_field", Message: "Unbekanntes Feld „" + f + "“."})
		}
		return &httpError{status: 400, key: "error.malformed_json", detail: "Die Daten sind kein gültiges JSON-Objekt."}
	}
	if dec.More() {
		return &httpError{status: 400, key: "error.malformed_json", detail: "Nach dem JSON-Objekt folgen weitere Daten."}
	}
	return nil
}

// jsonNames lists the member names of the struct v points to (its json tags).
func jsonNames(v any) map[string]bool {
	t := reflect.TypeOf(v)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	names := map[string]bool{}
	if t.Kind() != reflect.Struct {
		return nil
	}
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name == "" {
			name = t.Field(i).Name
		}
		if name != "-" {
			names[name] = true
		}
	}
	return names
}

// checkMembers checks the top-level members of a JSON object: each known by its exact name
// and given once. Anything that is not an object is left to the decoder.
func checkMembers(body []byte, known map[string]bool) error {
	if known == nil {
		return nil
	}
	// jsontext, not encoding/json's Decoder.Token: it skips the values without building them
	// (the envelope's data is most of the body).
	dec := jsontext.NewDecoder(bytes.NewReader(body), jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	if t, err := dec.ReadToken(); err != nil || t.Kind() != '{' {
		return nil
	}
	seen := map[string]bool{}
	for dec.PeekKind() == '"' {
		t, err := dec.ReadToken()
		if err != nil {
			return nil // the decoder reports malformed JSON
		}
		name := t.String()
		ptr := "/" + strings.ReplaceAll(strings.ReplaceAll(name, "~", "~0"), "/", "~1")
		switch {
		case seen[name]:
			return apperr.Invalid(apperr.FieldError{Pointer: ptr, Code: "duplicate_key", Message: "Das Feld „" + name + "“ ist mehrfach angegeben."})
		case !known[name]:
			return apperr.Invalid(apperr.FieldError{Pointer: ptr, Code: "unknown_field", Message: "Unbekanntes Feld „" + name + "“ (Groß- und Kleinschreibung beachten)."})
		}
		seen[name] = true
		if err := dec.SkipValue(); err != nil {
			return nil
		}
	}
	return nil
}

// canRead decides who may read a submission: a token with scope cases of the responsible
// office's municipality, the token that filed it (scope read), the account that filed it or a
// member of the business it was filed for, staff who work the cases of the responsible office
// (a case-work role: sachbearbeitung or leitung, for that office or every office of the
// municipality — an administrator or the clerk of another office of the municipality reads
// no Gewerbeanzeige), platform admins. Everyone else gets 404. staff reports whether the read
// is an official's read of personal data (audited); a token with scope cases reads as staff
// even when it filed the submission itself.
func canRead(st *reqState, sub *submission.Submission) (ok, staff bool) {
	if t := st.token; t != nil {
		if t.Has(identity.ScopeCases) && (t.TenantAGS == sub.OfficeAGS || t.TenantAGS == "") {
			return true, true
		}
		return t.ID == sub.TokenID && t.Has(identity.ScopeRead), false
	}
	u := st.user
	if u == nil {
		return false, false
	}
	if sub.UserID != "" && u.ID == sub.UserID {
		return true, false
	}
	for _, o := range u.Organisations {
		if sub.OrganisationID != "" && o.ID == sub.OrganisationID {
			return true, false
		}
	}
	if casework.CanWork(u, sub.OfficeAGS, sub.OfficeID) || u.Kind == identity.KindAdmin {
		return true, true
	}
	return false, false
}

func (s *Server) loadReadable(r *http.Request) (*submission.Submission, error) {
	st := state(r)
	sub, err := s.DB.GetSubmission(r.Context(), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	ok, staff := canRead(st, sub)
	if !ok {
		return nil, errNotFound
	}
	if staff {
		if err := s.DB.Audit(r.Context(), s.Now(), audit.Record{Actor: actorOf(st), TenantAGS: sub.OfficeAGS, Action: "submission.read", Object: "submission:" + sub.ID, Detail: `{"path":"` + r.URL.Path + `"}`}); err != nil {
			return nil, err
		}
	}
	return sub, nil
}

func (s *Server) apiSubmission(w http.ResponseWriter, r *http.Request) error {
	sub, err := s.loadReadable(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.decorate(r.Context(), submissionJSON(sub, true), sub))
}

// decorate lets the integration hub and case work add their views (routing, deliveries …).
func (s *Server) decorate(ctx context.Context, resp submissionResponse, sub *submission.Submission) any {
	v, err := s.integrationView(ctx, resp, sub)
	if err != nil {
		s.Log.Error("integration view", "submission", sub.ID, "err", err)
		return resp
	}
	return v
}

func (s *Server) apiSubmissionDocument(w http.ResponseWriter, r *http.Request) error {
	sub, err := s.loadReadable(r)
	if err != nil {
		return err
	}
	return s.serveDocument(w, r, sub, r.PathValue("name"))
}

// serveDocument sends a stored document, rendering and storing it first when the background
// job has not run yet; rendering is deterministic, so both paths give the same bytes.
func (s *Server) serveDocument(w http.ResponseWriter, r *http.Request, sub *submission.Submission, name string) error {
	known := false
	for _, d := range submission.Documents {
		known = known || d == name
	}
	if !known {
		return errNotFound
	}
	ctx := r.Context()
	var b []byte
	if d, err := s.DB.GetDocument(ctx, sub.ID, name); err == nil {
		b, err = s.Blobs.Get(ctx, d.BlobKey)
		if err != nil && !errors.Is(err, blobstore.ErrNotFound) {
			return err
		}
	} else if apperr.KindOf(err) != apperr.KindNotFound {
		return err
	}
	if b == nil {
		var err error
		b, err = StoreDocument(ctx, s.DB, s.Blobs, s.Renderer, sub, name, s.Now())
		if err != nil {
			return err
		}
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="`+sub.Reference+"-"+name+`"`)
	w.Header().Set("Cache-Control", "private, no-store")
	_, err := w.Write(b)
	return err
}
