package web

import (
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/rathaus-egov/rathaus/internal/apperr"
	"github.com/rathaus-egov/rathaus/internal/audit"
	"github.com/rathaus-egov/rathaus/internal/casework"
	"github.com/rathaus-egov/rathaus/internal/identity"
	"github.com/rathaus-egov/rathaus/internal/mail"
	"github.com/rathaus-egov/rathaus/internal/sqlstore"
)

// MaxCaseUpload limits a case form with attachments: five files of 10 MB and the text.
const MaxCaseUpload = casework.MaxFiles*casework.MaxFile + 1<<20

// Delivery is what the integration hub reports about forwarding a submission to its
// recipients (Empfänger).
type Delivery struct {
	Recipients int // how many recipients the notice goes to
	Delivered  int // how many have it
	Lines      []DeliveryLine
}

// DeliveryLine is the state of one recipient.
type DeliveryLine struct {
	Recipient string
	Status    string
	At        time.Time
}

// caseDelivery asks the integration hub's hook (Config.CaseDeliveries) for the delivery
// status; nil when no hub is wired or it knows nothing.
func (s *Server) caseDelivery(ctx context.Context, submissionID string) *Delivery {
	if s.CaseDeliveries == nil {
		return nil
	}
	d, err := s.CaseDeliveries(ctx, submissionID)
	if err != nil {
		s.Log.Warn("delivery status", "submission", submissionID, "err", err)
		return nil
	}
	return d
}

func caseActor(st *reqState) casework.Actor {
	a := casework.Actor{ID: actorOf(st)}
	if st.user != nil {
		a.Name = st.user.Name
	} else if st.token != nil {
		a.Name = "API: " + st.token.Name
	}
	return a
}

// staffCase loads a case the staff member works on; anyone else gets 404. Every read is
// audited: a case holds personal data.
func (s *Server) staffCase(r *http.Request, id string) (*casework.Case, error) {
	st := state(r)
	c, err := s.DB.CaseByID(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if !canWorkCase(st.user, c) {
		return nil, errNotFound
	}
	if r.Method == http.MethodGet {
		if err := s.DB.Audit(r.Context(), s.Now(), audit.Record{Actor: actorOf(st), TenantAGS: c.TenantAGS, Action: "case.read", Object: "case:" + c.ID, Detail: `{"path":"` + r.URL.Path + `"}`}); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func canWorkCase(u *identity.User, c *casework.Case) bool {
	return u != nil && (u.Kind == identity.KindAdmin || casework.CanWork(u, c.TenantAGS, c.OfficeID))
}

// readFiles reads the uploaded files of a multipart form field and sniffs their type.
func readFiles(r *http.Request, field string) ([]casework.FileInput, error) {
	if r.MultipartForm == nil {
		return nil, nil
	}
	var out []casework.FileInput
	for _, fh := range r.MultipartForm.File[field] {
		if fh.Filename == "" && fh.Size == 0 {
			continue
		}
		b, err := readPart(fh)
		if err != nil {
			return nil, err
		}
		name := path.Base(strings.ReplaceAll(fh.Filename, "\\", "/"))
		if len(name) > 200 {
			name = name[len(name)-200:]
		}
		out = append(out, casework.FileInput{Filename: name, ContentType: http.DetectContentType(b), Data: b})
	}
	return out, nil
}

func readPart(fh *multipart.FileHeader) ([]byte, error) {
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, casework.MaxFile+1))
}

// parseCaseForm parses a case form, multipart or not (the CSRF check has parsed it already
// for most requests; parsing twice is a no-op).
func parseCaseForm(r *http.Request) error {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		if err := r.ParseMultipartForm(1 << 20); err != nil && err != http.ErrNotMultipart {
			if isTooLarge(err) {
				return err
			}
			return &httpError{status: 400, key: "error.invalid", detail: err.Error()}
		}
		return nil
	}
	return r.ParseForm()
}

// storeFiles puts attachments into the blob store (content-addressed, so a retried request
// stores nothing twice) and returns their records.
func (s *Server) storeFiles(ctx context.Context, caseID string, in []casework.FileInput) ([]casework.File, error) {
	var out []casework.File
	for _, f := range in {
		key, err := s.Blobs.Put(ctx, f.Data)
		if err != nil {
			return nil, err
		}
		out = append(out, casework.File{ID: identity.NewID(), CaseID: caseID, Filename: f.Filename, ContentType: f.ContentType, BlobKey: key, Size: int64(len(f.Data)), CreatedAt: s.Now()})
	}
	return out, nil
}

// sendBlob writes a stored file as a download.
func (s *Server) sendBlob(w http.ResponseWriter, r *http.Request, key, contentType, filename string) error {
	b, err := s.Blobs.Get(r.Context(), key)
	if err != nil {
		return err
	}
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", `attachment; filename="`+strings.NewReplacer(`"`, "", "\n", "", "\r", "").Replace(filename)+`"`)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "private, no-store")
	_, err = w.Write(b)
	return err
}

type mailTo struct{ email, lang string }

// applicantRecipients returns who hears of news in a case's Postfach: the account that filed
// it and the members of the business it was filed for.
func (s *Server) applicantRecipients(ctx context.Context, c *casework.Case) ([]mailTo, error) {
	var out []mailTo
	seen := map[string]bool{}
	if c.UserID != "" {
		u, err := s.DB.UserByID(ctx, c.UserID)
		if err == nil && !u.Disabled {
			out, seen[u.Email] = append(out, mailTo{u.Email, u.Lang}), true
		} else if err != nil && apperr.KindOf(err) != apperr.KindNotFound {
			return nil, err
		}
	}
	if c.OrganisationID != "" {
		ms, err := s.DB.OrganisationMembers(ctx, c.OrganisationID)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			if !seen[m.Email] {
				out, seen[m.Email] = append(out, mailTo{m.Email, "de"}), true
			}
		}
	}
	return out, nil
}

// officeRecipients returns the case workers of the desks (for reminders).
func (s *Server) officeRecipients(ctx context.Context, desks []casework.Desk) ([]mailTo, error) {
	var out []mailTo
	seen := map[string]bool{}
	for _, d := range desks {
		ws, err := s.DB.CaseWorkers(ctx, d.AGS, d.OfficeID)
		if err != nil {
			return nil, err
		}
		for _, w := range ws {
			if !seen[w.Email] {
				out, seen[w.Email] = append(out, mailTo{w.Email, "de"}), true
			}
		}
	}
	return out, nil
}

// applyCase applies a change and queues the notification mails it asks for in the same
// transaction. The mails carry no personal data: only that something new waits, and a link.
func (s *Server) applyCase(ctx context.Context, c *casework.Case, ch *casework.Change, actor string) error {
	var applicants, offices []mailTo
	var err error
	if ch.Notify {
		if applicants, err = s.applicantRecipients(ctx, c); err != nil {
			return err
		}
	}
	if len(ch.NotifyOffices) > 0 {
		if offices, err = s.officeRecipients(ctx, ch.NotifyOffices); err != nil {
			return err
		}
	}
	now := s.Now()
	err = s.DB.ApplyCaseChange(ctx, c, ch, actor, now, func(ctx context.Context, tx *sqlstore.Tx) error {
		if ch.Zoll != nil && s.Hub != nil {
			// Indications for customs route the notice there (§ 3 Abs. 3 GewAnzV).
			if err := s.Hub.RouteZoll(ctx, tx, c.SubmissionID, now); err != nil {
				return err
			}
		}
		for _, m := range applicants {
			if err := EnqueueMail(ctx, tx, mail.Message{To: m.email, Subject: T(m.lang, "postfach.mail_subject"), Text: T(m.lang, "postfach.mail_text", s.BaseURL+"/postfach")}, now); err != nil {
				return err
			}
		}
		for _, m := range offices {
			if err := EnqueueMail(ctx, tx, mail.Message{To: m.email, Subject: T(m.lang, "case.mail_subject"), Text: T(m.lang, "case.mail_text", s.BaseURL+"/amt/vorgaenge")}, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		s.wakeJobs()
	}
	return err
}
