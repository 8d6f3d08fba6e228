package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/rathaus-egov/rathaus/internal/apperr"
	"github.com/rathaus-egov/rathaus/internal/identity"
)

// Page is what every page template gets. Data holds the page-specific struct.
type Page struct {
	Lang      string
	Title     string // message key of the page title (the h1)
	TitleText string // literal title when not a key
	CSS       string
	Path      string
	User      *identity.User
	CSRF      string
	Flash     string
	Errors    []apperr.FieldError
	// MoreErrors counts errors the page shows outside Errors (a form step renders its own).
	MoreErrors int
	Form       url.Values
	Data       any
	OtherLang  string
	SwitchURL  string
	// NoHeading leaves the h1 to the content (form steps render their own).
	NoHeading bool
	// StepForm: the page holds a form step (id step-form); form.js makes the language switch
	// save what was typed before switching (a plain link would drop it). The switch stays a
	// link: a submit button of the step's form placed before it in the page would be the
	// form's default button, and Enter in a field would switch the language.
	StepForm bool
	// Script is the URL of a page script loaded with defer (progressive enhancement only).
	Script string
}

// TitlePrefix starts the document title of a page that shows errors with their number
// ("Fehler (3): "), so a screen reader user hears at once that the form came back.
func (p *Page) TitlePrefix() string {
	if n := len(p.Errors) + p.MoreErrors; n > 0 {
		return T(p.Lang, "page.title_errors", n)
	}
	return ""
}

// CSRFField renders the hidden CSRF input.
func (p *Page) CSRFField() template.HTML {
	return template.HTML(`<input type="hidden" name="csrf_token" value="` + template.HTMLEscapeString(p.CSRF) + `">`)
}

// FieldError returns the error message for a form field, or "".
func (p *Page) FieldError(field string) string {
	for _, e := range p.Errors {
		if e.Pointer == field {
			return e.Message
		}
	}
	return ""
}

// Value returns the submitted value of a form field (for re-rendering after an error).
func (p *Page) Value(field string) string { return p.Form.Get(field) }

// page builds the common page data.
func (s *Server) page(r *http.Request, title string, data any) *Page {
	st := state(r)
	other := "en"
	if st.lang == "en" {
		other = "de"
	}
	q := r.URL.Query()
	q.Set("lang", other)
	return &Page{Lang: st.lang, Title: title, CSS: s.css, Path: r.URL.Path, User: st.user, CSRF: st.csrf, Data: data,
		Form: url.Values{}, OtherLang: other, SwitchURL: r.URL.Path + "?" + q.Encode()}
}

// render writes a page template with the given status.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, p *Page) error {
	t, ok := s.pages[p.Lang][name]
	if !ok {
		return errors.New("unknown template " + name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "base.html", p); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

// redirect answers a POST with 303 See Other (POST → redirect → GET).
func redirect(w http.ResponseWriter, r *http.Request, to string) error {
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// Problem is an RFC 9457 problem document with field errors.
type Problem struct {
	Type     string              `json:"type"`
	Title    string              `json:"title"`
	Status   int                 `json:"status"`
	Detail   string              `json:"detail,omitempty"`
	Instance string              `json:"instance,omitempty"`
	Code     string              `json:"code,omitempty"`
	Errors   []apperr.FieldError `json:"errors,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, err = w.Write(append(b, '\n'))
	return err
}

func writeProblem(w http.ResponseWriter, r *http.Request, p Problem) {
	if p.Type == "" {
		p.Type = "about:blank"
	}
	p.Instance = r.URL.Path
	b, _ := json.Marshal(p)
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_, _ = w.Write(append(b, '\n'))
}

// statusOf maps an error to its HTTP status and message key: the one place where domain
// error kinds meet HTTP.
func statusOf(err error) (int, string, string) {
	var he *httpError
	if errors.As(err, &he) {
		return he.status, he.key, he.detail
	}
	if isTooLarge(err) {
		return http.StatusRequestEntityTooLarge, "error.too_large", ""
	}
	var ae *apperr.Error
	if errors.As(err, &ae) {
		switch ae.Kind {
		case apperr.KindInvalid:
			return http.StatusUnprocessableEntity, ae.Key, ae.Msg
		case apperr.KindNotFound:
			return http.StatusNotFound, "error.not_found", ""
		case apperr.KindForbidden:
			return http.StatusForbidden, "error.forbidden", ae.Msg
		case apperr.KindConflict:
			return http.StatusConflict, ae.Key, ae.Msg
		case apperr.KindUnauthenticated:
			return http.StatusUnauthorized, "error.login_required", ae.Msg
		case apperr.KindTooLarge:
			return http.StatusRequestEntityTooLarge, "error.too_large", ae.Msg
		}
	}
	return http.StatusInternalServerError, "error.internal", ""
}

// antragStepPath matches the path of a form step or an action of a draft.
var antragStepPath = regexp.MustCompile(`^/antrag/[0-9a-f]{32}/([a-z0-9_-]+)$`)

// isAntragStep reports whether path is a form step of a draft (not its review page or one
// of its actions, which have no page to return to).
func isAntragStep(path string) bool {
	m := antragStepPath.FindStringSubmatch(path)
	if m == nil {
		return false
	}
	switch m[1] {
	case reviewSlug, "absenden", "link", "loeschen", "gemeinde":
		return false
	}
	return true
}

// serveError is the error adapter: the error page for the portal, problem+json for the API.
func (s *Server) serveError(w http.ResponseWriter, r *http.Request, err error) {
	status, key, detail := statusOf(err)
	if status == http.StatusInternalServerError {
		s.Log.Error("handler error", "request_id", requestID(r.Context()), "path", r.URL.Path, "err", err)
	}
	st := state(r)
	if isAPI(r.URL.Path) {
		p := Problem{Title: T(st.lang, key), Status: status, Detail: detail, Code: strings.TrimPrefix(key, "error."), Errors: apperr.FieldsOf(err)}
		if status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="rathaus"`)
		}
		writeProblem(w, r, p)
		return
	}
	if status == http.StatusUnauthorized && r.Method == http.MethodGet {
		http.Redirect(w, r, "/anmelden?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	if status == http.StatusRequestEntityTooLarge && r.Method == http.MethodPost && isAntragStep(r.URL.Path) {
		// A form step with files too large to read: back to the step, which says why (the
		// entered data of this post is lost with its body; the draft keeps what was saved).
		http.Redirect(w, r, r.URL.Path+"?zugross=1", http.StatusSeeOther)
		return
	}
	p := s.page(r, "error.title", map[string]string{"Message": T(st.lang, key), "Status": strconv.Itoa(status)})
	if rerr := s.render(w, r, status, "error", p); rerr != nil {
		http.Error(w, T(st.lang, key), status)
	}
}
